import { describe, it, expect } from 'vitest';
import type { FragmentRange, PeerId, SeqRange, UnavailableRange, WireMessage } from '../../../codecs/frame.js';
import { resolveRetransmitOptions, type RetransmitOptions } from '../../../actors/retransmit/options.js';
import { RetransmitPlanner, SHARED_SUBJECT_MS, type RetransmitWindow } from '../../../actors/retransmit/retransmit-planner.js';

const A: PeerId = { name: 'alice', incarnation: 1 };
const B: PeerId = { name: 'bob', incarnation: 7 };
const C: PeerId = { name: 'carol', incarnation: 3 };
const r = (from: number, to: number): SeqRange => ({ from, to });

/** A sender window holding seqs `low..high` of every subject. */
class FakeWindow implements RetransmitWindow {
  calls: { subject: string; from: number; to: number; maxMessages: number }[] = [];
  constructor(
    public low = 1,
    public high = 1_000_000,
  ) {}
  serve(subject: string, from: number, to: number, maxMessages: number) {
    this.calls.push({ subject, from, to, maxMessages });
    const messages: WireMessage[] = [];
    const start = Math.max(from, this.low);
    const end = Math.min(to, this.high, start + maxMessages - 1);
    for (let seq = start; seq <= end; seq++) messages.push({ subject, seq, flags: 0, payload: new Uint8Array([seq & 0xff]) });
    const unavailable = from < this.low ? [r(from, Math.min(to, this.low - 1))] : [];
    return { messages, unavailable };
  }
  /** Every held seq is a message of 10 fragments (index i's payload is [seq, i]). */
  serveFragments(subject: string, range: FragmentRange) {
    if (range.seq < this.low || range.seq > this.high) return undefined;
    const out: WireMessage[] = [];
    for (let i = Math.max(0, range.fromFrag); i <= Math.min(9, range.toFrag); i++) {
      out.push({ subject, seq: range.seq, flags: 0x02 | (i === 0 ? 0x04 : 0) | (i === 9 ? 0x08 : 0), payload: new Uint8Array([range.seq, i]), fragIndex: i, fragCount: 10 });
    }
    return out;
  }
}

interface Unicast {
  to: string;
  seqs: number[];
  unavailable: UnavailableRange[];
}

function setup(options: RetransmitOptions = {}, window = new FakeWindow()) {
  const unicasts: Unicast[] = [];
  const multicasts: { seqs: number[]; unavailable: UnavailableRange[] }[] = [];
  const planner = new RetransmitPlanner(
    {
      window,
      sink: {
        unicast: (to, messages, unavailable) => unicasts.push({ to: to.name, seqs: messages.map((m) => m.seq), unavailable }),
        multicast: (messages, unavailable) => multicasts.push({ seqs: messages.map((m) => m.seq), unavailable }),
      },
    },
    resolveRetransmitOptions(options),
  );
  const flush = (nowMs: number) => planner.onTimer(nowMs);
  return { planner, unicasts, multicasts, window, flush };
}

describe('RetransmitPlanner, fragments', () => {
  const f = (seq: number, fromFrag: number, toFrag: number): FragmentRange => ({ seq, fromFrag, toFrag });
  function fragSetup(options: RetransmitOptions = {}, window = new FakeWindow()) {
    const sent: { how: string; records: [number, number | undefined][]; unavailable: UnavailableRange[] }[] = [];
    const planner = new RetransmitPlanner(
      {
        window,
        sink: {
          unicast: (to, messages, unavailable) => sent.push({ how: to.name, records: messages.map((m) => [m.seq, m.fragIndex]), unavailable }),
          multicast: (messages, unavailable) => sent.push({ how: 'multicast', records: messages.map((m) => [m.seq, m.fragIndex]), unavailable }),
        },
      },
      resolveRetransmitOptions(options),
    );
    return { planner, sent };
  }

  it('resends only the fragments a NAK names, next to whole messages asked in the same NAK', () => {
    const { planner, sent } = fragSetup();
    planner.onNak(0, A, 'x', [r(3, 3)], [f(5, 2, 2), f(5, 7, 8)]);
    planner.onTimer(100);
    expect(sent).toEqual([{ how: 'alice', records: [[3, undefined], [5, 2], [5, 7], [5, 8]], unavailable: [] }]);
  });

  it('reports a message it no longer holds unavailable by its seq', () => {
    const { planner, sent } = fragSetup({}, new FakeWindow(10));
    planner.onNak(0, A, 'x', [], [f(4, 0, 1)]);
    planner.onTimer(100);
    expect(sent).toEqual([{ how: 'alice', records: [], unavailable: [{ subject: 'x', from: 4, to: 4 }] }]);
  });

  it('sends a fragment several askers miss once by multicast, the rest by unicast, and suppresses repeats', () => {
    const { planner, sent } = fragSetup({ multicastThreshold: 2 });
    planner.onNak(0, A, 'x', [], [f(5, 1, 3)]);
    planner.onNak(1, B, 'x', [], [f(5, 3, 4)]);
    planner.onTimer(100);
    expect(sent).toEqual([
      { how: 'multicast', records: [[5, 3]], unavailable: [] },
      { how: 'alice', records: [[5, 1], [5, 2]], unavailable: [] },
      { how: 'bob', records: [[5, 4]], unavailable: [] },
    ]);
    planner.onNak(101, A, 'x', [], [f(5, 1, 3)]);
    planner.onTimer(200);
    expect(sent).toHaveLength(3);
    expect(planner.counters.suppressed).toBe(3);
  });

  it('counts no fragment NAK of an asker without a vote towards a multicast resend', () => {
    // Before: the fragment part of NAKs counted every asker, so names nobody advertised made a
    // fragment go to the whole group.
    const { planner, sent } = fragSetup({ multicastThreshold: 2 });
    planner.onNak(0, A, 'x', [], [f(5, 1, 2)], null);
    planner.onNak(1, B, 'x', [], [f(5, 1, 2)], null);
    planner.onTimer(100);
    expect(sent.map((x) => x.how)).toEqual(['alice', 'bob']);
  });

  it('counts fragment NAKs of askers sharing a voter once', () => {
    const { planner, sent } = fragSetup({ multicastThreshold: 2 });
    planner.onNak(0, A, 'x', [], [f(5, 1, 2)], '127.0.0.1:9');
    planner.onNak(1, B, 'x', [], [f(5, 1, 2)], '127.0.0.1:9');
    planner.onTimer(100);
    expect(sent.map((x) => x.how)).toEqual(['alice', 'bob']);
    planner.onNak(200, A, 'y', [], [f(5, 1, 2)], '127.0.0.1:9');
    planner.onNak(201, B, 'y', [], [f(5, 1, 2)], '127.0.0.1:10');
    planner.onTimer(300);
    expect(sent.slice(2).map((x) => x.how)).toEqual(['multicast']);
  });
});

describe('RetransmitPlanner', () => {
  it('serves a single asker by unicast after coalesceMs', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(100, A, 'x', [r(5, 7)]);
    expect(planner.nextDeadlineMs()).toBe(104);
    flush(103);
    expect(unicasts).toHaveLength(0);
    flush(104);
    expect(unicasts).toEqual([{ to: 'alice', seqs: [5, 6, 7], unavailable: [] }]);
    expect(multicasts).toHaveLength(0);
    expect(planner.counters).toMatchObject({ naksReceived: 1, retransmitsUnicast: 1, messagesResent: 3 });
    expect(planner.nextDeadlineMs()).toBeUndefined();
    expect(planner.pendingSeqs).toBe(0);
  });

  it('resends once by multicast what two askers NAK within coalesceMs, and the rest by unicast', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(100, A, 'x', [r(5, 8)]);
    planner.onNak(103, B, 'x', [r(7, 10)]);
    flush(104);
    expect(multicasts).toEqual([{ seqs: [7, 8], unavailable: [] }]);
    expect(unicasts).toEqual([
      { to: 'alice', seqs: [5, 6], unavailable: [] },
      { to: 'bob', seqs: [9, 10], unavailable: [] },
    ]);
    expect(planner.counters).toMatchObject({ retransmitsMulticast: 1, retransmitsUnicast: 2, messagesResent: 6 });
  });

  it('serves at once a NAK of a subject that only this asker NAKed before', () => {
    const { planner, unicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(5, 5)]);
    expect(unicasts).toHaveLength(0); // a subject's first NAK waits for other askers
    flush(4);
    planner.onNak(10, A, 'x', [r(9, 9)]);
    expect(unicasts).toEqual([
      { to: 'alice', seqs: [5], unavailable: [] },
      { to: 'alice', seqs: [9], unavailable: [] },
    ]);
    expect(planner.nextDeadlineMs()).toBeUndefined();
    expect(planner.pendingSeqs).toBe(0);
    planner.onNak(11, A, 'y', [r(1, 1)]); // another subject: its first NAK waits
    expect(planner.nextDeadlineMs()).toBe(15);
  });

  it('coalesces a subject again for SHARED_SUBJECT_MS once a second asker NAKed it, so shared losses go by multicast', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(1, 1)]);
    flush(4);
    planner.onNak(10, A, 'x', [r(5, 6)]); // alone so far: served at once
    planner.onNak(11, B, 'x', [r(5, 6)]); // B shares the loss: its NAK waits
    expect(unicasts.map((u) => u.to)).toEqual(['alice', 'alice']);
    planner.onNak(20, A, 'x', [r(8, 8)]);
    planner.onNak(21, B, 'x', [r(8, 8)]);
    flush(24);
    expect(multicasts).toEqual([{ seqs: [8], unavailable: [] }]);
    expect(unicasts.map((u) => u.to)).toEqual(['alice', 'alice', 'bob']);
    planner.onNak(21 + SHARED_SUBJECT_MS - 1, B, 'x', [r(12, 12)]);
    expect(unicasts).toHaveLength(3); // still shared: waits
    flush(21 + SHARED_SUBJECT_MS + 3);
    planner.onNak(21 + SHARED_SUBJECT_MS + 10, B, 'x', [r(13, 13)]);
    expect(unicasts.slice(3)).toEqual([
      { to: 'bob', seqs: [12], unavailable: [] },
      { to: 'bob', seqs: [13], unavailable: [] },
    ]);
  });

  it('does not count one asker twice toward the multicast threshold', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(5, 6)]);
    planner.onNak(1, A, 'x', [r(5, 6)]);
    flush(4);
    expect(multicasts).toHaveLength(0);
    expect(unicasts).toEqual([{ to: 'alice', seqs: [5, 6], unavailable: [] }]);
    expect(planner.counters.retransmitsUnicast).toBe(1);
  });

  it('counts askers by voter towards the multicast threshold: names sharing one, once; names without one, not at all', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    // One socket NAKing under two listed names: one vote, served by unicast to each.
    planner.onNak(0, A, 'x', [r(5, 6)], [], '127.0.0.1:9');
    planner.onNak(1, B, 'x', [r(5, 6)], [], '127.0.0.1:9');
    flush(4);
    expect(multicasts).toHaveLength(0);
    expect(unicasts.map((u) => u.to)).toEqual(['alice', 'bob']);
    // Names nobody advertised: no vote, whatever their number.
    planner.onNak(100, A, 'y', [r(5, 6)], [], null);
    planner.onNak(101, B, 'y', [r(5, 6)], [], null);
    planner.onNak(102, C, 'y', [r(5, 6)], [], null);
    flush(104);
    expect(multicasts).toHaveLength(0);
    // Two voters: once by multicast.
    planner.onNak(200, A, 'z', [r(5, 6)], [], '127.0.0.1:9');
    planner.onNak(201, C, 'z', [r(6, 6)], [], '127.0.0.1:10');
    flush(204);
    expect(multicasts).toEqual([{ seqs: [6], unavailable: [] }]);
  });

  it('serves by unicast to each asker when they NAK further apart than coalesceMs', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(5, 5)]);
    flush(4);
    planner.onNak(10, B, 'x', [r(5, 5)]);
    flush(14);
    expect(multicasts).toHaveLength(0);
    expect(unicasts.map((u) => u.to)).toEqual(['alice', 'bob']);
  });

  it('coalesces per subject, each subject on its own deadline', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(1, 1)]);
    planner.onNak(2, B, 'y', [r(1, 1)]);
    planner.onNak(3, C, 'x', [r(1, 1)]);
    expect(planner.nextDeadlineMs()).toBe(4);
    flush(4);
    expect(multicasts).toEqual([{ seqs: [1], unavailable: [] }]);
    expect(planner.nextDeadlineMs()).toBe(6);
    flush(6);
    expect(unicasts).toEqual([{ to: 'bob', seqs: [1], unavailable: [] }]);
  });

  it('ignores NAKs from anyone for what it multicast, for repeatSuppressMs', () => {
    const { planner, unicasts, multicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(5, 6)]);
    planner.onNak(1, B, 'x', [r(5, 6)]);
    flush(4);
    planner.onNak(10, C, 'x', [r(5, 7)]); // 5, 6 suppressed; 7 served
    planner.onNak(12, A, 'x', [r(5, 6)]);
    flush(14);
    expect(multicasts).toHaveLength(1);
    expect(unicasts).toEqual([{ to: 'carol', seqs: [7], unavailable: [] }]);
    expect(planner.counters.suppressed).toBe(4);
    planner.onNak(24, C, 'x', [r(5, 6)]); // suppression over (served at 4, +20)
    flush(28);
    expect(unicasts[1]).toEqual({ to: 'carol', seqs: [5, 6], unavailable: [] });
  });

  it('ignores repeats from the same asker after a unicast, but serves another asker', () => {
    const { planner, unicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(5, 6)]);
    flush(4);
    planner.onNak(5, A, 'x', [r(5, 6)]);
    planner.onNak(6, B, 'x', [r(5, 6)]);
    flush(10);
    expect(unicasts.map((u) => u.to)).toEqual(['alice', 'bob']);
    expect(planner.counters.suppressed).toBe(2);
    planner.onNak(25, A, 'x', [r(5, 6)]);
    flush(29);
    expect(unicasts.map((u) => u.to)).toEqual(['alice', 'bob', 'alice']);
  });

  it('answers unavailable ranges to the asker by unicast', () => {
    const { planner, unicasts, flush } = setup({}, new FakeWindow(100, 200));
    planner.onNak(0, A, 'x', [r(90, 102)]);
    flush(4);
    expect(unicasts).toEqual([{ to: 'alice', seqs: [100, 101, 102], unavailable: [{ subject: 'x', from: 90, to: 99 }] }]);
    expect(planner.counters.unavailableRanges).toBe(1);
  });

  it('answers unavailable parts of a multicast range to each asker by unicast, never by multicast', () => {
    const { planner, unicasts, multicasts, flush } = setup({}, new FakeWindow(100, 200));
    planner.onNak(0, A, 'x', [r(95, 101)]);
    planner.onNak(1, B, 'x', [r(98, 101)]);
    flush(4);
    expect(multicasts).toEqual([{ seqs: [100, 101], unavailable: [] }]);
    expect(unicasts).toEqual([
      { to: 'alice', seqs: [], unavailable: [{ subject: 'x', from: 95, to: 99 }] },
      { to: 'bob', seqs: [], unavailable: [{ subject: 'x', from: 98, to: 99 }] },
    ]);
  });

  it('sends nothing when the window has nothing to say', () => {
    const { planner, unicasts, multicasts, flush } = setup({}, new FakeWindow(1, 10));
    planner.onNak(0, A, 'x', [r(50, 60)]);
    flush(4);
    expect(unicasts).toHaveLength(0);
    expect(multicasts).toHaveLength(0);
  });

  it('takes at most maxMessagesPerNak sequences, the lowest, from a hostile 1,000,000-wide range', () => {
    const { planner, unicasts, window, flush } = setup();
    planner.onNak(0, A, 'x', [r(1, 1_000_000)]);
    expect(planner.pendingSeqs).toBe(1024);
    flush(4);
    expect(window.calls).toEqual([{ subject: 'x', from: 1, to: 1024, maxMessages: 1024 }]);
    expect(unicasts[0].seqs).toHaveLength(1024);
    expect(planner.counters.truncated).toBe(1_000_000 - 1024);
  });

  it('handles a 2^53-wide range and malformed ranges without walking them', () => {
    const { planner, flush, window } = setup({ maxNakRangeMessages: Number.MAX_SAFE_INTEGER });
    planner.onNak(0, A, 'x', [r(1, Number.MAX_SAFE_INTEGER), r(10, 5), r(-1, 3), r(1.5, 2)]);
    flush(4);
    // Bounded by what it asked the window for (one window's worth), not by the range's width.
    expect(window.calls).toEqual([{ subject: 'x', from: 1, to: 1024, maxMessages: 1024 }]);
    expect(planner.counters.invalidRanges).toBe(3);
  });

  it('refuses a range wider than maxNakRangeMessages whole (as a receiver drops a message beyond maxGapMessages), and serves the rest', () => {
    const { planner, unicasts, flush, window } = setup();
    planner.onNak(0, A, 'x', [r(0, Number.MAX_SAFE_INTEGER), r(5, 6), r(10, 1_000_010), r(20, 1_000_019)]);
    flush(4);
    expect(planner.counters.implausibleRanges).toBe(2);
    expect(planner.counters.invalidRanges).toBe(0);
    expect(window.calls.map((c) => [c.from, c.to])).toEqual([[5, 6], [20, 1041]]);
    expect(unicasts[0].seqs.slice(0, 3)).toEqual([5, 6, 20]);
  });

  it('reads at most maxMessagesPerNak ranges from one NAK', () => {
    const { planner } = setup({ maxMessagesPerNak: 10, maxPending: 1000 });
    const ranges = Array.from({ length: 100_000 }, (_, i) => r(2 * i, 2 * i));
    planner.onNak(0, A, 'x', ranges);
    expect(planner.pendingSeqs).toBe(10);
    expect(planner.counters.invalidRanges).toBe(100_000 - 10);
  });

  it('bounds the total pending (asker, sequence) pairs by maxPending', () => {
    const { planner, flush, window } = setup({ maxMessagesPerNak: 100, maxPending: 250 });
    for (let i = 0; i < 10; i++) planner.onNak(0, { name: `p${i}`, incarnation: 1 }, `s${i}`, [r(1, 100)]);
    expect(planner.pendingSeqs).toBe(250);
    expect(planner.counters.truncated).toBe(750);
    flush(4);
    const asked = window.calls.reduce((n, c) => n + (c.to - c.from + 1), 0);
    expect(asked).toBe(250);
    expect(planner.pendingSeqs).toBe(0);
  });

  // The per-asker range work is O(short * log long) (see seq-ranges.test.ts); this is the end-to-end smoke check.
  it('serves a storm of 40,000 askers of scattered sequences, multicasting what is held once', () => {
    const { planner, unicasts, multicasts, flush } = setup({}, new FakeWindow(20_000, 100_000));
    for (let i = 0; i < 40_000; i++) {
      const seq = 2 * (i >> 1); // askers 2k and 2k+1 ask the same seq: 20,000 scattered multicast ranges
      planner.onNak(0, { name: `p${i}`, incarnation: 1 }, 'x', [r(seq, seq)]);
    }
    flush(4);
    expect(multicasts).toHaveLength(1);
    expect(multicasts[0].seqs).toHaveLength(10_000); // seqs 20,000..39,998 are held
    // Askers of the seqs the window no longer holds hear it by unicast, one range each.
    expect(unicasts).toHaveLength(20_000);
    expect(unicasts.every((u) => u.unavailable.length === 1 && u.seqs.length === 0)).toBe(true);
  });

  it('bounds what it remembers for suppression, forgetting the oldest', () => {
    const { planner, unicasts, flush } = setup({ maxSuppressedRanges: 2, repeatSuppressMs: 1000 });
    planner.onNak(0, A, 'x', [r(1, 1), r(3, 3), r(5, 5)]);
    flush(4);
    planner.onNak(5, A, 'x', [r(1, 1), r(3, 3), r(5, 5)]);
    flush(9);
    expect(unicasts[1].seqs).toEqual([1]);
  });

  it('multicasts everything with multicastThreshold 1 and never with a threshold above the askers', () => {
    const one = setup({ multicastThreshold: 1 });
    one.planner.onNak(0, A, 'x', [r(1, 2)]);
    one.flush(4);
    expect(one.multicasts).toEqual([{ seqs: [1, 2], unavailable: [] }]);
    expect(one.unicasts).toHaveLength(0);
    const three = setup({ multicastThreshold: 3 });
    three.planner.onNak(0, A, 'x', [r(1, 2)]);
    three.planner.onNak(0, B, 'x', [r(1, 2)]);
    three.flush(4);
    expect(three.multicasts).toHaveLength(0);
    expect(three.unicasts.map((u) => u.to)).toEqual(['alice', 'bob']);
  });
});

describe('RetransmitPlanner: fragment NAKs under hostile input and repeats', () => {
  const f = (seq: number, fromFrag: number, toFrag: number): FragmentRange => ({ seq, fromFrag, toFrag });
  function fragSetup(options: RetransmitOptions = {}, window = new FakeWindow()) {
    const sent: { how: string; records: [number, number | undefined][]; unavailable: UnavailableRange[] }[] = [];
    const planner = new RetransmitPlanner(
      {
        window,
        sink: {
          unicast: (to, messages, unavailable) => sent.push({ how: to.name, records: messages.map((m) => [m.seq, m.fragIndex]), unavailable }),
          multicast: (messages, unavailable) => sent.push({ how: 'multicast', records: messages.map((m) => [m.seq, m.fragIndex]), unavailable }),
        },
      },
      resolveRetransmitOptions(options),
    );
    return { planner, sent };
  }

  it('ignores malformed fragment ranges and counts them', () => {
    const { planner, sent } = fragSetup();
    planner.onNak(0, A, 'x', [], [f(0, 0, 1), f(-3, 0, 1), f(1.5, 0, 1), f(6, 0.5, 1), f(6, 0, Number.NaN), f(7, 3, 2), f(8, 1, 1)]);
    expect(planner.counters.invalidRanges).toBe(6);
    expect(planner.pendingSeqs).toBe(1);
    planner.onTimer(100);
    expect(sent).toEqual([{ how: 'alice', records: [[8, 1]], unavailable: [] }]);
  });

  it('reads at most maxMessagesPerNak fragment ranges, and whole seqs and fragments share that bound', () => {
    const many = fragSetup({ maxMessagesPerNak: 4 });
    many.planner.onNak(0, A, 'x', [], [f(9, 0, 0), f(8, 0, 0), f(7, 0, 0), f(6, 0, 0), f(5, 0, 0), f(4, 0, 0)]);
    expect(many.planner.counters.invalidRanges).toBe(2);
    expect(many.planner.pendingSeqs).toBe(4);
    many.planner.onTimer(100);
    // Served in message order.
    expect(many.sent).toEqual([{ how: 'alice', records: [[6, 0], [7, 0], [8, 0], [9, 0]], unavailable: [] }]);

    const shared = fragSetup({ maxMessagesPerNak: 4 });
    shared.planner.onNak(0, A, 'x', [r(1, 3)], [f(5, 0, 9)]);
    expect(shared.planner.pendingSeqs).toBe(4);
    expect(shared.planner.counters.truncated).toBe(9);
    shared.planner.onTimer(100);
    expect(shared.sent).toEqual([{ how: 'alice', records: [[1, undefined], [2, undefined], [3, undefined], [5, 0]], unavailable: [] }]);

    const across = fragSetup({ maxMessagesPerNak: 4 });
    across.planner.onNak(0, A, 'x', [], [f(5, 0, 2), f(6, 0, 2)]);
    across.planner.onTimer(100);
    expect(across.sent).toEqual([{ how: 'alice', records: [[5, 0], [5, 1], [5, 2], [6, 0]], unavailable: [] }]);
  });

  it('bounds pending fragments by maxPending', () => {
    const { planner, sent } = fragSetup({ maxMessagesPerNak: 10, maxPending: 12 });
    planner.onNak(0, A, 'x', [], [f(5, 0, 9)]);
    planner.onNak(1, B, 'x', [], [f(6, 0, 9)]);
    expect(planner.pendingSeqs).toBe(12);
    expect(planner.counters.truncated).toBe(8);
    planner.onTimer(100);
    expect(planner.pendingSeqs).toBe(0);
    expect(sent[1]).toEqual({ how: 'bob', records: [[6, 0], [6, 1]], unavailable: [] });
  });

  it('serves each fragment once to an asker that repeats and widens its request within coalesceMs', () => {
    const { planner, sent } = fragSetup();
    planner.onNak(0, A, 'x', [r(1, 2)], [f(5, 1, 2)]);
    planner.onNak(1, A, 'x', [r(2, 3)], [f(5, 2, 4)]);
    planner.onNak(2, A, 'x', [r(7, 7)], [f(6, 0, 0)]);
    expect(planner.pendingSeqs).toBe(4 + 5);
    planner.onTimer(100);
    expect(sent).toEqual([
      {
        how: 'alice',
        records: [[1, undefined], [2, undefined], [3, undefined], [7, undefined], [5, 1], [5, 2], [5, 3], [5, 4], [6, 0]],
        unavailable: [],
      },
    ]);
  });

  it('gives fragments only to the askers that asked for them, next to an asker of whole messages', () => {
    const { planner, sent } = fragSetup();
    planner.onNak(0, A, 'x', [r(3, 3)]);
    planner.onNak(1, B, 'x', [], [f(5, 1, 1)]);
    planner.onTimer(100);
    expect(sent).toEqual([
      { how: 'alice', records: [[3, undefined]], unavailable: [] },
      { how: 'bob', records: [[5, 1]], unavailable: [] },
    ]);
  });

  it('reports a message no longer held unavailable to every asker of its fragments, by unicast only', () => {
    const { planner, sent } = fragSetup({ multicastThreshold: 2 }, new FakeWindow(10));
    planner.onNak(0, A, 'x', [], [f(4, 0, 1)]);
    planner.onNak(1, B, 'x', [], [f(4, 1, 2)]);
    planner.onTimer(100);
    expect(sent).toEqual([
      { how: 'alice', records: [], unavailable: [{ subject: 'x', from: 4, to: 4 }] },
      { how: 'bob', records: [], unavailable: [{ subject: 'x', from: 4, to: 4 }] },
    ]);
  });

  it('suppresses a repeat of fragments served by unicast to that asker only', () => {
    const { planner, sent } = fragSetup();
    planner.onNak(0, A, 'x', [], [f(5, 1, 2)]);
    planner.onTimer(100);
    planner.onNak(101, A, 'x', [], [f(5, 1, 2)]);
    planner.onNak(101, B, 'x', [], [f(5, 1, 1)]);
    expect(planner.counters.suppressed).toBe(2);
    planner.onTimer(200);
    expect(sent.map((s) => s.how)).toEqual(['alice', 'bob']);
  });
});

describe('RetransmitPlanner: nothing to do', () => {
  it('opens no batch for a NAK entirely suppressed', () => {
    const { planner, flush } = setup();
    planner.onNak(0, A, 'x', [r(1, 3)]);
    flush(4);
    planner.onNak(5, A, 'x', [r(1, 3)]);
    expect(planner.nextDeadlineMs()).toBeUndefined();
    expect(planner.pendingSeqs).toBe(0);
  });

  it('counts a repeated range of one asker in a batch once, and keeps every range it asked for', () => {
    const { planner, unicasts, flush } = setup();
    planner.onNak(0, A, 'x', [r(1, 3)]);
    planner.onNak(1, A, 'x', [r(2, 5)]);
    planner.onNak(2, A, 'x', [r(9, 9)]);
    expect(planner.pendingSeqs).toBe(6);
    flush(4);
    expect(unicasts).toEqual([{ to: 'alice', seqs: [1, 2, 3, 4, 5, 9], unavailable: [] }]);
  });

  it('sends no multicast when nothing of a range several askers want is held', () => {
    const { planner, unicasts, multicasts, flush } = setup({}, new FakeWindow(100, 200));
    planner.onNak(0, A, 'x', [r(10, 12)]);
    planner.onNak(1, B, 'x', [r(10, 12)]);
    flush(4);
    expect(multicasts).toEqual([]);
    expect(unicasts.map((u) => [u.to, u.unavailable])).toEqual([
      ['alice', [{ subject: 'x', from: 10, to: 12 }]],
      ['bob', [{ subject: 'x', from: 10, to: 12 }]],
    ]);
  });
});

describe('RetransmitPlanner: NAK service budgets', () => {
  /** Bytes of one FakeWindow message resent: a 16-byte record header, subject 'x', 1 payload byte. */
  const MSG = 18;

  it('serves one asker at most its budget, the lowest seqs first, and the rest on a later NAK once refilled', () => {
    const { planner, unicasts, flush } = setup({ askerRepairBytesPerSec: 10 * MSG, askerRepairBurstBytes: 10 * MSG, totalRepairBytesPerSec: 0 });
    planner.onNak(0, A, 'x', [r(1, 100)]);
    planner.onNak(0, B, 'x', [r(201, 203)]);
    flush(4);
    expect(unicasts).toEqual([
      { to: 'alice', seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], unavailable: [] },
      { to: 'bob', seqs: [201, 202, 203], unavailable: [] },
    ]);
    expect(planner.counters.overAskerBudget).toBe(90);
    // What was not served is not suppressed: asked again a second later, the next ten go.
    planner.onNak(1004, A, 'x', [r(11, 100)]);
    flush(1008);
    expect(unicasts[2]).toEqual({ to: 'alice', seqs: [11, 12, 13, 14, 15, 16, 17, 18, 19, 20], unavailable: [] });
  });

  it('bounds every asker together, and multicast, by the total budget', () => {
    const { planner, unicasts, multicasts, flush } = setup({ askerRepairBytesPerSec: 0, totalRepairBytesPerSec: 10 * MSG, totalRepairBurstBytes: 10 * MSG });
    planner.onNak(0, A, 'x', [r(1, 6)]);
    planner.onNak(0, B, 'x', [r(7, 12)]);
    flush(4);
    expect(unicasts.map((u) => [u.to, u.seqs])).toEqual([
      ['alice', [1, 2, 3, 4, 5, 6]],
      ['bob', [7, 8, 9, 10]],
    ]);
    expect(planner.counters.overTotalBudget).toBe(2);
    planner.onNak(1000, A, 'y', [r(1, 20)]);
    planner.onNak(1000, B, 'y', [r(1, 20)]);
    flush(1004);
    expect(multicasts).toEqual([{ seqs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], unavailable: [] }]);
    expect(planner.counters.overTotalBudget).toBe(12);
  });

  it('charges nothing for repeats inside the ignore interval, nor for what is no longer held', () => {
    const { planner, unicasts, flush } = setup({ askerRepairBytesPerSec: 1, askerRepairBurstBytes: 10 * MSG, repeatSuppressMs: 20 }, new FakeWindow(50));
    planner.onNak(0, A, 'x', [r(50, 54)]);
    flush(4);
    planner.onNak(10, A, 'x', [r(50, 54), r(1, 49)]);
    flush(14);
    planner.onNak(15, A, 'x', [r(55, 59)]);
    flush(19);
    expect(unicasts).toEqual([
      { to: 'alice', seqs: [50, 51, 52, 53, 54], unavailable: [] },
      { to: 'alice', seqs: [], unavailable: [{ subject: 'x', from: 1, to: 49 }] },
      { to: 'alice', seqs: [55, 56, 57, 58, 59], unavailable: [] },
    ]);
    expect(planner.counters.overAskerBudget).toBe(0);
    expect(planner.counters.suppressed).toBe(5);
  });

  it('budgets fragments like messages and suppresses only those it served', () => {
    const FRAG = 16 + 8 + 1 + 2; // record header, fragment extension, subject, payload
    const { planner, unicasts, flush } = setup({ askerRepairBytesPerSec: 1, askerRepairBurstBytes: 4 * FRAG, totalRepairBytesPerSec: 0 });
    planner.onNak(0, A, 'x', [], [{ seq: 7, fromFrag: 0, toFrag: 9 }]);
    flush(4);
    expect(unicasts[0].seqs).toEqual([7, 7, 7, 7]);
    expect(planner.counters.overAskerBudget).toBe(6);
    // Fragments 4..9 were not served: asked again (and paid for), they are not suppressed.
    planner.onNak(5, A, 'x', [], [{ seq: 7, fromFrag: 4, toFrag: 9 }]);
    flush(9);
    expect(planner.counters.overAskerBudget).toBe(12);
    expect(planner.counters.suppressed).toBe(0);
  });

  it('forgets the bucket of a peer that left', () => {
    const { planner, unicasts, flush } = setup({ askerRepairBytesPerSec: 1, askerRepairBurstBytes: 2 * MSG, totalRepairBytesPerSec: 0 });
    planner.onNak(0, A, 'x', [r(1, 3)]);
    flush(4);
    planner.forget(A);
    planner.onNak(100, A, 'x', [r(3, 4)]);
    flush(104);
    expect(unicasts.map((u) => u.seqs)).toEqual([[1, 2], [3, 4]]);
  });
});
