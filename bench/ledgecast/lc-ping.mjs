/**
 * ledgecast pinger (open-loop paced round trips, see bench/baselines/latency-pinger.mjs): publishes
 * ping i (64 B raw, u32 LE i at offset 0) on `pingSubject`, lc-echo.mjs republishes it on
 * `pongSubject`; latency = pong delivery − the ping's scheduled send time (the runner also keeps
 * pong delivery − actual send, labelled "from send"), both on this process's main thread.
 * A ping goes out with `tryPublish` (batched into the current microtask's flush); only when that
 * says false (backpressure) does the pinger `await publish`.
 *
 * params: name, echoName, group, port, topology, pingSubject, pongSubject, rate (10000),
 * warmupSeconds (1), seconds, msgBytes (64), pacer ('worker'), statsFile, peerOptions.
 */
import { startChild } from '../baselines/child.mjs';
import { runPinger } from '../baselines/latency-pinger.mjs';
import { closePeer, openPeer, safeStats, trackJoins, watchEvents, writeStatsFile } from './lc-common.mjs';

const ctx = startChild();
const p = ctx.params;
const pingSubject = p.pingSubject ?? 'bench.ping';
const pongSubject = p.pongSubject ?? 'bench.pong';

const peer = await openPeer(p);
const waitJoined = trackJoins(peer);
const ev = watchEvents(peer);
let onPong = null;
let pongsBeforeStart = 0;
peer.subscribe(pongSubject, (m) => {
  if (onPong) onPong(m.raw);
  else pongsBeforeStart++;
});
ctx.ready({ name: p.name });
let join;
await ctx.waitStart(async () => {
  join = await waitJoined(p.echoName, p.joinTimeoutMs ?? 8000);
});
let backpressured = 0;
const result = await runPinger(p, {
  send: (buf) => {
    if (peer.tryPublish(pingSubject, buf)) return undefined;
    backpressured++;
    return peer.publish(pingSubject, buf);
  },
  onPong: (listener) => {
    onPong = listener;
  },
});
ctx.result({ ...result, backpressured, pongsBeforeStart, join, events: ev, stats: ev.dataLoss || result.lost ? await safeStats(peer) : undefined });
await ctx.whenStopped();
writeStatsFile(p.statsFile, 'ping', 'stop', await safeStats(peer), { events: ev });
await closePeer(peer);
ctx.exit(0);
