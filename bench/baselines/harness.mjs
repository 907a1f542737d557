/**
 * Benchmark harness: runs a publisher process and a subscriber process side by side, collects one
 * JSON result from each over IPC, measures their peak RSS, and summarizes repetitions.
 * Plain ESM JavaScript, no build step. The baselines in this folder (raw dgram, ZeroMQ, NATS) use it,
 * and the ledgecast runner can use it the same way with its own pair of scripts.
 *
 * ## Running a pair
 *
 *   import { runPair, stats, percentiles } from './harness.mjs';
 *   const r = await runPair({
 *     pubScript: new URL('./dgram-pub.mjs', import.meta.url),  // path or file: URL
 *     subScript: new URL('./dgram-sub.mjs', import.meta.url),
 *     args: { mode: 'multicast', msgBytes: 64 },               // given to both children
 *     pubArgs: {}, subArgs: {},                                // given to one child only
 *     seconds: 3,
 *   });
 *   r.pub.result, r.sub.result          // what each child passed to ctx.result()
 *   r.pub.rssPeakBytes, r.sub.rssPeakBytes, r.wallMs
 *
 * `runPair(options)` → `Promise<PairResult>`; rejects (after killing every child) if a child
 * crashes, reports an error, or misses a deadline; the error message ends with both stderr tails.
 *   options: { pubScript, subScript: string|URL; args?, pubArgs?: object (JSON-able);
 *     subArgs?: object, or an array of objects: one subscriber process per element (1 → N);
 *     seconds?: number = 3; env?: object (added to process.env); execArgv?: string[];
 *     readyTimeoutMs? = 15000 (fork → ready → running); drainTimeoutMs? = 15000 (beyond `seconds`,
 *     until both results are in); stopTimeoutMs? = 5000 (stop → exit, then SIGKILL);
 *     verbose?: boolean (echo the children's stdout/stderr) }
 *   PairResult: { wallMs, pub: ChildReport, sub: ChildReport (the first subscriber), subs: ChildReport[] }
 *   ChildReport: { result, info, rssPeakBytes, exitCode, signal }
 *
 * Each child receives `{ ...args, ...pubArgs|subArgs, role: 'pub'|'sub', seconds, hardTimeoutMs }`
 * as `--bench-params=<json>` in argv (read it with `startChild().params`); BENCH_ROLE is also in env.
 *
 * ## The protocol (child side in child.mjs: startChild, waitUntil, withTimeout)
 *
 *   1. every child is forked; each opens its sockets and sends ready(info) (e.g. its port);
 *   2. the harness sends start(peer = the other child's info) to the SUBSCRIBER(S) and waits for their
 *      'running' (sent by ctx.waitStart after the child's setup), then does the same for the publisher
 *      (peer = the first subscriber's info, plus `peers`: every subscriber's info);
 *   3. each child runs, bounded by `seconds` and by a count, and sends result(r) when done;
 *      the publisher's result is forwarded to every subscriber as peerDone (a subscriber waits for it
 *      to know how much was sent, drains, and reports); the first subscriber's result goes to the
 *      publisher as peerDone if the publisher has not reported yet;
 *   4. with both results in, the harness reads each child's peak RSS, sends stop, and waits for exit.
 *
 * Child API (child.mjs; also re-exported here):
 *   const ctx = startChild()  → { params, role, ready(info?), waitStart(setup?: (peer) => Promise|void)
 *       → Promise<peer>, whenPeerDone() → Promise<other child's result>, whenStopped() → Promise<void>,
 *       result(r) (adds maxRssBytes, cpuUserMs, cpuSystemMs), exit(code = 0) }
 *   waitUntil({ done, progress?, idleMs? = 500, maxMs? = 5000 }) → Promise<'done'|'idle'|'timeout'>
 *   withTimeout(promise, ms, message?) → promise that rejects after ms
 * A minimal subscriber (see dgram-sub.mjs for a full one):
 *   const ctx = startChild(); const sock = await open(ctx.params); ctx.ready({ port: sock.port });
 *   await ctx.waitStart(); const pub = await ctx.whenPeerDone();
 *   await waitUntil({ done: () => received >= pub.sentMsgs, progress: () => received });
 *   ctx.result({ receivedMsgs: received, deliveredMsgsPerSec }); await ctx.whenStopped(); ctx.exit(0);
 * run.mjs reads these result fields: publisher sentMsgs, sentMsgsPerSec; subscriber receivedMsgs,
 * deliveredMsgsPerSec; pinger (latency-pinger.mjs runPinger's result, through pingerMetrics)
 * rttFromScheduleUs (the headline), rttUs (from the actual send), sendLagUs, lost, measuredPings.
 *
 * Peak RSS: the larger of the kernel's high-water mark /proc/<pid>/status VmHWM (sampled every 200 ms
 * and once more after the results; Linux only) and the child's own getrusage maxRSS sent with its
 * result (any OS).
 *
 * Every child is killed if the harness process exits or gets SIGINT/SIGTERM/SIGHUP; every child also
 * exits by itself if the IPC channel closes or its hard timeout passes.
 *
 * ## Other exports
 *
 *   stats(samples: number[]) → { n, median, min, max, mean }   (non-finite samples are ignored)
 *   percentiles(values: ArrayLike<number>, ps = [50, 90, 99, 99.9])
 *       → { count, min, max, mean, p50, p90, p99, p999 }           (nearest rank; key = 'p' + digits)
 *   repeat(runs, async (i) => value) → [{ run, ok, value } | { run, ok: false, error }]
 *   startNatsServer({ bin?, readyTimeoutMs?, verbose? }) → { url, port, pid, rssPeakBytes(), stop() }
 *   findExecutable(name) → absolute path | null   (PATH plus /usr/sbin, /usr/local/sbin, /sbin)
 *   peakRssBytes(pid) → number | undefined        (VmHWM)
 *   nonLoopbackTx() → { packets, bytes }          (sum over interfaces other than lo, /proc/net/dev)
 *   fmtSI(n), fmtNum(n), fmtRange(stats, fmt), formatTable(headers, rows)   (printing helpers)
 *   and, re-exported: startChild, waitUntil, withTimeout (child side), the loopback guards.
 */
import { fork, spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export { startChild, waitUntil, withTimeout, readParams, processUsage } from './child.mjs';
export { stats, percentiles } from './stats.mjs';
export {
  LOOPBACK_HOST,
  MULTICAST_TTL,
  assertLoopbackHost,
  assertLocalMulticastGroup,
  assertLoopbackTcpEndpoint,
  assertLoopbackNatsUrl,
  randomMulticastGroup,
} from './loopback.mjs';

// ---------------------------------------------------------------------------------------------
// Process registry: everything we start is killed on every exit path of the harness process.

const live = new Set();
let cleanupInstalled = false;

function killAllLive() {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installCleanup() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAllLive);
  for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
    process.once(sig, () => {
      // Kill, then give the children up to 1 s to be reaped (no zombies left behind), then exit.
      const exits = [...live].map((p) => new Promise((r) => p.once('exit', r)));
      killAllLive();
      Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 1000))]).then(() => process.exit(128 + n));
    });
  }
}

function track(proc) {
  installCleanup();
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

function scriptPath(s) {
  if (s instanceof URL) return fileURLToPath(s);
  if (typeof s === 'string' && s.startsWith('file:')) return fileURLToPath(s);
  if (typeof s !== 'string' || s.length === 0) throw new TypeError(`script must be a path or file: URL, got ${s}`);
  return path.resolve(s);
}

// ---------------------------------------------------------------------------------------------
// Peak RSS

/** Kernel peak resident set size (VmHWM) of `pid` in bytes, or undefined (not Linux, or gone). */
export function peakRssBytes(pid) {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function rssSampler(pid, everyMs = 200) {
  let peak = 0;
  const sample = () => {
    const v = peakRssBytes(pid);
    if (v !== undefined && v > peak) peak = v;
    return peak;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return { sample, stop: () => clearInterval(timer), peak: () => peak };
}

// ---------------------------------------------------------------------------------------------
// runPair

function spawnChild(role, script, params, { env, execArgv, verbose }) {
  // BENCH_CHILD_EXEC_ARGV: extra node flags for every child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
  // (NODE_OPTIONS refuses --cpu-prof).
  const extra = process.env.BENCH_CHILD_EXEC_ARGV?.split(' ').filter(Boolean) ?? [];
  const proc = track(
    fork(scriptPath(script), [`--bench-params=${JSON.stringify(params)}`], {
      env: { ...process.env, ...env, BENCH_ROLE: role },
      execArgv: [...(execArgv ?? process.execArgv), ...extra],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  const c = {
    role,
    proc,
    got: new Map(),
    waiters: new Set(),
    output: '',
    error: null,
    exited: false,
    exitCode: null,
    signal: null,
    rss: rssSampler(proc.pid),
  };
  const notify = () => {
    for (const w of [...c.waiters]) w();
  };
  const keep = (d) => {
    c.output = (c.output + d).slice(-4000);
  };
  proc.stdout.on('data', (d) => {
    keep(d);
    if (verbose) process.stdout.write(`[${role}] ${d}`);
  });
  proc.stderr.on('data', (d) => {
    keep(d);
    if (verbose) process.stderr.write(`[${role}] ${d}`);
  });
  proc.on('message', (m) => {
    if (m?.type === 'error') c.error = m;
    else if (typeof m?.type === 'string') c.got.set(m.type, m);
    notify();
  });
  proc.on('error', (e) => {
    c.error = { message: e.message };
    notify();
  });
  c.exitPromise = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      c.exited = true;
      c.exitCode = code;
      c.signal = signal;
      c.rss.stop();
      notify();
      resolve();
    });
  });
  return c;
}

function waitFor(c, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    let timer;
    const finish = (fn, v) => {
      clearTimeout(timer);
      c.waiters.delete(check);
      fn(v);
    };
    function check() {
      if (c.got.has(type)) finish(resolve, c.got.get(type));
      else if (c.error) finish(reject, new Error(`${c.role}: ${c.error.message}`));
      else if (c.exited) finish(reject, new Error(`${c.role} exited (code ${c.exitCode}, signal ${c.signal}) before '${type}'`));
    }
    timer = setTimeout(() => finish(reject, new Error(`${c.role}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    c.waiters.add(check);
    check();
  });
}

function send(c, msg) {
  if (c.exited || !c.proc.connected) return;
  try {
    c.proc.send(msg);
  } catch {
    // child went away between the check and the send; its exit is reported elsewhere
  }
}

async function stopChildren(children, stopTimeoutMs) {
  for (const c of children) send(c, { type: 'stop' });
  const deadline = new Promise((r) => setTimeout(r, stopTimeoutMs).unref());
  await Promise.race([Promise.all(children.map((c) => c.exitPromise)), deadline]);
  for (const c of children) {
    if (!c.exited) {
      try {
        c.proc.kill('SIGKILL');
      } catch {
        // gone
      }
    }
  }
  await Promise.race([Promise.all(children.map((c) => c.exitPromise)), new Promise((r) => setTimeout(r, 2000).unref())]);
}

function report(c) {
  const result = c.got.get('result')?.result;
  const sampled = c.rss.peak();
  return {
    result,
    info: c.got.get('ready')?.info,
    rssPeakBytes: Math.max(sampled || 0, result?.maxRssBytes || 0) || undefined,
    exitCode: c.exitCode,
    signal: c.signal,
  };
}

/** Runs one publisher/subscriber pair (see the top of this file). */
export async function runPair(options) {
  const {
    pubScript,
    subScript,
    args = {},
    pubArgs = {},
    subArgs = {},
    seconds = 3,
    env = {},
    execArgv = [],
    readyTimeoutMs = 15_000,
    drainTimeoutMs = 15_000,
    stopTimeoutMs = 5_000,
    verbose = false,
  } = options ?? {};
  if (!(seconds > 0 && seconds <= 600)) throw new RangeError(`seconds must be in (0, 600], got ${seconds}`);
  const hardTimeoutMs = 2 * readyTimeoutMs + seconds * 1000 + drainTimeoutMs + stopTimeoutMs + 5_000;
  const t0 = performance.now();
  const spawnOpts = { env, execArgv, verbose };
  const subArgsList = Array.isArray(subArgs) ? subArgs : [subArgs];
  if (subArgsList.length === 0) throw new RangeError('subArgs: an empty array (no subscriber)');
  const subs = subArgsList.map((a, i) => spawnChild(i === 0 ? 'sub' : `sub${i + 1}`, subScript, { ...args, ...a, role: 'sub', seconds, hardTimeoutMs }, spawnOpts));
  const pub = spawnChild('pub', pubScript, { ...args, ...pubArgs, role: 'pub', seconds, hardTimeoutMs }, spawnOpts);
  const children = [...subs, pub];
  const killAll = () => {
    for (const c of children) {
      if (!c.exited) {
        try {
          c.proc.kill('SIGKILL');
        } catch {
          // gone
        }
      }
    }
  };
  try {
    const readies = await settleAll(children.map((c) => waitFor(c, 'ready', readyTimeoutMs)), killAll);
    const pubReady = readies[readies.length - 1];
    const subReadies = readies.slice(0, subs.length);
    for (const sub of subs) send(sub, { type: 'start', peer: pubReady.info ?? {} });
    await settleAll(subs.map((sub) => waitFor(sub, 'running', readyTimeoutMs)), killAll);
    send(pub, { type: 'start', peer: { ...(subReadies[0].info ?? {}), peers: subReadies.map((r) => r.info ?? {}) } });
    await waitFor(pub, 'running', readyTimeoutMs);

    const resultDeadlineMs = seconds * 1000 + drainTimeoutMs;
    const forward = (from, tos) =>
      waitFor(from, 'result', resultDeadlineMs).then((m) => {
        for (const to of tos) if (!to.got.has('result')) send(to, { type: 'peerDone', result: m.result });
        return m.result;
      });
    await settleAll([forward(pub, subs), forward(subs[0], [pub]), ...subs.slice(1).map((sub) => forward(sub, []))], killAll);
    for (const c of children) c.rss.sample();
  } catch (err) {
    killAll();
    await Promise.race([Promise.all(children.map((c) => c.exitPromise)), new Promise((r) => setTimeout(r, 2000).unref())]);
    const tail = (c) => c.output.trim().split('\n').slice(-8).join('\n    ');
    const e = new Error(`${err.message}${children.map((c) => `\n  ${c.role} output:\n    ${tail(c)}`).join('')}`);
    e.cause = err;
    throw e;
  }
  await stopChildren(children, stopTimeoutMs);
  const subReports = subs.map(report);
  return { wallMs: performance.now() - t0, pub: report(pub), sub: subReports[0], subs: subReports };
}

/** Like Promise.all, but on the first rejection calls onFail() and still waits for the rest. */
async function settleAll(promises, onFail) {
  for (const p of promises) p.catch(onFail);
  const settled = await Promise.allSettled(promises);
  const bad = settled.find((s) => s.status === 'rejected');
  if (bad) throw bad.reason;
  return settled.map((s) => s.value);
}

// ---------------------------------------------------------------------------------------------
// Repetitions

/** Runs `fn(i)` for i = 0..runs-1 in sequence; a failing run is recorded, not thrown. */
export async function repeat(runs, fn) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    try {
      out.push({ run: i, ok: true, value: await fn(i) });
    } catch (error) {
      out.push({ run: i, ok: false, error });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// nats-server

/** Absolute path of an executable found in PATH or the sbin folders, or null. */
export function findExecutable(name) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/local/bin', '/usr/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, name);
    try {
      accessSync(p, fsConstants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Starts nats-server on 127.0.0.1 with a random free port (-p -1: the server picks it and logs it).
 * The process is killed on every exit path of this process; call stop() when done.
 */
export async function startNatsServer({ bin = process.env.NATS_SERVER_BIN || findExecutable('nats-server'), readyTimeoutMs = 10_000, verbose = false } = {}) {
  if (!bin) throw new Error('nats-server not found (apt-get install -y nats-server)');
  const proc = track(spawn(bin, ['-a', '127.0.0.1', '-p', '-1'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let port = 0;
  let exited = false;
  const exitPromise = new Promise((r) =>
    proc.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const rss = rssSampler(proc.pid);
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready within ${readyTimeoutMs} ms:\n${out.slice(-1000)}`)), readyTimeoutMs);
    const onData = (d) => {
      out = (out + d).slice(-8000);
      if (verbose) process.stderr.write(`[nats-server] ${d}`);
      const m = /Listening for client connections on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) port = Number(m[1]);
      if (port && /Server is ready/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (code ${code}):\n${out.slice(-1000)}`));
    });
  });
  const stop = async () => {
    rss.sample();
    rss.stop();
    if (!exited) proc.kill('SIGTERM');
    await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 3000).unref())]);
    if (!exited) proc.kill('SIGKILL');
    await Promise.race([exitPromise, new Promise((r) => setTimeout(r, 2000).unref())]);
  };
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `nats://127.0.0.1:${port}`, port, pid: proc.pid, rssPeakBytes: () => rss.sample() || undefined, stop };
}

// ---------------------------------------------------------------------------------------------
// Loopback check

/** Transmit counters summed over every interface except lo (Linux /proc/net/dev), or null. */
export function nonLoopbackTx() {
  try {
    let packets = 0;
    let bytes = 0;
    for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
      const [name, rest] = line.split(':');
      if (!rest || name.trim() === 'lo') continue;
      const f = rest.trim().split(/\s+/).map(Number);
      bytes += f[8];
      packets += f[9];
    }
    return { packets, bytes };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

/** 8500000 → '8.50 M', 235000 → '235 k', 9999 → '10.0 k', 12.34 → '12.3', 0 → '0'. */
export function fmtSI(n) {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  const three = (x) => (Math.abs(x) >= 99.95 ? x.toFixed(0) : x.toPrecision(3));
  if (a >= 1e9) return `${three(n / 1e9)} G`;
  if (a >= 1e6) return `${three(n / 1e6)} M`;
  if (a >= 999.5) return `${three(n / 1e3)} k`;
  if (a === 0) return '0';
  return three(n);
}

/** 76.6 → '76.6', 1554.2 → '1554' (plain numbers, e.g. microseconds). */
export function fmtNum(n) {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  return a >= 99.95 ? n.toFixed(0) : n.toPrecision(3);
}

/** 'median (min–max)' of a stats() object, each formatted with `fmt`. */
export function fmtRange(s, fmt = fmtSI) {
  if (!s || !s.n) return '–';
  if (s.n === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** Plain-text table; first column left-aligned, the rest right-aligned. */
export function formatTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
