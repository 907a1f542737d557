/**
 * A subscriber whose handler keeps its thread busy (0.5 ms of CPU a message: 2,000 msg/s) and a
 * publisher that publishes 40,000 in an awaited loop as the README does, then closes, default
 * options. Before (a user-style check, 7 December), one event-loop turn handed the handler all
 * the receiver had read (5,000 messages, 2.5 s), so the subscriber's position reports stopped
 * for longer than the publisher's stall bound: the publisher named it `slowConsumer`, stopped
 * waiting for it, closed, and it got 19,000 messages and a `dataLoss` 'senderLeft' of 21,000
 * (8 of 8 runs). Deliveries now take at most a slice of the application's time per turn, and
 * what waits holds the publisher (event-slices.ts, delivery-backlog.ts).
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, killAll, startPeer, within } from './helpers.js';

afterEach(killAll);

it('a handler that takes 0.5 ms a message gets every one of 40,000 published at full speed, in order, with no dataLoss, and the publisher names no slowConsumer', async () => {
  const net = freshNetwork();
  const N = 40_000;
  const sub = await startPeer('busy-sub', net);
  await sub.call('count', { patterns: ['busy.a'], spinMs: 0.5 });
  const pub = await createPeer({ ...net, name: 'busy-pub' });
  const slow: string[] = [];
  pub.on('slowConsumer', (e) => slow.push(`${e.name} ${e.subject} lag ${e.lagMessages}`));
  await within(10_000, 'the subscriber heard', (async () => {
    while (!pub.peers().some((p) => p.name === 'busy-sub' && p.patterns.includes('busy.a'))) await new Promise((r) => setTimeout(r, 20));
  })());
  const pad = 'x'.repeat(100);
  for (let i = 0; i < N; i++) await pub.publish('busy.a', { i, pad });
  await pub.close();
  const got = (await sub.call('counted', { expect: [N], timeoutMs: 45_000 }, 50_000)) as { counts: number[]; breaks: unknown[][]; dataLoss: unknown[] };
  expect(got.dataLoss).toEqual([]);
  expect(got.counts).toEqual([N]);
  expect(got.breaks).toEqual([[]]);
  expect(slow).toEqual([]);
}, 90_000);
