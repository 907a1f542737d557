// What "marks first" costs a durable subscriber (README, durable subscriptions): with
// `durableConfirmDelayMs` 0 (the default) a durable subscription hands a message only once the
// ledger committed a mark covering it; with a delay above 0 it hands at once and the marks follow.
//
// One process, two peers (topology 'single', loopback multicast on a random 239.255.x.y group):
// a publisher without a ledger, and a subscriber with a ledger (under os.tmpdir(): check it is a
// real disk, on tmpfs 'sync' costs nothing) and one durable subscription. Each message carries its
// publish time (process.hrtime); the handler takes the difference.
// - paced: COUNT messages at about RATE/s (a publish per 1 ms timer turn): delivery latency
//   p50 / p90 / p99 in ms;
// - burst: BURST messages published as fast as `await publish()` lets: delivered msg/s.
// Both modes ('marks first': delay 0; 'marks after': delay 1 ms) run interleaved REPS times,
// fresh peers and ledger each time; each figure is the median of its runs. Every run checks
// that every message arrived once.
//
// Run: npm run build && node bench/durable-delivery.mjs [durability=sync] [count=3000] [rate=1000] [burst=50000] [reps=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPeer } from '../dist/index.js';

const [durability = 'sync', count = '3000', rate = '1000', burst = '50000', reps = '3'] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One run: `n` messages, paced (about `perSec`/s) or as fast as publish() lets; latencies in ms and msg/s. */
async function run(confirmDelayMs, n, perSec) {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-durable-bench-'));
  const net = { interface: '127.0.0.1', port: 20000 + Math.floor(Math.random() * 20000), group: `239.255.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}` };
  const sub = await createPeer({ name: 'dur-sub', ...net, durableConfirmDelayMs: confirmDelayMs, ledger: { path: join(dir, 'ledger'), durability } });
  const pub = await createPeer({ name: 'dur-pub', ...net });
  const lat = [];
  const seen = new Set();
  let done;
  const all = new Promise((r) => (done = r));
  sub.subscribe('dur.>', { durable: 'bench' }, (m) => {
    const d = m.data;
    lat.push(Number(process.hrtime.bigint() - new DataView(d.buffer, d.byteOffset).getBigUint64(0)) / 1e6);
    seen.add(m.seq);
    if (seen.size === n) done();
  });
  await sleep(1000); // the publisher hears of the subscription
  const t0 = performance.now();
  const payload = () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, process.hrtime.bigint());
    return b;
  };
  const perTurn = Math.max(1, Math.round(perSec / 1000));
  for (let i = 0; i < n; i += perTurn) {
    for (let k = 0; k < perTurn && i + k < n; k++) await pub.publish('dur.x', payload());
    if (perSec > 0) await sleep(1);
  }
  const timeout = sleep(30_000).then(() => 'timeout');
  const outcome = await Promise.race([all, timeout]);
  const ms = performance.now() - t0;
  await pub.close();
  await sub.close();
  rmSync(dir, { recursive: true, force: true });
  if (outcome === 'timeout' || lat.length !== n) throw new Error(`delay ${confirmDelayMs}: ${seen.size} of ${n} delivered (${lat.length} deliveries)`);
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.floor(p * (lat.length - 1))];
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), perSec: (n / ms) * 1000 };
}

const modes = [
  { name: 'marks first (durableConfirmDelayMs 0, default)', delay: 0 },
  { name: 'marks after (durableConfirmDelayMs 1)', delay: 1 },
];
const paced = modes.map(() => []);
const bursts = modes.map(() => []);
for (let r = 0; r < Number(reps); r++) {
  for (const [i, m] of modes.entries()) {
    paced[i].push(await run(m.delay, Number(count), Number(rate)));
    bursts[i].push(await run(m.delay, Number(burst), 0));
  }
}
console.log(`durability '${durability}', ${count} messages at about ${rate}/s, bursts of ${burst}, ${reps} interleaved runs each (medians)`);
console.log('mode                                            p50 ms  p90 ms  p99 ms  burst msg/s');
for (const [i, m] of modes.entries()) {
  const f = (k) => median(paced[i].map((x) => x[k])).toFixed(2).padStart(6);
  console.log(`${m.name.padEnd(46)}  ${f('p50')}  ${f('p90')}  ${f('p99')}  ${Math.round(median(bursts[i].map((x) => x.perSec))).toLocaleString('en').padStart(11)}`);
}
