/**
 * Many specific subscriptions (issue 14): a subscriber with N subscriptions `pat.s0` … `pat.sN-1`,
 * ready 3 s before a publisher (default options, a process of its own) sends one small message on
 * each subject. What users rely on: every subscription gets its message, once, with no data loss.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, range, sleep, startPeer } from './helpers.js';

afterEach(async () => {
  await killAll();
});

async function run(n: number, wildcard: boolean): Promise<void> {
  const net = freshNetwork();
  const subjects = range(0, n - 1).map((i) => `pat.s${i}`);
  const sub = await startPeer('many-sub', net);
  await sub.call('count', { patterns: wildcard ? ['pat.>'] : subjects }, 60_000);
  await sleep(3000);
  const pub = await startPeer('many-pub', net);
  const t0 = Date.now();
  await pub.call('publish', { subjects, perSubject: 1 }, 60_000);
  const got = await sub.call<{ counts: number[]; dataLoss: unknown[]; firstAtMs: number[] }>('counted', { expect: wildcard ? [n] : subjects.map(() => 1), timeoutMs: 40_000 }, 60_000);
  const delivered = got.counts.reduce((a, b) => a + b, 0);
  const last = Math.max(...got.firstAtMs.filter((x) => x !== undefined && x !== null));
  console.log(`many subscriptions: ${n} ${wildcard ? 'under pat.>' : 'specific'}: delivered ${delivered}, dataLoss ${got.dataLoss.length}, last after ${last - t0} ms`);
  if (process.env.LC_DEBUG) {
    await sleep(3000);
    const ps = await pub.call<any>('stats');
    const ss = await sub.call<any>('stats');
    console.log('PUB', JSON.stringify({ receivers: ps.actors.receivers, socket: ps.actors.socket }));
    console.log('SUB', JSON.stringify({ receivers: ss.actors.receivers, receiver: ss.actors.receiver, subjects: ss.actors.subjects, socket: ss.actors.socket }).slice(0, 4000));
  }
  expect(got.dataLoss).toEqual([]);
  expect(delivered).toBe(n);
}

describe('a subscriber with many subscriptions', () => {
  it.each((process.env.LC_N ?? '1000,3000,10000').split(',').map(Number))('gets one message on each of %i specific subscriptions', async (n) => run(n, false), 120_000);
});
