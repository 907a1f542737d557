/**
 * Subscriber of bench/ledgecast/measure-path.mjs (with mp-pub.mjs). Its callback does as little as
 * an application can: it counts, and checks the u32 message index at offset 0 of `m.raw` (so a
 * lost, duplicated or reordered message shows) without allocating anything itself.
 *
 * mode 'busy': expects `messages`; reports the main thread's event-loop utilization from the first
 * delivery to the last (`busyUs`, µs per delivered message), the CPU time of the main thread and
 * of the process (every thread) over the same interval, and delivered msg/s over it.
 *
 * mode 'alloc': expects `warmupMessages` + `messages`; once the warm-up has arrived it starts its
 * allocation tracking (alloc-tracker.mjs) and says `armed` on `bench.ctl`; once everything has
 * arrived it says `done` and stops tracking, and reports the summary for the `messages` delivered
 * while tracking.
 *
 * Both modes: after the publisher's result, waits until everything arrived, or `drainIdleMs`
 * without progress, or `drainMaxMs`.
 *
 * params: name, pubName, group, port, topology, mode, messages, warmupMessages, msgBytes (64),
 * drainIdleMs (3000), drainMaxMs (30000), joinTimeoutMs (8000).
 */
import { performance } from 'node:perf_hooks';
import { startChild, waitUntil } from '../baselines/child.mjs';
import { closePeer, mainThreadCpuUs, openPeer, trackJoins, watchEvents } from './lc-common.mjs';
import { startAllocationTracking } from './alloc-tracker.mjs';

const ctx = startChild();
const p = ctx.params;
const msgBytes = p.msgBytes ?? 64;
const warmup = p.mode === 'alloc' ? p.warmupMessages : 0;
const total = warmup + p.messages;

mainThreadCpuUs(); // reads the clock tick rate (getconf) now, not inside the measured interval
const peer = await openPeer(p);
const waitJoined = trackJoins(peer);
const ev = watchEvents(peer);

let received = 0;
let outOfOrder = 0;
let badLength = 0;
let lastIndex = -1;
let tFirst = 0;
let tLast = 0;
let elu0 = null;
let elu = null;
let cpu0 = null;
let cpu = null;
let main0 = 0;
let main = 0;
let armedAt = -1; // `received` when tracking started
let doneAt = -1;
let stopTracking = null;
let trackingError = null;
const encoder = new TextEncoder();

peer.subscribe('bench.data', (m) => {
  const raw = m.raw;
  if (raw.length !== msgBytes) badLength++;
  const index = (raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24)) >>> 0;
  if (index !== lastIndex + 1) outOfOrder++;
  lastIndex = index;
  received++;
  if (p.mode === 'busy') {
    if (received === 1) {
      tFirst = performance.now();
      elu0 = performance.eventLoopUtilization();
      cpu0 = process.cpuUsage();
      main0 = mainThreadCpuUs();
    } else if (received === total) {
      tLast = performance.now();
      elu = performance.eventLoopUtilization(elu0);
      cpu = process.cpuUsage(cpu0);
      main = mainThreadCpuUs() - main0;
    }
  } else if (received === warmup) {
    setImmediate(arm);
  } else if (received === total) {
    doneAt = received;
    setImmediate(finish);
  }
});

async function arm() {
  try {
    stopTracking = await startAllocationTracking();
    armedAt = received;
    await peer.publish('bench.ctl', encoder.encode('armed'));
  } catch (err) {
    trackingError = String(err?.message ?? err);
  }
}

let alloc = null;
let finished = null;
function finish() {
  finished = (async () => {
    try {
      await peer.publish('bench.ctl', encoder.encode('done'));
      alloc = await stopTracking();
    } catch (err) {
      trackingError = String(err?.message ?? err);
    }
  })();
}

ctx.ready({ name: p.name });
let join;
await ctx.waitStart(async () => {
  join = await waitJoined(p.pubName, p.joinTimeoutMs ?? 8000);
});

const pub = await ctx.whenPeerDone();
const drained = await waitUntil({
  done: () => received >= total,
  progress: () => received,
  idleMs: p.drainIdleMs ?? 3000,
  maxMs: p.drainMaxMs ?? 30_000,
});
await finished;
const out = { mode: p.mode, topology: p.topology, msgBytes, expected: total, receivedMsgs: received, outOfOrder, badLength, drained, join, pid: process.pid, publisherSent: pub.sentMsgs };
if (p.mode === 'busy' && elu) {
  const spanMs = tLast - tFirst;
  Object.assign(out, {
    firstToLastMs: spanMs,
    deliveredMsgsPerSec: (received - 1) / (spanMs / 1000),
    elu: elu.utilization,
    busyUs: elu.active * 1000,
    busyUsPerMsg: (elu.active * 1000) / (received - 1),
    processCpuUsPerMsg: (cpu.user + cpu.system) / (received - 1),
    mainThreadCpuUsPerMsg: main / (received - 1),
  });
}
if (p.mode === 'alloc') Object.assign(out, { measuredMsgs: doneAt >= 0 && armedAt >= 0 ? doneAt - armedAt : null, armedAt, alloc, trackingError });
ctx.result({ ...out, events: ev });
await ctx.whenStopped();
await closePeer(peer);
ctx.exit(0);
