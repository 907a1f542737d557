/**
 * Scale bench child: a subscriber of N subjects `pat.s0` … (specific subscriptions, or one `pat.>`).
 * argv: JSON { group, port, n, wildcard, idleMs }. Prints READY, then one JSON line: delivered,
 * duplicates, dataLoss count, when the last first message came (epoch ms), heap per stream
 * (forced GC, after the streams exist, minus before), and the bytes/s it sent while idle.
 * Run with --expose-gc. Loopback only (interface 127.0.0.1, TTL 0).
 */
import { openPeer } from '../ledgecast/lc-common.mjs';

const p = JSON.parse(process.argv[2]);
const heap = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
const peer = await openPeer({ name: 'scale-sub', group: p.group, port: p.port });
const seen = new Uint8Array(p.n);
let count = 0;
let duplicates = 0;
let lastAtMs = 0;
let dataLoss = 0;
peer.on('dataLoss', () => dataLoss++);
const onMessage = (m) => {
  const i = Number(m.subject.slice(5));
  if (seen[i] === 1) duplicates++;
  else {
    seen[i] = 1;
    count++;
    lastAtMs = Date.now();
  }
};
if (p.wildcard) peer.subscribe('pat.>', onMessage);
else for (let i = 0; i < p.n; i++) peer.subscribe(`pat.s${i}`, onMessage);
await new Promise((r) => setTimeout(r, 500));
const heapBefore = heap();
console.log('READY');
const t0 = Date.now();
while (count < p.n && Date.now() - t0 < p.timeoutMs) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 1000));
const heapPerStream = (heap() - heapBefore) / p.n;
const sent = async () => (await peer.stats()).actors.socket.bytesSent;
const s0 = await sent();
const i0 = Date.now();
await new Promise((r) => setTimeout(r, p.idleMs));
const idleBytesPerSec = ((await sent()) - s0) * 1000 / (Date.now() - i0);
console.log(JSON.stringify({ count, duplicates, dataLoss, lastAtMs, heapPerStream, idleBytesPerSec }));
await peer.close({ timeoutMs: 0 });
process.exit(0);
