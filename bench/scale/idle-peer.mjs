/**
 * Peers bench child (bench/scale-peers.mjs): one idle peer with `patterns` specific subscriptions
 * of its own. argv: JSON { group, port, name, peers, patterns, measureMs }. Prints READY once it
 * knows the other `peers - 1` peers, then, told to go (a line on stdin), measures for `measureMs`
 * and prints one JSON line: its CPU (% of one core, process.cpuUsage), the bytes/s and datagrams/s
 * it sent and received, and the peers it knows. Loopback only (interface 127.0.0.1, TTL 0).
 */
import { once } from 'node:events';
import { openPeer } from '../ledgecast/lc-common.mjs';

const p = JSON.parse(process.argv[2]);
const peer = await openPeer({ name: p.name, group: p.group, port: p.port });
for (let i = 0; i < p.patterns; i++) peer.subscribe(`${p.name}.t${i}`, () => {});
const deadline = Date.now() + 60_000;
while (peer.peers().length < p.peers - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
process.stdin.setEncoding('utf8');
console.log('READY');
await once(process.stdin, 'data');
const socket = async () => (await peer.stats()).actors.socket;
const s0 = await socket();
const c0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, p.measureMs));
const c = process.cpuUsage(c0);
const s1 = await socket();
const sec = (performance.now() - t0) / 1000;
const rate = (k) => (s1[k] - s0[k]) / sec;
console.log(
  JSON.stringify({
    cpuPct: ((c.user + c.system) / 1000 / (sec * 1000)) * 100,
    sentBytesPerSec: rate('bytesSent'),
    sentDatagramsPerSec: rate('datagramsSent'),
    receivedBytesPerSec: rate('bytesReceived'),
    peersKnown: peer.peers().length,
  }),
);
await peer.close();
process.exit(0);
