/**
 * The importing bridge alone (a diagnostic for issue 15 item 7, import side): messages stored in
 * zone A's stream `LC_A` the way bridge A's exporter stores them (headers `Nats-Msg-Id`,
 * `Lc-Sender`, `Lc-Incarnation`, `Lc-Seq`) → `ledgecast bridge` B (import) → zone B's subscriber
 * peer. No zone A peers and no exporting bridge, so the figures are the import path's own.
 *
 *   npm run build && node bench/bridge-import.mjs [--messages N] [--size B] [--runs R] [--rate R] [--cpu-prof DIR] [--bridge-durability sync|async|none]
 *
 * Each run: the subscriber and bridge B are up and importing (from an empty LC_A), then N
 * messages are published into LC_A pipelined (window 1024, as fast as JetStream takes them;
 * about 4× faster than bridge B imports). Reported per run: the delivery rate in zone B (first
 * to last message), bridge B's CPU per message over that span (/proc), its RSS max; every
 * message counted once, no `dataLoss`. Medians over the runs. With `--rate R` the messages are
 * published paced at R msg/s instead, each carrying its scheduled time: latency from that time
 * to delivery in zone B, p50 and p99 (the first second not sampled), which is the engine's own
 * publish → consume latency plus what bridge B adds. 127.0.0.1 only, group 239.255.x.y,
 * TTL 0; every child killed at the end and on error.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { connect, createInbox, headers, nanos } from '@nats-io/transport-node';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { summarizeCpuProfile } from './ledgecast/cpu-profile.mjs';
import { forkChild } from './bridge/ipc.mjs';
import { cpuMicros, killAll, loadAverage, memory, rssSampler, startBridge, startNats, track } from './bridge/procs.mjs';
import { makePayload, wallMs } from './bridge/receipts.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '150000' },
    size: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    rate: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'bridge-durability': { type: 'string' },
  },
});
const N = Number(args.messages);
const SIZE = Number(args.size);
const RUNS = Number(args.runs);
const RATE = args.rate === undefined ? undefined : Number(args.rate);
const DURABILITY = args['bridge-durability'];
const log = (s) => process.stderr.write(`[bridge-import] ${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Publishes `n` messages of `size` bytes into LC_A as bridge A's exporter would (sender `pubA`,
 * incarnation 7, seqs from `seq0 + 1`): as fast as a window of 1024 allows, or paced at `rate`
 * msg/s with each payload carrying its scheduled time.
 */
async function fill(nc, subject, n, size, seq0, rate) {
  const inbox = createInbox();
  let acked = 0;
  let failed = 0;
  let wake;
  const sub = nc.subscribe(`${inbox}.*`, {
    callback: (err, m) => {
      if (err !== null || m.data.byteLength === 0) failed++;
      else acked++;
      wake?.();
    },
  });
  const sender64 = Buffer.from('pubA', 'utf8').toString('base64url');
  const t0 = performance.now();
  const w0 = wallMs();
  for (let i = 1; i <= n; i++) {
    while (i - 1 - acked - failed >= 1024) await new Promise((r) => (wake = r));
    if (rate !== undefined) {
      const dueMs = ((i - 1) * 1000) / rate;
      if (performance.now() - t0 < dueMs) await new Promise((r) => setTimeout(r, Math.max(0, dueMs - (performance.now() - t0))));
    }
    const seq = seq0 + i;
    const h = headers();
    h.set('Nats-Msg-Id', `A.7.${seq}.${sender64}.${subject}`);
    h.set('Lc-Sender', 'pubA');
    h.set('Lc-Incarnation', '7');
    h.set('Lc-Seq', String(seq));
    nc.publish(`lc.A.${subject}`, makePayload(size, seq0 + i - 1, rate === undefined ? undefined : w0 + ((i - 1) * 1000) / rate), { reply: `${inbox}.${i}`, headers: h });
  }
  while (acked + failed < n) await new Promise((r) => (wake = r));
  sub.unsubscribe();
  if (failed > 0) throw new Error(`${failed} publishes into LC_A failed`);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-bridge-import-'));
  const children = [];
  let bridgeB;
  try {
    const nats = await startNats(join(dir, 'store'));
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: 'LC_A',
      subjects: ['lc.A.>'],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      storage: StorageType.File,
      max_age: nanos(7 * 24 * 3600 * 1000),
      num_replicas: 1,
      duplicate_window: nanos(120_000),
    });
    const group = randomMulticastGroup();
    const port = 20_000 + Math.floor(Math.random() * 5000) * 2;
    const zoneB = { group, port, interface: '127.0.0.1', ttl: 0 };
    const subB = forkChild(here('./bridge/zone-sub.mjs'), 'zone-sub', track);
    children.push(subB);
    await subB.call('open', { name: 'subB', group, port });
    bridgeB = await startBridge(
      dir,
      'bridgeB',
      { zone: 'B', nats: { servers: [nats.url] }, import: ['bench.>'], importFrom: ['A'], peer: { name: 'bridgeB', ...zoneB, ledger: { path: join(dir, 'ledger-B'), ...(DURABILITY ? { durability: DURABILITY } : {}) } } },
      { cpuProfDir: args['cpu-prof'] },
    );
    await subB.call('waitPeer', { name: 'bridgeB' });
    const rss = rssSampler([bridgeB.pid]);
    let delivered = 0;
    let first;
    subB.onNote((m) => {
      delivered = m.unique;
      if (first === undefined && delivered > 0) first = { t: performance.now(), cpu: cpuMicros(bridgeB.pid), delivered };
    });
    const runs = [];
    let seq0 = 0;
    for (let r = 0; r <= RUNS; r++) {
      const warm = r === 0;
      const n = warm ? Math.min(N, 20_000) : N;
      const subject = `bench.r${r}`;
      first = undefined;
      delivered = 0;
      await subB.call('begin', { subject, size: SIZE, latency: RATE !== undefined && !warm, warmupMs: 1000 });
      const la = loadAverage()[0];
      await fill(nc, subject, n, SIZE, seq0, RATE);
      seq0 += n;
      const sub = await subB.call('end', { sent: n, idleMs: 10_000, maxMs: 300_000 }, 330_000);
      const t1 = performance.now();
      const cpu1 = cpuMicros(bridgeB.pid);
      // The span's end is the last progress note's time, within 20 ms (end() polls every 20 ms, then waits 100 ms).
      const seconds = (t1 - 120 - first.t) / 1000;
      const msgs = sub.unique - first.delivered;
      const res = { n, unique: sub.unique, duplicates: sub.duplicates, dataLoss: sub.dataLoss, msgsPerSec: msgs / seconds, cpuUsPerMsg: (cpu1 - first.cpu) / msgs, load1: la, latencyMs: sub.latencyMs };
      log(`${warm ? 'warm-up' : `run ${r}`}: ${sub.unique}/${n} once, dup ${sub.duplicates}, dataLoss ${sub.dataLoss}, ${Math.round(res.msgsPerSec)} msg/s, bridge B ${res.cpuUsPerMsg.toFixed(1)} µs/msg, RSS ${(memory(bridgeB.pid).rss / 2 ** 20).toFixed(0)} MB, load ${la}${res.latencyMs ? `, latency p50 ${res.latencyMs.p50.toFixed(2)} ms p99 ${res.latencyMs.p99.toFixed(2)} ms` : ''}`);
      if (!warm) runs.push(res);
    }
    const rssMax = rss.max().get(bridgeB.pid) / 2 ** 20;
    const split = rss.split().get(bridgeB.pid);
    rss.stop();
    const lat = RATE === undefined ? '' : `, latency at ${RATE} msg/s p50 ${median(runs.map((x) => x.latencyMs.p50)).toFixed(2)} ms p99 ${median(runs.map((x) => x.latencyMs.p99)).toFixed(2)} ms`;
    const ok = runs.every((x) => x.unique === x.n && x.duplicates === 0 && x.dataLoss === 0);
    console.log(
      `import only, ${SIZE} B, ${N} messages × ${RUNS} runs, durability ${DURABILITY ?? 'sync'}: ${Math.round(median(runs.map((x) => x.msgsPerSec)))} msg/s${lat}, ` +
        `bridge B ${median(runs.map((x) => x.cpuUsPerMsg)).toFixed(1)} µs/msg (runs ${runs.map((x) => x.cpuUsPerMsg.toFixed(1)).join(', ')}), ` +
        `RSS max ${rssMax.toFixed(0)} MB (anon ${(split.anon / 2 ** 20).toFixed(0)}, file ${(split.file / 2 ** 20).toFixed(0)}); ${ok ? 'every message once, no dataLoss' : 'LOSS, DUPLICATES OR dataLoss'}`,
    );
    await nc.close();
    if (args['cpu-prof']) {
      await bridgeB.stop();
      for (const f of readdirSync(args['cpu-prof']).filter((x) => x.endsWith('.cpuprofile'))) {
        const s = summarizeCpuProfile(JSON.parse(readFileSync(join(args['cpu-prof'], f), 'utf8')), 25);
        console.log(`\n${f}: busy ${Math.round(s.busyMs)} ms, GC ${(100 * s.gcShare).toFixed(1)} %`);
        for (const t of s.top) console.log(`${(100 * t.share).toFixed(1).padStart(5)} % ${t.name} ${t.where}`);
      }
    }
    process.exitCode = ok ? 0 : 1;
  } finally {
    await bridgeB?.stop().catch(() => undefined);
    for (const c of children) c.proc.connected && c.proc.disconnect();
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('SIGINT', async () => {
  await killAll();
  process.exit(130);
});
await main();
