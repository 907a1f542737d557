/**
 * Idle streams are parked (only their next sequence kept) and made whole at their next frame:
 * what users rely on is that nothing is delivered twice, nothing is lost or falsely reported lost,
 * and a restarted sender is still noticed. Issue 14: 100,000 idle streams must cost little.
 */
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../codecs/frame.js';
import { createRng } from '../../../actors/core.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import type { ReceiverOptions } from '../../../actors/receiver/options.js';
import { msg, RecordingSink } from './helpers.js';

const A1: PeerId = { name: 'a', incarnation: 1 };
const A2: PeerId = { name: 'a', incarnation: 2 };
const IDLE = 60_000;

function setup(o: ReceiverOptions = {}) {
  const sink = new RecordingSink();
  const rx = new Receiver({ sink, rng: createRng(3), isInterested: () => true }, { nakDelayMinMs: 5, nakDelayMaxMs: 5, ...o });
  rx.setListed('a', true);
  const runUntil = (untilMs: number) => {
    for (let d = rx.nextDeadlineMs(); d !== undefined && d <= untilMs; d = rx.nextDeadlineMs()) rx.onTimer(d);
  };
  return { rx, sink, runUntil };
}

describe('Receiver idle streams', () => {
  it('parks a stream idle for idleStreamMs and goes on at its next message: nothing twice, nothing lost', () => {
    const { rx, sink } = setup();
    for (let seq = 1; seq <= 3; seq++) rx.onData(seq, A1, 1, msg(seq));
    rx.parkIdle(IDLE - 1);
    expect(rx.counters.streamsParked).toBe(0);
    rx.parkIdle(IDLE + 999); // sweeps run at most once a second
    expect(rx.counters.streamsParked).toBe(1);
    expect(rx.positions('a')).toEqual([]); // only the next seq is kept
    expect(rx.streams).toBe(1); // still counted
    rx.onData(IDLE + 1000, A1, 1, msg(3)); // a late duplicate
    rx.onData(IDLE + 1001, A1, 1, msg(4));
    expect(sink.log()).toEqual([['msg', 1], ['msg', 2], ['msg', 3], ['msg', 4]]);
    expect(rx.counters.streamsUnparked).toBe(1);
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 4 }]);
  });

  it('NAKs what a parked stream missed and reports no loss once it is repaired', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.parkIdle(IDLE + 1);
    expect(rx.counters.streamsParked).toBe(1);
    rx.onData(IDLE + 100, A1, 1, msg(4));
    runUntil(IDLE + 200);
    expect(sink.naks('s').map((n) => n.ranges)).toContainEqual([{ from: 2, to: 3 }]);
    rx.onData(IDLE + 201, A1, 0, msg(2));
    rx.onData(IDLE + 202, A1, 0, msg(3));
    expect(sink.log()).toEqual([['msg', 1], ['msg', 2], ['msg', 3], ['msg', 4]]);
    expect(sink.losses()).toEqual([]);
  });

  it('a heartbeat of a parked stream announcing more makes it whole and asks for the rest', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.parkIdle(IDLE + 1);
    rx.onHeartbeat(IDLE + 10, A1, [{ subject: 's', startSeq: 1, lowSeq: 1, highSeq: 2 }]);
    runUntil(IDLE + 100);
    expect(sink.naks('s').map((n) => n.ranges)).toContainEqual([{ from: 2, to: 2 }]);
    expect(sink.losses()).toEqual([]);
  });

  it('a heartbeat entry made before the messages that followed the resume, arriving after them, is no renumbering: nothing delivered twice', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.parkIdle(IDLE + 1);
    rx.onData(IDLE + 10, A1, 1, msg(2)); // made whole at 2
    rx.onData(IDLE + 11, A1, 1, msg(3));
    // The sender's window had 2, not yet 3, when it made this entry (its socket sent 3 first).
    rx.onHeartbeat(IDLE + 12, A1, [{ subject: 's', startSeq: 1, lowSeq: 1, highSeq: 2 }]);
    expect(sink.log()).toEqual([['msg', 1], ['msg', 2], ['msg', 3]]);
    expect(rx.counters.streamResets).toBe(0);
  });

  it('does not park a stream with something pending (a gap being repaired)', () => {
    const { rx } = setup({ nakMaxRetries: 1000, nakRetryMaxMs: 1000 });
    rx.onData(0, A1, 1, msg(1));
    rx.onData(1, A1, 1, msg(3)); // 2 missing
    rx.parkIdle(IDLE + 1);
    expect(rx.counters.streamsParked).toBe(0);
  });

  it('a restarted sender (new incarnation, numbering again from 1) resets a parked stream instead of dropping its messages as old', () => {
    const { rx, sink } = setup();
    for (let seq = 1; seq <= 5; seq++) rx.onData(seq, A1, 1, msg(seq));
    rx.parkIdle(IDLE + 10);
    expect(rx.counters.streamsParked).toBe(1);
    rx.onAdvert(IDLE + 20, A2);
    rx.onData(IDLE + 21, A2, 1, msg(1));
    rx.onData(IDLE + 22, A2, 1, msg(2));
    expect(sink.log().slice(5)).toEqual([['reset', 1], ['msg', 1], ['msg', 2]]);
  });

  it('parks 100,000 idle streams within a sweep round, looking at a bounded number per sweep', () => {
    const { rx } = setup();
    for (let i = 0; i < 100_000; i++) rx.onData(0, A1, 1, msg(1, { subject: `s${i}` }));
    let sweeps = 0;
    for (let t = IDLE; rx.counters.streamsParked < 100_000 && sweeps < 100; t += 1000, sweeps++) rx.parkIdle(t);
    expect(rx.counters.streamsParked).toBe(100_000);
    expect(sweeps).toBeLessThanOrEqual(31);
    expect(sweeps).toBeGreaterThan(1); // not all at once
    expect(rx.streams).toBe(100_000);
  });

  it('never parks with idleStreamMs 0', () => {
    const { rx } = setup({ idleStreamMs: 0 });
    rx.onData(0, A1, 1, msg(1));
    rx.parkIdle(10 * IDLE);
    expect(rx.counters.streamsParked).toBe(0);
  });
});
