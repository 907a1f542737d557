// Publish throughput and publish latency per ledger durability mode, beside the in-memory peer.
//
// One publisher peer (this process, topology 'single') and one subscriber peer (a child process
// running this file with `sub`), over loopback multicast on a random 239.255.x.y group. The
// ledger lives under os.tmpdir() (check that it is a real disk: on tmpfs 'sync' costs nothing).
//
// Per mode ('memory' = no ledger option, then 'none', 'async', 'sync'):
// - throughput: N messages of P bytes published as fast as backpressure allows (tryPublish, then
//   publish when it says no); the clock stops when the last publish() resolved, i.e. when the
//   last message was handed to the socket (in 'sync' mode: after its commit and flush);
// - latency: publishes paced at RATE/s for SECONDS, each timed from the publish() call to its
//   resolution: p50 / p99 / p99.9 / max in ms;
// - the subscriber's count is checked after each phase (every message arrived).
//
// A first, unreported 'memory' pass warms the JIT up; then the four modes run interleaved REPS
// times (fresh peer and ledger each time) and each figure is the median of its runs, because on a
// shared 2-core machine one run of one mode can be disturbed by anything else.
//
// Run: npm run build && node bench/ledger-publish.mjs [messages=200000] [payloadBytes=64] [rate=2000] [seconds=2] [reps=3] [topology=single]
// (the publisher's topology; with 'dedicated' the ledger has a thread of its own)
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createPeer } from '../dist/index.js';

const HERE = fileURLToPath(import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === 'sub') {
  // The subscriber: counts what arrives, answers the parent's { cmd: 'count' }.
  const { port, group } = JSON.parse(process.argv[3]);
  const peer = await createPeer({ name: 'bench-sub', interface: '127.0.0.1', port, group, advertIntervalMs: 250 });
  let count = 0;
  let losses = 0;
  peer.on('dataLoss', (e) => (losses += e.toSeq - e.fromSeq + 1));
  peer.subscribe('bench.>', () => count++);
  process.on('message', async (m) => {
    if (m.cmd === 'count') process.send({ count, losses });
    if (m.cmd === 'close') {
      await peer.close();
      process.exit(0);
    }
  });
  process.send({ ready: true });
} else {
  const N = Number(process.argv[2] ?? 200_000);
  const BYTES = Number(process.argv[3] ?? 64);
  const RATE = Number(process.argv[4] ?? 2000);
  const SECONDS = Number(process.argv[5] ?? 2);
  const REPS = Number(process.argv[6] ?? 3);
  const TOPOLOGY = process.argv[7] ?? 'single';
  const MODES = ['memory', 'none', 'async', 'sync'];
  const port = 20_000 + Math.floor(Math.random() * 12_000);
  const group = `239.255.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const root = mkdtempSync(join(tmpdir(), 'ledgecast-publish-bench-'));
  const fsType = statfsSync(root).type;

  const sub = fork(HERE, ['sub', JSON.stringify({ port, group })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const fromSub = [];
  sub.on('message', (m) => fromSub.push(m));
  const next = async () => {
    while (fromSub.length === 0) await sleep(5);
    return fromSub.shift();
  };
  await next();
  const received = async () => {
    sub.send({ cmd: 'count' });
    return next();
  };

  const payload = new Uint8Array(BYTES).fill(0x5a);
  const rows = [];
  let expected = 0;
  const plan = ['warmup'];
  for (let r = 0; r < REPS; r++) plan.push(...MODES);
  for (const [run, mode] of plan.entries()) {
    const ledger = mode === 'memory' || mode === 'warmup' ? undefined : { path: join(root, `${mode}-${run}`), durability: mode };
    const peer = await createPeer({ name: `bench-pub-${mode}-${run}`, topology: TOPOLOGY, interface: '127.0.0.1', port, group, advertIntervalMs: 250, ...(ledger ? { ledger } : {}) });
    await sleep(600); // the subscriber's ADVERT reaches us (flow control knows it)
    const subject = `bench.${mode}.${run}`;

    const t0 = performance.now();
    for (let i = 0; i < N; i++) if (!peer.tryPublish(subject, payload)) await peer.publish(subject, payload);
    await peer.publish(subject, payload);
    const throughputMs = performance.now() - t0;
    expected += N + 1;

    const lat = [];
    const intervalMs = 1000 / RATE;
    const start = performance.now();
    const pending = [];
    for (let k = 0; k < RATE * SECONDS; k++) {
      const due = start + k * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const at = performance.now();
      pending.push(peer.publish(subject, payload).then(() => lat.push(performance.now() - at)));
    }
    await Promise.all(pending);
    expected += RATE * SECONDS;
    lat.sort((a, b) => a - b);
    const pct = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];

    const deadline = Date.now() + 15_000;
    let got = await received();
    while (got.count < expected && Date.now() < deadline) {
      await sleep(100);
      got = await received();
    }
    const ledgerStats = (await peer.stats()).actors.ledger;
    await peer.close();
    rows.push({
      mode,
      msgsPerSec: ((N + 1) / throughputMs) * 1000,
      p50ms: pct(0.5),
      p99ms: pct(0.99),
      p999ms: pct(0.999),
      maxMs: lat[lat.length - 1],
      missing: expected - got.count,
      lost: got.losses,
      commits: ledgerStats?.commitReports ?? 0,
    });
  }
  sub.send({ cmd: 'close' });
  await new Promise((r) => sub.once('exit', r));
  rmSync(root, { recursive: true, force: true });

  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const table = MODES.map((mode) => {
    const runs = rows.filter((r) => r.mode === mode);
    const m = (k) => med(runs.map((r) => r[k]));
    return {
      mode,
      'msgs/s': Math.round(m('msgsPerSec')),
      'MB/s': Number(((m('msgsPerSec') * BYTES) / 1e6).toFixed(2)),
      'p50 ms': Number(m('p50ms').toFixed(3)),
      'p99 ms': Number(m('p99ms').toFixed(3)),
      'p99.9 ms': Number(m('p999ms').toFixed(3)),
      'max ms': Number(Math.max(...runs.map((r) => r.maxMs)).toFixed(1)),
      'msgs/s runs': runs.map((r) => Math.round(r.msgsPerSec / 1000) + 'k').join(' '),
      'p99 ms runs': runs.map((r) => r.p99ms.toFixed(1)).join(' '),
      missing: runs.reduce((n, r) => n + r.missing, 0),
      commits: Math.round(m('commits')),
    };
  });
  const base = table[0]['msgs/s'];
  console.log(
    `ledger-publish: ${N} x ${BYTES} B as fast as possible, then ${RATE}/s for ${SECONDS} s (latency); ` +
      `publisher topology '${TOPOLOGY}'; median of ${REPS} interleaved runs; ledger on ${tmpdir()} (statfs type 0x${fsType.toString(16)}); node ${process.version}`,
  );
  console.table(table.map((r) => ({ ...r, 'vs memory': Number((r['msgs/s'] / base).toFixed(2)) })));
}
