/**
 * Open-loop round-trip latency measurement shared by the *-ping.mjs scripts.
 *
 * Ping i (msgBytes bytes, u32 LE i at offset 0) is scheduled at t0 + i / rate. The pacer wakes the
 * main loop and every ping whose scheduled time has passed is sent then (late pings are sent back to
 * back; the schedule never slows down for slow pongs: open loop). The headline latency is measured
 * from the *scheduled* time: latency = pong receipt − (t0 + i / rate), both performance.now() on the
 * pinger's main thread, so a stall of the pinger, the transport or the peer counts for every ping it
 * delayed (no coordinated omission). Also reported: the RTT from the actual send (the usual, flattering
 * figure, kept for comparison) and the send lag (actual − scheduled). Pings in the first
 * `warmupSeconds` are sent but not measured. A ping without a pong is counted in `lost`, not in the
 * percentiles; a ping still unsent when the pacer stops is counted in `unsent`.
 *
 * Pacers: 'worker' (default; pacer-worker.mjs sleeps 100 µs per interval and wakes the main loop,
 * which otherwise blocks in epoll like a normal application) or 'spin' (setImmediate busy loop: the
 * pinger never sleeps and costs a whole core).
 *
 * Bounds: total pings = rate × (warmupSeconds + seconds); after the last ping, pongs are awaited for at
 * most `graceMs` of silence (2 × graceMs in all). Memory: two Float64Arrays of that many entries.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { waitUntil } from './child.mjs';
import { percentiles } from './stats.mjs';

/**
 * @param {object} params  ctx.params: rate (10000), warmupSeconds (1), seconds, msgBytes (64),
 *   pacer ('worker'|'spin'), wakeUs (100), graceMs (1000)
 * @param {{ send(buf: Buffer): void|Promise<unknown>, onPong(listener: (buf: Uint8Array) => void): void }} transport
 */
export async function runPinger(params, transport) {
  const rate = params.rate ?? 10_000;
  const warmupSeconds = params.warmupSeconds ?? 1;
  const seconds = params.seconds;
  const msgBytes = Math.max(4, params.msgBytes ?? 64);
  const pacer = params.pacer ?? 'worker';
  const wakeUs = params.wakeUs ?? 100;
  const graceMs = params.graceMs ?? 1000;
  const intervalMs = 1000 / rate;
  const total = Math.round(rate * (warmupSeconds + seconds));
  const warmupCount = Math.round(rate * warmupSeconds);
  const sendAt = new Float64Array(total);
  const recvAt = new Float64Array(total);
  let next = 0;
  let received = 0;
  let duplicates = 0;
  let unknown = 0;
  let sending = false;
  let finished = false;
  let t0 = 0;

  transport.onPong((buf) => {
    const now = performance.now();
    if (buf.length < 4) {
      unknown++;
      return;
    }
    const seq = buf[0] | (buf[1] << 8) | (buf[2] << 16) | (buf[3] << 24);
    if (seq < 0 || seq >= total || sendAt[seq] === 0) unknown++;
    else if (recvAt[seq] !== 0) duplicates++;
    else {
      recvAt[seq] = now;
      received++;
    }
  });

  let resolveAllSent;
  const allSent = new Promise((r) => {
    resolveAllSent = r;
  });
  async function sendDue() {
    if (sending || finished || t0 === 0) return;
    sending = true;
    try {
      while (next < total) {
        const now = performance.now();
        if (t0 + next * intervalMs > now) break;
        const buf = Buffer.alloc(msgBytes);
        buf.writeUInt32LE(next, 0);
        sendAt[next] = now;
        next++;
        const r = transport.send(buf);
        if (r && typeof r.then === 'function') await r;
      }
    } finally {
      sending = false;
    }
    if (next >= total) resolveAllSent();
  }

  const maxSeconds = warmupSeconds + seconds + 2;
  let stopPacer;
  if (pacer === 'spin') {
    t0 = performance.now();
    const endAt = t0 + maxSeconds * 1000;
    let stop = false;
    const spin = () => {
      if (stop || next >= total || performance.now() > endAt) return void resolveAllSent();
      sendDue().then(() => setImmediate(spin));
    };
    setImmediate(spin);
    stopPacer = () => {
      stop = true;
    };
  } else {
    const sab = new SharedArrayBuffer(8);
    const flags = new Int32Array(sab);
    const worker = new Worker(new URL('./pacer-worker.mjs', import.meta.url), { workerData: { sab, intervalUs: wakeUs, maxSeconds } });
    worker.on('message', () => {
      Atomics.store(flags, 1, 0);
      if (t0 === 0) t0 = performance.now(); // schedule starts at the first wake-up, not at thread start
      sendDue();
    });
    worker.on('error', (e) => {
      throw e;
    });
    worker.on('exit', () => resolveAllSent()); // pacer ran out of time: stop waiting for more pings
    stopPacer = async () => {
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
      await worker.terminate();
    };
  }
  await allSent;
  const lastSendAt = performance.now();
  await stopPacer();
  finished = true;
  const measured = Math.max(0, next - warmupCount);
  let measuredReceived = 0;
  const drained = await waitUntil({
    done: () => received >= next,
    progress: () => received,
    idleMs: graceMs,
    maxMs: 2 * graceMs,
  });

  const rtt = [];
  const fromSchedule = [];
  const sendLag = [];
  for (let i = warmupCount; i < next; i++) {
    const sched = t0 + i * intervalMs;
    sendLag.push((sendAt[i] - sched) * 1000);
    if (recvAt[i] === 0) continue;
    measuredReceived++;
    rtt.push((recvAt[i] - sendAt[i]) * 1000);
    fromSchedule.push((recvAt[i] - sched) * 1000);
  }
  const spanSec = measured > 1 ? (sendAt[next - 1] - sendAt[warmupCount]) / 1000 : NaN;
  return {
    rate,
    pacer,
    unsent: total - next,
    msgBytes,
    warmupPings: Math.min(warmupCount, next),
    measuredPings: measured,
    measuredPongs: measuredReceived,
    lost: measured - measuredReceived,
    duplicates,
    unknown,
    achievedPingsPerSec: measured > 1 ? (measured - 1) / spanSec : NaN,
    sendingSec: (lastSendAt - t0) / 1000,
    drained,
    rttUs: percentiles(rtt),
    rttFromScheduleUs: percentiles(fromSchedule),
    sendLagUs: percentiles(sendLag),
  };
}

/**
 * The per-run latency metrics both runners record, from a runPinger result (`pub`) and the pair's
 * peak RSS: `sched*` = from the scheduled send time (the headline), `send*` = from the actual send.
 */
export function pingerMetrics(pub, rss = {}) {
  const sched = pub.rttFromScheduleUs ?? {};
  const send = pub.rttUs ?? {};
  return {
    schedP50Us: sched.p50,
    schedP90Us: sched.p90,
    schedP99Us: sched.p99,
    schedP999Us: sched.p999,
    schedMaxUs: sched.max,
    sendP50Us: send.p50,
    sendP90Us: send.p90,
    sendP99Us: send.p99,
    sendP999Us: send.p999,
    sendMaxUs: send.max,
    sendLagP50Us: pub.sendLagUs?.p50,
    sendLagP99Us: pub.sendLagUs?.p99,
    roundTripsPerSec: pub.achievedPingsPerSec,
    lossPct: pub.measuredPings > 0 ? (pub.lost / pub.measuredPings) * 100 : NaN,
    lost: pub.lost,
    unsent: pub.unsent,
    pubRssBytes: rss.pub,
    subRssBytes: rss.sub,
  };
}
