/**
 * A user publishes at once after `createPeer` with `tryPublish` (falling back to `await publish`
 * when it says false), every tenth message 500 KB, to a subscriber process started before it.
 *
 * Found on 6 December by a user-style check: `tryPublish` said false once in 4,000 calls, 200 MB
 * reached the sender in one event-loop turn, the socket was not read for 500 ms, the publisher
 * did not hear its subscriber within start-up discovery, sent without limit, and the subscriber
 * lost 13-80 % of the stream ('unavailable'), in 21 of 21 runs. A turn now takes at most 4 MiB
 * of payload (and at most 64 MiB may be pending) before `tryPublish` says false.
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, killAll, startPeer } from './helpers.js';

afterEach(killAll);

it('tryPublish of 4,000 messages (every tenth 500 KB) the moment createPeer resolves: the subscriber gets every one, in order, nothing lost', async () => {
  const net = freshNetwork();
  const N = 4000;
  const sub = await startPeer('burst-sub', net);
  await sub.call('count', { patterns: ['burst.x'] });
  const pub = await createPeer({ ...net, name: 'burst-pub' });
  let refused = 0;
  try {
    for (let i = 0; i < N; i++) {
      const data = new Uint8Array(i % 10 === 9 ? 500_000 : 64);
      if (!pub.tryPublish('burst.x', data)) {
        refused++;
        await pub.publish('burst.x', data);
      }
    }
    const got = await sub.call<{ counts: number[]; breaks: unknown[][]; dataLoss: unknown[] }>('counted', { expect: [N], timeoutMs: 30_000 });
    const why = `tryPublish said false ${refused} times; dataLoss ${JSON.stringify(got.dataLoss).slice(0, 500)}`;
    expect(got.dataLoss, why).toEqual([]);
    expect(got.counts, why).toEqual([N]);
    expect(got.breaks, why).toEqual([[]]);
  } finally {
    await pub.close();
  }
}, 60_000);
