/**
 * A `for await` subscriber that awaits now and then (I/O, a timer) keeps its event loop free, so
 * messages reach its subscription as fast as they come and wait in its queue. The publisher's
 * flow control must see that queue and pace the publisher, as it does for a handler that takes
 * its time: nothing lost, and no BackpressureError, for a consumer that keeps up on average.
 * Default options, as a user starts them.
 */
import { afterEach, expect, it } from 'vitest';
import { freshNetwork, killAll, startPeer } from './helpers.js';

afterEach(killAll);

it('a for-await subscriber awaiting 1 ms every 100 messages gets all 200,000 of a publisher publishing as fast as it can: paced, nothing lost', async () => {
  const net = freshNetwork();
  const sub = await startPeer('it-sub', net);
  await sub.call('count', { patterns: ['t.>'], iterate: true, awaitEvery: 100, awaitMs: 1 });
  const pub = await startPeer('it-pub', net);
  await pub.waitJoined(['it-sub']);
  const COUNT = 200_000;
  await pub.call('publish', { subjects: ['t.a'], perSubject: COUNT }, 60_000);
  const got = await sub.call('counted', { expect: [COUNT], timeoutMs: 30_000 }, 40_000);
  const paced = (await sub.call('stats')).app.pacings;
  console.log(`for-await subscriber: ${JSON.stringify({ counts: got.counts, dataLoss: got.dataLoss.length, errors: got.errors, pacings: paced })}`);
  // Before (7 December): the queue passed maxQueuedPerSubscription (100,000); ~85,000 came as dataLoss 'subscriberOverflow' and the iterator threw BackpressureError.
  expect(got.errors).toEqual([]);
  expect(got.dataLoss).toEqual([]);
  expect(got.counts).toEqual([COUNT]);
  expect(got.breaks).toEqual([[]]);
}, 90_000);
