/**
 * The processes of bench/bridge.mjs that are not IPC children: `nats-server -js` (as
 * test/e2e/nats-server.ts starts it: `-js -sd <fresh dir> -p <free port> -a 127.0.0.1`) and
 * `ledgecast bridge --config FILE` (as test/e2e/bridge-helpers.ts starts it); and what /proc says
 * of a process (CPU ticks, RSS). Every process is registered with `track` so the runner kills
 * all of them at the end and on error.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
const NATS = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

const tracked = new Set();

/** Registers a child process for killAll(). */
export function track(proc, name) {
  tracked.add({ proc, name });
  proc.once('exit', () => {
    for (const t of tracked) if (t.proc === proc) tracked.delete(t);
  });
  return proc;
}

/** SIGKILLs every tracked process still running (by its pid) and waits for their exit. */
export async function killAll() {
  const left = [...tracked];
  for (const { proc } of left) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await Promise.all(left.map(({ proc }) => (proc.exitCode !== null || proc.signalCode !== null ? undefined : new Promise((r) => proc.once('exit', r)))));
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitOutput(proc, name, text, ms, out) {
  const t0 = Date.now();
  while (!out().includes(text)) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}): ${out().slice(-2000)}`);
    if (Date.now() - t0 > ms) throw new Error(`${name}: no "${text}" within ${ms} ms: ${out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts nats-server with JetStream on 127.0.0.1 in `storeDir`; resolves once it accepts clients. */
export async function startNats(storeDir) {
  const port = await freeTcpPort();
  const proc = track(spawn(NATS, ['-js', '-sd', storeDir, '-p', String(port), '-a', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] }), 'nats-server');
  let log = '';
  proc.stdout.on('data', (d) => (log = (log + d).slice(-20_000)));
  proc.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  await waitOutput(proc, 'nats-server', 'Server is ready', 10_000, () => log);
  const version = /Version:\s+(\S+)/.exec(log)?.[1];
  return { url: `nats://127.0.0.1:${port}`, pid: proc.pid, proc, version, log: () => log };
}

/**
 * Starts `ledgecast bridge --config <dir>/<name>.json`; resolves at its "running" line.
 * `cpuProfDir`: run node with --cpu-prof (the profile is written when the bridge stops on SIGINT).
 */
export async function startBridge(dir, name, config, { cpuProfDir } = {}) {
  const configPath = join(dir, `${name}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const prof = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const proc = track(spawn(process.execPath, [...prof, CLI, 'bridge', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] }), name);
  let stderr = '';
  proc.stdout.on('data', () => undefined);
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-50_000)));
  await waitOutput(proc, name, 'running', 30_000, () => stderr);
  return {
    name,
    pid: proc.pid,
    proc,
    stderr: () => stderr,
    /** JSON event lines the bridge printed on stderr (dataLoss, blocked, error, ...). */
    events: () =>
      stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return { event: 'unparsed', line: l };
          }
        }),
    /** SIGINT (a clean stop: the CPU profile is written), SIGKILL after `ms`. */
    async stop(ms = 8000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      const t = setTimeout(() => proc.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
  };
}

let ticksPerSec;
/** CPU time (user + system, all threads) of process `pid` so far, in µs, from /proc/<pid>/stat. */
export function cpuMicros(pid) {
  ticksPerSec ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3; utime and stime are fields 14 and 15 of the whole line.
  return ((Number(f[11]) + Number(f[12])) * 1e6) / ticksPerSec;
}

/** VmRSS and VmHWM (peak) of process `pid`, bytes. */
export function memory(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/**
 * Samples the RSS of `pids` every `ms`; `max()` gives the largest seen per pid (and VmHWM), and
 * `split()` the largest RssAnon (heap, buffers) and RssFile (mapped files: the ledger's lmdb map,
 * code) seen per pid.
 */
export function rssSampler(pids, ms = 200) {
  const max = new Map(pids.map((p) => [p, 0]));
  const parts = new Map(pids.map((p) => [p, { anon: 0, file: 0 }]));
  const sample = () => {
    for (const p of pids) {
      try {
        const m = memory(p);
        max.set(p, Math.max(max.get(p), m.rss, m.hwm));
        const q = parts.get(p);
        q.anon = Math.max(q.anon, m.anon);
        q.file = Math.max(q.file, m.file);
      } catch {
        // exited
      }
    }
  };
  const timer = setInterval(sample, ms);
  timer.unref();
  return {
    max() {
      sample();
      return max;
    },
    split() {
      return parts;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** /proc/loadavg's three figures. */
export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

/** Busy CPU time of the whole machine so far, µs (/proc/stat: all but idle and iowait). */
export function machineBusyMicros() {
  ticksPerSec ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - f[3] - f[4]) * 1e6) / ticksPerSec;
}

/** CPU (in cores) used by processes other than `pids` during the next `ms`. */
export async function otherCpuCores(pids, ms = 1000) {
  const ours = () => pids.reduce((a, p) => a + (() => { try { return cpuMicros(p); } catch { return 0; } })(), 0);
  const m0 = machineBusyMicros();
  const o0 = ours();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const elapsedUs = (performance.now() - t0) * 1000;
  return Math.max(0, (machineBusyMicros() - m0 - (ours() - o0)) / elapsedUs);
}

/**
 * Waits until other processes use less than `cores` CPU (sampled each second), at most
 * `maxWaitMs`; returns `{ waitedMs, otherCores }` (the last sample).
 */
export async function waitQuiet(pids, { cores = 0.3, maxWaitMs = 60_000 } = {}) {
  const t0 = Date.now();
  let other = await otherCpuCores(pids);
  while (other >= cores && Date.now() - t0 < maxWaitMs) other = await otherCpuCores(pids);
  return { waitedMs: Date.now() - t0, otherCores: other };
}
