/**
 * A durable subscription (`ack: 'auto'`) told of a loss is not told again after its next
 * restart when nothing after the loss was confirmed: the loss counts as handled. Before
 * (6 December) its position moved only with the next message handled: a user-style check killed
 * a durable subscriber after its `dataLoss` and before it handled anything more, and at its next
 * start it was told of the same 500,000 messages again.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer, type DataLossEvent, type Message } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-loss-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a loss told to an auto-acknowledged durable subscription is not told again at its next start', async () => {
  const net = freshNetwork();
  const ledger = { path: join(dir, 'sub') };
  const pub = await createPeer({ ...net, name: 'lo-pub', windowMessages: 64 });
  const open = async (handler: (m: Message) => void) => {
    const sub = await createPeer({ ...net, name: 'lo-sub', ledger });
    const lost: string[] = [];
    sub.on('dataLoss', (e: DataLossEvent) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason}`));
    sub.on('error', () => undefined); // the failing handler's HandlerError
    sub.subscribe('lo.>', { durable: 'd' }, handler);
    return { sub, lost };
  };

  let got = 0;
  const first = await open(() => void got++);
  await sleep(300);
  for (let i = 1; i <= 100; i++) await pub.publish('lo.a', { i });
  for (let t = 0; t < 100 && got < 100; t++) await sleep(50);
  expect(got).toBe(100);
  await first.sub.close();

  // Published while it is down: the window (64) keeps only the last ones.
  for (let i = 101; i <= 400; i++) await pub.publish('lo.a', { i });

  // Back: told of the loss, and fails on every message after it (none confirmed).
  const failed: number[] = [];
  const second = await open((m) => {
    failed.push(m.seq);
    throw new Error('not now');
  });
  for (let t = 0; t < 100 && failed.at(-1) !== 400; t++) await sleep(50);
  await second.sub.close();
  const low = failed[0];
  expect(low).toBeGreaterThan(101);
  expect(second.lost).toEqual([`101..${low - 1} unavailable`]);

  // Back again: what failed comes again, the loss is not said again.
  const third: Message[] = [];
  const again = await open((m) => void third.push(m));
  for (let t = 0; t < 100 && third.at(-1)?.seq !== 400; t++) await sleep(50);
  await again.sub.close();
  await pub.close();
  expect(again.lost).toEqual([]);
  expect(third.map((m) => [m.seq, m.redelivered])).toEqual(Array.from({ length: 401 - low }, (_, k) => [low + k, true]));
}, 30_000);
