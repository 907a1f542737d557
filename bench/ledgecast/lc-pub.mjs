/**
 * ledgecast publisher for the two-process throughput benchmark (run by bench/e2e-throughput.mjs
 * through runPair in bench/baselines/harness.mjs).
 *
 * Publishes `msgBytes`-byte raw payloads (a fresh Uint8Array per message: the library does not copy
 * the payload, so a reused buffer could not carry a counter) on one subject, as fast as backpressure
 * allows: `tryPublish` until it says false, then, by `waitMode`,
 *   'immediate': yield one macrotask (setImmediate) and try again;
 *   'publish':   `await peer.publish(...)` of the next message (waits for space);
 *   'every':     no `tryPublish` at all: `await peer.publish(...)` of every message (the README's loop).
 * With `burstMsgs` > 0, the publisher also yields (setImmediate) after that many publishes in a row,
 * which bounds the size of one microtask's batch (an application-side workaround, off by default).
 * `longestStallMs`: the longest time from a refusal (tryPublish false) to the next accepted publish.
 * Bounded by `seconds` and by `maxMessages`. The last message is always sent with `await publish`,
 * after a yield (so it is a batch of its own), whose resolution means every earlier publish was
 * handed to the socket (batches settle in order).
 * Payload bytes 0..3: u32 LE message index (the subscriber checks it runs 0, 1, 2, ...).
 *
 * The peer stays open after the result (it must serve retransmissions while the subscriber drains)
 * until the harness says stop; then its final `peer.stats()` goes to `statsFile` if given.
 *
 * params: name, subName (or subNames: every subscriber it waits for before publishing), group, port, topology, msgBytes (64), subject, seconds, maxMessages
 * (default 500 M), waitMode ('immediate'), burstMsgs (0 = no limit), acceptTimeoutMs (10000: a publish that does not resolve
 * within it ends the run with `error` and the peer's stats in the result), joinTimeoutMs (8000),
 * statsFile, peerOptions, fault ({ dropRate, seed }, optional: the publisher's socket drops that share
 * of its inbound datagrams — the subscribers' NAKs, ACKs and announcements — so repair is lossy too).
 */
import { performance } from 'node:perf_hooks';
import { startChild, withTimeout } from '../baselines/child.mjs';
import { closePeer, mainThreadCpuUs, openPeer, safeStats, trackJoins, watchEvents, writeStatsFile } from './lc-common.mjs';

const ctx = startChild();
const p = ctx.params;
const msgBytes = p.msgBytes ?? 64;
const subject = p.subject ?? 'bench.data';
const maxMessages = p.maxMessages ?? 500_000_000;
const waitMode = p.waitMode ?? 'immediate';
const burstMsgs = p.burstMsgs ?? 0;
const acceptTimeoutMs = p.acceptTimeoutMs ?? 10_000;
let stallStart = 0; // start of the current run of refusals (tryPublish false)
let longestStallMs = 0;
if (!['immediate', 'publish', 'every'].includes(waitMode)) throw new Error(`waitMode must be immediate, publish or every, got ${waitMode}`);
if (msgBytes < 4) throw new Error('msgBytes must be at least 4 (the message index)');

const peer = await openPeer(p);
const waitJoined = trackJoins(peer);
const ev = watchEvents(peer);
ctx.ready({ name: p.name });
const subNames = p.subNames ?? [p.subName];
let join;
let joins;
await ctx.waitStart(async () => {
  joins = await Promise.all(subNames.map((n) => waitJoined(n, p.joinTimeoutMs ?? 8000, subNames.length)));
  join = joins.find((j) => !j.joined) ?? joins[0];
});

let sent = 0;
let waits = 0;
let burst = 0;
let burstYields = 0;
const makePayload = () => {
  const b = new Uint8Array(msgBytes);
  const i = sent;
  b[0] = i & 0xff;
  b[1] = (i >>> 8) & 0xff;
  b[2] = (i >>> 16) & 0xff;
  b[3] = (i >>> 24) & 0xff;
  return b;
};

const cpuStartUs = mainThreadCpuUs();
const tStart = performance.now();
let lastResolvedAt = tStart;
let finished = false;
// 'every': one timer for the whole loop, not one per publish. A publish that does not resolve
// within acceptTimeoutMs ends the run from here (the loop is stuck in its await).
const stallWatch =
  waitMode === 'every'
    ? setInterval(() => {
        if (performance.now() - lastResolvedAt <= acceptTimeoutMs) return;
        void finish(`publishing loop, after ${sent} messages: publish() in the loop did not resolve within ${acceptTimeoutMs} ms`, performance.now());
      }, 100)
    : undefined;
const tEnd = tStart + p.seconds * 1000;
let payload = makePayload();
let error = null;
try {
  outer: while (sent < maxMessages - 1) {
    // Tight loop: check the clock every 256 messages.
    for (let k = 0; k < 256; k++) {
      if (sent >= maxMessages - 1) break outer;
      if (waitMode === 'every') {
        // As the README writes it: no timer per message (a setTimeout and a Promise.race per
        // publish cost more than the publish: 520 k against 1.3 M awaited publishes a second, in
        // one process, 6 December); the stall watch below ends a run whose publish hangs.
        await peer.publish(subject, payload);
        if (finished) break outer; // the stall watch ended the run
        lastResolvedAt = performance.now();
        sent++;
        payload = makePayload();
        continue;
      }
      if (peer.tryPublish(subject, payload)) {
        if (stallStart) {
          longestStallMs = Math.max(longestStallMs, performance.now() - stallStart);
          stallStart = 0;
        }
        sent++;
        payload = makePayload();
        if (burstMsgs > 0 && ++burst >= burstMsgs) {
          burst = 0;
          burstYields++;
          await new Promise((r) => setImmediate(r));
        }
        continue;
      }
      burst = 0;
      waits++;
      if (!stallStart) stallStart = performance.now();
      if (waitMode === 'immediate') {
        await new Promise((r) => setImmediate(r));
      } else {
        await withTimeout(peer.publish(subject, payload), acceptTimeoutMs, `publish() in the loop did not resolve within ${acceptTimeoutMs} ms`);
        longestStallMs = Math.max(longestStallMs, performance.now() - stallStart);
        stallStart = 0;
        sent++;
        payload = makePayload();
      }
      break;
    }
    if (performance.now() >= tEnd) break;
  }
} catch (err) {
  error = `publishing loop, after ${sent} messages: ${err?.message ?? err}`;
}
if (!finished) {
  const tLoopEnd = performance.now();
  clearInterval(stallWatch);
  // The last one goes alone in a batch of its own (yield first), and with `await publish`: it resolves
  // once everything before it is on the wire.
  await new Promise((r) => setImmediate(r));
  try {
    await withTimeout(peer.publish(subject, payload), acceptTimeoutMs, `the final publish() did not resolve within ${acceptTimeoutMs} ms`);
    sent++;
  } catch (err) {
    error ??= `final publish, after ${sent} messages: ${err?.message ?? err}`;
  }
  await finish(error, tLoopEnd);
}

/** Reports the result (once), waits for the harness's stop, writes the stats and exits. */
async function finish(loopError, tLoopEnd) {
  if (finished) return;
  finished = true;
  clearInterval(stallWatch);
  error = loopError;
  await report(tLoopEnd);
  await ctx.whenStopped();
  writeStatsFile(p.statsFile, 'pub', 'stop', await safeStats(peer), { sentMsgs: sent, events: ev });
  await closePeer(peer);
  ctx.exit(0);
}

async function report(tLoopEnd) {
  const tAccepted = performance.now();
  const cpuEndUs = mainThreadCpuUs();
  const loopSec = (tLoopEnd - tStart) / 1000;
  ctx.result({
    msgBytes,
    waitMode,
    topology: p.topology,
    fault: p.fault ?? null,
    sentMsgs: sent,
    elapsedSec: loopSec,
    sentMsgsPerSec: sent / ((tAccepted - tStart) / 1000),
    // main-thread CPU (user + system, 10 ms ticks) per message over the publishing: less sensitive to
    // other processes on a shared machine than the rates
    cpuUsPerMsg: cpuStartUs === undefined || cpuEndUs === undefined || sent === 0 ? undefined : (cpuEndUs - cpuStartUs) / sent,
    lastAcceptedAfterLoopMs: tAccepted - tLoopEnd,
    waits,
    longestStallMs,
    burstMsgs,
    burstYields,
    join,
    joins,
    events: ev,
    error,
    stats: error || ev.errors.length ? await safeStats(peer) : undefined,
  });
}
