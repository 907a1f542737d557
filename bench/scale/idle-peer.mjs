/**
 * Peers bench child (bench/scale-peers.mjs): one idle peer with `patterns` specific subscriptions
 * of its own. argv: JSON { group, port, name, peers, patterns, measureMs }. Prints READY once it
 * knows the other `peers - 1` peers, then, told to go (a line on stdin), measures for `measureMs`
 * and prints one JSON line: its CPU (% of one core, process.cpuUsage), the bytes/s and datagrams/s
 * it sent and received, and the fewest peers it knew during the window. Then each `events` line
 * prints { joinedAt, leftAt }: when it first saw each other peer join and leave (Date.now()); any
 * other line closes it. With `announce`, it prints `CREATED <Date.now()>` once `createPeer` resolved.
 * Loopback only (interface 127.0.0.1, TTL 0).
 */
import { openPeer } from '../ledgecast/lc-common.mjs';

const p = JSON.parse(process.argv[2]);
const peer = await openPeer({ name: p.name, group: p.group, port: p.port });
if (p.announce) console.log(`CREATED ${Date.now()}`);
// When each other peer was first seen joining and leaving (Date.now(); the processes share a host).
const joinedAt = {};
const leftAt = {};
peer.on('peerJoined', (q) => (joinedAt[q.name] ??= Date.now()));
peer.on('peerLeft', (q) => (leftAt[q.name] ??= Date.now()));
for (let i = 0; i < p.patterns; i++) peer.subscribe(`${p.name}.t${i}`, () => {});
const deadline = Date.now() + 60_000;
while (peer.peers().length < p.peers - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
process.stdin.setEncoding('utf8');
const lines = [];
let wake;
process.stdin.on('data', (d) => {
  lines.push(...d.split('\n').filter(Boolean));
  wake?.();
});
const nextLine = async () => {
  while (lines.length === 0) await new Promise((r) => (wake = r));
  return lines.shift();
};
console.log('READY');
await nextLine();
const socket = async () => (await peer.stats()).actors.socket;
const s0 = await socket();
const c0 = process.cpuUsage();
const t0 = performance.now();
// The fewest peers known at any second of the window (a peer that starved may expire).
let fewest = peer.peers().length;
const sampler = setInterval(() => (fewest = Math.min(fewest, peer.peers().length)), 1000);
await new Promise((r) => setTimeout(r, p.measureMs));
clearInterval(sampler);
fewest = Math.min(fewest, peer.peers().length);
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
    peersKnown: fewest,
  }),
);
// `events` prints the join and leave times seen; any other line closes (the others must not see
// it leave while they measure).
while ((await nextLine()) === 'events') console.log(JSON.stringify({ joinedAt, leftAt }));
await peer.close();
process.exit(0);
