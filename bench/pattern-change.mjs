#!/usr/bin/env node
/**
 * What one change of a large pattern set costs (issue 14, changes as deltas), on real sockets over
 * loopback: 4 peers in this process (topology `single`); p0 subscribes N patterns, and once the
 * other three know them all, subscribes one more. Prints, per N: how long until every other peer
 * had the new set (its `peerUpdated`), and the bytes each side sent (`stats().actors.socket.bytesSent`)
 * from the subscribe until 300 ms after the last `peerUpdated`, less what it sent in a quiet window
 * of the same length right after. Adverts go every 10 s here (`advertIntervalMs`), so that the
 * windows hold no periodic advert. 99,999 rather than 100,000: with the one added, the set is the
 * receiver list's default `maxPatternsPerPeer` (100,000); one more would be cut.
 *
 *   npm run build && node bench/pattern-change.mjs                  # N = 10,000 and 99,999
 *   node bench/pattern-change.mjs --sizes 10000 --json out.json
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { openPeer } from './ledgecast/lc-common.mjs';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '10000,99999' }, json: { type: 'string' } } });
const sizes = args.sizes.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) throw new Error(`--sizes: integers 1..1,000,000, got ${args.sizes}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function one(n) {
  const net = { group: randomMulticastGroup(), port: 20_000 + Math.floor(Math.random() * 30_000) };
  const peers = [];
  const peerOptions = { advertIntervalMs: 10_000, peerExpiryMs: 30_000 };
  for (let i = 0; i < 4; i++) peers.push(await openPeer({ name: `pc${i}`, ...net, peerOptions }));
  const [p0, ...others] = peers;
  try {
    others.forEach((p, i) => p.subscribe(`own.p${i + 1}.>`, () => {}));
    for (let i = 0; i < n; i++) p0.subscribe(`orders.region${i % 50}.desk${String(i).padStart(6, '0')}.>`, () => {});
    const knows = (p, count) => p.peers().some((e) => e.name === 'pc0' && e.patterns.length === count);
    const t0 = Date.now();
    while (!others.every((p) => knows(p, n))) {
      if (Date.now() - t0 > 120_000) throw new Error(`the others did not learn ${n} patterns in 120 s`);
      await sleep(50);
    }
    await sleep(1500);
    const sent = async () => Promise.all(peers.map(async (p) => (await p.stats()).actors.socket.bytesSent));
    const changeAt = [];
    const waits = others.map(
      (p) =>
        new Promise((resolve) => {
          const onUpdate = (e) => {
            if (e.name !== 'pc0' || e.patterns.length !== n + 1) return;
            p.off('peerUpdated', onUpdate);
            resolve(performance.now());
          };
          p.on('peerUpdated', onUpdate);
        }),
    );
    const before = await sent();
    const s0 = performance.now();
    p0.subscribe('orders.new.desk.>', () => {});
    const done = await Promise.race([Promise.all(waits), sleep(60_000).then(() => undefined)]);
    if (done === undefined) throw new Error('the others did not learn the change in 60 s');
    for (const t of done) changeAt.push(t - s0);
    await sleep(300);
    const after = await sent();
    const windowMs = performance.now() - s0;
    const q0 = await sent();
    await sleep(windowMs);
    const q1 = await sent();
    const delta = after.map((b, i) => b - before[i] - (q1[i] - q0[i]));
    return {
      n,
      knownAfterMs: Math.max(...changeAt),
      p0Bytes: delta[0],
      othersBytes: delta.slice(1).reduce((a, b) => a + b, 0),
      windowMs: Math.round(windowMs),
      rawOthersBytes: after.slice(1).reduce((a, b, i) => a + b - before[i + 1], 0),
      quietOthersBytes: q1.slice(1).reduce((a, b, i) => a + b - q0[i + 1], 0),
    };
  } finally {
    await Promise.all(peers.map((p) => p.close({ timeoutMs: 0 })));
  }
}

const rows = [];
for (const n of sizes) {
  const r = await one(n);
  rows.push(r);
  console.error(JSON.stringify(r));
}
console.log('| patterns | every other peer knew the change after | bytes sent by the 3 others | bytes sent by the peer that changed |');
console.log('|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.n.toLocaleString('en')} | ${r.knownAfterMs.toFixed(1)} ms | ${r.othersBytes.toLocaleString('en')} | ${r.p0Bytes.toLocaleString('en')} |`);
if (args.json) writeFileSync(args.json, JSON.stringify(rows, null, 2));
process.exit(0);
