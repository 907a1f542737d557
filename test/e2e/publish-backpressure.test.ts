/**
 * Publishing faster than the sender may hold: `tryPublish` in a loop (as the README's fast path)
 * with a small send window. Nothing accepted may vanish: every message arrives, in order.
 * (The sender used to refuse a batch that would pass `windowMessages` while blocked; the
 * publishes of `tryPublish` in it had no promise to reject and were lost without a word.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, startPeer } from './helpers.js';

afterEach(killAll);

describe('publishing past the send window', () => {
  it('tryPublish with windowMessages far below maxPendingPublishes: every message arrives once, in order, no error', async () => {
    const net = freshNetwork();
    const sub = await startPeer('sub', net);
    await sub.call('subscribe', { patterns: ['bp.>'] });
    const pub = await startPeer('pub', { ...net, windowMessages: 32, flowWindowMessages: 64 });
    await pub.waitJoined(['sub']);
    const COUNT = 5000;
    await pub.call('publish', { subjects: ['bp.a'], perSubject: COUNT }, 60_000);
    const got = await sub.call('collect', { expect: [COUNT], timeoutMs: 60_000, quietMs: 500 }, 70_000);
    expect(got.records[0].map((r) => r[2])).toEqual(Array.from({ length: COUNT }, (_, k) => k + 1));
    expect(got.dataLoss).toEqual([]);
    const pubErrors = (await pub.call('collect', { expect: [], timeoutMs: 0, quietMs: 0 })).errors;
    expect(pubErrors).toEqual([]);
  }, 90_000);
});
