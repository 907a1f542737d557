/**
 * The receiver's quotas (issue 11): streams per sender, a small pool for senders the receiver
 * list has not listed (no advert: forged DATA and HEARTBEAT need nothing but a name), their
 * expiry, and what makes room when `maxStreams` are tracked.
 */
import { describe, it, expect } from 'vitest';
import type { PeerId } from '../../../codecs/frame.js';
import { createRng } from '../../../actors/core.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import type { ReceiverOptions } from '../../../actors/receiver/options.js';
import { UnlistedSenders } from '../../../actors/receiver/unlisted-senders.js';
import { msg, RecordingSink } from './helpers.js';

const REAL: PeerId = { name: 'real', incarnation: 1 };
const ghost = (i: number): PeerId => ({ name: `ghost-${i}`, incarnation: 1 });

function setup(o: ReceiverOptions = {}) {
  const sink = new RecordingSink();
  const rx = new Receiver({ sink, rng: createRng(7), isInterested: () => true }, { nakDelayMinMs: 5, nakDelayMaxMs: 5, ...o });
  const runUntil = (untilMs: number): void => {
    for (let d = rx.nextDeadlineMs(); d !== undefined && d <= untilMs; d = rx.nextDeadlineMs()) rx.onTimer(d);
  };
  /** One forged stream (seq 1 = its start: delivered at once, nothing pending). */
  const forge = (nowMs: number, sender: PeerId, subject: string): void => rx.onData(nowMs, sender, 1, msg(1, { subject }));
  return { rx, sink, runUntil, forge };
}

describe('UnlistedSenders', () => {
  const o = { maxUnlistedStreams: 3, unlistedSenderExpiryMs: 100, maxStreams: 10 };

  it('counts the streams of unlisted senders and has room up to maxUnlistedStreams', () => {
    const u = new UnlistedSenders(o);
    u.addStream(0, 'a');
    u.addStream(5, 'a');
    u.addStream(7, 'b');
    expect([u.streams, u.senders, u.hasRoom()]).toEqual([3, 2, false]);
    u.setListed('a', true);
    expect([u.streams, u.holds('a'), u.isListed('a'), u.hasRoom()]).toEqual([1, false, true, true]);
    u.setListed('a', false);
    expect(u.isListed('a')).toBe(false);
  });

  it('names each sender due unlistedSenderExpiryMs after its first stream, then again every period', () => {
    const u = new UnlistedSenders(o);
    u.addStream(0, 'a');
    u.addStream(40, 'b');
    u.addStream(60, 'a');
    expect(u.nextDeadlineMs()).toBe(100);
    expect(u.takeDue(99)).toEqual([]);
    expect(u.takeDue(100)).toEqual(['a']);
    expect(u.nextDeadlineMs()).toBe(140);
    expect(u.takeDue(200)).toEqual(['b', 'a']);
    expect(u.nextDeadlineMs()).toBe(300);
    u.forget('b');
    u.forget('a');
    expect([u.nextDeadlineMs(), u.streams]).toEqual([undefined, 0]);
  });
});

describe('Receiver quotas', () => {
  it('opens at most maxStreamsPerSender streams of one sender, and counts the rest', () => {
    const { rx, sink, forge } = setup({ maxStreamsPerSender: 3 });
    rx.setListed('real', true);
    for (let i = 0; i < 5; i++) forge(0, REAL, `s${i}`);
    expect(rx.streams).toBe(3);
    expect(rx.counters.streamsRefusedSenderQuota).toBe(2);
    expect(rx.positions('real').map((p) => p.subject)).toEqual(['s0', 's1', 's2']);
    // Said once, not once per refusal.
    expect(sink.events.filter((e) => e.kind === 'limit')).toEqual([{ kind: 'limit', limit: 'maxStreamsPerSender', sender: REAL, subject: 's3' }]);
  });

  it('holds the streams of senders that never advertised to maxUnlistedStreams, all senders together', () => {
    const { rx, sink, forge } = setup({ maxUnlistedStreams: 4 });
    for (let i = 0; i < 1000; i++) forge(0, ghost(i % 10), `orders.g${i}`);
    expect(rx.streams).toBe(4);
    expect(rx.unlistedStreams).toBe(4);
    expect(rx.counters.streamsRefusedUnlisted).toBe(996);
    // Forged names make these refusals: not said.
    expect(sink.events.filter((e) => e.kind === 'limit')).toEqual([]);
    expect(sink.events.filter((e) => e.kind === 'deliver')).toHaveLength(4);
    // A listed sender is not held to the pool.
    rx.setListed('real', true);
    for (let i = 0; i < 10; i++) forge(1, REAL, `orders.r${i}`);
    expect(rx.streams).toBe(14);
  });

  it('takes a sender listed after its first streams out of the pool: its streams stay and it never expires as unlisted', () => {
    const { rx, runUntil, forge } = setup({ maxUnlistedStreams: 2, unlistedSenderExpiryMs: 100 });
    forge(0, REAL, 'a');
    forge(0, REAL, 'b');
    forge(0, REAL, 'c');
    expect(rx.counters.streamsRefusedUnlisted).toBe(1);
    rx.setListed('real', true);
    forge(1, REAL, 'c');
    expect([rx.streams, rx.unlistedStreams]).toEqual([3, 0]);
    runUntil(1000);
    expect(rx.counters.unlistedSendersExpired).toBe(0);
    expect(rx.senders()).toEqual([REAL]);
  });

  it('settles a sender not listed within unlistedSenderExpiryMs as departed, reporting what it left pending, then forgets it', () => {
    const { rx, sink, runUntil, forge } = setup({ unlistedSenderExpiryMs: 1000 });
    forge(0, ghost(1), 'x');
    rx.onData(0, ghost(1), 1, msg(3, { subject: 'x' })); // a gap: 2 is missing
    runUntil(999);
    expect(rx.counters.unlistedSendersExpired).toBe(0);
    runUntil(1000);
    expect(rx.counters.unlistedSendersExpired).toBe(1);
    expect(rx.senders()).toEqual([]);
    // Never dropped silently: 2 is reported lost, 3 delivered after it.
    expect(sink.events.filter((e) => e.kind !== 'nak').map((e) => (e.kind === 'deliver' ? e.msg.seq : e.kind === 'loss' ? `lost ${e.loss.from}-${e.loss.to} ${e.loss.reason}` : e.kind))).toEqual([1, 'lost 2-2 senderLeft', 3]);
    expect(rx.streams).toBe(1); // its position is kept for one more period
    runUntil(2000);
    expect(rx.counters.unlistedSendersForgotten).toBe(1);
    expect([rx.streams, rx.unlistedStreams, rx.nextDeadlineMs()]).toEqual([0, 0, undefined]);
  });

  it('settles again, instead of forgetting, a sender heard from again after it was settled', () => {
    const { rx, runUntil, forge } = setup({ unlistedSenderExpiryMs: 1000 });
    forge(0, ghost(1), 'x');
    runUntil(1000);
    rx.onData(1500, ghost(1), 1, msg(2, { subject: 'x' }));
    runUntil(2000);
    expect(rx.counters).toMatchObject({ unlistedSendersExpired: 2, unlistedSendersForgotten: 0 });
    runUntil(3000);
    expect(rx.counters.unlistedSendersForgotten).toBe(1);
  });

  it('does not hold a sender once listed to the unlisted rules when the list lets it go and it comes back', () => {
    const { rx, sink, runUntil, forge } = setup({ maxUnlistedStreams: 0, unlistedSenderExpiryMs: 100 });
    rx.setListed('real', true);
    forge(0, REAL, 'a');
    rx.setListed('real', false);
    rx.onSenderLeft('real', 'expired');
    runUntil(10_000);
    rx.onData(10_000, REAL, 1, msg(2, { subject: 'a' }));
    forge(10_000, REAL, 'b');
    expect(sink.delivered('a')).toEqual([1, 2]);
    expect(rx.counters).toMatchObject({ streamsRefusedUnlisted: 0, unlistedSendersExpired: 0 });
    expect(rx.streams).toBe(2);
  });

  it('makes room for a listed sender’s stream by forgetting unlisted senders, never a listed live one', () => {
    const { rx, forge } = setup({ maxStreams: 4, maxUnlistedStreams: 4 });
    rx.setListed('other', true);
    forge(0, { name: 'other', incarnation: 1 }, 'o');
    for (let i = 0; i < 3; i++) forge(0, ghost(i), 'g');
    expect(rx.streams).toBe(4);
    rx.setListed('real', true);
    forge(1, REAL, 'r1');
    forge(1, REAL, 'r2');
    forge(1, REAL, 'r3');
    expect(rx.streams).toBe(4);
    expect(rx.counters.streamsEvictedUnlisted).toBe(3);
    expect(rx.senders().map((p) => p.name).sort()).toEqual(['other', 'real']);
    // Full of listed live streams: a further one is refused, an unlisted one too.
    forge(2, REAL, 'r4');
    forge(2, ghost(9), 'g');
    expect(rx.counters).toMatchObject({ streamsRefused: 2 });
    expect(rx.positions('other')).toEqual([{ subject: 'o', seq: 1 }]);
  });

  it('does not let an unlisted sender make room by forgetting another unlisted one', () => {
    const { rx, forge } = setup({ maxStreams: 2, maxUnlistedStreams: 10 });
    forge(0, ghost(1), 'a');
    forge(0, ghost(2), 'a');
    forge(0, ghost(3), 'a');
    expect([rx.streams, rx.counters.streamsRefused, rx.counters.streamsEvictedUnlisted]).toEqual([2, 1, 0]);
  });

  it('keeps memory bounded under 130,000 forged streams: the pool, and nothing of the refused', () => {
    const { rx, forge } = setup();
    for (let i = 0; i < 130_000; i++) forge(0, ghost(i % 130), `orders.g${Math.floor(i / 130)}`);
    expect(rx.streams).toBe(256);
    expect(rx.counters.streamsRefusedUnlisted).toBe(130_000 - 256);
    rx.setListed('real', true);
    for (let i = 0; i < 100; i++) rx.onData(1, REAL, 1, msg(i + 1, { subject: 'orders.real' }));
    expect(rx.positions('real')).toEqual([{ subject: 'orders.real', seq: 100 }]);
  });
});
