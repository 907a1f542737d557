/**
 * A durable subscription that was opened, then closed (or killed) before it had heard of any
 * stream, keeps no position. Opened again, it was taken for a new durable subscription and
 * judged by the late-join rule: a stream that began while it was down, with more than
 * `lateJoinMaxMessages` before the first message it heard, began at that message, and what it
 * missed while down was neither delivered nor reported lost. Found by the durable chaos run
 * (a durable SIGKILLed before the publisher's first incarnation, restarted after it: 490
 * messages per subject missing, no `dataLoss`). The ledger now remembers that the durable
 * subscription exists from its first opening.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-nopos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a durable subscription closed before it heard of any stream gets, when opened again, what was published while it was down', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const subOptions = { ...net, name: 'dsub', ledger: { path: join(dir, 'ledger') }, receiver: { lateJoinMaxMessages: 10 } };
  const first = await createPeer(subOptions);
  first.subscribe('nopos.>', { durable: 'orders' }, () => undefined);
  await sleep(300);
  await first.close();

  const pub = await createPeer({ ...net, name: 'dpub' });
  try {
    for (let i = 1; i <= 50; i++) await pub.publish('nopos.a', { i });
    const second = await createPeer(subOptions);
    try {
      const got: number[] = [];
      const lost: string[] = [];
      second.on('dataLoss', (e) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason}`));
      second.subscribe('nopos.>', { durable: 'orders' }, (msg) => void got.push(msg.seq));
      await sleep(500);
      await pub.publish('nopos.a', { i: 51 });
      const deadline = Date.now() + 5000;
      while (got.length < 51 && Date.now() < deadline) await sleep(50);
      expect({ got, lost }).toEqual({ got: Array.from({ length: 51 }, (_, k) => k + 1), lost: [] });
    } finally {
      await second.close();
    }
  } finally {
    await pub.close();
  }
}, 30_000);
