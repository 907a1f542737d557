/**
 * Shared pieces of the ledgecast benchmark children (lc-pub, lc-sub, lc-ping, lc-echo).
 *
 * Network safety: every peer is created with interface 127.0.0.1, a group 239.255.x.y checked by the
 * baseline guards (loopback.mjs), TTL 0 (Linux loops the datagram back to local listeners and never
 * transmits it) and the port the runner chose at random for this run.
 *
 * The library is the compiled one in dist/ (run `npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createPeer } from '../../dist/index.js';
import { LOOPBACK_HOST, MULTICAST_TTL, assertLocalMulticastGroup } from '../baselines/loopback.mjs';
import { withTimeout } from '../baselines/child.mjs';

/**
 * Creates a peer for a benchmark child. `params`: name, group, port, topology, fault (optional,
 * `{ dropRate, seed }`), peerOptions (optional extra PeerOptions, e.g. flowWindowMessages).
 */
export async function openPeer(params, extra = {}) {
  const group = assertLocalMulticastGroup(params.group);
  const port = Number(params.port);
  if (!(Number.isInteger(port) && port > 1024 && port < 65536)) throw new Error(`bad port ${params.port}`);
  const options = {
    name: params.name,
    interface: LOOPBACK_HOST,
    group,
    port,
    ttl: MULTICAST_TTL,
    topology: params.topology ?? 'single',
    ...(params.peerOptions ?? {}),
    ...extra,
  };
  if (params.fault) options.fault = params.fault;
  if (options.interface !== LOOPBACK_HOST || options.group !== group || options.ttl !== MULTICAST_TTL) {
    throw new Error('peerOptions may not override interface, group or ttl');
  }
  return createPeer(options);
}

/**
 * Starts recording the peers that join (as seen by `peer`): call it right after `openPeer`. Returns
 * `waitJoined(name, timeoutMs = 8000, minPeers = 1)` → Promise<{ joined, via, afterMs, patterns }>:
 * `via` 'event' when the 'peerJoined' event named it; 'stats' when `peer.stats()` (polled every
 * 250 ms) shows at least `minPeers` listed peers in the receivers actor (a publisher waiting for two
 * subscribers passes 2, so one subscriber's arrival does not stand in for the other's). The fallback exists because with worker topologies a peer
 * heard while `createPeer` is still starting is announced before `createPeer` resolves, so the
 * application cannot see that event (measured: 5 of 12 starts with 'dedicated'). The benchmark
 * uses a random group and port per run, so the only peer that can be listed is the other child.
 */
export function trackJoins(peer) {
  const seen = new Map();
  const waiters = new Set();
  peer.on('peerJoined', (e) => {
    seen.set(e.name, e);
    for (const w of [...waiters]) w(e);
  });
  return function waitJoined(name, timeoutMs = 8000, minPeers = 1) {
    const t0 = performance.now();
    if (seen.has(name)) return Promise.resolve({ joined: true, via: 'event', afterMs: 0, patterns: seen.get(name).patterns });
    return new Promise((resolve) => {
      let done = false;
      const finish = (r) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(onJoin);
        resolve({ ...r, afterMs: Math.round(performance.now() - t0) });
      };
      const timer = setTimeout(() => finish({ joined: false, via: 'timeout', patterns: [] }), timeoutMs);
      const poll = setInterval(() => {
        peer.stats().then(
          (s) => {
            if (Number(s?.actors?.receivers?.peers) >= minPeers) finish({ joined: true, via: 'stats', patterns: [] });
          },
          () => undefined,
        );
      }, 250);
      function onJoin(e) {
        if (e.name === name) finish({ joined: true, via: 'event', patterns: e.patterns });
      }
      waiters.add(onJoin);
    });
  };
}

/** Records the peer's events that a benchmark must see zero of (or wants to count). */
export function watchEvents(peer) {
  const ev = { dataLoss: 0, dataLossMessages: 0, dataLossSamples: [], streamReset: 0, slowConsumer: 0, peerLeft: 0, errors: [] };
  peer.on('dataLoss', (e) => {
    ev.dataLoss++;
    ev.dataLossMessages += Math.max(0, e.toSeq - e.fromSeq + 1);
    if (ev.dataLossSamples.length < 10) ev.dataLossSamples.push(e);
  });
  peer.on('streamReset', () => ev.streamReset++);
  peer.on('slowConsumer', () => ev.slowConsumer++);
  peer.on('peerLeft', () => ev.peerLeft++);
  peer.on('error', (err) => {
    if (ev.errors.length < 10) ev.errors.push(String(err?.message ?? err));
  });
  return ev;
}

/**
 * peer.stats(), bounded in time; an error becomes `{ error }`. Also adds `threads`: per thread, the
 * runtime's dispatcher and cross-thread channel counters and `noticesDropped` (events a worker could
 * not hand to the main thread), which `peer.stats()` leaves out. DIAGNOSTIC ONLY: read through the
 * Peer's TypeScript-private `system` field (`system.stats()`); absent if that changes.
 */
export async function safeStats(peer, ms = 3000) {
  let out;
  try {
    out = await withTimeout(peer.stats(), ms, `peer.stats() did not answer within ${ms} ms`);
  } catch (err) {
    return { error: String(err?.message ?? err) };
  }
  try {
    const sys = peer.system;
    if (sys && typeof sys.stats === 'function') {
      const s = await withTimeout(sys.stats(), ms, 'system.stats() timed out');
      const threads = {};
      for (const [name, t] of Object.entries(s.threads ?? {})) {
        threads[name] = { dispatcher: t.dispatcher, outbound: t.outbound, inbound: t.inbound, noticesDropped: t.noticesDropped };
      }
      out = { ...out, threads };
    }
  } catch (err) {
    out = { ...out, threadsError: String(err?.message ?? err) };
  }
  return out;
}

/** Writes `{ role, when, stats, ...extra }` as JSON to `file` (when the runner asked for it). */
export function writeStatsFile(file, role, when, stats, extra = {}) {
  if (!file) return;
  try {
    writeFileSync(file, `${JSON.stringify({ role, when, ...extra, stats }, null, 1)}\n`);
  } catch {
    // the runner reports a missing file
  }
}

/** Closes the peer, bounded in time. */
export async function closePeer(peer, ms = 4000) {
  if (!peer) return;
  try {
    await withTimeout(peer.close(), ms, `peer.close() did not finish within ${ms} ms`);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
  }
}

let clockTicksPerSec;
/**
 * CPU time (µs, user + system) of this process's main thread so far, from Linux
 * /proc/self/task/<pid>/stat (the main thread's tid is the pid), in clock ticks (usually 10 ms:
 * measure intervals of seconds). undefined elsewhere. process.cpuUsage() counts every thread.
 */
export function mainThreadCpuUs() {
  try {
    clockTicksPerSec ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) / clockTicksPerSec) * 1e6;
  } catch {
    return undefined;
  }
}
