#!/usr/bin/env node
/**
 * Publisher memory per idle stream (issue 14 item 3, docs/SCALE.md "Streams → memory"): one peer
 * alone publishes one small message on each of N new subjects, waits until every stream is idle
 * past `sender.activeStreamTtlMs` (and parked), then forces GC and prints the whole heap and RSS per
 * stream, the heap added since before publishing, and the bytes of datagrams the window still holds
 * (the payload held). --snapshot PATH also writes a heap snapshot.
 *
 *   npm run build && node --expose-gc bench/scale/pub-memory.mjs [--n 100000] [--ttl-ms 2000] [--snapshot p.heapsnapshot]
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0.
 */
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { randomMulticastGroup } from '../baselines/loopback.mjs';
import { openPeer } from '../ledgecast/lc-common.mjs';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    'ttl-ms': { type: 'string', default: '2000' },
    snapshot: { type: 'string' },
  },
});
if (globalThis.gc === undefined) throw new Error('run with node --expose-gc');
const n = Number(args.n);
const ttlMs = Number(args['ttl-ms']);
const settle = async (ms) => new Promise((r) => setTimeout(r, ms));
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage();
};
const peer = await openPeer(
  { name: 'pub-memory', group: randomMulticastGroup(), port: 20_000 + Math.floor(Math.random() * 30_000) },
  { sender: { activeStreamTtlMs: ttlMs } },
);
await settle(500);
const before = heap();
for (let i = 0; i < n; i++) {
  const subject = `pat.s${i}`;
  if (!peer.tryPublish(subject, i)) await peer.publish(subject, i);
}
// Every stream idle past its TTL, and the parking sweeps (every stream within a minute) gone round.
await settle(ttlMs + 62_000);
const stats = await peer.stats();
const after = heap();
const held = stats.actors.retransmit.window.bytes;
const f = (x) => Math.round(x).toLocaleString('en-US');
console.log(JSON.stringify({
  n,
  heapUsedPerStream: f(after.heapUsed / n),
  heapAddedPerStream: f((after.heapUsed - before.heapUsed) / n),
  heapAddedLessHeldPerStream: f((after.heapUsed - before.heapUsed - held) / n),
  rssPerStream: f(after.rss / n),
  rssAddedPerStream: f((after.rss - before.rss) / n),
  windowHeldBytes: held,
  windowMessages: stats.actors.retransmit.window.messages,
  heartbeatActive: stats.actors.retransmit.heartbeats.activeStreams,
  flowParked: stats.actors.flow.core.parkedStreams,
  flowSubjects: stats.actors.flow.subjects,
}));
if (args.snapshot !== undefined) writeHeapSnapshot(args.snapshot);
await peer.close({ timeoutMs: 0 });
process.exit(0);
