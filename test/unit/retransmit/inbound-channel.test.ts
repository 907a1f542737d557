import { describe, it, expect } from 'vitest';
import { InboundChannel, type AckState } from '../../../actors/retransmit/inbound-channel.js';
import { resolveRetransmitOptions, type RetransmitOptions } from '../../../actors/retransmit/options.js';

function setup(options: RetransmitOptions = {}) {
  const acks: AckState[] = [];
  const ch = new InboundChannel({ sink: { sendAck: (a) => acks.push(a) } }, resolveRetransmitOptions(options));
  return { ch, acks };
}

describe('InboundChannel', () => {
  it('reports each channel sequence new once and repeats as duplicates', () => {
    const { ch } = setup();
    expect(ch.onFrame(0, 1)).toBe('new');
    expect(ch.onFrame(0, 2)).toBe('new');
    expect(ch.onFrame(0, 1)).toBe('duplicate');
    expect(ch.onFrame(0, 2)).toBe('duplicate');
    expect(ch.cumulativeSeq).toBe(2);
    expect(ch.counters).toMatchObject({ received: 2, duplicates: 2 });
  });

  it('accepts out-of-order frames once and advances the cumulative point when the hole fills', () => {
    const { ch } = setup();
    expect(ch.onFrame(0, 3)).toBe('new');
    expect(ch.onFrame(0, 5)).toBe('new');
    expect(ch.onFrame(0, 3)).toBe('duplicate');
    expect(ch.cumulativeSeq).toBe(0);
    expect(ch.aheadCount).toBe(2);
    expect(ch.onFrame(0, 1)).toBe('new');
    expect(ch.onFrame(0, 2)).toBe('new');
    expect(ch.cumulativeSeq).toBe(3);
    expect(ch.onFrame(0, 4)).toBe('new');
    expect(ch.cumulativeSeq).toBe(5);
    expect(ch.aheadCount).toBe(0);
  });

  it('refuses sequence 0, non-integers and anything beyond maxAhead above the cumulative point', () => {
    const { ch } = setup({ maxAhead: 10 });
    expect(ch.onFrame(0, 0)).toBe('invalid');
    expect(ch.onFrame(0, 1.5)).toBe('invalid');
    expect(ch.onFrame(0, -3)).toBe('invalid');
    expect(ch.onFrame(0, Number.NaN)).toBe('invalid');
    expect(ch.onFrame(0, 11)).toBe('invalid');
    expect(ch.onFrame(0, 10)).toBe('new');
    expect(ch.onFrame(0, 2 ** 60)).toBe('invalid');
    expect(ch.counters.invalid).toBe(6);
  });

  it('keeps bounded memory under a flood of frames inside the window', () => {
    const { ch } = setup({ maxAhead: 100, maxSelective: 8 });
    for (let s = 2; s <= 10_000; s++) ch.onFrame(0, s);
    expect(ch.aheadCount).toBe(99);
    expect(ch.counters.invalid).toBe(10_000 - 100);
    expect(ch.ackState().selective.length).toBeLessThanOrEqual(8);
  });

  it('acknowledges every frame at once by default with cumulative and selective state', () => {
    const { ch, acks } = setup();
    ch.onFrame(0, 1);
    ch.onFrame(0, 3);
    ch.onFrame(0, 4);
    expect(acks).toEqual([
      { cumulativeSeq: 1, selective: [] },
      { cumulativeSeq: 1, selective: [3] },
      { cumulativeSeq: 1, selective: [3, 4] },
    ]);
    expect(ch.needsAck).toBe(false);
  });

  it('acknowledges a duplicate again (the earlier ACK may have been lost) but not an invalid frame', () => {
    const { ch, acks } = setup();
    ch.onFrame(0, 1);
    ch.onFrame(0, 1);
    ch.onFrame(0, 0);
    expect(acks).toHaveLength(2);
    expect(ch.counters.acksSent).toBe(2);
  });

  it('lists the most recently seen sequences selectively, ascending, at most maxSelective', () => {
    const { ch } = setup({ maxSelective: 3 });
    for (const s of [10, 8, 6, 4]) ch.onFrame(0, s);
    expect(ch.ackState()).toEqual({ cumulativeSeq: 0, selective: [4, 6, 8] });
    ch.onFrame(0, 10); // a duplicate re-enters the list
    expect(ch.ackState().selective).toEqual([4, 6, 10]);
  });

  it('coalesces frames into one ACK after ackDelayMs', () => {
    const { ch, acks } = setup({ ackDelayMs: 5 });
    ch.onFrame(10, 1);
    ch.onFrame(12, 2);
    expect(acks).toHaveLength(0);
    expect(ch.needsAck).toBe(true);
    expect(ch.nextDeadlineMs()).toBe(15);
    ch.onTimer(14);
    expect(acks).toHaveLength(0);
    ch.onTimer(15);
    expect(acks).toEqual([{ cumulativeSeq: 2, selective: [] }]);
    expect(ch.needsAck).toBe(false);
    expect(ch.nextDeadlineMs()).toBeUndefined();
  });

  it('drops a delayed ACK that the owner already sent with its own frame', () => {
    const { ch, acks } = setup({ ackDelayMs: 5 });
    ch.onFrame(0, 1);
    ch.onAckSent();
    expect(ch.nextDeadlineMs()).toBeUndefined();
    ch.onTimer(100);
    expect(acks).toHaveLength(0);
  });

  it('skips a hole the remote must have given up on, holeSkipMs after a later frame arrived', () => {
    const { ch } = setup({ holeSkipMs: 1000 });
    ch.onFrame(0, 1);
    ch.onFrame(10, 3); // 2 never arrives
    ch.onFrame(500, 5); // 4 is still in time
    expect(ch.nextDeadlineMs()).toBe(1010);
    ch.onTimer(1010);
    expect(ch.cumulativeSeq).toBe(3);
    expect(ch.counters.skipped).toBe(1);
    expect(ch.nextDeadlineMs()).toBe(1500);
    expect(ch.onFrame(1200, 4)).toBe('new');
    expect(ch.cumulativeSeq).toBe(5);
    expect(ch.nextDeadlineMs()).toBeUndefined();
  });

  it('never skips holes when holeSkipMs is 0', () => {
    const { ch } = setup({ holeSkipMs: 0 });
    ch.onFrame(0, 3);
    expect(ch.nextDeadlineMs()).toBeUndefined();
    ch.onTimer(1e9);
    expect(ch.cumulativeSeq).toBe(0);
  });

  it('forgets everything on reset, so the new incarnation starts again at 1', () => {
    const { ch } = setup();
    ch.onFrame(0, 1);
    ch.onFrame(0, 5);
    ch.reset();
    expect(ch.cumulativeSeq).toBe(0);
    expect(ch.aheadCount).toBe(0);
    expect(ch.onFrame(1, 1)).toBe('new');
    expect(ch.ackState()).toEqual({ cumulativeSeq: 1, selective: [] });
  });
});
