/**
 * A durable subscriber restarts behind its sender's window: the `dataLoss` says which part of
 * the range it may have been handed before (`unconfirmedToSeq`), apart from what it never saw.
 * Before (6 December) nothing did: a user-style check killed a durable subscriber whose
 * confirmations lagged its handler by 6,000-7,000 messages, and at its restart it was told those
 * messages, which it had handled, were lost like the 300,000 it never saw.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer, type DataLossEvent, type Message } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-unconfirmed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('after a restart, the loss of messages handed and never confirmed says how far they go', async () => {
  const net = freshNetwork();
  const ledger = { path: join(dir, 'sub') };
  const pub = await createPeer({ ...net, name: 'uc-pub', windowMessages: 64 });
  let sub = await createPeer({ ...net, name: 'uc-sub', ledger });
  const first: number[] = [];
  sub.subscribe('uc.>', { durable: 'd', ack: 'manual' }, (m: Message) => {
    first.push(m.seq);
    if (m.seq <= 50) m.ack();
  });
  await sleep(300);
  for (let i = 1; i <= 100; i++) await pub.publish('uc.a', { i });
  for (let t = 0; t < 100 && first.length < 100; t++) await sleep(50);
  expect(first).toHaveLength(100);
  await sub.close();

  // Published while the subscriber is down: the window (64) keeps only the last ones.
  for (let i = 101; i <= 400; i++) await pub.publish('uc.a', { i });

  sub = await createPeer({ ...net, name: 'uc-sub', ledger });
  const lost: string[] = [];
  const got: { seq: number; redelivered: boolean }[] = [];
  sub.on('dataLoss', (e: DataLossEvent) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason} unconfirmed to ${e.unconfirmedToSeq}`));
  sub.subscribe('uc.>', { durable: 'd' }, (m: Message) => void got.push({ seq: m.seq, redelivered: m.redelivered }));
  for (let t = 0; t < 100 && got.at(-1)?.seq !== 400; t++) await sleep(50);
  await sub.close();
  await pub.close();

  const low = got[0].seq;
  expect(lost).toEqual([`51..${low - 1} unavailable unconfirmed to 100`]);
  expect(low).toBeGreaterThan(101);
  expect(got).toEqual(Array.from({ length: 401 - low }, (_, k) => ({ seq: low + k, redelivered: false })));
}, 30_000);
