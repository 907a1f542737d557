/**
 * A durable subscriber that confirms more slowly than its publisher publishes (a bridge whose
 * NATS is slow, a worker writing to a database): its unconfirmed backlog holds the position it
 * reports, so the publisher's flow control paces the stream, and the subscription never
 * overflows `maxQueuedPerSubscription` (which would drop messages with `subscriberOverflow`).
 * With pacing off (`durablePaceMessages: 0`) the same run overflows: the test bites.
 * In-process, against the compiled library (dist/), as an application would see it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createPeer, type Message, type Peer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';
import { removeTempDirs, tempDir } from '../fixtures/ledger/harness.js';

const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close({ timeoutMs: 0 }).catch(() => undefined)));
});
afterAll(removeTempDirs);

const COUNT = 8000;

/**
 * Publishes COUNT messages as fast as `publish` allows to a durable subscriber that confirms 20
 * messages every 10 ms (2,000/s at best, less when timers run late); returns what the subscriber saw.
 */
async function run(durablePaceMessages: number, topology: 'single' | 'dedicated' = 'single') {
  const net = { ...freshNetwork(), advertIntervalMs: 250, flowWindowMessages: 500, topology };
  const sub = await createPeer({
    ...net,
    name: 'slow-sub',
    maxQueuedPerSubscription: 2000,
    durablePaceMessages,
    ledger: { path: join(tempDir('pacing'), 'ledger'), durability: 'none' },
  });
  peers.push(sub);
  const got: number[] = [];
  const losses: { reason: string; fromSeq: number; toSeq: number }[] = [];
  sub.on('dataLoss', (e) => losses.push(e));
  const toAck: Message[] = [];
  sub.subscribe('paced.x', { durable: 'slow', ack: 'manual' }, (msg) => {
    got.push(msg.seq);
    toAck.push(msg);
  });
  const acker = setInterval(() => {
    for (const m of toAck.splice(0, 20)) m.ack();
  }, 10);
  try {
    const pub = await createPeer({ ...net, name: 'fast-pub' });
    peers.push(pub);
    const slowConsumers: string[] = [];
    pub.on('slowConsumer', (e) => slowConsumers.push(e.name));
    let joined = false;
    pub.on('peerJoined', (p) => (joined ||= p.name === 'slow-sub'));
    const deadline = Date.now() + 8000;
    while (!joined && Date.now() < deadline) await sleep(20);
    expect(joined).toBe(true);
    const started = performance.now();
    // As fast as the publisher takes them: tryPublish, and publish() (which waits) when it says no.
    for (let i = 0; i < COUNT; i++) if (!pub.tryPublish('paced.x', new Uint8Array(32))) await pub.publish('paced.x', new Uint8Array(32));
    const publishMs = performance.now() - started;
    const until = Date.now() + 40_000;
    while (got.length + losses.reduce((n, l) => n + l.toSeq - l.fromSeq + 1, 0) < COUNT && Date.now() < until) await sleep(20);
    const subStats = (await sub.stats()).app;
    const pubStats = (await pub.stats()).actors.sender as { blockedByCredit: number };
    return { got, losses, publishMs, slowConsumers, subStats, blockedByCredit: pubStats.blockedByCredit };
  } finally {
    clearInterval(acker);
  }
}

describe('durable subscription backlog paces the publisher', () => {
  it.each(['single', 'dedicated'] as const)('%s: a subscriber confirming slower than the publisher publishes gets every message once, in order, without overflow: the publisher waited for it', async (topology) => {
    const r = await run(400, topology);
    expect(r.losses).toEqual([]);
    expect(r.got).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(r.subStats.subscriptionOverflows).toBe(0);
    expect(r.subStats.pacings).toBeGreaterThan(0);
    expect(r.blockedByCredit).toBeGreaterThan(0);
    // Paced to the confirmations (at most 2,000 a second), not to the wire.
    expect(r.publishMs).toBeGreaterThan(1000);
    expect(r.slowConsumers).toEqual([]);
  }, 90_000);

  it('with pacing off the same subscriber overflows and reports the dropped messages (subscriberOverflow)', async () => {
    const r = await run(0);
    expect(r.subStats.subscriptionOverflows).toBeGreaterThan(0);
    expect(r.losses.some((l) => l.reason === 'subscriberOverflow')).toBe(true);
    expect(r.subStats.pacings).toBe(0);
  }, 90_000);
});
