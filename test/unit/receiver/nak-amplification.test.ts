/**
 * NAK amplification (issue 9 item 5): behind a lossy link and a sender that answers NAKs slowly
 * (a busy publisher reads its socket late), a stream asks for each missing sequence about once,
 * not once per fixed retry tick while the first answer is still on its way.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../actors/core.js';
import type { SeqRange } from '../../../codecs/frame.js';
import { resolveReceiverOptions } from '../../../actors/receiver/options.js';
import { StreamReceiver } from '../../../actors/receiver/stream-receiver.js';
import { msg } from './helpers.js';

interface Run {
  /** Sequences in datagrams the link dropped (the wire truth). */
  lost: number;
  /** Sequences asked for, summed over every NAK. */
  requested: number;
  /** Sequences asked for twice within one NAK round (one `onTimer` call). */
  repeatsWithinRound: number;
  delivered: number;
  lossReports: number;
  /** Most NAKs of one sequence. */
  maxAsks: number;
}

/**
 * One stream fed datagrams of `perDatagram` messages every ms for `publishMs`, each dropped with
 * `lossRate` (seeded); every NAK is answered `repairMs` later, the answer itself lost with the
 * same rate; a heartbeat every 100 ms reveals tail loss. Time steps of 1 ms.
 */
function simulate(seed: number, lossRate: number, repairMs: number, publishMs = 4000, perDatagram = 10): Run {
  // Separate draws for the data and the answers: the data lost is the same whatever the NAKs.
  const rng = createRng(seed);
  const answerRng = createRng(seed + 1000);
  const answers = new Map<number, number[]>();
  const asks = new Map<number, number>();
  const run: Run = { lost: 0, requested: 0, repeatsWithinRound: 0, delivered: 0, lossReports: 0, maxAsks: 0 };
  let nowMs = 0;
  const stream = new StreamReceiver(
    {
      rng: createRng(seed + 1),
      out: {
        message: () => run.delivered++,
        lost: () => run.lossReports++,
        nak: (ranges: SeqRange[]) => {
          const seen = new Set<number>();
          const seqs: number[] = [];
          for (const r of ranges) {
            for (let s = r.from; s <= r.to; s++) {
              if (seen.has(s)) run.repeatsWithinRound++;
              seen.add(s);
              seqs.push(s);
              const n = (asks.get(s) ?? 0) + 1;
              asks.set(s, n);
              run.maxAsks = Math.max(run.maxAsks, n);
            }
            run.requested += r.to - r.from + 1;
          }
          if (answerRng() < lossRate) return; // the retransmission is lost
          const at = nowMs + repairMs;
          answers.set(at, [...(answers.get(at) ?? []), ...seqs]);
        },
      },
    },
    resolveReceiverOptions({}),
  );
  let seq = 0;
  const endMs = publishMs + 30_000;
  for (nowMs = 0; nowMs <= endMs; nowMs++) {
    if (nowMs < publishMs) {
      const first = seq + 1;
      seq += perDatagram;
      if (rng() < lossRate) run.lost += perDatagram;
      else for (let s = first; s <= seq; s++) stream.onMessage(nowMs, msg(s));
    }
    for (const s of answers.get(nowMs) ?? []) stream.onMessage(nowMs, msg(s), true);
    answers.delete(nowMs);
    if (nowMs % 100 === 0) stream.onStreamInfo(nowMs, 1, seq);
    const due = stream.nextDeadlineMs();
    if (due !== undefined && due <= nowMs) stream.onTimer(nowMs);
  }
  return run;
}

describe('NAK amplification', () => {
  it.each([1, 2, 3])(
    'behind 5 percent loss and a sender answering after 300 ms, seed %i asks for at most 1.5 times the sequences lost, and recovers all',
    (seed) => {
      const run = simulate(seed, 0.05, 300);
      expect(run.lost).toBeGreaterThan(0);
      expect(run.delivered).toBe(40_000);
      expect(run.lossReports).toBe(0);
      expect(run.repeatsWithinRound).toBe(0);
      expect(run.requested / run.lost).toBeLessThanOrEqual(1.5);
    },
  );

  it('behind 5 percent loss and a fast sender (answers after 2 ms) asks for about each lost sequence once', () => {
    const run = simulate(4, 0.05, 2);
    expect(run.delivered).toBe(40_000);
    expect(run.requested / run.lost).toBeLessThanOrEqual(1.2);
  });

  /** A stream with no first-NAK delay and a log of NAK times per sequence. */
  function timedStream() {
    const asks = new Map<number, number[]>();
    let nowMs = 0;
    const stream = new StreamReceiver(
      {
        rng: () => 0,
        out: {
          message: () => {},
          lost: () => {},
          nak: (ranges) => {
            for (const r of ranges) for (let s = r.from; s <= r.to; s++) asks.set(s, [...(asks.get(s) ?? []), nowMs]);
          },
        },
      },
      resolveReceiverOptions({ nakDelayMinMs: 0, nakDelayMaxMs: 0 }),
    );
    /** Runs the timer at every deadline up to `t`, then sets the clock to `t`. */
    const runTo = (t: number): void => {
      for (let d = stream.nextDeadlineMs(); d !== undefined && d <= t; d = stream.nextDeadlineMs()) {
        nowMs = Math.max(nowMs, d);
        stream.onTimer(nowMs);
      }
      nowMs = t;
    };
    const receive = (t: number, ...seqs: number[]): void => {
      runTo(t);
      for (const s of seqs) stream.onMessage(t, msg(s));
    };
    /** Messages of a RETRANSMIT. */
    const repair = (t: number, ...seqs: number[]): void => {
      runTo(t);
      for (const s of seqs) stream.onMessage(t, msg(s), true);
    };
    return { asks, runTo, receive, repair };
  }

  it('a gap answered 40 ms after its only NAK makes the next gap ask again after SRTT + 4 RTTVAR (120 ms), not 50 ms', () => {
    const { asks, runTo, receive, repair } = timedStream();
    receive(0, 1, 3); // 2 missing
    runTo(0);
    repair(40, 2); // one NAK, answered after 40 ms: a clean sample
    receive(100, 5); // 4 missing
    runTo(1000);
    expect(asks.get(2)).toEqual([0]);
    expect(asks.get(4)?.slice(0, 2)).toEqual([100, 220]);
  });

  it('before any repair was timed, a retry round asks again for one gap (the probe) and the others put their retry off once', () => {
    const { asks, runTo, receive } = timedStream();
    receive(0, 1, 3, 5); // 2 and 4 missing, NAKed together at 0
    runTo(0);
    runTo(149);
    expect(asks.get(2)).toEqual([0, 50]); // the probe
    expect(asks.get(4)).toEqual([0]); // put off to 150 (a doubled wait)
    runTo(150);
    expect(asks.get(2)).toEqual([0, 50, 150]);
    expect(asks.get(4)).toEqual([0, 150]); // put off only once
  });

  it('while a slow sender has not answered, the retry wait backs off and gaps seen meanwhile start from the longer wait (Karn)', () => {
    const { asks, runTo, receive, repair } = timedStream();
    receive(0, 1, 3); // 2 missing
    runTo(155); // NAKs at 0, 50, 150: no answer, the estimate backs off to 200 ms
    receive(160, 5); // 4 missing
    repair(300, 2);
    runTo(359);
    expect(asks.get(2)).toEqual([0, 50, 150]);
    expect(asks.get(4)).toEqual([160]); // not again at 210: the backed-off wait is 200 ms
  });
});

