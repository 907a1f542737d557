/**
 * A durable subscription hands a message only once the ledger committed its mark (marks first),
 * so its messages are a commit behind the receiver: `peerLeft` (and `dataLoss`) about their
 * sender wait until those handed before, as for a plain subscription. Before (7 December), a
 * user-style check (a publisher sent 5,000 messages and closed) saw `peerLeft` before all 5,000
 * in 2 of 4 runs, and an application that stops at `peerLeft` missed them.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer, type PeerLeftEvent } from '../../dist/index.js';
import { freshNetwork, killAll, sleep, startPeer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-left-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(killAll);

it('a durable subscription gets every message of a publisher before that publisher’s peerLeft', async () => {
  const net = freshNetwork();
  const rounds = 4;
  const count = 5_000;
  const seen: { name: string; got: number; atLeft: number | undefined }[] = [];
  for (let round = 1; round <= rounds; round++) {
    // A new subscriber each round: its first marks are the slowest commits.
    const sub = await createPeer({ ...net, name: `bm-sub-${round}`, ledger: { path: join(dir, `sub-${round}`) } });
    let got = 0;
    let atLeft: number | undefined;
    sub.subscribe('bm.>', { durable: 'd' }, () => void got++);
    const name = `bm-pub-${round}`;
    sub.on('peerLeft', (e: PeerLeftEvent) => {
      if (e.name === name) atLeft = got;
    });
    // The publisher in a process of its own, as the README's loop: awaited publishes, then close.
    const pub = await startPeer(name, net);
    for (let t = 0; t < 100 && !sub.peers().some((p) => p.name === name); t++) await sleep(20);
    await pub.call('publishBytes', { subject: 'bm.a', count, size: 16 }, 30_000);
    await pub.call('close', {}, 15_000);
    for (let t = 0; t < 200 && (atLeft === undefined || got < count); t++) await sleep(25);
    await sub.close();
    seen.push({ name, got, atLeft });
  }
  expect(seen).toEqual(seen.map(({ name }) => ({ name, got: count, atLeft: count })));
});
