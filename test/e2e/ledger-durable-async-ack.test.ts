/**
 * A durable subscription with `ack: 'auto'` and an async handler: a message is confirmed only
 * once its handler's promise fulfilled. One whose handler rejects is not confirmed (the error
 * goes to 'error'), so after a restart it, and what follows it in its stream, come again.
 * In-process, against the compiled library (dist/), as an application would see it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createPeer, type Peer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';
import { removeTempDirs, tempDir } from '../fixtures/ledger/harness.js';

const knobs = { advertIntervalMs: 250, receiver: { resyncGraceMs: 200 } };
const peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close().catch(() => undefined)));
});
afterAll(removeTempDirs);

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe('durable subscription, ack auto, async handler', () => {
  it('confirms a message only after its handler settled; a rejected one is not confirmed and is delivered again after a restart', async () => {
    const net = { ...freshNetwork(), ...knobs };
    const ledger = { path: join(tempDir('async-ack'), 'ledger'), durability: 'sync' as const };
    const sub = await createPeer({ ...net, name: 'asub', ledger });
    peers.push(sub);
    const errors: Error[] = [];
    sub.on('error', (e: Error) => errors.push(e));
    const handlers = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
    sub.subscribe('aa.>', { durable: 'work', ack: 'auto' }, (msg) => new Promise<void>((resolve, reject) => void handlers.set(msg.seq, { resolve, reject })));

    const pub = await createPeer({ ...net, name: 'apub' });
    peers.push(pub);
    let joined = false;
    pub.on('peerJoined', (p: { name: string }) => (joined ||= p.name === 'asub'));
    await until(() => joined, 8000, 'asub joining');
    for (const i of [1, 2, 3]) await pub.publish('aa.x', { i });
    await until(() => handlers.size === 3, 5000, 'three deliveries');

    const app = async () => (await sub.stats()).app;
    await sleep(100);
    expect(await app()).toMatchObject({ unconfirmed: 3, confirmations: 0 }); // three handlers still running
    handlers.get(1)!.resolve();
    await until(async () => (await app()).unconfirmed === 2, 2000, 'message 1 confirmed');
    handlers.get(2)!.reject(new Error('could not process 2'));
    handlers.get(3)!.resolve();
    await sleep(200);
    // 3 is acknowledged, but the position cannot pass 2, which failed.
    expect((await app()).unconfirmed).toBe(2);
    expect(errors.map((e) => [e.name, (e as Error & { seq: number }).seq, (e.cause as Error).message])).toEqual([['HandlerError', 2, 'could not process 2']]);
    await sub.close();

    // The same durable subscription after a restart: 2 and what follows it come again, nothing else.
    const again = await createPeer({ ...net, name: 'asub', ledger });
    peers.push(again);
    const redelivered: number[] = [];
    again.subscribe('aa.>', { durable: 'work' }, async (msg) => {
      await sleep(1);
      redelivered.push(msg.seq);
    });
    await until(() => redelivered.length >= 2, 10_000, 'the redelivery of 2 and 3');
    await sleep(300);
    expect(redelivered).toEqual([2, 3]);
    await until(async () => (await again.stats()).app.unconfirmed === 0, 2000, 'the redelivered messages confirmed');
  });
});
