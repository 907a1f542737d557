#!/usr/bin/env node
/**
 * Data path costs, the figures issue 10 (zero-copy data-path redesign) asks for before and after:
 *
 *   npm run build && node bench/ledgecast/measure-path.mjs [--runs 3] [--messages 1000000]
 *        [--presets single,shared,...] [--json FILE] [--quick] [--only alloc,busy,window]
 *        [--alloc-messages 100000] [--warmup 200000] [--cpu-prof DIR] [--cpu-prof-preset P] [--alloc-preset P] [--verbose]
 *
 * 1. alloc: heap objects allocated per message in the publisher process and in the subscriber
 *    process, 64-byte messages, default options (`single`), by allocating function (top 15 per side).
 *    mp-pub.mjs → mp-sub.mjs: `--warmup` messages unmeasured, then `--alloc-messages` counted.
 * 2. busy: application-thread busy time per message for each topology preset: event-loop
 *    utilization of the main thread (performance.eventLoopUtilization) × interval / messages, on
 *    the publisher (first publish → last publish resolved) and on the subscriber (first → last
 *    delivery), with the CPU time of the main thread (Linux /proc, 10 ms ticks) and of the whole
 *    process (every thread), the throughput of the same run, and the publisher's peak RSS. ELU is
 *    wall time the loop was not idle, so on a loaded machine it counts time the thread waited for a
 *    core; the main thread's CPU time does not. `--messages` messages of 64 B per run, mp-pub.mjs → mp-sub.mjs.
 * 3. window: memory held per message in the sender window versus its wire bytes (mp-window.mjs).
 * --cpu-prof DIR: also one `single` busy run under `node --cpu-prof` (profiles kept in DIR), with
 *    each side's busy time, GC share and top functions by self time.
 *
 * ## How objects are counted, and why this way
 * With V8's allocation tracker (alloc-tracker.mjs: the inspector's
 * `HeapProfiler.startTrackingHeapObjects({ trackAllocations: true })`, ended by a heap snapshot
 * whose `trace_tree` holds the count and bytes of every allocation since the start, per JavaScript
 * stack, dead objects included), in child processes run with `--no-turbo-allocation-folding`.
 * - It is a count, not an estimate: every allocation goes through V8's runtime while tracking, from
 *   any tier (interpreter, baseline, optimized, builtins, C++).
 * - The alternatives measure something else. `v8.getHeapStatistics()` / `process.memoryUsage()`
 *   deltas are bytes, and GC runs between reads. `HeapProfiler.startSampling` (and `--heap-prof`)
 *   samples bytes (one sample per ~N bytes allocated): a count has to be estimated from it by
 *   re-weighting each sample by its size, noisy for small objects. `--trace-gc-object-stats` and
 *   heap snapshots see the objects alive at a GC, not the short-lived ones that make the garbage.
 * - Its distortion, and what is done about it: tracking makes allocation slow (a runtime call and a
 *   stack walk each: the tracked phase runs 10-20× slower), which changes timing, not which
 *   objects the code creates; the figures of table 2 are therefore measured in separate, untracked
 *   runs. Optimized code is kept: tracking starts after a warm-up (`--warmup`, more than the
 *   sender window, so the measured messages also run in the window's steady state, each evicting
 *   one). Allocation folding (TurboFan merging a function's allocations into one) is turned off,
 *   otherwise a folded group counts as one object (measured: 7 objects per message in the sender's
 *   `sequence` without folding, 3-4 with it). Escape analysis stays on: an object it removes is
 *   never allocated, so it is rightly not counted. What stays variable is the JIT itself (which
 *   functions are optimized, inlined, or deoptimized when tracking starts): so several runs, median.
 * - Every allocation of the process counts, including the application's own (the benchmark's fresh
 *   payload `Uint8Array` per message; the subscriber callback allocates nothing) and Node's (timers,
 *   dgram, the Buffer of each received datagram): the table splits library / application /
 *   runtime by the innermost ledgecast or benchmark frame of each stack.
 *
 * Results: printed; with --json, { meta, alloc, busy, window, cpuProfile } (bench/run-all.mjs puts
 * them in the report's "Data path costs" section). Runs are interleaved (run 1 of every case, then
 * run 2, ...); medians (min–max) over runs. Exit code 0; 2 if a case had no clean run.
 * Network safety: as every ledgecast benchmark (lc-common.mjs): 127.0.0.1, TTL 0, 239.255.x.y.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmtNum, fmtRange, fmtSI, formatTable, randomMulticastGroup, runPair, stats } from '../baselines/harness.mjs';
import { summarizeCpuProfile } from './cpu-profile.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, '..', '..', 'dist', 'index.js');
const ALL_PRESETS = ['single', 'shared', 'sharedNetwork', 'dedicated'];
const PARTS = ['alloc', 'busy', 'window'];
const TOP_SITES = 15;

const USAGE = `usage: node bench/ledgecast/measure-path.mjs [--runs N=3] [--messages N=1000000] [--presets a,b]
       [--json FILE] [--quick] [--only alloc,busy,window] [--alloc-messages N=100000] [--warmup N=200000]
       [--cpu-prof DIR] [--verbose]
  --messages        64-byte messages per busy-time run (per preset)
  --alloc-messages  messages counted by the allocation tracker (after --warmup unmeasured ones)
  --quick           1 run, single preset, 200 k / 30 k / 100 k messages (smoke check)
  --cpu-prof DIR    also profile one busy run (node --cpu-prof, profiles kept in DIR; worker threads too)
  --cpu-prof-preset P  the preset of that run (default single)
  --alloc-preset P  the preset of the allocation runs (default single; counts the main thread only)`;

function parseCli() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string' },
        messages: { type: 'string' },
        'alloc-messages': { type: 'string' },
        warmup: { type: 'string' },
        presets: { type: 'string' },
        only: { type: 'string' },
        json: { type: 'string' },
        'cpu-prof': { type: 'string' },
        'cpu-prof-preset': { type: 'string' },
        'alloc-preset': { type: 'string' },
        quick: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(64);
  }
  const bad = (msg) => {
    console.error(`${msg}\n${USAGE}`);
    process.exit(64);
  };
  const int = (name, raw, lo, hi) => {
    const v = Number(raw);
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) bad(`--${name} must be an integer in [${lo}, ${hi}], got ${raw}`);
    return v;
  };
  const list = (raw, allowed, what) => {
    const xs = raw.split(',').map((s) => s.trim()).filter(Boolean);
    for (const x of xs) if (!allowed.includes(x)) bad(`${what}: unknown ${x} (${allowed.join(', ')})`);
    return xs;
  };
  const q = values.quick;
  return {
    help: values.help,
    quick: q,
    runs: int('runs', values.runs ?? (q ? 1 : 3), 1, 50),
    messages: int('messages', values.messages ?? (q ? 200_000 : 1_000_000), 1000, 100_000_000),
    allocMessages: int('alloc-messages', values['alloc-messages'] ?? (q ? 30_000 : 100_000), 1000, 10_000_000),
    warmup: int('warmup', values.warmup ?? (q ? 100_000 : 200_000), 1000, 100_000_000),
    presets: values.presets ? list(values.presets, ALL_PRESETS, '--presets') : q ? ['single'] : ALL_PRESETS,
    only: values.only ? list(values.only, PARTS, '--only') : PARTS,
    json: values.json,
    cpuProf: values['cpu-prof'],
    allocPreset: values['alloc-preset'] ? list(values['alloc-preset'], ALL_PRESETS, '--alloc-preset')[0] : 'single',
    cpuProfPreset: values['cpu-prof-preset'] ? list(values['cpu-prof-preset'], ALL_PRESETS, '--cpu-prof-preset')[0] : 'single',
    verbose: values.verbose,
  };
}

const randomPort = () => 20_000 + Math.floor(Math.random() * 40_000);
const tag = () => Math.random().toString(36).slice(2, 8);

// ---------------------------------------------------------------------------------------------
// One measurement each

/** A pub/sub pair of mp-pub.mjs / mp-sub.mjs; returns { pub, sub, pubRss, problems }. */
async function runPathPair(cli, { mode, preset, messages, warmupMessages = 0, execArgv = [], seconds }) {
  const t = tag();
  const pubName = `mp-pub-${t}`;
  const subName = `mp-sub-${t}`;
  const r = await runPair({
    pubScript: path.join(HERE, 'mp-pub.mjs'),
    subScript: path.join(HERE, 'mp-sub.mjs'),
    args: { group: randomMulticastGroup(), port: randomPort(), topology: preset, mode, messages, warmupMessages, msgBytes: 64, pubName, subName },
    pubArgs: { name: pubName },
    subArgs: { name: subName, drainMaxMs: 30_000 },
    seconds,
    execArgv,
    drainTimeoutMs: 40_000,
    verbose: cli.verbose,
  });
  const pub = r.pub.result;
  const sub = r.sub.result;
  const problems = [];
  if (pub.error) problems.push(`publisher: ${pub.error}`);
  if (sub.trackingError) problems.push(`subscriber tracking: ${sub.trackingError}`);
  if (sub.receivedMsgs !== sub.expected) problems.push(`delivered ${sub.receivedMsgs} of ${sub.expected}`);
  if (sub.outOfOrder) problems.push(`${sub.outOfOrder} message indexes out of order`);
  if (sub.badLength) problems.push(`${sub.badLength} payloads of a wrong length`);
  for (const [who, x] of [['pub', pub], ['sub', sub]]) {
    if (x.events?.dataLoss) problems.push(`${who}: ${x.events.dataLoss} dataLoss events`);
    if (x.events?.errors?.length) problems.push(`${who} errors: ${x.events.errors.join(' | ')}`);
    if (x.join && !x.join.joined) problems.push(`${who}: never saw the other join`);
  }
  return { pub, sub, pubRss: r.pub.rssPeakBytes, subRss: r.sub.rssPeakBytes, problems };
}

/** mp-window.mjs in a forked process with --expose-gc. */
function runWindow(cli) {
  return new Promise((resolve, reject) => {
    const params = { group: randomMulticastGroup(), port: randomPort(), name: `mp-window-${tag()}`, msgBytes: 64, hardTimeoutMs: 110_000 };
    const child = fork(path.join(HERE, 'mp-window.mjs'), [`--params=${JSON.stringify(params)}`], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    let msg = null;
    const keep = (d) => {
      out = (out + d).slice(-4000);
      if (cli.verbose) process.stderr.write(`[window] ${d}`);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    const timer = setTimeout(kill, 120_000);
    child.on('message', (m) => {
      msg = m;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', kill);
      if (msg?.ok) resolve(msg.result);
      else reject(new Error(`mp-window.mjs: ${msg?.error ?? `exited (code ${code}, signal ${signal}) without a result`}\n${out.trim().split('\n').slice(-8).join('\n')}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Summaries

const perMsg = (x, n) => (Number.isFinite(x) && n > 0 ? x / n : NaN);

/** Per side: stats of objects/msg (total and per kind), bytes/msg, and the top sites by median. */
function summarizeAlloc(runs, side) {
  const ok = runs.filter((r) => r.ok && r.value[side]?.alloc);
  const per = ok.map((r) => {
    const a = r.value[side].alloc;
    const n = r.value[side].measuredMsgs;
    return { n, a };
  });
  const s = (f) => stats(per.map(({ n, a }) => perMsg(f(a), n)));
  const siteRuns = new Map();
  per.forEach(({ n, a }, i) => {
    for (const x of a.sites) {
      const key = `${x.fn}\u0000${x.via}`;
      if (!siteRuns.has(key)) siteRuns.set(key, { fn: x.fn, via: x.via, kind: x.kind, objects: Array(per.length).fill(0), bytes: Array(per.length).fill(0) });
      const e = siteRuns.get(key);
      e.objects[i] = x.objects / n;
      e.bytes[i] = x.bytes / n;
    }
  });
  const sites = [...siteRuns.values()]
    .map((e) => ({ fn: e.fn, via: e.via, kind: e.kind, objectsPerMsg: stats(e.objects), bytesPerMsg: stats(e.bytes) }))
    .sort((a, b) => b.objectsPerMsg.median - a.objectsPerMsg.median)
    .slice(0, TOP_SITES);
  return {
    runs: per.length,
    objectsPerMsg: s((a) => a.objects),
    bytesPerMsg: s((a) => a.bytes),
    libraryObjectsPerMsg: s((a) => a.byKind.library.objects),
    applicationObjectsPerMsg: s((a) => a.byKind.application.objects),
    runtimeObjectsPerMsg: s((a) => a.byKind.runtime.objects),
    top: sites,
  };
}

function summarizeBusy(runs) {
  const ok = runs.filter((r) => r.ok).map((r) => r.value);
  const s = (f) => stats(ok.map(f));
  return {
    runs: runs.length,
    okRuns: ok.length,
    cleanRuns: ok.filter((v) => v.problems.length === 0).length,
    pubBusyUsPerMsg: s((v) => v.pub.busyUsPerMsg),
    subBusyUsPerMsg: s((v) => v.sub.busyUsPerMsg),
    pubElu: s((v) => v.pub.elu),
    subElu: s((v) => v.sub.elu),
    pubCpuUsPerMsg: s((v) => v.pub.processCpuUsPerMsg),
    subCpuUsPerMsg: s((v) => v.sub.processCpuUsPerMsg),
    pubMainCpuUsPerMsg: s((v) => v.pub.mainThreadCpuUsPerMsg),
    subMainCpuUsPerMsg: s((v) => v.sub.mainThreadCpuUsPerMsg),
    deliveredMsgsPerSec: s((v) => v.sub.deliveredMsgsPerSec),
    sentMsgsPerSec: s((v) => v.pub.sentMsgsPerSec),
    pubRssBytes: s((v) => v.pubRss),
    subRssBytes: s((v) => v.subRss),
  };
}

function summarizeWindow(runs) {
  const ok = runs.filter((r) => r.ok).map((r) => r.value);
  const s = (f) => stats(ok.map(f));
  return {
    runs: runs.length,
    okRuns: ok.length,
    windowMessages: ok[0]?.windowMessages,
    bytesPerHeldMessage: s((v) => v.bytesPerHeldMessage),
    heapUsedPerHeldMessage: s((v) => v.heapUsedPerHeldMessage),
    externalPerHeldMessage: s((v) => v.externalPerHeldMessage),
    recordBytesPerMessage: s((v) => v.recordBytesPerMessage),
    datagramBytesPerMessage: s((v) => v.datagramBytesPerMessage),
    secondFillDeltaBytes: s((v) => v.secondFillDeltaBytes),
  };
}

// ---------------------------------------------------------------------------------------------
// Printing

const mib = (s) => fmtRange(s && { ...s, median: s.median / 2 ** 20, min: s.min / 2 ** 20, max: s.max / 2 ** 20 }, (x) => x.toFixed(0));
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

function printAlloc(a) {
  for (const side of ['pub', 'sub']) {
    const x = a[side];
    if (!x?.runs) continue;
    console.log(`\n${side === 'pub' ? 'Publisher' : 'Subscriber'} process: ${fmtRange(x.objectsPerMsg, f2)} objects/message (library ${fmtRange(x.libraryObjectsPerMsg, f2)}, application ${fmtRange(x.applicationObjectsPerMsg, f2)}, runtime ${fmtRange(x.runtimeObjectsPerMsg, f2)}), ${fmtRange(x.bytesPerMsg, fmtNum)} B/message allocated`);
    console.log(formatTable(['allocating function (innermost frame)', 'via (ledgecast/bench frame)', 'kind', 'objects/msg', 'B/msg'], x.top.map((t) => [t.fn, t.via, t.kind, fmtRange(t.objectsPerMsg, f2), fmtNum(t.bytesPerMsg.median)])));
  }
}

function printBusy(busy) {
  const rows = Object.entries(busy).map(([preset, b]) => [
    preset + (b.cleanRuns < b.runs ? ` (BAD ${b.runs - b.cleanRuns}/${b.runs})` : ''),
    fmtRange(b.pubBusyUsPerMsg, f2),
    fmtRange(b.subBusyUsPerMsg, f2),
    `${fmtNum(100 * b.pubElu.median)} / ${fmtNum(100 * b.subElu.median)}`,
    `${f2(b.pubMainCpuUsPerMsg.median)} / ${f2(b.subMainCpuUsPerMsg.median)}`,
    `${f2(b.pubCpuUsPerMsg.median)} / ${f2(b.subCpuUsPerMsg.median)}`,
    fmtRange(b.deliveredMsgsPerSec),
    `${mib(b.pubRssBytes)} / ${mib(b.subRssBytes)}`,
  ]);
  console.log('\nMain-thread busy time per message (ELU active time / messages), medians (min–max) over runs:');
  console.log(formatTable(['preset', 'pub µs/msg', 'sub µs/msg', 'ELU % pub/sub', 'main-thread CPU µs/msg pub/sub', 'process CPU µs/msg pub/sub', 'delivered msg/s', 'peak RSS MiB pub/sub'], rows));
}

function printWindow(w) {
  console.log(`\nSender window (single preset, ${w.windowMessages} messages of 64 B held):`);
  console.log(formatTable(['memory held per message (heap + external, slabs included)', 'of which heapUsed', 'wire record bytes', 'datagram bytes per message', 'held / record', 'second fill Δ'], [[
    `${fmtRange(w.bytesPerHeldMessage, fmtNum)} B`,
    `${fmtNum(w.heapUsedPerHeldMessage.median)} B`,
    `${fmtNum(w.recordBytesPerMessage.median)} B`,
    `${fmtNum(w.datagramBytesPerMessage.median)} B`,
    `${f2(w.bytesPerHeldMessage.median / w.recordBytesPerMessage.median)}×`,
    `${fmtNum(w.secondFillDeltaBytes.median / 1024)} KiB`,
  ]]));
}

function printCpuProfile(cp) {
  for (const side of ['pub', 'sub']) {
    const p = cp[side];
    if (!p) continue;
    console.log(`\nCPU profile, ${side === 'pub' ? 'publisher' : 'subscriber'} (${cp.messages} messages, ${cp.preset ?? 'single'}): busy ${fmtNum(p.busyMs)} ms of ${fmtNum(p.totalMs)} ms (${f2((1000 * p.busyMs) / cp.messages)} µs/msg), GC ${fmtNum(100 * p.gcShare)} % of busy; ${path.basename(p.file)}`);
    console.log(formatTable(['function (self time)', 'where', '% of busy'], p.top.map((t) => [t.name, t.where, fmtNum(100 * t.share)])));
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const cli = parseCli();
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(DIST)) {
    console.error(`${DIST} not found: run \`npm run build\` first`);
    return 1;
  }
  const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavgStart: os.loadavg(), options: { ...cli } };
  console.log(`measure-path: ${cli.only.join(', ')}; ${cli.runs} run(s); busy ${fmtSI(cli.messages)} msgs x [${cli.presets.join(', ')}]; alloc ${fmtSI(cli.warmup)} warm-up + ${fmtSI(cli.allocMessages)} counted; node ${process.version}, ${meta.cpus} cpus, load ${meta.loadavgStart.map((x) => x.toFixed(2)).join(' ')}`);
  const allocRuns = [];
  const busyRuns = Object.fromEntries(cli.presets.map((p) => [p, []]));
  const windowRuns = [];
  const attempt = async (label, list, fn) => {
    const t0 = Date.now();
    try {
      const value = await fn();
      list.push({ ok: true, value });
      const flag = value.problems?.length ? `  !! ${value.problems.join('; ')}` : '';
      console.log(`${label} ok (${((Date.now() - t0) / 1000).toFixed(1)} s)${flag}`);
      return value;
    } catch (err) {
      list.push({ ok: false, error: String(err?.message ?? err) });
      console.log(`${label} FAILED (${((Date.now() - t0) / 1000).toFixed(1)} s): ${String(err?.message ?? err).split('\n').slice(0, 10).join('\n      ')}`);
      return null;
    }
  };
  const busySeconds = Math.min(600, Math.max(10, cli.messages / 20_000)); // a result deadline: 20 k msg/s is a slow preset on a loaded machine
  for (let run = 1; run <= cli.runs; run++) {
    const at = `[run ${run}/${cli.runs}]`;
    if (cli.only.includes('window')) {
      const v = await attempt(`${at} window`, windowRuns, () => runWindow(cli));
      if (v) console.log(`      ${fmtNum(v.bytesPerHeldMessage)} B held per message (heapUsed ${fmtNum(v.heapUsedPerHeldMessage)}), record ${v.recordBytesPerMessage} B, datagram ${fmtNum(v.datagramBytesPerMessage)} B/msg`);
    }
    if (cli.only.includes('alloc')) {
      const v = await attempt(`${at} alloc single`, allocRuns, () =>
        runPathPair(cli, { mode: 'alloc', preset: cli.allocPreset, messages: cli.allocMessages, warmupMessages: cli.warmup, execArgv: ['--no-turbo-allocation-folding', ...(process.env.ALLOC_EXTRA_ARGV ?? '').split(' ').filter(Boolean)], seconds: Math.min(600, 40 + cli.allocMessages / 5000) }),
      );
      if (v) console.log(`      objects/msg: pub ${f2(perMsg(v.pub.alloc?.objects, v.pub.measuredMsgs))}, sub ${f2(perMsg(v.sub.alloc?.objects, v.sub.measuredMsgs))}`);
    }
    if (cli.only.includes('busy')) {
      for (const preset of cli.presets) {
        const v = await attempt(`${at} busy ${preset}`, busyRuns[preset], () => runPathPair(cli, { mode: 'busy', preset, messages: cli.messages, seconds: busySeconds }));
        if (v) console.log(`      pub ${f2(v.pub.busyUsPerMsg)} µs/msg (ELU ${fmtNum(100 * v.pub.elu)} %, main-thread CPU ${f2(v.pub.mainThreadCpuUsPerMsg)}), sub ${f2(v.sub.busyUsPerMsg)} µs/msg (ELU ${fmtNum(100 * v.sub.elu)} %, CPU ${f2(v.sub.mainThreadCpuUsPerMsg)}), ${fmtSI(v.sub.deliveredMsgsPerSec)} msg/s, pub RSS ${(v.pubRss / 2 ** 20).toFixed(0)} MiB`);
      }
    }
  }
  let cpuProfile;
  if (cli.cpuProf) {
    const dir = path.resolve(cli.cpuProf);
    mkdirSync(dir, { recursive: true });
    const before = new Set(readdirSync(dir));
    const list = [];
    const v = await attempt(`cpu-prof busy ${cli.cpuProfPreset}`, list, () =>
      runPathPair(cli, { mode: 'busy', preset: cli.cpuProfPreset, messages: cli.messages, seconds: busySeconds, execArgv: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250'] }),
    );
    if (v) {
      const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.endsWith('.cpuprofile'));
      // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread (workers write their own).
      const find = (pid) => fresh.find((f) => f.includes(`.${pid}.0.`));
      cpuProfile = { preset: cli.cpuProfPreset, messages: cli.messages, problems: v.problems, deliveredMsgsPerSec: v.sub.deliveredMsgsPerSec, pubBusyUsPerMsg: v.pub.busyUsPerMsg, subBusyUsPerMsg: v.sub.busyUsPerMsg };
      for (const [side, pid] of [['pub', v.pub.pid], ['sub', v.sub.pid]]) {
        const f = find(pid);
        if (f) cpuProfile[side] = { file: path.join(dir, f), ...summarizeCpuProfile(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))) };
      }
    }
  }
  meta.loadavgEnd = os.loadavg();

  const alloc = cli.only.includes('alloc') ? { pub: summarizeAlloc(allocRuns, 'pub'), sub: summarizeAlloc(allocRuns, 'sub'), runs: allocRuns.length, cleanRuns: allocRuns.filter((r) => r.ok && !r.value.problems.length).length } : null;
  const busy = cli.only.includes('busy') ? Object.fromEntries(cli.presets.map((p) => [p, summarizeBusy(busyRuns[p])])) : null;
  const window = cli.only.includes('window') ? summarizeWindow(windowRuns) : null;
  console.log(`\nMedians (min–max) over ${cli.runs} run(s); load average ${meta.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at start, ${meta.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at the end.`);
  if (alloc) printAlloc(alloc);
  if (busy) printBusy(busy);
  if (window?.okRuns) printWindow(window);
  if (cpuProfile) printCpuProfile(cpuProfile);
  const problems = [];
  if (alloc && alloc.cleanRuns === 0) problems.push('alloc: no clean run');
  for (const [p, b] of Object.entries(busy ?? {})) if (b.cleanRuns === 0) problems.push(`busy ${p}: no clean run`);
  if (window && window.okRuns === 0) problems.push('window: no successful run');
  const failures = (list) => list.filter((r) => !r.ok || r.value.problems?.length).map((r) => r.error ?? r.value.problems.join('; '));
  const allProblems = [...failures(allocRuns).map((x) => `alloc: ${x}`), ...Object.entries(busyRuns).flatMap(([p, l]) => failures(l).map((x) => `busy ${p}: ${x}`)), ...failures(windowRuns).map((x) => `window: ${x}`)];
  for (const p of allProblems) console.log(`problem: ${p}`);
  if (cli.json) {
    const strip = (list) => list.map((r) => (r.ok ? { ok: true, ...r.value, pub: { ...r.value.pub, alloc: r.value.pub?.alloc && { ...r.value.pub.alloc, sites: r.value.pub.alloc.sites.slice(0, 40) } }, sub: { ...r.value.sub, alloc: r.value.sub?.alloc && { ...r.value.sub.alloc, sites: r.value.sub.alloc.sites.slice(0, 40) } } } : r));
    const out = { meta, problems: allProblems, alloc: alloc && { ...alloc, runResults: strip(allocRuns) }, busy: busy && Object.fromEntries(Object.entries(busy).map(([p, b]) => [p, { ...b, runResults: strip(busyRuns[p]) }])), window: window && { ...window, runResults: windowRuns }, cpuProfile };
    writeFileSync(cli.json, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`wrote ${cli.json}`);
  }
  return problems.length ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
