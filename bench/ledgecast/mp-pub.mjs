/**
 * Publisher of bench/ledgecast/measure-path.mjs (run through runPair of bench/baselines/harness.mjs,
 * with mp-sub.mjs). Publishes `messages` fresh 64-byte `Uint8Array` payloads (u32 LE message index at
 * offset 0) on `bench.data`: `tryPublish` until it says false, then `await publish` of the next
 * message (it waits for room), as lc-pub.mjs does by default; the last message goes with `await
 * publish` after a yield, so its resolution means every earlier one was handed to the socket.
 *
 * mode 'busy': one run of `messages`. Reports the main thread's event-loop utilization over the
 * publishing interval (first publish → last publish resolved): `busyUs` = ELU active time, also as
 * µs per message, plus the CPU time of the main thread and of the process (every thread) over the
 * same interval.
 *
 * mode 'alloc': first `warmupMessages` (not measured: the JIT settles and the sender window fills,
 * so the measured messages run in the steady state, evicting as many as they add), then waits for
 * the subscriber's `armed` on `bench.ctl` (its allocation tracking has started), starts its own
 * tracking (alloc-tracker.mjs), publishes `messages`, waits for the subscriber's `done` (it has
 * received them all), stops tracking and reports the allocation summary. So the publisher's count
 * covers everything its process did for those messages: publish, sequence, window, send, the looped
 * back copies of its own datagrams, the subscriber's ACKs, heartbeats.
 *
 * params: name, subName, group, port, topology, mode, messages, warmupMessages, msgBytes (64),
 * joinTimeoutMs (8000), acceptTimeoutMs (10000).
 */
import { performance } from 'node:perf_hooks';
import { startChild, withTimeout } from '../baselines/child.mjs';
import { closePeer, mainThreadCpuUs, openPeer, trackJoins, watchEvents } from './lc-common.mjs';
import { startAllocationTracking } from './alloc-tracker.mjs';

const ctx = startChild();
const p = ctx.params;
const msgBytes = p.msgBytes ?? 64;
const acceptTimeoutMs = p.acceptTimeoutMs ?? 10_000;
if (!['busy', 'alloc'].includes(p.mode)) throw new Error(`mode must be busy or alloc, got ${p.mode}`);

mainThreadCpuUs(); // reads the clock tick rate (getconf) now, not inside the measured interval
const peer = await openPeer(p);
const waitJoined = trackJoins(peer);
const ev = watchEvents(peer);
const ctl = [];
let ctlWaiter = null;
peer.subscribe('bench.ctl', (m) => {
  ctl.push(new TextDecoder().decode(m.raw));
  ctlWaiter?.();
});
/** Resolves when the subscriber has said `word` on bench.ctl. */
function heard(word, ms) {
  return withTimeout(
    new Promise((resolve) => {
      const check = () => {
        if (ctl.includes(word)) {
          ctlWaiter = null;
          resolve();
        }
      };
      ctlWaiter = check;
      check();
    }),
    ms,
    `the subscriber did not say '${word}' within ${ms} ms`,
  );
}

ctx.ready({ name: p.name });
let join;
await ctx.waitStart(async () => {
  join = await waitJoined(p.subName, p.joinTimeoutMs ?? 8000);
});

let index = 0; // message index across phases (the subscriber checks it runs 0, 1, 2, ...)
const makePayload = () => {
  const b = new Uint8Array(msgBytes);
  const i = index;
  b[0] = i & 0xff;
  b[1] = (i >>> 8) & 0xff;
  b[2] = (i >>> 16) & 0xff;
  b[3] = (i >>> 24) & 0xff;
  return b;
};

/** Publishes `n` messages (the last one awaited); returns { waits }. */
async function publishRun(n) {
  let waits = 0;
  const end = index + n - 1;
  let payload = makePayload();
  while (index < end) {
    if (peer.tryPublish('bench.data', payload)) {
      index++;
      payload = makePayload();
    } else {
      // As the TSDoc advises: publish() waits for room (a setImmediate spin would take a core
      // from the worker threads of the other presets).
      waits++;
      await withTimeout(peer.publish('bench.data', payload), acceptTimeoutMs, `publish() in the loop did not resolve within ${acceptTimeoutMs} ms`);
      index++;
      payload = makePayload();
    }
  }
  await new Promise((r) => setImmediate(r));
  await withTimeout(peer.publish('bench.data', payload), acceptTimeoutMs, `the final publish() did not resolve within ${acceptTimeoutMs} ms`);
  index++;
  return { waits };
}

let error = null;
const out = { mode: p.mode, topology: p.topology, msgBytes, messages: p.messages, join, pid: process.pid };
try {
  if (p.mode === 'busy') {
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuUs();
    const t0 = performance.now();
    const { waits } = await publishRun(p.messages);
    const t1 = performance.now();
    const elu = performance.eventLoopUtilization(elu0);
    const cpu = process.cpuUsage(cpu0);
    const main = mainThreadCpuUs() - main0;
    Object.assign(out, {
      sentMsgs: index,
      elapsedMs: t1 - t0,
      sentMsgsPerSec: index / ((t1 - t0) / 1000),
      waits,
      elu: elu.utilization,
      busyUs: elu.active * 1000,
      busyUsPerMsg: (elu.active * 1000) / index,
      processCpuUsPerMsg: (cpu.user + cpu.system) / index,
      mainThreadCpuUsPerMsg: main / index,
    });
  } else {
    await publishRun(p.warmupMessages);
    await heard('armed', 30_000);
    const stop = await startAllocationTracking();
    const t0 = performance.now();
    await publishRun(p.messages);
    const t1 = performance.now();
    await heard('done', 60_000);
    const t2 = performance.now();
    const alloc = await stop();
    Object.assign(out, { sentMsgs: index, measuredMsgs: p.messages, publishMs: t1 - t0, trackedMs: t2 - t0, alloc });
  }
} catch (err) {
  error = String(err?.message ?? err);
}
ctx.result({ ...out, events: ev, error });
await ctx.whenStopped();
await closePeer(peer);
ctx.exit(0);
