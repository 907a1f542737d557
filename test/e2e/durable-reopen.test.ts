/**
 * A durable subscription unsubscribed and opened again on the same peer while its sender keeps
 * publishing. The receiver kept the stream going while the subscription was closed, and the
 * reopened subscription's resume point was behind it: before 6 December it began where the stream
 * was, and what was published while it was closed was skipped without a word (a user-style check:
 * 100 of 400 missing, for good: its position moved past them). Now the stream is asked again from
 * the resume point when no other subscription of the peer wants the subject, and the range is
 * reported (`durableBehind`) when one does (rewinding would hand it to that one twice).
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-reopen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(withOther: boolean): Promise<{ got: number[]; lost: string[]; closedAt: number; other: number }> {
  const net = freshNetwork();
  const sub = await createPeer({ ...net, name: `ro-sub-${withOther}`, ledger: { path: join(dir, `l-${withOther}`) } });
  const pub = await createPeer({ ...net, name: `ro-pub-${withOther}` });
  const got: number[] = [];
  const lost: string[] = [];
  let other = 0;
  sub.on('dataLoss', (e) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason}`));
  if (withOther) sub.subscribe('ro.a', () => void other++);
  let d = sub.subscribe<{ i: number }>('ro.>', { durable: 'd' }, (m) => void got.push(m.data.i));
  await sleep(300);
  let closedAt = 0;
  const publishing = (async () => {
    for (let i = 1; i <= 300; i++) {
      await pub.publish('ro.a', { i });
      await sleep(3);
      if (i === 100) {
        await sleep(200);
        d.unsubscribe();
        closedAt = got.length;
      }
      if (i === 200) d = sub.subscribe<{ i: number }>('ro.>', { durable: 'd' }, (m) => void got.push(m.data.i));
    }
  })();
  await publishing;
  const deadline = Date.now() + 5000;
  while (got.length < 300 && Date.now() < deadline) {
    if (withOther && lost.length > 0 && got.at(-1) === 300) break;
    await sleep(25);
  }
  await sleep(200);
  await pub.close();
  await sub.close();
  return { got, lost, closedAt, other };
}

it('a durable subscription opened again on the same peer gets what was published while it was closed', async () => {
  const { got, lost, closedAt } = await run(false);
  expect(closedAt).toBe(100);
  expect({ got, lost }).toEqual({ got: Array.from({ length: 300 }, (_, k) => k + 1), lost: [] });
}, 30_000);

it('opened again while another subscription of the peer takes the subject, it is told what it missed', async () => {
  const { got, lost, other } = await run(true);
  expect(other).toBe(300);
  // Up to 100, then from where the stream was when it opened again, with the range between said.
  expect(lost).toHaveLength(1);
  const [from, to] = lost[0].split(' ')[0].split('..').map(Number);
  expect(lost[0].endsWith('durableBehind')).toBe(true);
  expect(from).toBe(101);
  expect({ got, lost }).toEqual({ got: [...Array.from({ length: 100 }, (_, k) => k + 1), ...Array.from({ length: 300 - to }, (_, k) => to + 1 + k)], lost });
}, 30_000);
