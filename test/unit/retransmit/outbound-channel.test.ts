import { describe, it, expect } from 'vitest';
import { OutboundChannel, type OutboundChannelSink } from '../../../actors/retransmit/outbound-channel.js';
import { resolveRetransmitOptions, type RetransmitOptions } from '../../../actors/retransmit/options.js';

interface Recorded {
  transmits: { seq: number; item: string; attempt: number }[];
  gaveUp: { reason: string; dropped: readonly string[] }[];
}

function setup(options: RetransmitOptions = {}) {
  const rec: Recorded = { transmits: [], gaveUp: [] };
  const sink: OutboundChannelSink<string> = {
    transmit: (seq, item, attempt) => rec.transmits.push({ seq, item, attempt }),
    gaveUp: (reason, dropped) => rec.gaveUp.push({ reason, dropped }),
  };
  const ch = new OutboundChannel<string>({ sink }, resolveRetransmitOptions(options));
  return { ch, rec };
}

/** Runs every timer due up to `untilMs`, as the shell would. */
function runUntil(ch: OutboundChannel<string>, untilMs: number): void {
  for (let d = ch.nextDeadlineMs(); d !== undefined && d <= untilMs; d = ch.nextDeadlineMs()) ch.onTimer(d);
}

describe('OutboundChannel', () => {
  it('numbers items 1, 2, 3 and transmits each at once as attempt 1', () => {
    const { ch, rec } = setup();
    expect(ch.send(0, 'a')).toBe(1);
    expect(ch.send(0, 'b')).toBe(2);
    expect(ch.send(1, 'c')).toBe(3);
    expect(rec.transmits).toEqual([
      { seq: 1, item: 'a', attempt: 1 },
      { seq: 2, item: 'b', attempt: 1 },
      { seq: 3, item: 'c', attempt: 1 },
    ]);
    expect(ch.counters.sent).toBe(3);
    expect(ch.inFlightCount).toBe(3);
  });

  it('retransmits an unacknowledged item when its RTO expires, not before', () => {
    const { ch, rec } = setup(); // rtoInitialMs 100
    ch.send(0, 'a');
    expect(ch.nextDeadlineMs()).toBe(100);
    ch.onTimer(99);
    expect(rec.transmits).toHaveLength(1);
    ch.onTimer(100);
    expect(rec.transmits[1]).toEqual({ seq: 1, item: 'a', attempt: 2 });
    expect(ch.counters.retransmitted).toBe(1);
  });

  it('backs off exponentially between retransmissions, capped at rtoMaxMs', () => {
    const { ch, rec } = setup({ maxAttempts: 20, rtoMaxMs: 1000 });
    ch.send(0, 'a');
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const d = ch.nextDeadlineMs()!;
      times.push(d);
      ch.onTimer(d);
    }
    const waits = times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]));
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(rec.transmits.map((t) => t.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('stops retransmitting an item once it is acknowledged cumulatively', () => {
    const { ch, rec } = setup();
    ch.send(0, 'a');
    ch.send(0, 'b');
    ch.onAck(5, 2, []);
    expect(ch.inFlightCount).toBe(0);
    expect(ch.nextDeadlineMs()).toBeUndefined();
    runUntil(ch, 10_000);
    expect(rec.transmits).toHaveLength(2);
    expect(ch.counters.acked).toBe(2);
  });

  it('acknowledges selectively above the cumulative point and keeps retransmitting the hole', () => {
    const { ch, rec } = setup();
    for (const x of ['a', 'b', 'c', 'd']) ch.send(0, x);
    ch.onAck(5, 1, [3, 4]);
    expect(ch.inFlightCount).toBe(1);
    ch.onTimer(100);
    expect(rec.transmits.slice(4)).toEqual([{ seq: 2, item: 'b', attempt: 2 }]);
  });

  it('resends an item sent before an acknowledged one once 9/8 of an RTT has passed, without backing the RTO off', () => {
    const { ch, rec } = setup();
    ch.send(0, 'a');
    ch.send(2, 'b');
    const rtoBefore = ch.rto.rtoMs;
    ch.onAck(12, 0, [2]); // b: RTT 10; a went 12 ms ago > 9/8 * 10
    expect(rec.transmits.slice(2)).toEqual([{ seq: 1, item: 'a', attempt: 2 }]);
    expect(ch.counters.earlyRetransmits).toBe(1);
    expect(ch.counters.retransmitted).toBe(1);
    expect(ch.rto.rtoMs).toBeLessThanOrEqual(rtoBefore);
    // Then the item's own timeout (100 ms, the RTO it was first sent with) from the resend.
    expect(ch.nextDeadlineMs()).toBe(12 + 100);
  });

  it('sets a loss timer for an item sent before an acknowledged one when 9/8 of an RTT has not passed yet', () => {
    const { ch, rec } = setup();
    ch.send(0, 'a');
    ch.send(1, 'b');
    ch.onAck(9, 0, [2]); // b: RTT 8, threshold 9 ms; a is lost at 9 = now
    expect(rec.transmits.slice(2)).toEqual([{ seq: 1, item: 'a', attempt: 2 }]);
    ch.send(20, 'c');
    ch.send(20, 'd');
    ch.onAck(28, 1, [4]); // d: RTT 8 (srtt 8): c, sent in the same ms before d, is lost at 29
    expect(rec.transmits.length).toBe(5);
    expect(ch.nextDeadlineMs()).toBe(29);
    ch.onTimer(29);
    expect(rec.transmits.slice(5)).toEqual([{ seq: 3, item: 'c', attempt: 2 }]);
    expect(ch.counters.earlyRetransmits).toBe(2);
  });

  it('resends nothing early before any RTT sample, nor an item sent after the acknowledged one', () => {
    const { ch, rec } = setup();
    ch.send(0, 'a');
    ch.send(0, 'b');
    ch.send(50, 'c');
    ch.onAck(60, 0, [2]); // b: RTT 60
    // a (sent before b) is lost at 0 + 9/8 * 60 = 67.5; c (sent after b) keeps its timeout.
    expect(rec.transmits.length).toBe(3);
    expect(ch.nextDeadlineMs()).toBe(67.5);
    const fresh = setup();
    fresh.ch.send(0, 'a');
    fresh.ch.send(0, 'b');
    fresh.ch.onTimer(fresh.ch.rto.rtoMs); // both retransmitted: an ACK of them gives no sample
    fresh.ch.onAck(fresh.ch.rto.rtoMs + 1, 0, [2]);
    expect(fresh.ch.rto.samples).toBe(0);
    expect(fresh.ch.counters.earlyRetransmits).toBe(0);
    // With a sample taken, the ACK of a retransmitted item (maybe of its first copy) is no evidence either.
    const third = setup();
    third.ch.send(0, 'x');
    third.ch.onAck(10, 1, []); // sample: RTT 10
    third.ch.send(20, 'a');
    third.ch.send(21, 'b');
    runUntil(third.ch, 21 + third.ch.rto.rtoMs); // a resent, then b (after a)
    expect(third.rec.transmits.slice(3).map((t) => t.item)).toEqual(['a', 'b']);
    const sentSoFar = third.rec.transmits.length;
    third.ch.onAck(500, 0, [3]); // b (retransmitted) acknowledged, a long outstanding
    expect(third.rec.transmits.length).toBe(sentSoFar);
    expect(third.ch.counters.earlyRetransmits).toBe(0);
  });

  it('takes an RTT sample from an item sent once, and none from a retransmitted one (Karn)', () => {
    const { ch } = setup();
    ch.send(0, 'a');
    ch.onAck(30, 1, []);
    expect(ch.rto.samples).toBe(1);
    expect(ch.rto.srttMs).toBe(30);
    ch.send(100, 'b');
    ch.onTimer(100 + ch.rto.rtoMs); // retransmitted
    ch.onAck(1000, 2, []);
    expect(ch.rto.samples).toBe(1);
    expect(ch.rto.srttMs).toBe(30);
  });

  it('backs the RTO off when the oldest item times out, so later items wait longer until a valid sample', () => {
    const { ch } = setup();
    ch.send(0, 'a');
    ch.onTimer(100);
    expect(ch.rto.rtoMs).toBe(200);
    ch.onAck(150, 1, []); // retransmitted item: no sample, RTO stays backed off
    ch.send(150, 'b');
    expect(ch.nextDeadlineMs()).toBe(350);
  });

  it('ignores duplicate acks and acks for sequences never sent', () => {
    const { ch } = setup();
    ch.send(0, 'a');
    ch.send(0, 'b');
    ch.onAck(1, 1, []);
    ch.onAck(2, 1, [1]); // duplicate
    expect(ch.counters.acked).toBe(1);
    ch.onAck(3, 99, []); // never sent: ignored as a whole
    ch.onAck(3, 0, [99, -1, 1.5, Number.NaN]);
    expect(ch.inFlightCount).toBe(1);
    expect(ch.counters.acked).toBe(1);
    expect(ch.counters.invalidAcks).toBe(2);
  });

  it('bounds the work of an ACK with a huge selective list by maxInFlight entries', () => {
    const { ch } = setup({ maxInFlight: 4 });
    for (const x of ['a', 'b', 'c', 'd']) ch.send(0, x);
    const selective = new Array<number>(1_000_000).fill(7);
    selective[2] = 2;
    selective[10] = 3; // beyond the first maxInFlight entries: not read
    ch.onAck(1, 0, selective);
    expect(ch.inFlightCount).toBe(3);
  });

  it('gives up once after maxAttempts transmissions, dropping everything in flight', () => {
    const { ch, rec } = setup({ maxAttempts: 3 });
    ch.send(0, 'a');
    ch.send(50, 'b');
    runUntil(ch, 100_000);
    expect(rec.gaveUp).toHaveLength(1);
    expect(rec.gaveUp[0].dropped).toEqual(['a', 'b']);
    expect(rec.gaveUp[0].reason).toMatch(/channel sequence 1 unacknowledged after 3 transmissions/);
    expect(rec.transmits.filter((t) => t.seq === 1).map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect(ch.inFlightCount).toBe(0);
    expect(ch.nextDeadlineMs()).toBeUndefined();
    expect(ch.counters).toMatchObject({ gaveUp: 1, dropped: 2 });
  });

  it('keeps working after a give-up, continuing the numbering', () => {
    const { ch } = setup({ maxAttempts: 1 });
    ch.send(0, 'a');
    ch.onTimer(100);
    expect(ch.counters.gaveUp).toBe(1);
    expect(ch.send(200, 'b')).toBe(2);
  });

  it('refuses to send past maxInFlight without using a sequence, and accepts again after an ack', () => {
    const { ch, rec } = setup({ maxInFlight: 2 });
    expect(ch.send(0, 'a')).toBe(1);
    expect(ch.send(0, 'b')).toBe(2);
    expect(ch.send(0, 'c')).toBeUndefined();
    expect(ch.counters.rejectedFull).toBe(1);
    expect(rec.transmits).toHaveLength(2);
    ch.onAck(1, 1, []);
    expect(ch.send(1, 'c')).toBe(3);
  });

  it('restarts numbering and forgets in-flight items and RTT on reset, without a give-up', () => {
    const { ch, rec } = setup();
    ch.send(0, 'a');
    ch.onAck(40, 1, []);
    ch.send(50, 'b');
    ch.reset();
    expect(ch.inFlightCount).toBe(0);
    expect(ch.rto.srttMs).toBeUndefined();
    expect(ch.send(60, 'c')).toBe(1);
    expect(rec.gaveUp).toHaveLength(0);
    expect(ch.counters.sent).toBe(3);
  });

  it('skips an item acknowledged by a sink that re-enters during onTimer', () => {
    const rec: number[] = [];
    let ch!: OutboundChannel<string>;
    ch = new OutboundChannel<string>(
      {
        sink: {
          transmit: (seq, _item, attempt) => {
            rec.push(seq);
            if (attempt === 2 && seq === 1) ch.onAck(100, 2, []);
          },
          gaveUp: () => {},
        },
      },
      resolveRetransmitOptions(),
    );
    ch.send(0, 'a');
    ch.send(0, 'b');
    ch.onTimer(100);
    expect(rec).toEqual([1, 2, 1]);
    expect(ch.inFlightCount).toBe(0);
  });
});
