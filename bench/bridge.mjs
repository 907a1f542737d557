/**
 * Zone bridge against the engine alone (issue 15 item 7), in one run, one topology: one local
 * `nats-server -js` on 127.0.0.1 (fresh store, replicas 1).
 *
 *   npm run build && node bench/bridge.mjs [--quick] [--runs N] [--seconds S] [--cpu-prof DIR] [--json FILE] [--only latency|throughput]
 *
 * Diagnostics: `--latency-rate R` (paced rate of the latency runs, 5000 by default),
 * `--bridge-durability sync|async|none` (the bridges' ledgers; the CLI's default is sync),
 * `--bridge-retention N` (the bridges' ledgers keep N messages per stream; default 100,000),
 * `--cpu-prof DIR` (both bridges run under `node --cpu-prof`; self time per function and per area
 * printed at the end), `--import-in-flight N` (bridge B's `maxImportInFlight`), `--import-batch-delay-ms N`
 * (bridge B's `importBatchDelayMs`: latency traded for CPU; default 0), `--export-batch-delay-ms N` (bridge A's
 * `exportBatchDelayMs`, the same trade on the export side), `--only latency|throughput`
 * (only those runs and rows). Each measured run also records the CPU the machine's other processes used.
 *
 * 1. Engine alone: a Node client publishing pipelined (window 1024, a Nats-Msg-Id each: the
 *    exporter's way) into a stream configured as a bridge's LC_<zone>, while a durable pull
 *    consumer with the importer's settings reads it (another process): msg/s for 64 B and 1 KB,
 *    the slower of publish and consume.
 * 2. Zone to zone: zone A's publisher peer → `ledgecast bridge` A (export) → JetStream →
 *    `ledgecast bridge` B (import) → zone B's subscriber peer. Delivered msg/s, every message
 *    counted (each index once), ratio to the engine figure (goal ≥ 0.8×).
 * 3. CPU of each bridge process (/proc/<pid>/stat) per message, per direction (goal ≤ 30 µs).
 * 4. Latency at 5,000 msg/s paced, scheduled time in the payload → delivery in zone B, minus the
 *    engine's own publish → durable consume at the same rate (goal p50 ≤ 1 ms, p99 ≤ 5 ms added).
 * 5. Bridge RSS, max over the run (goal ≤ 150 MB).
 *
 * Runs are interleaved (engine, zone, per size, per repetition); figures are medians over the
 * runs. Network safety: 127.0.0.1 only, groups 239.255.x.y with TTL 0; every child is killed at
 * the end and on error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DiscardPolicy, RetentionPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { summarizeCpuProfile } from './ledgecast/cpu-profile.mjs';
import { forkChild } from './bridge/ipc.mjs';
import { cpuMicros, killAll, loadAverage, machineBusyMicros, memory, rssSampler, startBridge, startNats, track, waitQuiet } from './bridge/procs.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    'bridge-durability': { type: 'string' },
    'bridge-retention': { type: 'string' },
    'latency-rate': { type: 'string' },
    'checkpoint-interval-ms': { type: 'string' },
    streams: { type: 'string' },
    partition: { type: 'string' },
    only: { type: 'string' },
    'import-in-flight': { type: 'string' },
    'import-batch-delay-ms': { type: 'string' },
    'export-batch-delay-ms': { type: 'string' },
  },
});
const QUICK = args.quick;
const RUNS = Number(args.runs ?? (QUICK ? 1 : 3));
const SECONDS = Number(args.seconds ?? (QUICK ? 3 : 8));
const LAT_SECONDS = QUICK ? 4 : 8;
/** The paced rate of the latency runs (the goal is stated at 5,000; lower rates are a diagnostic). */
const LAT_RATE = Number(args['latency-rate'] ?? 5000);
const WARMUP_MS = 1000;
const SIZES = [64, 1024];
/** Engine publish window: the bridge's `maxInFlight` default. */
const ENGINE_WINDOW = 1024;
/** End-to-end credit of zone A's publisher: under the bridge's `maxPending` (16,384). */
const ZONE_WINDOW = 10_000;
/** The bridges' ledger durability: the CLI's default ('sync') unless --bridge-durability says otherwise (a diagnostic). */
const DURABILITY = args['bridge-durability'];
if (DURABILITY !== undefined && !['sync', 'async', 'none'].includes(DURABILITY)) throw new Error('--bridge-durability: sync, async or none');
/** Messages the bridges' ledgers keep per stream (a diagnostic: the ledger's default is 100,000). */
const RETENTION = args['bridge-retention'] === undefined ? undefined : Number(args['bridge-retention']);
/** Bridge A's `checkpoint.intervalMs` (a diagnostic: the default is 1000; a large value leaves only the per-message bookkeeping). */
const CHECKPOINT_MS = args['checkpoint-interval-ms'] === undefined ? undefined : Number(args['checkpoint-interval-ms']);
/** Origin streams of zone A's publisher in the throughput runs (a diagnostic: the checkpoint's size grows with them; default 1). */
const STREAMS = Number(args.streams ?? 1);
/**
 * `--partition S`: instead of the table, one run at 1 KB in which nats-server is stopped
 * (SIGSTOP: both bridges cut from the engine) S seconds while zone A's publisher goes on, then
 * resumed; bridge RSS over it, and every message once in zone B afterwards.
 */
const PARTITION_S = args.partition === undefined ? undefined : Number(args.partition);
/** Zone A's publisher's credit in the partition run: under the bridge peer's maxQueuedPerSubscription (100,000). */
const PARTITION_WINDOW = 90_000;
/** Bridge B's `maxImportInFlight` (a diagnostic: the default is 1024, its consumer's `max_ack_pending`). */
const IMPORT_IN_FLIGHT = args['import-in-flight'] === undefined ? undefined : Number(args['import-in-flight']);
/** Bridge B's `importBatchDelayMs` (default 0: each NATS read's messages are published at once). */
const IMPORT_BATCH_DELAY_MS = args['import-batch-delay-ms'] === undefined ? undefined : Number(args['import-batch-delay-ms']);
/** Bridge A's `exportBatchDelayMs` (default 0: each delivery is published at once). */
const EXPORT_BATCH_DELAY_MS = args['export-batch-delay-ms'] === undefined ? undefined : Number(args['export-batch-delay-ms']);
/** `--only latency` or `--only throughput`: only those runs (the table keeps the other rows out). */
const ONLY = args.only;
if (ONLY !== undefined && !['latency', 'throughput'].includes(ONLY)) throw new Error('--only: latency or throughput');
const ledgerExtra = { ...(DURABILITY ? { durability: DURABILITY } : {}), ...(RETENTION ? { retention: { maxMessagesPerStream: RETENTION } } : {}) };
const GOALS = { ratio: 0.8, cpuUs: 30, p50AddedMs: 1, p99AddedMs: 5, rssMB: 150 };

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
const log = (s) => process.stderr.write(`[bridge-bench] ${s}\n`);

/** The stream config a bridge gives LC_<zone> (bridge/bridge.ts ensureStream, default options). */
function bridgeStreamConfig(name, subject) {
  return {
    name,
    subjects: [subject],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    storage: StorageType.File,
    max_age: nanos(7 * 24 * 3600 * 1000),
    max_bytes: -1,
    num_replicas: 1,
    duplicate_window: nanos(120_000),
  };
}

async function main() {
  const startedAt = new Date();
  const load0 = loadAverage();
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-bridge-bench-'));
  const cpuProfDir = args['cpu-prof'];
  const state = { dir, bridges: [], children: [] };
  try {
    return await run(state, { startedAt, load0, cpuProfDir });
  } finally {
    for (const b of state.bridges) await b.stop().catch(() => undefined);
    for (const c of state.children) c.proc.connected && c.proc.disconnect();
    await killAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(state, { startedAt, load0, cpuProfDir }) {
  const { dir } = state;
  const nats = await startNats(join(dir, 'store'));
  log(`nats-server ${nats.version} at ${nats.url} (pid ${nats.pid})`);
  const admin = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(admin);
  // Every write of bridge A's export checkpoint (key-value bucket lc_bridges, key export.A) seen
  // on core NATS: its bytes per second during each zone run.
  const kvTap = { writes: 0, bytes: 0 };
  admin.subscribe('$KV.lc_bridges.export.>', {
    callback: (_err, m) => {
      kvTap.writes++;
      kvTap.bytes += m.data.byteLength;
    },
  });

  const groupA = randomMulticastGroup();
  let groupB = randomMulticastGroup();
  while (groupB === groupA) groupB = randomMulticastGroup();
  const portA = 20_000 + Math.floor(Math.random() * 5000) * 2;
  const portB = portA + 1000;
  const zoneA = { group: groupA, port: portA, interface: '127.0.0.1', ttl: 0 };
  const zoneB = { group: groupB, port: portB, interface: '127.0.0.1', ttl: 0 };
  const natsCfg = { servers: [nats.url] };
  const bridgeA = await startBridge(
    dir,
    'bridgeA',
    { zone: 'A', nats: natsCfg, export: ['bench.>'], ...(EXPORT_BATCH_DELAY_MS ? { exportBatchDelayMs: EXPORT_BATCH_DELAY_MS } : {}), ...(CHECKPOINT_MS ? { checkpoint: { intervalMs: CHECKPOINT_MS } } : {}), peer: { name: 'bridgeA', ...zoneA, ledger: { path: join(dir, 'ledger-A'), ...ledgerExtra } } },
    { cpuProfDir },
  );
  state.bridges.push(bridgeA);
  const bridgeB = await startBridge(
    dir,
    'bridgeB',
    { zone: 'B', nats: natsCfg, import: ['bench.>'], importFrom: ['A'], ...(IMPORT_IN_FLIGHT ? { maxImportInFlight: IMPORT_IN_FLIGHT } : {}), ...(IMPORT_BATCH_DELAY_MS ? { importBatchDelayMs: IMPORT_BATCH_DELAY_MS } : {}), peer: { name: 'bridgeB', ...zoneB, ledger: { path: join(dir, 'ledger-B'), ...ledgerExtra } } },
    { cpuProfDir },
  );
  state.bridges.push(bridgeB);
  log(`bridges running: A ${groupA}:${portA} (pid ${bridgeA.pid}), B ${groupB}:${portB} (pid ${bridgeB.pid})`);

  const child = (file, name) => {
    const c = forkChild(here(`./bridge/${file}`), name, track);
    state.children.push(c);
    return c;
  };
  const pubA = child('zone-pub.mjs', 'zone-pub');
  const subB = child('zone-sub.mjs', 'zone-sub');
  const epub = child('engine-pub.mjs', 'engine-pub');
  const esub = child('engine-sub.mjs', 'engine-sub');
  await Promise.all([
    pubA.call('open', { name: 'pubA', group: groupA, port: portA }),
    subB.call('open', { name: 'subB', group: groupB, port: portB }),
    epub.call('connect', { url: nats.url }),
    esub.call('connect', { url: nats.url }),
  ]);
  // Zone B's subscriber counts; its counts are zone A's publisher's credit.
  const progress = { sent: 0, delivered: 0 };
  subB.onNote((m) => {
    progress.delivered = m.unique;
    pubA.send({ type: 'credit', delivered: m.unique });
  });
  pubA.onNote((m) => (progress.sent = m.sent));
  await Promise.all([subB.call('waitPeer', { name: 'bridgeB' }), pubA.call('waitPeer', { name: 'bridgeA', pattern: 'bench.>' })]);
  const rssIdle = { bridgeA: memory(bridgeA.pid).rss / 2 ** 20, bridgeB: memory(bridgeB.pid).rss / 2 ** 20 };
  const rss = rssSampler([bridgeA.pid, bridgeB.pid, epub.proc.pid, esub.proc.pid, nats.pid]);

  let k = 0;
  const ourPids = [process.pid, nats.pid, bridgeA.pid, bridgeB.pid, ...state.children.map((c) => c.proc.pid)];
  /** Before a measured run: wait (bounded) until other processes use under 0.3 cores. */
  const quiet = () => waitQuiet(ourPids, { cores: 0.3, maxWaitMs: QUICK ? 0 : 30_000 });
  /** Cores the other processes of the machine used during a run. */
  const othersDuring = (c0, c1, t0) =>
    Math.max(0, c1.machine - c0.machine - ['a', 'b', 'epub', 'esub', 'nats', 'pub', 'sub', 'self'].reduce((x, key) => x + c1[key] - c0[key], 0)) / ((performance.now() - t0) * 1000);
  const cpuOf = () => ({
    machine: machineBusyMicros(),
    pub: cpuMicros(pubA.proc.pid),
    sub: cpuMicros(subB.proc.pid),
    self: cpuMicros(process.pid),
    a: cpuMicros(bridgeA.pid),
    b: cpuMicros(bridgeB.pid),
    epub: cpuMicros(epub.proc.pid),
    esub: cpuMicros(esub.proc.pid),
    nats: cpuMicros(nats.pid),
  });
  const cpuDelta = (c0, c1) => Object.fromEntries(Object.keys(c0).map((key) => [key, c1[key] - c0[key]]));

  async function engineRun(size, { paced = false, seconds = SECONDS } = {}) {
    const n = ++k;
    const stream = `LC_E${n}`;
    await jsm.streams.add(bridgeStreamConfig(stream, `lc.E${n}.>`));
    const quietBefore = await quiet();
    const loadavg = loadAverage();
    await esub.call('begin', { stream, durable: 'lc_import_X', filter: `lc.E${n}.>`, size, latency: paced, warmupMs: WARMUP_MS });
    const c0 = cpuOf();
    const t0 = performance.now();
    const pub = paced
      ? await epub.call('paced', { subject: `lc.E${n}.bench`, size, rate: LAT_RATE, seconds, window: ENGINE_WINDOW }, (seconds + 60) * 1000)
      : await epub.call('throughput', { subject: `lc.E${n}.bench`, size, seconds, window: ENGINE_WINDOW }, (seconds + 60) * 1000);
    const sub = await esub.call('end', { sent: pub.sent, idleMs: 5000, maxMs: 60_000 }, 90_000);
    const c1 = cpuOf();
    const cpu = cpuDelta(c0, c1);
    const otherCores = othersDuring(c0, c1, t0);
    await jsm.streams.delete(stream);
    const r = {
      kind: 'engine',
      size,
      paced,
      loadavg,
      quietBefore,
      otherCores,
      pub,
      sub,
      msgsPerSec: Math.min(pub.msgsPerSec ?? Infinity, sub.msgsPerSec),
      cpuUsPerMsg: { pubClient: cpu.epub / sub.unique, consumer: cpu.esub / sub.unique, natsServer: cpu.nats / sub.unique },
      lost: pub.sent - sub.unique,
    };
    log(
      `engine ${size} B${paced ? ' paced' : ''} (others ${otherCores.toFixed(2)} cores): pub ${Math.round(pub.msgsPerSec ?? pub.sent / pub.seconds)} msg/s, consume ${Math.round(sub.msgsPerSec)} msg/s, ${sub.unique}/${pub.sent} once, dup ${sub.duplicates}` +
        (paced ? `, p50 ${sub.latencyMs.p50.toFixed(3)} ms p99 ${sub.latencyMs.p99.toFixed(3)} ms` : ''),
    );
    return r;
  }

  async function zoneRun(size, { paced = false, seconds = SECONDS, record = true } = {}) {
    const n = ++k;
    const subject = `bench.r${n}`;
    const quietBefore = record ? await quiet() : undefined;
    const loadavg = loadAverage();
    const events0 = [bridgeA.events().length, bridgeB.events().length];
    await subB.call('begin', { subject, size, latency: paced, warmupMs: WARMUP_MS });
    // Paced runs: a tap on LC_A (a durable consumer of the engine-sub process) splits the latency
    // into zone A → JetStream (stored by bridge A) and the rest. A diagnostic: it adds a consumer.
    if (paced) await esub.call('begin', { stream: 'LC_A', durable: `tap${n}`, filter: `lc.A.${subject}`, size, latency: true, warmupMs: WARMUP_MS });
    const c0 = cpuOf();
    const t0 = performance.now();
    // Where the backlog sits while zone A's publisher runs: published and not yet stored in LC_A
    // (the export side) or stored and not yet delivered in zone B (the import side).
    progress.sent = 0;
    progress.delivered = 0;
    const stored0 = (await jsm.streams.info('LC_A')).state.messages;
    const kv0 = { ...kvTap };
    const backlog = { samples: 0, exportSide: 0, importSide: 0 };
    let sampling = !paced;
    const sampler = (async () => {
      while (sampling) {
        await new Promise((r) => setTimeout(r, 250));
        if (!sampling) break;
        const stored = (await jsm.streams.info('LC_A')).state.messages - stored0;
        const { sent, delivered } = progress;
        if (sent === 0) continue;
        backlog.samples++;
        backlog.exportSide += Math.max(0, sent - stored);
        backlog.importSide += Math.max(0, stored - delivered);
      }
    })();
    const pub = paced
      ? await pubA.call('paced', { subject, size, rate: LAT_RATE, seconds }, (seconds + 60) * 1000)
      : await pubA.call('throughput', { subject, size, seconds, window: ZONE_WINDOW, streams: STREAMS }, (seconds + 60) * 1000);
    sampling = false;
    await sampler;
    if (backlog.samples > 0) {
      backlog.exportSide = Math.round(backlog.exportSide / backlog.samples);
      backlog.importSide = Math.round(backlog.importSide / backlog.samples);
    }
    const sub = await subB.call('end', { sent: pub.sent, idleMs: 10_000, maxMs: 120_000 }, 150_000);
    const c1 = cpuOf();
    const runSec = (performance.now() - t0) / 1000;
    const checkpointKv = { writes: kvTap.writes - kv0.writes, bytes: kvTap.bytes - kv0.bytes, bytesPerSec: (kvTap.bytes - kv0.bytes) / runSec, seconds: runSec };
    const cpu = cpuDelta(c0, c1);
    const otherCores = othersDuring(c0, c1, t0);
    const tap = paced ? await esub.call('end', { sent: pub.sent, idleMs: 2000, maxMs: 10_000 }, 30_000) : undefined;
    if (paced) await jsm.consumers.delete('LC_A', `tap${n}`);
    const events = [...bridgeA.events().slice(events0[0]).map((e) => ({ bridge: 'A', ...e })), ...bridgeB.events().slice(events0[1]).map((e) => ({ bridge: 'B', ...e }))];
    const r = {
      kind: 'zone',
      size,
      paced,
      loadavg,
      quietBefore,
      otherCores,
      pub,
      sub,
      msgsPerSec: sub.msgsPerSec,
      cpuUsPerMsg: { bridgeExport: cpu.a / sub.unique, bridgeImport: cpu.b / sub.unique, natsServer: cpu.nats / sub.unique },
      lost: pub.sent - sub.unique,
      tap,
      checkpointKv,
      meanBacklog: paced ? undefined : backlog,
      bridgeEvents: events.slice(0, 20),
      bridgeEventCount: events.length,
    };
    log(
      `zone ${size} B${paced ? ' paced' : ''}${record ? '' : ' (warm-up)'} (others ${otherCores.toFixed(2)} cores): pub ${Math.round(pub.msgsPerSec ?? pub.sent / pub.seconds)} msg/s, delivered ${Math.round(sub.msgsPerSec)} msg/s, ${sub.unique}/${pub.sent} once, dup ${sub.duplicates}, ` +
        `CPU A ${r.cpuUsPerMsg.bridgeExport.toFixed(1)} µs/msg, B ${r.cpuUsPerMsg.bridgeImport.toFixed(1)} µs/msg, bridge events ${events.length}, checkpoint ${checkpointKv.writes} writes ${Math.round(checkpointKv.bytesPerSec)} B/s` +
        (paced ? '' : `, mean backlog export side ${backlog.exportSide}, import side ${backlog.importSide}`) +
        (paced ? `, p50 ${sub.latencyMs.p50.toFixed(3)} ms p99 ${sub.latencyMs.p99.toFixed(3)} ms; stored in LC_A: p50 ${tap.latencyMs.p50.toFixed(3)} ms p99 ${tap.latencyMs.p99.toFixed(3)} ms` : ''),
    );
    return r;
  }

  // What each bridge costs with no traffic (timers, lease, heartbeats), in cores.
  const idle0 = cpuOf();
  const tIdle = performance.now();
  await new Promise((r) => setTimeout(r, 3000));
  const idle1 = cpuOf();
  const idleSec = (performance.now() - tIdle) / 1000;
  const idleCores = { bridgeA: (idle1.a - idle0.a) / 1e6 / idleSec, bridgeB: (idle1.b - idle0.b) / 1e6 / idleSec };
  log(`idle bridges: A ${idleCores.bridgeA.toFixed(3)} cores, B ${idleCores.bridgeB.toFixed(3)} cores`);

  // Warm-up: the path works end to end (bridges' consumers and subscriptions are up).
  await zoneRun(64, { seconds: 1, record: false });
  await engineRun(64, { seconds: 1 });

  if (PARTITION_S !== undefined) {
    rss.stop();
    return partitionRun(1024, PARTITION_S);
  }

  /** Bridges cut from the engine `stopS` seconds while zone A publishes (the diagnostic of `--partition`). */
  async function partitionRun(size, stopS) {
    const subject = `bench.r${++k}`;
    await subB.call('begin', { subject, size, latency: false, warmupMs: 0 });
    const series = [];
    const t0 = performance.now();
    const sample = () => {
      const a = memory(bridgeA.pid);
      const b = memory(bridgeB.pid);
      series.push({ s: Math.round((performance.now() - t0) / 100) / 10, sent: progress.sent, delivered: progress.delivered, aRss: a.rss >> 20, aAnon: a.anon >> 20, aFile: a.file >> 20, bRss: b.rss >> 20, bAnon: b.anon >> 20, bFile: b.file >> 20 });
    };
    const timer = setInterval(sample, 1000);
    progress.sent = 0;
    progress.delivered = 0;
    const published = pubA.call('throughput', { subject, size, seconds: stopS + 8, window: PARTITION_WINDOW }, (stopS + 120) * 1000);
    await new Promise((r) => setTimeout(r, 3000));
    const stoppedAt = (performance.now() - t0) / 1000;
    nats.proc.kill('SIGSTOP');
    log(`nats-server stopped at ${stoppedAt.toFixed(1)} s (sent ${progress.sent}, delivered ${progress.delivered})`);
    await new Promise((r) => setTimeout(r, stopS * 1000));
    nats.proc.kill('SIGCONT');
    const resumedAt = (performance.now() - t0) / 1000;
    log(`nats-server resumed at ${resumedAt.toFixed(1)} s (sent ${progress.sent}, delivered ${progress.delivered})`);
    const pub = await published;
    const sub = await subB.call('end', { sent: pub.sent, idleMs: 30_000, maxMs: 240_000 }, 300_000);
    clearInterval(timer);
    sample();
    const max = (key) => Math.max(...series.map((x) => x[key]));
    const events = [...bridgeA.events().map((e) => ({ bridge: 'A', ...e })), ...bridgeB.events().map((e) => ({ bridge: 'B', ...e }))];
    const report = {
      partition: { seconds: stopS, size, window: PARTITION_WINDOW, stoppedAt, resumedAt, drainedAt: (performance.now() - t0) / 1000 },
      sent: pub.sent,
      unique: sub.unique,
      duplicates: sub.duplicates,
      dataLoss: sub.dataLoss,
      lost: pub.sent - sub.unique,
      rssMaxMB: { bridgeA: max('aRss'), bridgeB: max('bRss'), bridgeAAnon: max('aAnon'), bridgeBAnon: max('bAnon'), bridgeAFile: max('aFile'), bridgeBFile: max('bFile') },
      heldMax: Math.max(...series.map((x) => x.sent - x.delivered)),
      bridgeEvents: countBy(events.map((e) => `${e.bridge}:${e.event}`)),
      loadavg: loadAverage(),
      series,
    };
    log(`partition ${stopS} s at ${size} B: sent ${pub.sent}, once in B ${sub.unique}, dup ${sub.duplicates}, dataLoss ${sub.dataLoss}; RSS max A ${report.rssMaxMB.bridgeA} MB (anon ${report.rssMaxMB.bridgeAAnon}), B ${report.rssMaxMB.bridgeB} MB (anon ${report.rssMaxMB.bridgeBAnon}); held at most ${report.heldMax}; events ${JSON.stringify(report.bridgeEvents)}`);
    return { partitionReport: report, lostTotal: report.lost, dupTotal: report.duplicates };
  }

  const results = { engine: {}, zone: {}, engineLat: [], zoneLat: [] };
  for (const size of SIZES) {
    results.engine[size] = [];
    results.zone[size] = [];
  }
  for (let r = 0; r < RUNS && ONLY !== 'latency'; r++) {
    for (const size of SIZES) {
      results.engine[size].push(await engineRun(size));
      results.zone[size].push(await zoneRun(size));
    }
  }
  for (let r = 0; r < RUNS && ONLY !== 'throughput'; r++) {
    results.engineLat.push(await engineRun(64, { paced: true, seconds: LAT_SECONDS }));
    results.zoneLat.push(await zoneRun(64, { paced: true, seconds: LAT_SECONDS }));
  }
  const rssMax = rss.max();
  rss.stop();
  const load1 = loadAverage();

  const bridgeEventsAll = [...bridgeA.events().map((e) => ({ bridge: 'A', ...e })), ...bridgeB.events().map((e) => ({ bridge: 'B', ...e }))];
  const profiles = [];
  if (cpuProfDir) {
    for (const b of state.bridges) await b.stop();
    for (const f of readdirSync(cpuProfDir).filter((x) => x.endsWith('.cpuprofile'))) {
      const all = summarizeCpuProfile(JSON.parse(readFileSync(join(cpuProfDir, f), 'utf8')), Number.MAX_SAFE_INTEGER);
      profiles.push({ file: join(cpuProfDir, f), ...all, top: all.top.slice(0, 15), byArea: profileAreas(all) });
    }
  }
  await admin.close();

  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here('..') }).toString().trim();
    } catch {
      return 'unknown';
    }
  })();
  const report = summarize(results, {
    startedAt: startedAt.toISOString(),
    commit,
    node: process.version,
    natsServer: nats.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    loadavgStart: load0,
    loadavgEnd: load1,
    runs: RUNS,
    seconds: SECONDS,
    latencySeconds: LAT_SECONDS,
    quick: QUICK,
    idleCores,
    bridgeDurability: DURABILITY ?? 'sync (the CLI default)',
    importBatchDelayMs: IMPORT_BATCH_DELAY_MS ?? 0,
    exportBatchDelayMs: EXPORT_BATCH_DELAY_MS ?? 0,
    bridgeRetention: RETENTION ?? 'the ledger default (100,000 messages per stream)',
    checkpointIntervalMs: CHECKPOINT_MS ?? 1000,
    streams: STREAMS,
    rssMaxMB: {
      bridgeA: rssMax.get(bridgeA.pid) / 2 ** 20,
      bridgeB: rssMax.get(bridgeB.pid) / 2 ** 20,
      enginePub: rssMax.get(epub.proc.pid) / 2 ** 20,
      engineSub: rssMax.get(esub.proc.pid) / 2 ** 20,
      natsServer: rssMax.get(nats.pid) / 2 ** 20,
      bridgesAtStart: rssIdle,
      bridgeAnonMax: { bridgeA: rss.split().get(bridgeA.pid).anon / 2 ** 20, bridgeB: rss.split().get(bridgeB.pid).anon / 2 ** 20 },
      bridgeFileMax: { bridgeA: rss.split().get(bridgeA.pid).file / 2 ** 20, bridgeB: rss.split().get(bridgeB.pid).file / 2 ** 20 },
    },
    bridgeEvents: { count: bridgeEventsAll.length, kinds: countBy(bridgeEventsAll.map((e) => `${e.bridge}:${e.event}`)), samples: bridgeEventsAll.slice(0, 10) },
    profiles,
  });
  return report;
}

function countBy(xs) {
  const m = {};
  for (const x of xs) m[x] = (m[x] ?? 0) + 1;
  return m;
}

function summarize(results, meta) {
  // Sizes with throughput runs (none under --only latency).
  const sizes = SIZES.filter((size) => results.zone[size].length > 0);
  const all = [...Object.values(results.engine).flat(), ...Object.values(results.zone).flat(), ...results.engineLat, ...results.zoneLat];
  meta.otherCores = range(all.map((r) => r.otherCores));
  const rows = [];
  const verdict = (ok) => (ok ? 'met' : '**not met**');
  const fmtRate = (x) => `${Math.round(x).toLocaleString('en-US')}`;
  const rangeStr = (r, f) => (r.n > 1 ? `${f(r.median)} (${f(r.min)}–${f(r.max)})` : f(r.median));
  const figures = {};
  let lostTotal = 0;
  let dupTotal = 0;
  for (const size of sizes) {
    const e = results.engine[size];
    const z = results.zone[size];
    for (const r of [...e, ...z]) {
      lostTotal += r.lost;
      dupTotal += r.sub.duplicates;
    }
    const eng = range(e.map((r) => r.msgsPerSec));
    const engPub = range(e.map((r) => r.pub.msgsPerSec));
    const engSub = range(e.map((r) => r.sub.msgsPerSec));
    const zon = range(z.map((r) => r.msgsPerSec));
    const ratio = zon.median / eng.median;
    const label = size === 64 ? '64 B' : '1 KB';
    figures[`throughput${size}`] = { zone: zon, engine: eng, enginePublish: engPub, engineConsume: engSub, ratio };
    rows.push([
      `throughput ${label}, msg/s (lossless: ${z.every((r) => r.lost === 0 && r.sub.duplicates === 0 && r.sub.dataLoss === 0) ? 'every message once' : 'LOSS OR DUPLICATES'})`,
      rangeStr(zon, fmtRate),
      `${rangeStr(eng, fmtRate)} (publish ${fmtRate(engPub.median)}, consume ${fmtRate(engSub.median)})`,
      `${ratio.toFixed(2)}×`,
      `≥ ${GOALS.ratio}×`,
      verdict(ratio >= GOALS.ratio),
    ]);
  }
  for (const size of sizes) {
    const z = results.zone[size];
    const e = results.engine[size];
    const label = size === 64 ? '64 B' : '1 KB';
    const ex = range(z.map((r) => r.cpuUsPerMsg.bridgeExport));
    const im = range(z.map((r) => r.cpuUsPerMsg.bridgeImport));
    const ep = range(e.map((r) => r.cpuUsPerMsg.pubClient));
    const ec = range(e.map((r) => r.cpuUsPerMsg.consumer));
    figures[`cpu${size}`] = { bridgeExport: ex, bridgeImport: im, enginePubClient: ep, engineConsumer: ec, natsServerZone: range(z.map((r) => r.cpuUsPerMsg.natsServer)), natsServerEngine: range(e.map((r) => r.cpuUsPerMsg.natsServer)) };
    const f = (x) => x.toFixed(1);
    rows.push([`bridge CPU, export (bridge A), ${label}, µs/msg`, rangeStr(ex, f), `${rangeStr(ep, f)} (publishing client)`, `${(ex.median / ep.median).toFixed(1)}×`, `≤ ${GOALS.cpuUs} µs`, verdict(ex.median <= GOALS.cpuUs)]);
    rows.push([`bridge CPU, import (bridge B), ${label}, µs/msg`, rangeStr(im, f), `${rangeStr(ec, f)} (consuming client)`, `${(im.median / ec.median).toFixed(1)}×`, `≤ ${GOALS.cpuUs} µs`, verdict(im.median <= GOALS.cpuUs)]);
  }
  if (results.zoneLat.length > 0) {
    const zl = results.zoneLat;
    const el = results.engineLat;
    for (const r of [...zl, ...el]) {
      lostTotal += r.lost;
      dupTotal += r.sub.duplicates;
    }
    for (const q of ['p50', 'p99']) {
      const z = range(zl.map((r) => r.sub.latencyMs[q]));
      const e = range(el.map((r) => r.sub.latencyMs[q]));
      const added = z.median - e.median;
      const goal = q === 'p50' ? GOALS.p50AddedMs : GOALS.p99AddedMs;
      figures[`latency${q}`] = { zone: z, engine: e, addedMs: added };
      const f = (x) => x.toFixed(2);
      rows.push([`latency ${q} at ${LAT_RATE.toLocaleString('en-US')} msg/s, 64 B, ms`, rangeStr(z, f), rangeStr(e, f), `+${f(added)} ms added`, `≤ +${goal} ms`, verdict(added <= goal)]);
    }
    {
      const t50 = range(zl.map((r) => r.tap.latencyMs.p50));
      const t99 = range(zl.map((r) => r.tap.latencyMs.p99));
      figures.latencyTap = { p50: t50, p99: t99 };
      const f = (x) => x.toFixed(2);
      rows.push([
        'of which zone A → read from LC_A (a tap consumer on LC_A, diagnostic), ms',
        `p50 ${rangeStr(t50, f)}, p99 ${rangeStr(t99, f)}`,
        `p50 ${f(figures.latencyp50.engine.median)}, p99 ${f(figures.latencyp99.engine.median)} (publish → consume)`,
        '',
        '',
        '',
      ]);
    }
    figures.latencyCpu = {
      bridgeExport: range(zl.map((r) => r.cpuUsPerMsg.bridgeExport)),
      bridgeImport: range(zl.map((r) => r.cpuUsPerMsg.bridgeImport)),
    };
    const f = (x) => x.toFixed(1);
    rows.push([
      `bridge CPU at ${LAT_RATE.toLocaleString('en-US')} msg/s paced, 64 B, µs/msg`,
      `export ${rangeStr(figures.latencyCpu.bridgeExport, f)}, import ${rangeStr(figures.latencyCpu.bridgeImport, f)}`,
      `publishing client ${f(median(el.map((r) => r.cpuUsPerMsg.pubClient)))}, consuming client ${f(median(el.map((r) => r.cpuUsPerMsg.consumer)))}`,
      '',
      `≤ ${GOALS.cpuUs} µs`,
      verdict(Math.max(figures.latencyCpu.bridgeExport.median, figures.latencyCpu.bridgeImport.median) <= GOALS.cpuUs),
    ]);
  }
  for (const size of sizes) {
    const z = results.zone[size];
    const ex = median(z.map((r) => r.meanBacklog.exportSide));
    const im = median(z.map((r) => r.meanBacklog.importSide));
    figures[`backlog${size}`] = { exportSide: ex, importSide: im };
    rows.push([
      `where the backlog waits at full rate, ${size === 64 ? '64 B' : '1 KB'} (mean messages, diagnostic)`,
      `export side (published, not in LC_A) ${Math.round(ex)}; import side (in LC_A, not delivered in B) ${Math.round(im)}`,
      '',
      '',
      '',
      '',
    ]);
  }
  for (const size of sizes) {
    const z = results.zone[size];
    const bps = median(z.map((r) => r.checkpointKv.bytesPerSec));
    const writes = median(z.map((r) => r.checkpointKv.writes / r.checkpointKv.seconds));
    const perWrite = median(z.map((r) => (r.checkpointKv.writes ? r.checkpointKv.bytes / r.checkpointKv.writes : NaN)));
    figures[`checkpoint${size}`] = { bytesPerSec: bps, writesPerSec: writes, bytesPerWrite: perWrite };
    rows.push([
      `export checkpoint at full rate, ${size === 64 ? '64 B' : '1 KB'} (key-value writes of bridge A, diagnostic)`,
      `${Math.round(bps).toLocaleString('en-US')} B/s (${writes.toFixed(2)} writes/s of ${Math.round(perWrite).toLocaleString('en-US')} B; interval ${meta.checkpointIntervalMs} ms)`,
      '',
      '',
      '',
      '',
    ]);
  }
  rows.push([
    'bridge CPU with no traffic, cores (3 s, diagnostic)',
    `A ${meta.idleCores.bridgeA.toFixed(3)}, B ${meta.idleCores.bridgeB.toFixed(3)}`,
    '',
    '',
    '',
    '',
  ]);
  const m = meta.rssMaxMB;
  const bridgeRss = Math.max(m.bridgeA, m.bridgeB);
  rows.push([
    'bridge RSS, max over the run, MB',
    `A ${m.bridgeA.toFixed(0)}, B ${m.bridgeB.toFixed(0)} (at start: A ${m.bridgesAtStart.bridgeA.toFixed(0)}, B ${m.bridgesAtStart.bridgeB.toFixed(0)}; ` +
      `largest anonymous part A ${m.bridgeAnonMax.bridgeA.toFixed(0)}, B ${m.bridgeAnonMax.bridgeB.toFixed(0)}; largest file-mapped part A ${m.bridgeFileMax.bridgeA.toFixed(0)}, B ${m.bridgeFileMax.bridgeB.toFixed(0)})`,
    `publishing client ${m.enginePub.toFixed(0)}, consuming client ${m.engineSub.toFixed(0)} (nats-server ${m.natsServer.toFixed(0)})`,
    '',
    `≤ ${GOALS.rssMB} MB`,
    verdict(bridgeRss <= GOALS.rssMB),
  ]);
  const head = ['figure', 'zone A → bridge → JetStream → bridge → zone B', 'engine alone (same run)', 'ratio', 'goal', ''];
  const table = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  const la = (x) => x.map((v) => v.toFixed(2)).join(' / ');
  const caption =
    `${meta.startedAt.slice(0, 10)}, commit ${meta.commit}, ${meta.cpus}, Node ${meta.node}, nats-server ${meta.natsServer}, ` +
    `load average (1/5/15 min) ${la(meta.loadavgStart)} at start, ${la(meta.loadavgEnd)} at end; ` +
    `${meta.runs} run(s) of ${meta.seconds} s per throughput figure, ${meta.runs} of ${meta.latencySeconds} s (first ${WARMUP_MS / 1000} s not sampled) per latency figure: median (min–max). ` +
    `Other processes of the machine used ${meta.otherCores.min.toFixed(2)}–${meta.otherCores.max.toFixed(2)} cores during the runs (median ${meta.otherCores.median.toFixed(2)}${meta.quick ? '' : '; each run first waited up to 30 s for them to drop under 0.3 cores'}). ` +
    `Bridge ledgers: durability ${meta.bridgeDurability}, retention ${meta.bridgeRetention}. ` +
    (meta.importBatchDelayMs > 0 ? `Bridge B's importBatchDelayMs ${meta.importBatchDelayMs} (not the default, 0). ` : '') +
    (meta.exportBatchDelayMs > 0 ? `Bridge A's exportBatchDelayMs ${meta.exportBatchDelayMs} (not the default, 0). ` : '') +
    (meta.streams > 1 ? `Throughput runs publish on ${meta.streams} subjects (origin streams) in turn. ` : '') +
    `Lost ${lostTotal}, duplicates ${dupTotal} over every run; bridge event lines ${meta.bridgeEvents.count}${meta.bridgeEvents.count ? ` ${JSON.stringify(meta.bridgeEvents.kinds)}` : ''}.`;
  return { meta, figures, results, table, caption, lostTotal, dupTotal };
}

/** Self time of a profile grouped by where the code lives, ms, largest first. */
function profileAreas(summary) {
  const area = (e) => {
    const w = e.where ?? '';
    if (e.name === '(garbage collector)') return 'garbage collector';
    if (/node_modules\/lmdb\//.test(w)) return 'lmdb (the bridge peer\'s ledger)';
    if (/node_modules\/msgpackr\//.test(w)) return 'msgpackr';
    if (/node_modules\/@nats-io\//.test(w)) return 'NATS client (@nats-io)';
    if (/^bridge\//.test(w)) return 'bridge/ (exporter, importer)';
    if (/^(actors|storage|runtime|codecs|monitor|cli)\//.test(w)) return `ledgecast peer (${w.split('/')[0]}/)`;
    if (/^node:/.test(w)) return 'Node internals (JavaScript)';
    return 'native, no JavaScript frame (socket writes, (program), …)';
  };
  const m = new Map();
  for (const e of summary.top) m.set(area(e), (m.get(area(e)) ?? 0) + e.ms);
  return [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ area: name, ms, share: ms / summary.busyMs }));
}

function printProfiles(profiles) {
  for (const p of profiles) {
    console.log(`\nCPU profile ${p.file}: busy ${Math.round(p.busyMs)} ms of ${Math.round(p.totalMs)} ms, GC ${(100 * p.gcShare).toFixed(1)} % of busy`);
    console.log('| self ms | share of busy | function | where |\n|---|---|---|---|');
    for (const t of p.top) console.log(`| ${Math.round(t.ms)} | ${(100 * (t.share ?? t.ms / p.busyMs)).toFixed(1)} % | ${t.name} | ${t.where} |`);
    console.log('\n| self ms | share of busy | area |\n|---|---|---|');
    for (const a of p.byArea) console.log(`| ${Math.round(a.ms)} | ${(100 * a.share).toFixed(1)} % | ${a.area} |`);
  }
}

let stopping = false;
const onSignal = async () => {
  if (stopping) return;
  stopping = true;
  await killAll();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  const report = await main();
  if (report.partitionReport !== undefined) {
    console.log(JSON.stringify(report.partitionReport));
    if (args.json) writeFileSync(args.json, `${JSON.stringify(report.partitionReport, null, 1)}\n`);
    process.exit(report.lostTotal === 0 && report.dupTotal === 0 ? 0 : 1);
  }
  console.log(`\n${report.caption}\n\n${report.table}`);
  printProfiles(report.meta.profiles);
  const reportDir = here('./report');
  const jsonPath = args.json ?? (existsSync(reportDir) ? join(reportDir, `bridge-${report.meta.startedAt.slice(0, 10)}.json`) : undefined);
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 1)}\n`);
    console.log(`\nJSON: ${jsonPath}`);
  }
  process.exitCode = report.lostTotal === 0 && report.dupTotal === 0 ? 0 : 1;
} catch (err) {
  console.error(`bench/bridge.mjs failed: ${err?.stack ?? err}`);
  await killAll();
  process.exitCode = 2;
}
