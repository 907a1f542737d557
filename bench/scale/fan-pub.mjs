/**
 * NAK-implosion and fan-out bench child: publishes `count` 64-byte messages on `fan.a` at `rate`
 * messages a second (ticks of 10 ms; 0: as fast as flow control allows) once told to. argv: JSON { group, port, count, rate, subscribers, outDrop }
 * (`outDrop`: share of its multicast DATA datagrams not sent: loss before the fan-out).
 * Prints READY; after the go line, waits for every subscriber, publishes, waits `tailMs`, prints one
 * JSON line: CPU µs per message (process), and its retransmit and socket counters. Loopback only.
 */
import { once } from 'node:events';
import { openPeer, trackJoins } from '../ledgecast/lc-common.mjs';

const p = JSON.parse(process.argv[2]);
const fault = p.outDrop > 0 ? { dropMulticastDataOutRate: p.outDrop, seed: 77 } : undefined;
const peer = await openPeer({ name: 'fan-pub', group: p.group, port: p.port, ...(fault ? { fault } : {}) });
const waitJoined = trackJoins(peer);
process.stdin.setEncoding('utf8');
console.log('READY');
await once(process.stdin, 'data');
await Promise.all(p.subscribers.map((n) => waitJoined(n, 20_000, p.subscribers.length)));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const startAtMs = Date.now();
const perTick = Math.max(1, Math.round(p.rate / 100));
if (p.rate === 0) {
  // Unpaced: as fast as flow control lets it (the receivers → throughput curve).
  for (let i = 0; i < p.count; i++) {
    const b = new Uint8Array(64);
    new DataView(b.buffer).setUint32(0, i, true);
    if (!peer.tryPublish('fan.a', b)) await peer.publish('fan.a', b);
  }
}
for (let i = 0; i < (p.rate === 0 ? 0 : p.count); ) {
  const tick = performance.now();
  for (let k = 0; k < perTick && i < p.count; k++, i++) {
    const b = new Uint8Array(64);
    new DataView(b.buffer).setUint32(0, i, true);
    if (!peer.tryPublish('fan.a', b)) await peer.publish('fan.a', b);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, 10 - (performance.now() - tick))));
}
const publishMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await new Promise((r) => setTimeout(r, p.tailMs ?? 3000));
const s = await peer.stats();
console.log(JSON.stringify({ publishMs, startAtMs, cpuUsPerMsg: (cpu.user + cpu.system) / p.count, retransmit: s.actors.retransmit, socket: s.actors.socket }));
await peer.close({ timeoutMs: 0 });
process.exit(0);
