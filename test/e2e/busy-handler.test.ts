/**
 * A subscriber whose handler keeps its thread busy (0.5 ms of CPU a message: 2,000 msg/s) and a
 * publisher that publishes 40,000 in an awaited loop as the README does, then closes, default
 * options. Before (a user-style check, 7 December), one event-loop turn handed the handler all
 * the receiver had read (5,000 messages, 2.5 s), so the subscriber's position reports stopped
 * for longer than the publisher's stall bound: the publisher named it `slowConsumer`, stopped
 * waiting for it, closed, and it got 19,000 messages and a `dataLoss` 'senderLeft' of 21,000
 * (8 of 8 runs). Deliveries now take at most a slice of the application's time per turn, and
 * what waits holds the publisher (event-slices.ts, delivery-backlog.ts). Also with the
 * subscriber's actors on worker threads (flow-control.ts `climbBelow`).
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, killAll, startPeer, within } from './helpers.js';

afterEach(killAll);

// With the subscriber's actors on worker threads (`dedicated`), its receiver reports what it handed
// to the application thread, ahead of the handler, and is capped below that later: before
// (7 December) its climbing reports were ignored, and it was named slowConsumer 2 s into the
// publisher's close (3 of 4 runs; 4 of 4 in a user-style check), or 2 s into a block.
it.each(['single', 'dedicated'])('a handler that takes 0.5 ms a message (%s) gets every one of 40,000 published at full speed, in order, with no dataLoss, and the publisher names no slowConsumer', async (topology) => {
  const net = freshNetwork();
  const N = 40_000;
  const sub = await startPeer('busy-sub', { ...net, topology });
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

it('a reply to a request is handled at once while the requester\'s handler of other subjects is thousands of messages behind', async () => {
  const net = freshNetwork();
  const other = await startPeer('busy-responder', net);
  await other.call('respond', { pattern: 'svc.q' });
  const requester = await createPeer({ ...net, name: 'busy-requester' });
  try {
    let noise = 0;
    requester.subscribe('noise.a', () => {
      noise++;
      for (const t = performance.now(); performance.now() - t < 1; );
    });
    await requester.request('svc.q', { n: 0 }, { timeoutMs: 5_000 }); // discovery
    // 10,000 small messages: 10 s of the handler's work, in a few datagrams.
    await other.call('publish', { subjects: ['noise.a'], perSubject: 10_000 });
    await within(5_000, 'the noise arriving', (async () => {
      while (noise === 0) await new Promise((r) => setTimeout(r, 10));
    })());
    const t0 = performance.now();
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => requester.request('svc.q', { n }, { timeoutMs: 3_000 })));
    // Before (7 December), the replies waited behind the noise and every request timed out.
    expect(replies.map((r) => (r.data as { echo: { n: number } }).echo.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(noise, 'the noise was still being worked through').toBeLessThan(10_000);
    expect(performance.now() - t0).toBeLessThan(3_000);
  } finally {
    await requester.close({ timeoutMs: 0 });
  }
}, 60_000);

it('closing a subscriber whose handler is behind: its waiting messages are still handled within the close bound, the rest is said as one error, and close resolves', async () => {
  const net = freshNetwork();
  const pub = await startPeer('behind-pub', net);
  const sub = await createPeer({ ...net, name: 'behind-sub' });
  const errors: { code?: string; message: string }[] = [];
  sub.on('error', (e) => errors.push(e as never));
  let handled = 0;
  let closed = false;
  let afterClose = 0;
  sub.subscribe('tiny.a', () => {
    handled++;
    if (closed) afterClose++;
    for (const t = performance.now(); performance.now() - t < 1; );
  });
  await pub.waitJoined(['behind-sub']);
  await pub.call('publish', { subjects: ['tiny.a'], perSubject: 20_000 });
  await within(5_000, 'the first messages', (async () => {
    while (handled === 0) await new Promise((r) => setTimeout(r, 10));
  })());
  const t0 = performance.now();
  await sub.close({ timeoutMs: 1_000 });
  closed = true;
  const closeMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  // Before, close handed every waiting message to the handler in one go (20 s here; 13 s and
  // more than 30 s in the check that found it).
  expect(closeMs).toBeLessThan(5_000);
  expect(afterClose).toBe(0);
  const said = errors.filter((e) => e.code === 'ERR_PEER_CLOSED');
  expect(said).toHaveLength(1);
  const dropped = Number(/^(\d+) message\(s\) this peer received were not handed/.exec(said[0]!.message)?.[1]);
  expect(dropped).toBeGreaterThan(0);
  expect(handled + dropped).toBeLessThanOrEqual(20_000);
}, 60_000);

// The publisher goes from one subject to another while the handler is thousands of messages
// behind. Before (7 December, a user-style check), each stream of a sender had its own budget of
// waiting deliveries: the second stream's position stood still while the handler worked through
// the first one's 16,384 waiting messages (3.3 s at 0.2 ms each), past the publisher's stall
// bound; it named the subscriber slowConsumer, stopped waiting for it, and the subscriber lost
// thousands of the second stream's messages as dataLoss 'unavailable'. The budget is now the
// sender's (delivery-backlog.ts).
// Past the budget of deliveries waiting (16,384 messages) the publisher still sends a window
// (4 MiB: 4,000 of 1 KB) beyond the first subject's cap; before (7 December), the second subject's
// position stood until the handler had worked through those, 2 s at 0.5 ms each, and the publisher
// named the subscriber slowConsumer (2 of 2 runs with each preset; with 0.2 ms, in CI under load).
// With the subscriber's actors on worker threads (`dedicated`) it still can under heavy load (a full local CI run,
// 7 December: 1 of 1, both streams named; it passed alone beside two busy loops): not asserted here.
it('a handler that takes 0.5 ms a message gets every one when its publisher goes from 25,000 messages of 1 KB on one subject to 300 of 100 KB on another, and the publisher names no slowConsumer', async () => {
  const net = freshNetwork();
  const sub = await startPeer('switch-sub', net);
  await sub.call('count', { patterns: ['sw.a', 'sw.b'], spinMs: 0.5 });
  const pub = await createPeer({ ...net, name: 'switch-pub' });
  const slow: string[] = [];
  pub.on('slowConsumer', (e) => slow.push(`${e.name} ${e.subject} lag ${e.lagMessages}`));
  await within(10_000, 'the subscriber heard', (async () => {
    while (!pub.peers().some((p) => p.name === 'switch-sub' && p.patterns.includes('sw.b'))) await new Promise((r) => setTimeout(r, 20));
  })());
  for (let i = 0; i < 25_000; i++) await pub.publish('sw.a', new Uint8Array(1000).fill(i & 255));
  for (let i = 0; i < 300; i++) await pub.publish('sw.b', new Uint8Array(100_000).fill(i & 255));
  await pub.close();
  const got = (await sub.call('counted', { expect: [25_000, 300], timeoutMs: 30_000 }, 35_000)) as { counts: number[]; breaks: unknown[][]; dataLoss: unknown[] };
  expect(slow).toEqual([]);
  expect(got.dataLoss).toEqual([]);
  expect(got.counts).toEqual([25_000, 300]);
  expect(got.breaks).toEqual([[], []]);
}, 90_000);

// The 1 MB stream's own messages fill the budget of deliveries waiting (16 MiB), behind 48,000 of
// 64 B (10 s of the handler): its position moves only as the handler frees bytes, a message every
// 3 s. Before (7 December), the publisher named the subscriber slowConsumer on it 3 s in, and the
// window's eviction lost 37-73 % of the 1 MB messages as dataLoss 'unavailable' (a user-style
// check, 3 of 3 runs; here 1 of 1). Its progress on the first stream now keeps its stall clock going
// (flow/receiver-pos.ts progressedElsewhere).
it('a handler that takes 0.2 ms a message gets every one when its publisher goes from 50,000 messages of 64 B to 100 of 1 MB, and the publisher names no slowConsumer', async () => {
  const net = freshNetwork();
  const sub = await startPeer('mb-sub', net);
  await sub.call('count', { patterns: ['mb.a', 'mb.b'], spinMs: 0.2 });
  const pub = await createPeer({ ...net, name: 'mb-pub' });
  const slow: string[] = [];
  pub.on('slowConsumer', (e) => slow.push(`${e.name} ${e.subject} lag ${e.lagMessages}`));
  await within(10_000, 'the subscriber heard', (async () => {
    while (!pub.peers().some((p) => p.name === 'mb-sub' && p.patterns.includes('mb.b'))) await new Promise((r) => setTimeout(r, 20));
  })());
  for (let i = 0; i < 50_000; i++) await pub.publish('mb.a', new Uint8Array(64).fill(i & 255));
  for (let i = 0; i < 100; i++) await pub.publish('mb.b', new Uint8Array(1_048_576).fill(i & 255));
  await pub.close();
  const got = (await sub.call('counted', { expect: [50_000, 100], timeoutMs: 30_000 }, 35_000)) as { counts: number[]; breaks: unknown[][]; dataLoss: unknown[] };
  expect(slow).toEqual([]);
  expect(got.dataLoss).toEqual([]);
  expect(got.counts).toEqual([50_000, 100]);
  expect(got.breaks).toEqual([[], []]);
}, 90_000);
