/**
 * A publisher without a ledger killed and started again at once under its name, which publishes
 * a little and closes: its subscribers must get every message of the new run. Receivers take a
 * restart only once the old incarnation has been silent a while (a forged or bit-flipped advert
 * must not retire a live peer), and hold the new incarnation's frames meanwhile. Found by a
 * user-style check (6 December, seventh session): 0 of 200 delivered at both subscribers in 6 of
 * 6 runs, no `dataLoss`, no error: the new publisher closed before any receiver had taken it,
 * without waiting for them (they had not answered its start-up advert), and what they held of it
 * was dropped.
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { byStream, freshNetwork, killAll, range, startPeer, type Rec } from './helpers.js';

type Collected = { records: Rec[][]; dataLoss: unknown[]; timedOut: boolean };

afterEach(async () => {
  await killAll();
});

it('a publisher restarted at once under its name that publishes 200 and closes: every subscriber gets the 200', async () => {
  const net = freshNetwork();
  const subs = [await startPeer('qsub1', net), await startPeer('qsub2', net)];
  for (const s of subs) await s.call('subscribe', { patterns: ['q.>'] });
  const first = await startPeer('qpub', net);
  await first.waitJoined(['qsub1', 'qsub2']);
  await first.call('publish', { subjects: ['q.a'], perSubject: 100 });
  for (const s of subs) expect((await s.call<Collected>('collect', { expect: [100], timeoutMs: 10_000, quietMs: 100 })).records[0]).toHaveLength(100);
  first.kill();
  await first.exited;

  // Started again at once (in this process: no process start to wait for), publishing the moment
  // createPeer resolves, as the README's loop does, then closing.
  const second = await createPeer({ ...net, name: 'qpub' });
  for (let i = 101; i <= 300; i++) await second.publish('q.a', { s: 'q.a', i });
  await second.close();

  for (const s of subs) {
    const got = await s.call<Collected>('collect', { expect: [300], timeoutMs: 10_000, quietMs: 300 });
    const stream = byStream(got.records[0]).get(`qpub|q.a`) ?? [];
    expect({ payloads: stream.map((r) => r[4]), dataLoss: got.dataLoss }).toEqual({ payloads: range(1, 300), dataLoss: [] });
  }
}, 60_000);
