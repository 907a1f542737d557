import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { FragmentRange, PeerId, SeqRange, WireMessage } from '../../../codecs/frame.js';
import { createRng } from '../../../actors/core.js';
import { resolveReceiverOptions } from '../../../actors/receiver/options.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import { StreamReceiver } from '../../../actors/receiver/stream-receiver.js';
import { frag, msg, recordingOutput, RecordingSink } from './helpers.js';

describe('StreamReceiver property', () => {
  it('turns any permutation with duplicates of 1..N into exactly 1..N in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i + 1),
              { minLength: n, maxLength: n },
            ),
            fc.array(fc.integer({ min: 1, max: n }), { maxLength: n }),
            fc.array(fc.nat(), { maxLength: n }),
          ),
        ),
        ([n, perm, dups, positions]) => {
          const order = [...perm];
          dups.forEach((d, i) => order.splice(positions[i] % (order.length + 1), 0, d));
          const { out, seqs, log } = recordingOutput();
          const stream = new StreamReceiver({ out, rng: createRng(1) }, resolveReceiverOptions({ maxBufferedMessages: 300 }));
          for (const s of order) stream.onMessage(0, msg(s));
          expect(seqs()).toEqual(Array.from({ length: n }, (_, i) => i + 1));
          expect(log.every((e) => e[0] === 'msg')).toBe(true);
          expect(stream.bufferedMessages).toBe(0);
          expect(stream.nextDeadlineMs()).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });
});

interface SimParams {
  seed: number;
  /** Logical messages published. */
  messages: number;
  lossPct: number;
  dupPct: number;
  maxLatencyMs: number;
  window: number;
  fragPct: number;
  /** Messages the sender keeps for retransmission (0: all). */
  retain: number;
  /** A partition (ms) starting at 50 ms; 0: none. */
  partitionMs: number;
  /** The sender restarts after this many logical messages (0: never). */
  restartAfter: number;
  /** 1: the restart keeps the ledger (numbering continues); 0: it numbers from 1 again. */
  ledger: number;
}

/** A logical message as published: which incarnation numbered it, and its seqs. */
interface Published {
  inc: number;
  seq: number;
  lastSeq: number;
  payload: number[];
}

/**
 * A small network simulator: one sender streaming `s` to the receiver over a lossy, reordering,
 * duplicating network, with heartbeats, NAKs and unavailable notices over a reliable channel
 * (delayed, never lost; held during a partition) and retransmissions over the lossy network.
 * Returns the receiver's sink and what was published.
 */
function simulate(p: SimParams) {
  const rng = createRng(p.seed);
  const events: { at: number; order: number; run: () => void }[] = [];
  let order = 0;
  const schedule = (at: number, run: () => void) => {
    events.push({ at, order: order++, run });
  };
  const partitioned = (t: number) => p.partitionMs > 0 && t >= 50 && t < 50 + p.partitionMs;
  const latency = () => 1 + Math.floor(rng() * p.maxLatencyMs);
  let now = 0;
  /** Unreliable: lost, delayed (so reordered), sometimes duplicated. */
  const lossy = (run: () => void, lossPct = p.lossPct) => {
    for (let copy = 0; copy < (rng() * 100 < p.dupPct ? 2 : 1); copy++) {
      if (partitioned(now) || rng() * 100 < lossPct) continue;
      const at = now + latency();
      if (!partitioned(at)) schedule(at, run);
    }
  };
  /** Reliable (the unicast channel): delivered after the partition if one is on. */
  const reliable = (run: () => void) => {
    const at = (partitioned(now) ? 50 + p.partitionMs : now) + latency();
    schedule(at, run);
  };

  // The sender: what it holds (memory and ledger) under its current numbering.
  let sender: PeerId = { name: 'a', incarnation: 1 };
  /** The records of each held seq: one, or the fragments of a fragmented message (all of that seq). */
  let store = new Map<number, WireMessage[]>();
  let startSeq = 1;
  let high = 0;
  let fragmentsResent = 0;
  const low = () => (p.retain > 0 ? Math.max(1, high - p.retain + 1) : 1);
  const published: Published[] = [];

  const sink = new RecordingSink();
  const rx = new Receiver(
    { sink, rng: createRng(p.seed + 1), isInterested: () => true },
    { maxBufferedMessages: p.window, maxGapMessages: 100_000 },
  );
  rx.setListed('a', true); // a sender that advertises
  sink.requestNak = (target: PeerId, subject: string, ranges: SeqRange[], fragments?: FragmentRange[]) => {
    RecordingSink.prototype.requestNak.call(sink, target, subject, ranges, fragments);
    reliable(() => {
      if (target.incarnation !== sender.incarnation) return; // a dead incarnation
      const by = sender;
      for (const r of ranges) {
        const lo = low();
        const upTo = Math.min(r.to, high);
        const from = r.from;
        const to = Math.min(upTo, lo - 1);
        if (from <= to) reliable(() => rx.onUnavailable(now, by, subject, from, to));
        for (let s = Math.max(r.from, lo); s <= upTo; s++) {
          // Resent by unicast in ledgecast (reliable); lossy here, less than the data, so
          // NAK retries are exercised without making a timeout likely (0.15^13 per gap at most).
          for (const m of store.get(s) as WireMessage[]) lossy(() => rx.onData(now, by, 0, m), p.lossPct / 4);
        }
      }
      // Fragments asked of a message held in part: only those are resent.
      for (const f of fragments ?? []) {
        if (f.seq < low() || f.seq > high) {
          if (f.seq <= high) reliable(() => rx.onUnavailable(now, by, subject, f.seq, f.seq));
          continue;
        }
        const records = store.get(f.seq) as WireMessage[];
        fragmentsResent += Math.min(records.length - 1, f.toFrag) - f.fromFrag + 1;
        for (const m of records.slice(f.fromFrag, f.toFrag + 1)) lossy(() => rx.onData(now, by, 0, m), p.lossPct / 4);
      }
    });
  };

  // Publishing: one logical message every 2 ms; heartbeats every 30 ms once anything was sent.
  let i = 0;
  const publishStep = () => {
    if (p.restartAfter > 0 && i === p.restartAfter) {
      sender = { name: 'a', incarnation: 2 };
      if (p.ledger === 1) startSeq = high + 1;
      else {
        store = new Map();
        high = 0;
        startSeq = 1;
      }
    }
    // A fragmented message: 2..5 fragments, all under the message's one seq.
    const parts = rng() * 100 < p.fragPct ? 2 + Math.floor(rng() * 4) : 0;
    const seq = high + 1;
    const payload: number[] = [];
    const wire: WireMessage[] = [];
    if (parts === 0) {
      payload.push(i & 0xff, i >> 8);
      wire.push(msg(seq, { payload: Uint8Array.from(payload) }));
    } else {
      for (let k = 0; k < parts; k++) {
        const chunk = [i & 0xff, k];
        payload.push(...chunk);
        const kind = k === 0 ? 'first' : k === parts - 1 ? 'last' : 'middle';
        wire.push({ ...msg(seq, { flags: frag(kind), payload: Uint8Array.from(chunk) }), fragIndex: k, fragCount: parts });
      }
    }
    published.push({ inc: sender.incarnation, seq, lastSeq: seq, payload });
    const by = sender;
    const s0 = startSeq;
    store.set(seq, wire);
    high = seq;
    for (const m of wire) lossy(() => rx.onData(now, by, s0, m));
    if (++i < p.messages) schedule(now + 2, publishStep);
  };
  schedule(0, publishStep);
  const endOfHeartbeats = p.messages * 2 + 60_000;
  const heartbeat = () => {
    if (high > 0) {
      const info = { subject: 's', startSeq, lowSeq: low(), highSeq: high };
      const by = sender;
      lossy(() => rx.onHeartbeat(now, by, [info]));
    }
    if (now < endOfHeartbeats) schedule(now + 30, heartbeat);
  };
  schedule(15, heartbeat);
  // Adverts (lossy, like the multicast ones): the receiver's only evidence of a restart.
  const advert = () => {
    const by = sender;
    lossy(() => rx.onAdvert(now, by));
    if (now < endOfHeartbeats) schedule(now + 250, advert);
  };
  schedule(0, advert);

  // Run: events in time order, receiver timers in between.
  const limit = endOfHeartbeats + 60_000;
  while (now < limit) {
    events.sort((a, b) => a.at - b.at || a.order - b.order);
    const nextEvent = events[0]?.at;
    const deadline = rx.nextDeadlineMs();
    if (nextEvent === undefined && deadline === undefined) break;
    if (deadline !== undefined && (nextEvent === undefined || deadline < nextEvent)) {
      now = Math.max(now, deadline);
      rx.onTimer(now);
      continue;
    }
    const e = events.shift() as { at: number; run: () => void };
    now = e.at;
    e.run();
  }
  return { sink, rx, published, high, fragmentsResent };
}

/** The seqs covered by deliveries and losses, in order (of the first `end` events). */
function coverage(sink: RecordingSink, end = sink.events.length): number[] {
  const seqs: number[] = [];
  for (const e of sink.events.slice(0, end)) {
    if (e.kind === 'deliver') for (let s = e.msg.seq; s <= e.msg.lastSeq; s++) seqs.push(s);
    if (e.kind === 'loss') for (let s = e.loss.from; s <= e.loss.to; s++) seqs.push(s);
  }
  return seqs;
}

const params = (o: Partial<Record<keyof SimParams, fc.Arbitrary<number>>> = {}) =>
  fc.record<SimParams>({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    messages: fc.integer({ min: 1, max: 150 }),
    lossPct: fc.integer({ min: 0, max: 40 }),
    dupPct: fc.integer({ min: 0, max: 30 }),
    maxLatencyMs: fc.integer({ min: 1, max: 40 }),
    window: fc.integer({ min: 4, max: 64 }),
    fragPct: fc.integer({ min: 0, max: 50 }),
    retain: fc.constant(0),
    partitionMs: fc.constant(0),
    restartAfter: fc.constant(0),
    ledger: fc.constant(1),
    ...o,
  });

const view = (l: Published) => ({ seq: l.seq, lastSeq: l.lastSeq, payload: l.payload });

describe('Receiver under loss, reordering, duplication and partitions', () => {
  it('delivers every message exactly once, in order, when the sender holds everything', () => {
    fc.assert(
      fc.property(params({ partitionMs: fc.constantFrom(0, 0, 20_000) }), (p) => {
        const { sink, rx, published } = simulate(p);
        expect(sink.losses()).toEqual([]);
        const got = sink.events.flatMap((e) => (e.kind === 'deliver' ? [{ seq: e.msg.seq, lastSeq: e.msg.lastSeq, payload: [...e.msg.payload] }] : []));
        expect(got).toEqual(published.map(view));
        expect(rx.bufferedBytes).toBe(0);
        // Held records: the reorder window of whole messages plus fragments of messages inside
        // it, a message being at most 5 fragments (fragments no longer take seqs of their own).
        expect(rx.peakBufferedMessages).toBeLessThanOrEqual((p.window + 4) * 5);
      }),
      { numRuns: 60 },
    );
  });

  it('follows a sender restarting with its ledger without loss or redelivery', () => {
    fc.assert(
      // The receiver must have seen the first incarnation: had it first seen the second, the
      // stream would begin at the second's startSeq (late-join rule).
      fc.property(params({ messages: fc.integer({ min: 30, max: 150 }), restartAfter: fc.integer({ min: 20, max: 100 }) }), (p) => {
        const { sink, published } = simulate(p);
        expect(sink.events.filter((e) => e.kind === 'reset' || e.kind === 'loss')).toEqual([]);
        expect(sink.delivered()).toEqual(published.map((l) => l.seq));
      }),
      { numRuns: 40 },
    );
  });

  it('resets once for a sender restarting without its ledger, then delivers its new numbering exactly', () => {
    fc.assert(
      fc.property(
        params({ messages: fc.integer({ min: 30, max: 120 }), restartAfter: fc.integer({ min: 20, max: 29 }), ledger: fc.constant(0) }),
        (p) => {
          const { sink, published } = simulate(p);
          const log = sink.log();
          const r = log.findIndex((e) => e[0] === 'reset');
          expect(r).toBeGreaterThanOrEqual(0);
          expect(log[r]).toEqual(['reset', 1]);
          // Before: the first numbering, covered once and in order, lost only when it left.
          const firstHigh = Math.max(...published.filter((l) => l.inc === 1).map((l) => l.lastSeq));
          for (const e of log.slice(0, r)) if (e[0] === 'lost') expect(e[3]).toBe('senderLeft');
          const before = coverage(sink, sink.events.findIndex((e) => e.kind === 'reset'));
          expect(before).toEqual(Array.from({ length: before.length }, (_, k) => k + 1));
          expect(before.length).toBeLessThanOrEqual(firstHigh);
          // After: exactly the second numbering.
          expect(log.slice(r + 1)).toEqual(published.filter((l) => l.inc === 2).map((l) => ['msg', l.seq]));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reports data loss only for what the sender no longer holds, keeping every seq once and in order', () => {
    fc.assert(
      fc.property(params({ retain: fc.integer({ min: 1, max: 30 }), lossPct: fc.integer({ min: 10, max: 60 }) }), (p) => {
        const { sink, published, high } = simulate(p);
        expect(coverage(sink)).toEqual(Array.from({ length: high }, (_, k) => k + 1));
        // A message is lost only if some of its fragments were not held by the end.
        const finalLow = Math.max(1, high - p.retain + 1);
        for (const l of sink.losses()) {
          expect(l.reason).toBe('unavailable');
          const owner = published.find((m) => m.seq <= l.from && l.from <= m.lastSeq) as Published;
          expect(owner.seq).toBeLessThan(finalLow);
        }
      }),
      { numRuns: 60 },
    );
  });
});
