import { describe, it, expect } from 'vitest';
import type { PeerId } from '../../../codecs/frame.js';
import { FlowControl } from '../../../actors/flow/flow-control.js';
import { resolveSenderOptions, type SenderOptions } from '../../../actors/sender/options.js';

const A: PeerId = { name: 'a', incarnation: 1 };
const B: PeerId = { name: 'b', incarnation: 1 };
const C: PeerId = { name: 'c', incarnation: 1 };

function setup(o: SenderOptions & { multicastProbeMs?: number } = {}) {
  const { multicastProbeMs, ...sender } = o;
  const events: (string | number)[][] = [];
  const flow = new FlowControl(
    {
      sink: {
        slowConsumer: (peer, subject, lag) => events.push(['slow', peer.name, subject, lag]),
        windowOpened: (subject) => events.push(['opened', subject]),
      },
    },
    { ...resolveSenderOptions({ maxMessageBytes: 1, maxFragmentBytes: 1, ...sender }), multicastProbeMs },
  );
  /** Sends seqs `from..to` of `subject` at `nowMs`, each of which must be allowed. */
  const send = (nowMs: number, subject: string, from: number, to: number, bytes = 1) => {
    for (let seq = from; seq <= to; seq++) {
      expect(flow.canSend(nowMs, subject, seq, bytes)).toEqual({ ok: true });
      flow.onSent(nowMs, subject, seq, bytes);
    }
  };
  return { flow, events, send };
}

describe('FlowControl rate limit', () => {
  it('does not limit by default', () => {
    const { flow, send } = setup();
    send(0, 's', 1, 100, 10 * 1024 * 1024);
    expect(flow.nextDeadlineMs()).toBeUndefined();
    expect(flow.counters.blockedByRate).toBe(0);
  });

  it('lets a burst through, then refuses until the bucket has refilled, with the retry time', () => {
    const { flow, send } = setup({ rateBytesPerSec: 1000, burstBytes: 500 });
    send(0, 's', 1, 5, 100);
    expect(flow.canSend(0, 's', 6, 100)).toEqual({ ok: false, reason: 'rate', retryAtMs: 100 });
    expect(flow.nextDeadlineMs()).toBe(100);
    expect(flow.canSend(99, 's', 6, 100)).toMatchObject({ ok: false, reason: 'rate', retryAtMs: 100 });
    flow.onTimer(100);
    expect(flow.nextDeadlineMs()).toBeUndefined();
    send(100, 's', 6, 6, 100);
    expect(flow.counters.blockedByRate).toBe(2);
  });

  it('refills no more than the burst after an idle period', () => {
    const { flow, send } = setup({ rateBytesPerSec: 1000, burstBytes: 500 });
    send(0, 's', 1, 1, 500);
    send(60_000, 's', 2, 6, 100);
    expect(flow.canSend(60_000, 's', 7, 1)).toMatchObject({ ok: false, reason: 'rate', retryAtMs: 60_001 });
  });

  it('sends a message larger than the burst from a full bucket and pays it back before the next', () => {
    const { flow, send } = setup({ rateBytesPerSec: 1000, burstBytes: 500 });
    send(0, 's', 1, 1, 2000);
    // 1500 bytes of debt plus 10 bytes needed: 1.51 s at 1000 B/s.
    expect(flow.canSend(0, 's', 2, 10)).toMatchObject({ ok: false, reason: 'rate', retryAtMs: 1510 });
    send(1510, 's', 2, 2, 10);
  });

  it('keeps the average rate to rateBytesPerSec plus one burst', () => {
    const { flow } = setup({ rateBytesPerSec: 50_000, burstBytes: 4000 });
    let now = 0;
    let sent = 0;
    let seq = 1;
    while (now <= 10_000) {
      const v = flow.canSend(now, 's', seq, 1000);
      if (v.ok) {
        flow.onSent(now, 's', seq++, 1000);
        sent += 1000;
      } else now = v.retryAtMs as number;
    }
    expect(sent).toBeGreaterThanOrEqual(50_000 * 10);
    expect(sent).toBeLessThanOrEqual(50_000 * 10 + 4000 + 1000);
  });
});

describe('FlowControl window', () => {
  it('does not limit a stream without known receivers', () => {
    const { flow, send } = setup({ flowWindowMessages: 10 });
    send(0, 's', 1, 1000);
    expect(flow.windowPosition('s')).toBeUndefined();
  });

  it("under 'max' follows the fastest receiver and opens when it advances", () => {
    const { flow, events, send } = setup({ flowWindowMessages: 100, flowPolicy: 'max' });
    flow.onPosition(0, A, 's', 10);
    flow.onPosition(0, B, 's', 50);
    expect(flow.windowPosition('s')).toBe(50);
    send(0, 's', 1, 150);
    expect(flow.canSend(0, 's', 151, 1)).toEqual({ ok: false, reason: 'window' });
    expect(flow.counters.blockedByWindow).toBe(1);
    flow.onPosition(1, A, 's', 50); // the slow one moving does not open it
    expect(events.filter((e) => e[0] === 'opened')).toEqual([]);
    flow.onPosition(2, B, 's', 51);
    expect(events).toContainEqual(['opened', 's']);
    send(2, 's', 151, 151);
  });

  it("under 'min' waits for the slowest receiver and opens when it advances", () => {
    const { flow, events, send } = setup({ flowWindowMessages: 100, flowPolicy: 'min' });
    flow.onPosition(0, A, 's', 10);
    flow.onPosition(0, B, 's', 50);
    send(0, 's', 1, 110);
    expect(flow.canSend(0, 's', 111, 1)).toEqual({ ok: false, reason: 'window' });
    flow.onPosition(1, B, 's', 100);
    expect(events).toEqual([]);
    flow.onPosition(2, A, 's', 11);
    expect(events).toEqual([['opened', 's']]);
    send(2, 's', 111, 111);
    expect(flow.canSend(2, 's', 112, 1)).toMatchObject({ ok: false, reason: 'window' });
  });

  it('ignores stale, negative and non-integer positions', () => {
    const { flow } = setup({ flowWindowMessages: 10, flowPolicy: 'min' });
    flow.onPosition(0, A, 's', 20);
    flow.onPosition(0, A, 's', 5);
    expect(flow.windowPosition('s')).toBe(20);
    flow.onPosition(0, A, 's', -1);
    flow.onPosition(0, A, 's', 2.5);
    flow.onPosition(0, A, 's', Number.NaN);
    expect(flow.windowPosition('s')).toBe(20);
    expect(flow.counters.invalidPositions).toBe(3);
  });

  it('takes a position beyond the newest seq sent as that seq: one forged ACK far ahead does not stop the receiver pacing the stream', () => {
    const { flow, send } = setup({ flowWindowMessages: 100, flowPolicy: 'min' });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 100);
    expect(flow.canSend(0, 's', 101, 1).ok).toBe(false);
    flow.onPosition(1, A, 's', Number.MAX_SAFE_INTEGER); // forged: nothing beyond 100 was sent
    expect(flow.counters.positionsAhead).toBe(1);
    expect(flow.windowPosition('s')).toBe(100);
    send(1, 's', 101, 200); // one window more, not unlimited
    expect(flow.canSend(1, 's', 201, 1).ok).toBe(false);
    // The receiver's real reports count again as soon as they pass what the forged one was taken for.
    flow.onPosition(2, A, 's', 150);
    expect(flow.windowPosition('s')).toBe(150);
    expect(flow.canSend(2, 's', 251, 1).ok).toBe(false);
  });

  it('keeps streams apart', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min' });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    send(0, 't', 1, 50);
  });

  it('counts an explicitly added receiver at the start of a resumed stream until it reports', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min' });
    expect(flow.addReceiver(0, A, 's')).toBe(true);
    send(0, 's', 1001, 1010);
    expect(flow.canSend(0, 's', 1011, 1)).toMatchObject({ ok: false, reason: 'window' });
    flow.onPosition(1, A, 's', 1005);
    send(1, 's', 1011, 1015);
  });

  it('counts a receiver added mid-stream at the newest sent seq', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min' });
    send(0, 's', 1, 50);
    flow.addReceiver(0, A, 's');
    send(0, 's', 51, 60);
    expect(flow.canSend(0, 's', 61, 1).ok).toBe(false);
  });

  it('opens a blocked stream when its limiting receiver leaves or unsubscribes', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min' });
    flow.onPosition(0, A, 's', 0);
    flow.onPosition(0, A, 't', 0);
    flow.onPosition(0, B, 's', 5);
    send(0, 's', 1, 10);
    send(0, 't', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    expect(flow.canSend(0, 't', 11, 1).ok).toBe(false);
    flow.removeReceiver(A, 's');
    expect(events).toEqual([['opened', 's']]);
    expect(flow.windowPosition('s')).toBe(5);
    expect(flow.canSend(0, 't', 11, 1).ok).toBe(false);
    flow.removeReceiver(A);
    expect(events).toEqual([
      ['opened', 's'],
      ['opened', 't'],
    ]);
    expect(flow.counters.trackedPairs).toBe(1);
    send(0, 't', 11, 100);
  });

  it('tracks at most maxTrackedPositions pairs and counts the rest', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', maxTrackedPositions: 2 });
    flow.onPosition(0, A, 's', 0);
    flow.onPosition(0, A, 't', 0);
    flow.onPosition(0, B, 'u', 0);
    expect(flow.addReceiver(0, C, 'u')).toBe(false);
    expect(flow.counters).toMatchObject({ trackedPairs: 2, untrackedPairs: 2 });
    send(0, 'u', 1, 100); // nobody tracked on u
    flow.removeReceiver(A, 't');
    flow.onPosition(0, B, 'u', 0);
    expect(flow.counters.trackedPairs).toBe(2);
    expect(flow.canSend(0, 'u', 101, 1).ok).toBe(false);
  });
});

describe('FlowControl slow consumers', () => {
  it("under 'max' reports a receiver lagging beyond the window once per episode", () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'max' });
    flow.onPosition(0, A, 's', 0);
    flow.onPosition(0, B, 's', 0);
    for (let seq = 1; seq <= 30; seq++) {
      send(seq, 's', seq, seq);
      flow.onPosition(seq, A, 's', seq);
    }
    expect(events).toEqual([['slow', 'b', 's', 11]]);
    // Lag 6 (more than half the window): still the same episode.
    flow.onPosition(31, B, 's', 24);
    send(32, 's', 31, 40);
    flow.onPosition(32, A, 's', 40);
    expect(flow.counters.slowConsumerEvents).toBe(1);
    // Caught up (lag <= 5), then behind again: a second event.
    flow.onPosition(33, B, 's', 36);
    send(34, 's', 41, 46);
    expect(flow.counters.slowConsumerEvents).toBe(1); // lag 10: not beyond the window
    send(35, 's', 47, 47);
    expect(events).toEqual([['slow', 'b', 's', 11], ['slow', 'b', 's', 11]]);
    expect(flow.counters.slowConsumerEvents).toBe(2);
  });

  it("under 'max' reports a receiver that first appears already lagging", () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'max' });
    flow.onPosition(0, A, 's', 0);
    for (let seq = 1; seq <= 50; seq++) {
      send(0, 's', seq, seq);
      flow.onPosition(0, A, 's', seq);
    }
    flow.onPosition(0, B, 's', 20);
    expect(events).toEqual([['slow', 'b', 's', 30]]);
  });

  it("under 'min' stops waiting for a receiver without progress for stallTimeoutMs while it blocks", () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.onPosition(0, A, 's', 0);
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    flow.onPosition(100, A, 's', 10);
    expect(flow.nextDeadlineMs()).toBeUndefined(); // nobody blocks yet
    expect(flow.canSend(500, 's', 11, 1).ok).toBe(false);
    // B has been silent since 0, but the block began at 500: it gets the full timeout from there.
    expect(flow.nextDeadlineMs()).toBe(2500);
    flow.onTimer(2499);
    expect(events).toEqual([]);
    flow.onTimer(2500);
    expect(events).toEqual([
      ['slow', 'b', 's', 10],
      ['opened', 's'],
    ]);
    expect(flow.counters).toMatchObject({ stalledReceivers: 1, slowConsumerEvents: 1 });
    expect(flow.windowPosition('s')).toBe(10);
    send(2500, 's', 11, 20);
    expect(flow.canSend(2500, 's', 21, 1).ok).toBe(false); // A still limits
  });

  it('restarts the stall timeout when the blocking receiver makes progress', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.onPosition(0, A, 's', 100); // ahead: never blocks
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 30, 1).ok).toBe(false);
    flow.onPosition(1500, B, 's', 5); // progress, still blocking seq 30
    expect(flow.nextDeadlineMs()).toBe(3500);
    flow.onTimer(3499);
    expect(events).toEqual([]);
    flow.onPosition(3000, B, 's', 5); // a repeat is not progress
    expect(flow.nextDeadlineMs()).toBe(3500);
    flow.onTimer(3500);
    expect(events).toEqual([
      ['slow', 'b', 's', 5],
      ['opened', 's'],
    ]);
  });

  it('holds the stall clocks of a receiver whose multicast is in doubt until the probe ends, then gives it the stall bound', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    flow.renewProgress(1000, B, 3000); // the receiver list's probe ends at 3 s
    for (let t = 1000; t < 5000; t += 100) flow.onTimer(t);
    expect(events).toEqual([]);
    flow.onTimer(5000);
    expect(events[0]).toEqual(['slow', 'b', 's', 10]);
  });

  describe("a receiver that stands on one stream while it progresses on the sender's others (its application works through their backlog first)", () => {
    // A subscriber's application holds one stream's messages behind another's backlog
    // (delivery-backlog.ts): its position on the first stands while the second's climbs.
    /** B blocks `big` (window 4, sent 1..8, at 4), and stream `small` (window 1600, step 100) is behind. */
    const blockedBehind = () => {
      const t = setup({ flowWindowMessages: 1600, flowPolicy: 'min', stallTimeoutMs: 2000 });
      t.flow.setWindow('big', 4);
      t.flow.onPosition(0, B, 'small', 0);
      t.flow.onPosition(0, B, 'big', 0);
      t.send(0, 'small', 1, 1600);
      t.send(0, 'big', 1, 4);
      t.flow.onPosition(10, B, 'big', 4);
      t.send(10, 'big', 5, 8);
      expect(t.flow.canSend(10, 'big', 9, 1).ok).toBe(false);
      return t;
    };
    it('is not left out of the stream it stands on while it progresses on another', () => {
      const { flow, events } = blockedBehind();
      for (let t = 500, pos = 100; t <= 8000; t += 500, pos += 100) {
        flow.onPosition(t, B, 'small', pos);
        flow.onTimer(t);
      }
      expect(events).toEqual([]);
    });

    it('is left out at the stall bound when it progresses nowhere, and after ELSEWHERE_LIMIT restarts of its clock by the others when it never moves there', () => {
      const idle = blockedBehind();
      idle.flow.onTimer(2010);
      expect(idle.events[0]).toEqual(['slow', 'b', 'big', 4]);
      const { flow, events, send } = blockedBehind();
      let t = 10;
      let slowAt: number | undefined;
      // B keeps up on small (the publisher goes on sending it), a step every 1.9 s, never moving on big.
      for (let pos = 100; pos <= 3000 && slowAt === undefined; pos += 100) {
        t += 1900;
        flow.onPosition(t, B, 'small', pos);
        send(t, 'small', pos + 1501, pos + 1600);
        flow.onTimer(t);
        if (events.length > 0) slowAt = t;
      }
      // 16 restarts (at 1,910 ... 30,410 ms), then left out at the first timer past its bound (32,410).
      expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 'big', 4]]);
      expect(slowAt).toBe(10 + 18 * 1900);
    });
  });

  describe('a receiver whose reports fall back below what it reported (its position capped after it had reported more)', () => {
    // A subscriber's receiver on a worker thread reports what it handed to the application
    // thread; a busy application caps it later (delivery-backlog.ts) at what it handled plus
    // durablePaceMessages, below what was reported. Its reports then climb from there at the
    // handler's pace (a user-style check, 7 December: 32,768 reported, then 16,685, 16,784, ...
    // every 50 ms; named slowConsumer 2 s into the publisher's close, or 2 s into a block).
    const window = 1600; // progress step: 100
    /** B reported 1600, the stream sent 3200 and is blocked at 3201 (1600 + window). */
    const reportedThenBlocked = () => {
      const t = setup({ flowWindowMessages: window, flowPolicy: 'min', stallTimeoutMs: 2000 });
      t.flow.onPosition(0, B, 's', 0);
      t.send(0, 's', 1, 1600);
      t.flow.onPosition(10, B, 's', 1600);
      t.send(10, 's', 1601, 3200);
      expect(t.flow.canSend(10, 's', 3201, 1).ok).toBe(false);
      return t;
    };
    it('counts their climb as progress: not left out while blocked, nor given up while closing', () => {
      const { flow, events } = reportedThenBlocked();
      for (let t = 50, low = 800; t <= 6000; t += 50, low += 5) {
        flow.onPosition(t, B, 's', low);
        flow.onTimer(t);
      }
      expect(events).toEqual([]);
      expect(flow.windowPosition('s')).toBe(1600); // positions never move back
      for (let t = 6050, low = 1395; t <= 8000; t += 50, low += 5) {
        flow.onPosition(t, B, 's', low);
        expect(flow.drained(t)).toBe(false);
      }
      expect(events).toEqual([]);
    });

    it('counts one climb per position until it has moved a window beyond: a forger climbing again and again below it is left out', () => {
      const { flow, events, send } = reportedThenBlocked();
      // One climb from a window below, a step every 1.9 s: 16 steps, held all along (the bound).
      let t = 10;
      for (let low = 0; low < 1600; low += 100) {
        t += 1900;
        flow.onPosition(t, B, 's', low);
        flow.onTimer(t);
      }
      expect(events).toEqual([]);
      // A message further, then the same climb again: no more progress; left out a bound after its last.
      flow.onPosition(t + 10, B, 's', 1601);
      send(t + 10, 's', 3201, 3201);
      expect(flow.canSend(t + 10, 's', 3202, 1).ok).toBe(false);
      const lastProgressMs = t;
      let slowAt: number | undefined;
      for (let low = 100; low < 1600 && slowAt === undefined; low += 100) {
        t += 1900;
        flow.onPosition(t, B, 's', low);
        flow.onTimer(t);
        if (events.some((e) => e[0] === 'slow')) slowAt = t;
      }
      expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 's', 1600]]);
      expect(slowAt).toBe(lastProgressMs + 2 * 1900); // the first timer after the bound
    });

    it('counts a climb again once the position has moved a window beyond the last one, and not a report far below as progress', () => {
      const { flow, events, send } = reportedThenBlocked();
      for (let t = 1900, low = 100; low < 1600; t += 1900, low += 100) flow.onPosition(t, B, 's', low);
      // A window of progress (1600 → 3200), then capped again below: its climb counts.
      flow.onPosition(30_000, B, 's', 3200);
      send(30_000, 's', 3201, 4800);
      expect(flow.canSend(30_000, 's', 4801, 1).ok).toBe(false);
      let t = 30_000;
      for (let low = 2000; low < 3200; low += 100) {
        t += 1900;
        flow.onPosition(t, B, 's', low);
        flow.onTimer(t);
      }
      expect(events.filter((e) => e[0] === 'slow')).toEqual([]);
      // Far below (more than a window): no progress, left out a bound after the last step.
      for (let k = 1; k <= 3; k++) {
        flow.onPosition(t + k * 700, B, 's', 100 * k);
        flow.onTimer(t + k * 700);
      }
      expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 's', 1600]]);
    });

    it('does not start a climb again lower once it counted: a zigzag (down two steps, up one) is left out a bound after its first step', () => {
      const { flow, events } = reportedThenBlocked();
      let slowAt: number | undefined;
      for (let t = 1000; t <= 60_000 && slowAt === undefined; t += 1000) {
        flow.onPosition(t, B, 's', 1200);
        flow.onPosition(t + 1, B, 's', 1400);
        flow.onTimer(t + 1);
        if (events.some((e) => e[0] === 'slow')) slowAt = t;
      }
      // Its one counted step at 1 s (1200 → 1400), then nothing: left out at the first timer 2 s later.
      expect(slowAt).toBe(3000);
    });

    it('counts only a climb of a progress step, and not from more than a window below: a report creeping, or far below, stalls as before', () => {
      for (const far of [false, true]) {
        const { flow, events, send } = setup({ flowWindowMessages: window, flowPolicy: 'min', stallTimeoutMs: 2000 });
        flow.onPosition(0, B, 's', 0);
        send(0, 's', 1, 1600);
        flow.onPosition(5, B, 's', 1600);
        send(5, 's', 1601, 3200);
        flow.onPosition(10, B, 's', 3200);
        send(10, 's', 3201, 4800);
        expect(flow.canSend(10, 's', 4801, 1).ok).toBe(false);
        // Creeping 2 a report (80 in 2 s, less than a step); or climbing a step a report from more than a window below.
        for (let t = 50, low = far ? 1 : 1700; t <= 2010; t += 50, low += far ? 30 : 2) flow.onPosition(t, B, 's', low);
        flow.onTimer(2010);
        expect(events).toEqual([
          ['slow', 'b', 's', 1600],
          ['opened', 's'],
        ]);
      }
    });
  });

  it('restarts the stall timeout of a receiver whose process restarted (renewProgress): its new incarnation has the whole bound to ask', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.onPosition(0, A, 's', 100);
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 30, 1).ok).toBe(false);
    expect(flow.nextDeadlineMs()).toBe(2000);
    flow.renewProgress(1500, B); // B's new incarnation advertised: B's old positions still count
    expect(flow.nextDeadlineMs()).toBe(3500);
    flow.onTimer(3499);
    expect(events).toEqual([]);
    flow.onTimer(3500);
    expect(events).toEqual([
      ['slow', 'b', 's', 10],
      ['opened', 's'],
    ]);
  });

  it('takes a stalled receiver back once it has caught up, in a new episode', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 100 });
    flow.onPosition(0, A, 's', 0);
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    flow.onPosition(0, A, 's', 10);
    flow.canSend(0, 's', 11, 1);
    flow.onTimer(100);
    send(100, 's', 11, 20);
    flow.onPosition(101, A, 's', 20);
    flow.onPosition(101, B, 's', 15); // lag 5 = half the window: caught up
    expect(flow.windowPosition('s')).toBe(15);
    send(102, 's', 21, 25);
    expect(flow.canSend(102, 's', 26, 1).ok).toBe(false);
    flow.onPosition(150, A, 's', 25); // A keeps up (one behind the newest, without progress for the bound, is left out too)
    flow.onTimer(202);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([
      ['slow', 'b', 's', 10],
      ['slow', 'b', 's', 10],
    ]);
  });

  it('opens the window to nobody once every receiver is stalled: no listed receiver holds a stream beyond the stall bound', () => {
    for (const flowPolicy of ['min', 'max'] as const) {
      const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy, stallTimeoutMs: 1000 });
      flow.onPosition(0, A, 's', 0);
      send(0, 's', 1, 10);
      expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
      expect(flow.nextDeadlineMs()).toBe(1000);
      flow.onTimer(1000);
      expect(events).toEqual([
        ['slow', 'a', 's', 10],
        ['opened', 's'],
      ]);
      expect(flow.windowPosition('s')).toBeUndefined();
      send(1000, 's', 11, 500);
      // Once it has caught up (lag at most half the window) it is waited for again.
      flow.onPosition(1001, A, 's', 500);
      expect(flow.windowPosition('s')).toBe(500);
    }
  });

  it('does not count a position creeping forward a message at a time as progress (a forged or stuck receiver)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 160, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 160);
    expect(flow.canSend(0, 's', 161, 1).ok).toBe(false);
    // One message per report, 9 reports: 9 < 160/16 = 10, so no progress.
    for (let t = 1; t <= 9; t++) {
      flow.onPosition(t * 100, A, 's', t);
      send(t * 100, 's', 160 + t, 160 + t);
    }
    expect(flow.canSend(950, 's', 170, 1).ok).toBe(false);
    flow.onTimer(flow.nextDeadlineMs()!);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'a', 's', 160]]);
    expect(flow.canSend(1000, 's', 170, 1).ok).toBe(true);
  });

  it('holds a stream for at most the stall bound when a creeping position lets a message through now and then (one block episode)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 160, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 160);
    expect(flow.canSend(0, 's', 161, 1).ok).toBe(false);
    // Each report lets exactly one more message go, after which the stream blocks again.
    for (let t = 1; t <= 9; t++) {
      flow.onPosition(t * 100, A, 's', t);
      send(t * 100, 's', 160 + t, 160 + t);
      expect(flow.canSend(t * 100, 's', 161 + t, 1).ok).toBe(false);
    }
    // The block began at 0 and the window never moved 1/16 of itself: due at 1000, not 1900.
    expect(flow.nextDeadlineMs()).toBe(1000);
    flow.onTimer(1000);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'a', 's', 160]]);
    expect(flow.canSend(1000, 's', 170, 1).ok).toBe(true);
  });

  it('gives receivers that appear during a block episode (new forged names) no fresh stall timeout', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 160, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 160);
    expect(flow.canSend(0, 's', 161, 1).ok).toBe(false);
    // Just before A's deadline, a new name reports a position a message further: being
    // registered is no progress, it is left out with A (it would block next).
    flow.onPosition(900, B, 's', 1);
    flow.onTimer(1000);
    expect(events.filter((e) => e[0] === 'slow').map((e) => e[1])).toEqual(['a', 'b']);
    send(1000, 's', 161, 169);
    expect(flow.windowPosition('s')).toBeUndefined();
    // A stream held again later, after the window moved on, starts a new episode.
    flow.onPosition(1100, C, 's', 161);
    send(1100, 's', 162, 321);
    expect(flow.canSend(1200, 's', 322, 1).ok).toBe(false);
    expect(flow.nextDeadlineMs()).toBe(2200);
  });

  it('applies the window set for a stream (by bytes) to blocking and stalls, so a silent receiver is left out after the bound', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 16_384, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.setWindow('s', 100);
    flow.addReceiver(0, A, 's');
    expect(flow.creditLimit(0, 's')).toBe(100);
    send(0, 's', 1, 100);
    expect(flow.canSend(0, 's', 101, 1)).toEqual({ ok: false, reason: 'window' });
    expect(flow.nextDeadlineMs()).toBe(1000);
    flow.onTimer(1000);
    expect(events).toEqual([
      ['slow', 'a', 's', 100],
      ['opened', 's'],
    ]);
    expect(flow.creditLimit(1000, 's')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('counts a real step forward (1/16 of the window) as progress and keeps waiting for that receiver', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 160, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 160);
    expect(flow.canSend(0, 's', 161, 1).ok).toBe(false);
    flow.onPosition(900, A, 's', 10);
    send(900, 's', 161, 170);
    expect(flow.canSend(900, 's', 171, 1).ok).toBe(false);
    expect(flow.nextDeadlineMs()).toBe(1900);
    flow.onTimer(1000);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([]);
  });

  it('counts a receiver added with fromStart at the stream start until it reports', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min' });
    send(0, 's', 1, 8);
    flow.addReceiver(0, A, 's', true);
    expect(flow.windowPosition('s')).toBe(0);
    flow.addReceiver(0, B, 's');
    expect(flow.windowPosition('s')).toBe(0);
    flow.onPosition(1, A, 's', 8);
    expect(flow.windowPosition('s')).toBe(8);
  });

  it('is drained once every receiver not excluded reported the newest seq; one stuck for stallTimeoutMs is excluded and named', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 100, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, A, 's', 0);
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 50);
    expect(flow.drained(10)).toBe(false);
    flow.onPosition(20, A, 's', 50);
    expect(flow.drained(20)).toBe(false); // B is behind, and not stuck long enough
    expect(flow.drained(1009)).toBe(false);
    expect(flow.drained(1010)).toBe(true); // B made no progress for 1000 ms since the close began: not waited for
    expect(events).toEqual([['slow', 'b', 's', 50]]);
  });

  it('while closing, waits for a receiver stuck on one stream while it makes progress on another (a repair pending behind its backlog)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 1000, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, B, 's', 0);
    flow.onPosition(0, B, 't', 0);
    send(0, 's', 1, 600);
    send(0, 't', 1, 600);
    flow.onPosition(5, B, 's', 2); // then a gap: 's' waits for its repair
    expect(flow.drained(10)).toBe(false);
    for (let t = 100; t <= 2500; t += 100) {
      flow.onPosition(t, B, 't', t / 5); // working through 't'
      expect(flow.drained(t)).toBe(false);
    }
    expect(events).toEqual([]);
    flow.onPosition(2600, B, 's', 600);
    flow.onPosition(2600, B, 't', 600);
    expect(flow.drained(2600)).toBe(true);
    expect(flow.counters.stalledReceivers).toBe(0);
  });

  it('while closing, gives a receiver that was behind every stream since before the close the stall bound from the close', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 1000, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 600);
    flow.onPosition(10, B, 's', 100);
    // A burst: no step forward from 10 to 5,000 (every stream waits for a repair). Then the close.
    expect(flow.drained(5000)).toBe(false);
    expect(flow.drained(5999)).toBe(false);
    expect(events).toEqual([]);
    flow.onPosition(5500, B, 's', 600);
    expect(flow.drained(5500)).toBe(true);
  });

  it('while closing, waits multicastProbeMs more for a receiver that never reported the stream (its unicast fallback may be under way)', () => {
    const { flow, send } = setup({ flowWindowMessages: 1000, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    flow.addReceiver(100, B, 's');
    send(200, 's', 1, 500);
    expect(flow.drained(700)).toBe(false); // the close, 0.5 s after publishing
    expect(flow.drained(5099)).toBe(false); // registered at 100 + 3,000 probe + 2,000 stall
    flow.onPosition(4000, B, 's', 100); // found unreachable, repaired by unicast
    expect(flow.drained(5500)).toBe(false);
    flow.onPosition(5600, B, 's', 500);
    expect(flow.drained(5600)).toBe(true);
    expect(flow.counters.stalledReceivers).toBe(0);
  });

  it('a name that never reports holds a blocked stream once: its next incarnations take over its stall clock and exclusion (a forger alternating incarnations)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    const ghost = (incarnation: number): PeerId => ({ name: 'ghost', incarnation });
    flow.onPosition(0, B, 's', 0);
    flow.addReceiver(0, ghost(1), 's');
    send(0, 's', 1, 10);
    flow.onPosition(0, B, 's', 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false); // the ghost blocks
    flow.onTimer(4999);
    expect(flow.canSend(4999, 's', 11, 1).ok).toBe(false);
    flow.onTimer(5000); // registered at 0: the stall bound plus the probe
    send(5000, 's', 11, 20);
    flow.onPosition(5000, B, 's', 20);
    // Taken over by another incarnation of the name (a restart), which never reports either.
    flow.removeReceiver(ghost(1));
    flow.addReceiver(6000, ghost(2), 's');
    send(6000, 's', 21, 30); // positioned at 20 on registering
    flow.onPosition(6000, B, 's', 30);
    send(6000, 's', 31, 40); // not waited for: excluded, as the first one was
    flow.onPosition(6000, B, 's', 40);
    flow.removeReceiver(ghost(2));
    flow.addReceiver(7000, ghost(1), 's'); // and back again
    send(7000, 's', 41, 50);
    flow.onPosition(7000, B, 's', 50);
    send(7000, 's', 51, 60);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'ghost', 's', 10]]);
  });

  it('a receiver stalled on one stream is left out of the others it stopped on too: a publisher of several subjects is held one stall bound, not one per stream in turn', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    for (const subject of ['a', 'b', 'c']) flow.onPosition(0, B, subject, 0);
    flow.onPosition(0, C, 'c', 0);
    // The publisher alternates a, b (B stops at 0); c is also read by C, who keeps up.
    for (let seq = 1; seq <= 10; seq++) for (const subject of ['a', 'b']) send(0, subject, seq, seq);
    send(0, 'c', 1, 5);
    flow.onPosition(0, C, 'c', 5);
    expect(flow.canSend(0, 'a', 11, 1).ok).toBe(false); // held on a: b gets no chance to block
    flow.onTimer(2000);
    expect(flow.canSend(2000, 'a', 11, 1).ok).toBe(true);
    expect(flow.canSend(2000, 'b', 11, 1).ok).toBe(true); // before: b blocked now, for 2 s more
    send(2000, 'b', 11, 30);
    send(2000, 'c', 6, 15); // B is behind on c too and made no progress: not waited for there either
    expect(events.filter((e) => e[0] === 'slow').map((e) => e[2])).toEqual(['a', 'b', 'c']);
    // A receiver that keeps up on one stream is not left out of it for stalling on another.
    const { flow: f2, events: e2, send: send2 } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    f2.onPosition(0, B, 'a', 0);
    f2.onPosition(0, B, 'b', 0);
    send2(0, 'a', 1, 10);
    send2(0, 'b', 1, 10);
    expect(f2.canSend(0, 'a', 11, 1).ok).toBe(false);
    f2.onPosition(1500, B, 'b', 10); // B reads b, not a: alive, a's stall clock starts again there
    f2.onTimer(3500);
    expect(f2.canSend(3500, 'a', 11, 1).ok).toBe(true);
    expect(e2.filter((e) => e[0] === 'slow').map((e) => e[2])).toEqual(['a']);
    send2(3500, 'b', 11, 20);
    expect(f2.canSend(3500, 'b', 21, 1).ok).toBe(false); // still waited for on b
  });

  it('two receivers that stopped at the same moment hold a stream one stall bound, not one each in turn (the one a little ahead blocked only once the other was left out)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 32, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.onPosition(0, B, 's', 0);
    flow.onPosition(0, C, 's', 0);
    send(0, 's', 1, 20);
    flow.onPosition(100, B, 's', 10); // both stop reporting here (their ACKs are lost): C a little ahead
    flow.onPosition(100, C, 's', 20);
    send(100, 's', 21, 42);
    expect(flow.canSend(700, 's', 43, 1).ok).toBe(false); // B blocks; C does not yet
    // B stalls. C, behind the newest sent and without progress since before the block began
    // either, is left out with it: before, the window moved to C's position, C blocked, and
    // held the stream 2 s more.
    flow.onTimer(2700);
    send(2700, 's', 43, 100);
    expect(events.filter((e) => e[0] === 'slow').map((e) => e[1])).toEqual(['b', 'c']);
    // A receiver that progresses meanwhile keeps its own clock: it is waited for.
    const { flow: f2, send: send2 } = setup({ flowWindowMessages: 32, flowPolicy: 'min', stallTimeoutMs: 2000 });
    f2.onPosition(0, B, 's', 0);
    f2.onPosition(0, C, 's', 0);
    send2(0, 's', 1, 20);
    f2.onPosition(100, B, 's', 10);
    f2.onPosition(100, C, 's', 20);
    send2(100, 's', 21, 42);
    expect(f2.canSend(700, 's', 43, 1).ok).toBe(false);
    f2.onPosition(2500, C, 's', 30); // C reads on
    f2.onTimer(2700);
    send2(2700, 's', 43, 62);
    expect(f2.canSend(2700, 's', 63, 1).ok).toBe(false);
    expect(f2.nextDeadlineMs()).toBe(4500); // 2 s after C's last progress
  });

  it('a receiver that had everything sent when a stalled one was left out is not left out with it: it gets the whole bound if it blocks next', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 32, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.addReceiver(0, A, 's', true); // never reports (a forger's name)
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 32);
    flow.onPosition(50, B, 's', 32); // B keeps up: everything sent
    expect(flow.canSend(100, 's', 33, 1).ok).toBe(false); // A holds the stream
    flow.onTimer(5100); // A stalls (the bound plus the multicast probe time): left out
    expect(flow.canSend(5100, 's', 33, 1).ok).toBe(true);
    send(5100, 's', 33, 64); // the burst the opening lets through
    expect(flow.canSend(5100, 's', 65, 1).ok).toBe(false); // B's report on it is under way
    flow.onTimer(5120);
    expect(events.filter((e) => e[0] === 'slow').map((e) => e[1])).toEqual(['a']); // B was named too, 20 ms later
    expect(flow.nextDeadlineMs()).toBe(7100);
    flow.onPosition(5130, B, 's', 64);
    expect(flow.canSend(5130, 's', 65, 1).ok).toBe(true);
  });

  it('a receiver left out when its listing expired stays out when it comes back far behind (a paused process resumed), until it caught up', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000 });
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    flow.onTimer(2000); // B stalls: left out
    send(2000, 's', 11, 30);
    flow.removeReceiver(B); // its listing expired (paused past peerExpiryMs)
    send(2000, 's', 31, 40);
    flow.addReceiver(3000, B, 's'); // it resumes and advertises again, same incarnation
    flow.onPosition(3000, B, 's', 5); // from where it stopped
    send(3000, 's', 41, 60); // not waited for: before, held until it caught up
    flow.onPosition(3100, B, 's', 57); // caught up: waited for again
    expect(flow.canSend(3100, 's', 68, 1).ok).toBe(false);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 's', 10]]);
  });

  it('a receiver whose first report comes after the multicast probe (its unicast fallback) gets the stall bound from the probe\'s end, not from its registration', () => {
    // Multicast blocked, seeds given (a user-style check, 7 December): the subscribers reported
    // first at 3.1-3.6 s, through the fallback, and were named slowConsumer at once (their clock
    // had started at 0), while the repair was bringing them everything.
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    flow.addReceiver(0, B, 's', true);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    flow.onPosition(3100, B, 's', 0); // heard us at last, nothing delivered yet
    flow.onTimer(3200);
    flow.onTimer(4999);
    expect(flow.canSend(4999, 's', 11, 1).ok).toBe(false); // still waited for
    expect(events.filter((e) => e[0] === 'slow')).toEqual([]);
    flow.onPosition(4999, B, 's', 10); // the repair got through
    expect(flow.canSend(4999, 's', 11, 1).ok).toBe(true);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([]);
  });

  it('a first report after the probe, and nothing more, is left out at the probe\'s end plus the stall bound, as one that never reported', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    flow.addReceiver(0, B, 's', true);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false); // blocked from 0
    flow.onPosition(4900, B, 's', 0); // a report late in the probe's allowance does not extend it
    flow.onTimer(4999);
    expect(flow.canSend(4999, 's', 11, 1).ok).toBe(false);
    flow.onTimer(5000);
    expect(flow.canSend(5000, 's', 11, 1).ok).toBe(true);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 's', 10]]);
  });

  it('a receiver that reported and then stops is left out at the stall bound: the multicast probe is only for one never heard', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false); // B blocks (paused after reporting)
    flow.onTimer(1999);
    expect(flow.canSend(1999, 's', 11, 1).ok).toBe(false);
    flow.onTimer(2000);
    expect(flow.canSend(2000, 's', 11, 1).ok).toBe(true);
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 's', 10]]);
  });

  it('a name whose later incarnation reports is a live receiver again: the one after gets the whole bound, nothing taken over', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    const sub = (incarnation: number): PeerId => ({ name: 'sub', incarnation });
    flow.addReceiver(0, sub(1), 's'); // never reports (its start failed), then restarts
    flow.removeReceiver(sub(1));
    flow.addReceiver(100, sub(2), 's');
    flow.onPosition(100, sub(2), 's', 0); // reports: a live receiver
    send(100, 's', 1, 10);
    flow.removeReceiver(sub(2)); // killed; restarts
    flow.addReceiver(1000, sub(3), 's');
    expect(flow.canSend(1000, 's', 21, 1).ok).toBe(false);
    flow.onTimer(5999); // registered at 1000: the stall bound plus the probe, not sub(1)'s clock
    expect(flow.canSend(5999, 's', 21, 1).ok).toBe(false);
    flow.onTimer(6000);
    expect(flow.canSend(6000, 's', 21, 1).ok).toBe(true);
  });

  it('a name that reported is a live receiver: its next incarnation gets the whole stall bound again', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    const sub = (incarnation: number): PeerId => ({ name: 'sub', incarnation });
    flow.onPosition(0, sub(1), 's', 0);
    send(0, 's', 1, 10);
    flow.removeReceiver(sub(1)); // killed after it reported
    flow.addReceiver(100, sub(2), 's');
    expect(flow.canSend(100, 's', 21, 1).ok).toBe(false); // positioned at 10 on registering: 21 is past the window
    flow.onTimer(5099);
    expect(flow.canSend(5099, 's', 21, 1).ok).toBe(false);
    flow.onTimer(5100);
    expect(flow.canSend(5100, 's', 21, 1).ok).toBe(true);
  });

  it('while closing, does not wait past the probe for a receiver that stays silent (dead)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 1000, flowPolicy: 'min', stallTimeoutMs: 2000, multicastProbeMs: 3000 });
    flow.addReceiver(100, B, 's');
    send(200, 's', 1, 500);
    expect(flow.drained(700)).toBe(false);
    expect(flow.drained(5099)).toBe(false);
    expect(flow.drained(5100)).toBe(true);
    expect(events).toEqual([['slow', 'b', 's', 500]]);
  });

  it('while closing, waits for a receiver excluded from the window before the close (paused, now catching up)', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, B, 's', 0);
    send(0, 's', 1, 10);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    flow.onTimer(1000); // B stalls (a paused process): excluded, the publisher goes on
    expect(events.filter((e) => e[0] === 'slow')).toEqual([['slow', 'b', 's', 10]]);
    send(1000, 's', 11, 50);
    expect(flow.drained(1100)).toBe(false); // the close: B is behind
    flow.onPosition(1900, B, 's', 30); // B resumed and catches up
    expect(flow.drained(2800)).toBe(false);
    flow.onPosition(2900, B, 's', 50);
    expect(flow.drained(2900)).toBe(true);
    expect(events.filter((e) => e[0] === 'slow')).toHaveLength(1);
  });

  it('while closing, excludes a receiver once it made no progress on any stream for stallTimeoutMs', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 1000, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, B, 's', 0);
    flow.onPosition(0, B, 't', 0);
    send(0, 's', 1, 600);
    send(0, 't', 1, 600);
    expect(flow.drained(10)).toBe(false);
    flow.onPosition(500, B, 't', 300);
    expect(flow.drained(1400)).toBe(false);
    expect(flow.drained(1500)).toBe(true); // nothing from B since 500
    expect(events.map((e) => e[2]).sort()).toEqual(['s', 't']);
  });

  it('does not let receivers that appear while closing hold the close beyond the stall bound from its start', () => {
    const { flow, events, send } = setup({ flowWindowMessages: 100, flowPolicy: 'min', stallTimeoutMs: 1000 });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 50);
    flow.onPosition(10, A, 's', 50);
    expect(flow.drained(100)).toBe(true);
    // New names keep appearing behind the stream's end (a forger's ACKs).
    flow.onPosition(600, B, 's', 1);
    expect(flow.drained(600)).toBe(false);
    flow.onPosition(1000, C, 's', 2);
    expect(flow.drained(1099)).toBe(false);
    expect(flow.drained(1100)).toBe(true);
    expect(events.map((e) => e[1])).toEqual(['b', 'c']);
  });

  it('during start-up discovery gives an unlimited stream 1/16 of its window, counts receivers added then from the stream start, and opens after', () => {
    const { flow, send } = setup({ flowWindowMessages: 160, flowPolicy: 'min' });
    flow.startDiscovery(300);
    send(0, 's', 1, 5);
    expect(flow.creditLimit(10, 's')).toBe(10);
    flow.addReceiver(100, A, 's');
    expect(flow.creditLimit(100, 's')).toBe(160); // A counts from seq 0 (it was there first)
    flow.removeReceiver(A);
    expect(flow.creditLimit(299, 's')).toBe(10);
    expect(flow.creditLimit(300, 's')).toBe(Number.MAX_SAFE_INTEGER);
    flow.addReceiver(300, B, 's');
    expect(flow.creditLimit(300, 's')).toBe(5 + 160); // a late receiver counts from the newest sent
  });

  it('reports the earliest of the rate and stall deadlines', () => {
    const { flow, send } = setup({ flowWindowMessages: 10, flowPolicy: 'min', stallTimeoutMs: 1000, rateBytesPerSec: 1000, burstBytes: 10 });
    flow.onPosition(0, A, 's', 0);
    send(0, 's', 1, 10, 1);
    expect(flow.canSend(0, 's', 11, 1).ok).toBe(false);
    expect(flow.canSend(0, 't', 1, 1)).toEqual({ ok: false, reason: 'rate', retryAtMs: 1 });
    expect(flow.nextDeadlineMs()).toBe(1);
    flow.onTimer(1);
    expect(flow.nextDeadlineMs()).toBe(1000);
  });
});

describe('FlowControl parked streams', () => {
  it('parks a stream only when every receiver is at its newest sent seq and nothing is held', () => {
    const { flow, send } = setup({ flowWindowMessages: 4 });
    flow.addReceiver(0, A, 's');
    send(0, 's', 1, 3);
    expect(flow.park('s')).toBe(false); // A is assumed at 0: three messages in flight
    flow.onPosition(1, A, 's', 2);
    expect(flow.park('s')).toBe(false);
    flow.onPosition(2, A, 's', 3);
    expect(flow.park('s')).toBe(true);
    expect(flow.isParked('s')).toBe(true);
    expect(flow.counters).toMatchObject({ parkedStreams: 1, trackedPairs: 0 });
    expect(flow.park('never-sent')).toBe(false);
  });

  it('does not park a stream held for the window', () => {
    const { flow, send } = setup({ flowWindowMessages: 2 });
    flow.addReceiver(0, A, 's');
    send(0, 's', 1, 2);
    expect(flow.canSend(0, 's', 3, 1).ok).toBe(false);
    flow.onPosition(1, A, 's', 2);
    flow.canSend(1, 's', 5, 1); // held again: 5 - 2 > 2
    expect(flow.park('s')).toBe(false);
  });

  it('comes back whole from its newest sent seq: re-added receivers start there, the window follows them', () => {
    const { flow, send } = setup({ flowWindowMessages: 4 });
    flow.addReceiver(0, A, 's');
    send(0, 's', 1, 3);
    flow.onPosition(1, A, 's', 3);
    expect(flow.park('s')).toBe(true);
    // A position report at or beyond the parked seq says nothing new: still parked.
    flow.onPosition(2, A, 's', 3);
    expect(flow.isParked('s')).toBe(true);
    // Its next send: the shell re-adds the receivers its patterns match first.
    flow.addReceiver(10_000, A, 's');
    expect(flow.isParked('s')).toBe(false);
    expect(flow.windowPosition('s')).toBe(3);
    send(10_000, 's', 4, 7);
    expect(flow.canSend(10_000, 's', 8, 1)).toMatchObject({ ok: false, reason: 'window' });
    flow.onPosition(10_001, A, 's', 7);
    expect(flow.creditLimit(10_001, 's')).toBe(11);
    expect(flow.drained(10_001)).toBe(true);
  });

  it('a position report below the parked seq makes the stream whole with that receiver behind', () => {
    const { flow, send } = setup({ flowWindowMessages: 4 });
    send(0, 's', 1, 3);
    expect(flow.park('s')).toBe(true);
    flow.onPosition(1, B, 's', 1);
    expect(flow.isParked('s')).toBe(false);
    expect(flow.windowPosition('s')).toBe(1);
    expect(flow.drained(1)).toBe(false);
  });
});

describe('FlowControl awaitsConfirmation (streams that leave the heartbeats)', () => {
  it('is true while a tracked receiver has not reported the newest sent seq, stalled ones included', () => {
    const { flow, send } = setup({ flowWindowMessages: 4, stallTimeoutMs: 100 });
    expect(flow.awaitsConfirmation('s')).toBe(false); // unknown
    flow.addReceiver(0, A, 's');
    flow.addReceiver(0, B, 's');
    send(0, 's', 1, 1);
    expect(flow.awaitsConfirmation('s')).toBe(true); // both counted from 0
    flow.onPosition(1, A, 's', 1);
    expect(flow.awaitsConfirmation('s')).toBe(true); // B never heard of it
    send(2, 's', 2, 4);
    expect(flow.canSend(2, 's', 5, 1).ok).toBe(false); // B holds the window
    flow.onPosition(3, A, 's', 4); // A keeps up
    flow.onTimer(500); // B stalls: excluded from the window, still interested
    expect(flow.counters.stalledReceivers).toBe(1);
    flow.onPosition(501, A, 's', 4);
    expect(flow.awaitsConfirmation('s')).toBe(true);
    flow.onPosition(502, B, 's', 4);
    expect(flow.awaitsConfirmation('s')).toBe(false);
  });

  it('is false for a stream nobody tracks, and once it is parked', () => {
    const { flow, send } = setup();
    send(0, 't', 1, 1);
    expect(flow.awaitsConfirmation('t')).toBe(false);
    flow.addReceiver(0, A, 's');
    send(0, 's', 1, 2);
    flow.removeReceiver(A);
    expect(flow.awaitsConfirmation('s')).toBe(false);
    expect(flow.park('s')).toBe(true);
    expect(flow.awaitsConfirmation('s')).toBe(false);
  });
});
