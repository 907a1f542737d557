/**
 * A sender without a ledger that restarts numbers its streams again from 1. A durable
 * subscription keeps its positions by sender name and subject: before 6 December it took the new
 * numbering's messages at or below its old position for ones it had confirmed, and dropped them
 * without a word, both when it was running through the sender's restart (its floors from when it
 * opened) and when it restarted itself after the sender did (it resumed after its old position).
 * Found by a user-style check: a durable subscriber and a ledger-less publisher both restarted,
 * 100 published the second time, 0 delivered; 150 published, 50 delivered.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-renum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function publishRun(net: Record<string, unknown>, from: number, to: number): Promise<void> {
  const pub = await createPeer({ ...net, name: 'rpub' }); // no ledger: every start numbers from 1
  try {
    for (let i = from; i <= to; i++) await pub.publish('renum.a', { i });
  } finally {
    await pub.close();
  }
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await sleep(25);
}

it('a durable subscription restarted after its sender restarted without a ledger gets the new numbering whole', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const subOptions = { ...net, name: 'rsub1', ledger: { path: join(dir, 'l1'), durability: 'sync' as const } };
  const payloads: number[] = [];
  const lost: string[] = [];
  for (const [from, to] of [
    [1, 100],
    [101, 200],
    [201, 350],
  ] as const) {
    const sub = await createPeer(subOptions);
    try {
      sub.on('dataLoss', (e) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason}`));
      sub.subscribe<{ i: number }>('renum.>', { durable: 'd' }, (msg) => void payloads.push(msg.data.i));
      await sleep(300);
      await publishRun(net, from, to);
      await until(() => payloads.length >= to, 5000);
    } finally {
      await sub.close();
    }
  }
  expect({ payloads, lost }).toEqual({ payloads: Array.from({ length: 350 }, (_, k) => k + 1), lost: [] });
}, 60_000);

it('a durable subscription running while its sender restarts without a ledger gets the new numbering whole', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const subOptions = { ...net, name: 'rsub2', ledger: { path: join(dir, 'l2'), durability: 'sync' as const } };
  // Opened once and closed, so that the second opening has floors (its confirmed positions).
  const first = await createPeer(subOptions);
  const payloads: number[] = [];
  first.subscribe<{ i: number }>('renum.>', { durable: 'd' }, (msg) => void payloads.push(msg.data.i));
  await sleep(300);
  await publishRun(net, 1, 100);
  await until(() => payloads.length >= 100, 5000);
  await first.close();
  const sub = await createPeer(subOptions);
  const lost: string[] = [];
  try {
    sub.on('dataLoss', (e) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason}`));
    sub.subscribe<{ i: number }>('renum.>', { durable: 'd' }, (msg) => void payloads.push(msg.data.i));
    await sleep(300);
    // Two sender restarts while the durable subscription runs: each numbers from 1 again.
    await publishRun(net, 101, 180);
    await until(() => payloads.length >= 180, 5000);
    await publishRun(net, 181, 300);
    await until(() => payloads.length >= 300, 5000);
  } finally {
    await sub.close();
  }
  expect({ payloads, lost }).toEqual({ payloads: Array.from({ length: 300 }, (_, k) => k + 1), lost: [] });
}, 60_000);
