/**
 * Idle streams (issue 14): a receiver parks a stream quiet for `receiver.idleStreamMs` (only its
 * next sequence kept) and makes it whole at its next frame. What users rely on: after any pause,
 * the next messages of every stream arrive once and in order, with no data loss reported, even
 * when the first ones after the pause are lost on the way (the parked stream must ask for them).
 * `idleStreamMs` is 1 s here (60 s by default) and the publisher stops heartbeats after 0.5 s.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, range, sleep, startPeer } from './helpers.js';

afterEach(async () => {
  await killAll();
});

type Counted = { counts: number[]; breaks: unknown[][]; dataLoss: unknown[]; firstSeqs: Record<string, number>[] };
type ReceiverStats = { actors: { receiver: { streamsParked: number; streamsUnparked: number } } };

describe('idle streams', () => {
  it('are parked after a quiet spell and go on at their next messages: every message once, in order, no data loss, with 20 % loss', async () => {
    const net = freshNetwork();
    const n = 2000;
    const subjects = range(0, n - 1).map((i) => `idle.s${i}`);
    const sub = await startPeer('idle-sub', { ...net, receiver: { idleStreamMs: 1000 }, fault: { dropRate: 0.2, seed: 11 } });
    await sub.call('count', { patterns: ['idle.>'] });
    const pub = await startPeer('idle-pub', { ...net, sender: { activeStreamTtlMs: 500 } });
    await pub.waitJoined(['idle-sub']);
    await pub.call('publish', { subjects, perSubject: 1 }, 60_000);
    const first = await sub.call<Counted>('counted', { expect: [n], timeoutMs: 30_000 }, 40_000);
    expect(first.counts).toEqual([n]);
    // Wait until every stream is parked (sweeps look at 1,024 streams a second).
    let parked = 0;
    for (let t0 = Date.now(); parked < n && Date.now() - t0 < 30_000; await sleep(500)) {
      const r = (await sub.call<ReceiverStats>('stats')).actors.receiver;
      parked = r.streamsParked - r.streamsUnparked;
    }
    expect(parked).toBe(n);
    await pub.call('publish', { subjects, perSubject: 2, startIndex: 2 }, 60_000);
    const got = await sub.call<Counted>('counted', { expect: [3 * n], timeoutMs: 30_000 }, 40_000);
    expect(got.counts).toEqual([3 * n]);
    expect(got.breaks).toEqual([[]]);
    expect(got.dataLoss).toEqual([]);
    expect(Object.values(got.firstSeqs[0]).every((s) => s === 1)).toBe(true);
    const r = (await sub.call<ReceiverStats>('stats')).actors.receiver;
    expect(r.streamsUnparked).toBeGreaterThanOrEqual(n);
  }, 150_000);
});
