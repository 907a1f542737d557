/**
 * ledgecast echo for lc-ping.mjs: every message delivered on `pingSubject` is republished, payload
 * unchanged, on `pongSubject` (`tryPublish`, else `publish`).
 *
 * params: name, pingName, group, port, topology, pingSubject, pongSubject, statsFile, peerOptions.
 */
import { startChild } from '../baselines/child.mjs';
import { closePeer, openPeer, safeStats, trackJoins, watchEvents, writeStatsFile } from './lc-common.mjs';

const ctx = startChild();
const p = ctx.params;
const pingSubject = p.pingSubject ?? 'bench.ping';
const pongSubject = p.pongSubject ?? 'bench.pong';

const peer = await openPeer(p);
const waitJoined = trackJoins(peer);
const ev = watchEvents(peer);
let echoed = 0;
let backpressured = 0;
let publishErrors = 0;
peer.subscribe(pingSubject, (m) => {
  echoed++;
  if (peer.tryPublish(pongSubject, m.raw)) return;
  backpressured++;
  peer.publish(pongSubject, m.raw).catch(() => publishErrors++);
});
ctx.ready({ name: p.name });
let join;
await ctx.waitStart(async () => {
  join = await waitJoined(p.pingName, p.joinTimeoutMs ?? 8000);
});
await ctx.whenPeerDone();
ctx.result({ echoed, backpressured, publishErrors, join, events: ev });
await ctx.whenStopped();
writeStatsFile(p.statsFile, 'echo', 'stop', await safeStats(peer), { echoed, events: ev });
await closePeer(peer);
ctx.exit(0);
