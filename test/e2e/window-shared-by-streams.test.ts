/**
 * A publisher's retransmission window (`windowBytes`, 64 MiB) is one for all its streams, while
 * flow control gave each stream its own credit (2 MiB of large messages). 64 streams of 256 KiB
 * messages to a subscriber slower than the publisher put 128 MiB in flight: the window evicted
 * what the subscriber had not confirmed, and it got `dataLoss` 'unavailable' on every stream
 * (found on 5 December, 64 of 64 streams in each of 4 runs), under the default `min` policy that
 * is to pace the slowest receiver. Each stream in flight now gets at most its share of the window.
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, killAll, startPeer, within } from './helpers.js';

afterEach(killAll);

it('64 streams of 256 KiB messages to a subscriber slower than the publisher: every message delivered, no dataLoss, with the default options', async () => {
  const net = freshNetwork();
  const STREAMS = 64;
  const ROUNDS = 8;
  const SIZE = 256 * 1024;
  const sub = await startPeer('window-sub', net);
  await sub.call('count', { patterns: ['w.>'], spinMs: 2 });
  const pub = await createPeer({ ...net, name: 'window-pub' });
  try {
    await within(8000, 'the subscriber known', (async () => {
      while (!pub.peers().some((p) => p.name === 'window-sub' && p.patterns.includes('w.>'))) await new Promise((r) => setTimeout(r, 50));
    })());
    for (let round = 0; round < ROUNDS; round++) for (let s = 0; s < STREAMS; s++) await pub.publish(`w.${s}`, new Uint8Array(SIZE).fill(round));
    const got = await sub.call('counted', { expect: [STREAMS * ROUNDS], timeoutMs: 30_000 }, 40_000);
    const evicted = ((await pub.stats()) as { actors: { retransmit: { window: { evicted: number } } } }).actors.retransmit.window.evicted;
    expect({ counts: got.counts, breaks: got.breaks[0], dataLoss: got.dataLoss }, `the window evicted ${evicted} messages`).toEqual({ counts: [STREAMS * ROUNDS], breaks: [], dataLoss: [] });
  } finally {
    await pub.close();
  }
}, 90_000);
