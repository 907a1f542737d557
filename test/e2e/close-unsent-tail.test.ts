/**
 * A publisher closes while messages it numbered still wait for credit (a slow subscriber, the
 * close's bound reached): they are lost, and that must be said on both sides, never silent.
 *
 * Found on 6 December: the closing heartbeats and BYE named each stream's newest *sent* seq, so
 * the subscriber took the stream as ended there and reported nothing for the rest (540 of 1,500
 * neither delivered nor reported, 3 of 3 runs), and the publisher's `tryPublish`es had no error
 * either. Now the sender tells the retransmit actor, as the close begins, what it numbered and
 * has not sent: the closing entries name it, the subscriber reports it lost ('senderLeft'), and
 * the publisher emits one 'error' event naming how many were not published.
 */
import { afterEach, expect, it } from 'vitest';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, killAll, startPeer, within } from './helpers.js';

afterEach(killAll);

it('closing with numbered messages still waiting for a slow subscriber: the subscriber gets or is told of every one (dataLoss senderLeft), the publisher says how many were not sent', async () => {
  const net = freshNetwork();
  const N = 40;
  // Its waiting deliveries hold the publisher's credit from the second message on (by default
  // from 16,384 messages or 16 MiB: 40 of 200 KB would all be sent, and none left numbered).
  const sub = await startPeer('tail-sub', { ...net, durablePaceMessages: 2 });
  await sub.call('count', { patterns: ['tail.x'], spinMs: 200 });
  const pub = await createPeer({ ...net, name: 'tail-pub' });
  const errors: string[] = [];
  pub.on('error', (e) => errors.push(e.message));
  await within(8000, 'the subscriber known', (async () => {
    while (!pub.peers().some((p) => p.name === 'tail-sub' && p.patterns.length > 0)) await new Promise((r) => setTimeout(r, 50));
  })());
  for (let i = 0; i < N; i++) {
    const data = new Uint8Array(200_000).fill(i);
    if (!pub.tryPublish('tail.x', data)) await pub.publish('tail.x', data);
  }
  await pub.close({ timeoutMs: 500 });
  let progress = { counts: [0], lost: 0 };
  for (const t0 = Date.now(); Date.now() - t0 < 20_000; await new Promise((r) => setTimeout(r, 100))) {
    progress = await sub.call<{ counts: number[]; lost: number }>('progress');
    if (progress.counts[0]! + progress.lost >= N) break;
  }
  const got = await sub.call<{ dataLoss: { reason: string; fromSeq: number; toSeq: number }[]; breaks: unknown[][] }>('counted', { expect: [0], timeoutMs: 1 });
  const why = `delivered ${progress.counts[0]}, reported lost ${progress.lost}; dataLoss ${JSON.stringify(got.dataLoss)}; publisher errors ${JSON.stringify(errors)}`;
  // The close cut the stream short (else this test shows nothing): some messages never went out.
  expect(progress.counts[0], why).toBeLessThan(N);
  expect(progress.counts[0]! + progress.lost, why).toBe(N);
  expect(got.dataLoss.every((e) => e.reason === 'senderLeft'), why).toBe(true);
  expect(got.dataLoss.at(-1)?.toSeq, why).toBe(N);
  expect(errors.some((m) => /message\(s\) accepted by tryPublish\(\).*were not published/.test(m)), why).toBe(true);
}, 60_000);
