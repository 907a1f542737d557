/**
 * A subscriber that closes is no longer waited for. Its last ACK could reach the publisher's flow
 * actor after its BYE (the two come through different actors) and track it again as a receiver
 * that never confirms: once the flow window filled, the publisher stalled for the stall bound
 * (2 s) and reported `slowConsumer` naming the subscriber that had left (3 of 3 runs, found on
 * 5 December), and announced the stream for 10 more heartbeat rounds, then an `ERR_LIMIT` error.
 */
import { expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

it('a publisher whose only subscriber closed goes on past its flow window with no slowConsumer naming the departed subscriber, and tracks no receiver', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const WINDOW = 1000;
  const pub = await createPeer({ ...net, name: 'leave-pub', flowWindowMessages: WINDOW });
  const slow: string[] = [];
  pub.on('slowConsumer', (e) => slow.push(`${e.name} ${e.subject} lag ${e.lagMessages}`));
  try {
    for (let round = 1; round <= 3; round++) {
      const sub = await createPeer({ ...net, name: `leave-sub-${round}` });
      let n = 0;
      sub.subscribe('leave.>', () => void n++);
      await sleep(500);
      for (let i = 1; i <= 500; i++) await pub.publish('leave.a', { round, i });
      for (let t = Date.now(); n < 500 && Date.now() - t < 5000; ) await sleep(20);
      expect(n, `round ${round}: delivered before the close`).toBe(500);
      await sub.close();
      for (let i = 1; i <= 3 * WINDOW; i++) await pub.publish('leave.a', { round, i });
    }
    const flow = ((await pub.stats()) as { actors: { flow: { receivers: number; positionsAfterLeave: number; core: { trackedPairs: number } } } }).actors.flow;
    expect({ slow, trackedPairs: flow.core.trackedPairs, receivers: flow.receivers }, `late reports ignored: ${flow.positionsAfterLeave}`).toEqual({ slow: [], trackedPairs: 0, receivers: 0 });
  } finally {
    await pub.close();
  }
}, 60_000);
