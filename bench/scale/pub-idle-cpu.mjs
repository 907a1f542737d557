#!/usr/bin/env node
/**
 * Publisher CPU while its streams go idle and park (issue 14 item 3, docs/SCALE.md "Idle cost"):
 * one peer alone publishes one small message on each of N new subjects with default options, then
 * prints its CPU (`process.cpuUsage()`, % of one core) over successive 10 s windows from 5 s after
 * the burst: heartbeats while the streams are within `activeStreamTtlMs` (30 s), then the flow
 * actor's park sweep (every stream within 30 s), then idle.
 *
 * With `--peers K` (K > 1), K - 1 idle peer processes (bench/scale/idle-peer.mjs, 10 patterns
 * each) join the group first and the publisher waits until it knows them all: the "100,000 idle
 * streams and 50 known peers" case (`--peers 50`). They share the cores; the figure is the
 * publisher's own CPU.
 *
 *   npm run build && node bench/scale/pub-idle-cpu.mjs [--n 100000] [--windows 7] [--peers 50]
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0.
 */
import { parseArgs } from 'node:util';
import { randomMulticastGroup } from '../baselines/loopback.mjs';
import { openPeer } from '../ledgecast/lc-common.mjs';
import { spawnChild } from './children.mjs';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '100000' }, windows: { type: 'string', default: '7' }, peers: { type: 'string', default: '1' } } });
const n = Number(args.n);
const peers = Number(args.peers);
if (!Number.isInteger(peers) || peers < 1 || peers > 100) throw new Error(`--peers: an integer 1..100, got ${args.peers}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const net = { group: randomMulticastGroup(), port: 20_000 + Math.floor(Math.random() * 30_000) };
const measureMs = (Number(args.windows) * 10 + 30) * 1000;
const others = Array.from({ length: peers - 1 }, (_, i) => spawnChild('idle-peer.mjs', { ...net, name: `idle${i}`, peers, patterns: 10, measureMs }));
process.on('exit', () => others.forEach((k) => k.child.kill('SIGKILL')));
const peer = await openPeer({ name: 'pub-idle-cpu', ...net });
for (const k of others) if ((await k.next(120_000)) !== 'READY') throw new Error('an idle peer did not start');
for (let t = Date.now(); peer.peers().length < peers - 1; await sleep(100)) if (Date.now() - t > 60_000) throw new Error(`knows ${peer.peers().length} of ${peers - 1} peers`);
await sleep(500);
for (let i = 0; i < n; i++) {
  const subject = `pat.s${i}`;
  if (!peer.tryPublish(subject, i)) await peer.publish(subject, i);
}
const burstEnd = Date.now();
await sleep(5000);
for (let w = 0; w < Number(args.windows); w++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(10_000);
  const c = process.cpuUsage(c0);
  const from = Math.round((Date.now() - burstEnd) / 1000) - 10;
  const stats = await peer.stats();
  console.log(JSON.stringify({ window: `${from}-${from + 10} s`, peersKnown: peer.peers().length, cpuPercent: +(((c.user + c.system) / 1000 / (performance.now() - t0)) * 100).toFixed(2), flowParked: stats.actors.flow.core.parkedStreams, heartbeatActive: stats.actors.retransmit.heartbeats.activeStreams }));
}
await peer.close({ timeoutMs: 0 });
process.exit(0);
