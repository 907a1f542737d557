/**
 * Scale bench child: publishes one small message on each of N new subjects `pat.s0` … as fast as
 * `tryPublish` / `publish` let it, the moment it is told to. argv: JSON { group, port, n, idleMs }.
 * Prints READY, waits for a line on stdin, then one JSON line: when publishing began (epoch ms),
 * how long the loop took, heap per stream (forced GC; includes the window's held datagrams), and
 * bytes/s sent while idle afterwards (heartbeats). Run with --expose-gc. Loopback only.
 */
import { once } from 'node:events';
import { openPeer } from '../ledgecast/lc-common.mjs';

const p = JSON.parse(process.argv[2]);
const heap = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
const peer = await openPeer({ name: 'scale-pub', group: p.group, port: p.port });
process.stdin.setEncoding('utf8');
console.log('READY');
await once(process.stdin, 'data');
const heapBefore = heap();
const startAtMs = Date.now();
const t0 = performance.now();
for (let i = 0; i < p.n; i++) {
  const subject = `pat.s${i}`;
  if (!peer.tryPublish(subject, i)) await peer.publish(subject, i);
}
const loopMs = performance.now() - t0;
const heapPerStream = (heap() - heapBefore) / p.n;
const sent = async () => (await peer.stats()).actors.socket.bytesSent;
await new Promise((r) => setTimeout(r, 2000));
const s0 = await sent();
const i0 = Date.now();
await new Promise((r) => setTimeout(r, p.idleMs));
const idleBytesPerSec = ((await sent()) - s0) * 1000 / (Date.now() - i0);
console.log(JSON.stringify({ startAtMs, loopMs, heapPerStream, idleBytesPerSec }));
await peer.close({ timeoutMs: 0 });
process.exit(0);
