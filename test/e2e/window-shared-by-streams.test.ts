/**
 * A publisher's retransmission window (`windowBytes`, 64 MiB) is one for all its streams, while
 * flow control gave each stream its own credit (2 MiB of large messages). 64 streams of 256 KiB
 * messages to a subscriber slower than the publisher put 128 MiB in flight: the window evicted
 * what the subscriber had not confirmed, and it got `dataLoss` 'unavailable' on every stream
 * (found on 5 December, 64 of 64 streams in each of 4 runs), under the default `min` policy that
 * is to pace the slowest receiver. Each stream in flight now gets at most its share of the window.
 *
 * That alone still lost 3 of 512 in a CI run under full load (the share counts the streams in
 * flight now, and the window evicted oldest first, confirmed or not). Since 6 December the window
 * evicts confirmed messages first (the flow actor tells it what receivers confirmed), and the
 * sender is held while all streams together have more unconfirmed than 3/4 of the window: nothing
 * may be lost.
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, killAll, startPeer, within } from './helpers.js';

afterEach(killAll);

it('64 streams of 256 KiB messages to a subscriber slower than the publisher, default options: every message delivered, in order, nothing lost (44 % lost before)', async () => {
  const net = freshNetwork();
  const STREAMS = 64;
  const ROUNDS = 8;
  const SIZE = 256 * 1024;
  const sub = await startPeer('window-sub', net);
  await sub.call('count', { patterns: ['w.>'], spinMs: 2 });
  const pub = await createPeer({ ...net, name: 'window-pub' });
  const slow: string[] = [];
  pub.on('slowConsumer', (e) => slow.push(`${e.name} ${e.subject} lag ${e.lagMessages}`));
  try {
    await within(8000, 'the subscriber known', (async () => {
      while (!pub.peers().some((p) => p.name === 'window-sub' && p.patterns.includes('w.>'))) await new Promise((r) => setTimeout(r, 50));
    })());
    for (let round = 0; round < ROUNDS; round++) for (let s = 0; s < STREAMS; s++) await pub.publish(`w.${s}`, new Uint8Array(SIZE).fill(round));
    const TOTAL = STREAMS * ROUNDS;
    let progress = { counts: [0], lost: 0 };
    for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 100))) {
      progress = await sub.call<{ counts: number[]; lost: number }>('progress');
      if (progress.counts[0]! + progress.lost >= TOTAL) break;
    }
    const got = await sub.call('counted', { expect: [0], timeoutMs: 1 });
    const evicted = ((await pub.stats()) as { actors: { retransmit: { window: { evicted: number } } } }).actors.retransmit.window.evicted;
    const why = `the window evicted ${evicted} messages; dataLoss ${JSON.stringify(got.dataLoss)}; slowConsumer: ${slow.join(', ')}`;
    expect(got.dataLoss, why).toEqual([]);
    expect(progress.counts[0], why).toBe(TOTAL);
    expect(got.breaks[0], why).toEqual([]);
  } finally {
    await pub.close();
  }
}, 90_000);
