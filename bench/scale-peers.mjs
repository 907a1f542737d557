#!/usr/bin/env node
/**
 * How the cost of an idle peer grows with the peers it knows (issue 14 item 6, docs/SCALE.md
 * "Peers → periodic traffic and CPU"). For each N, N idle peer processes on one group, each with
 * `--patterns` specific subscriptions of its own; once each knows the N - 1 others, all measure
 * together for `--seconds`: CPU per peer (% of one core), bytes/s and datagrams/s each sends
 * (adverts and heartbeats), bytes/s each receives; then one more peer joins and closes, and each
 * of the N says when it saw it join and leave (`--no-join` skips it). Prints a markdown table (medians over the
 * peers, and the max), draws the curves to docs/scale-peers.svg (--svg PATH, --no-svg) and writes
 * the JSON with --json.
 *
 *   npm run build && node bench/scale-peers.mjs                  # N = 2, 5, 10, 20, 10 patterns each
 *   node bench/scale-peers.mjs --sizes 2,10 --patterns 1000 --seconds 5
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0. On a machine with few
 * cores N processes share them: the CPU per peer is what each costs, not a capacity.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { spawnChild } from './scale/children.mjs';
import { renderCurves } from './scale/curves-svg.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2,5,10,20' },
    patterns: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'string' },
    join: { type: 'boolean', default: true },
    'no-join': { type: 'boolean', default: false },
    svg: { type: 'string', default: join(here, '..', 'docs', 'scale-peers.svg') },
    'no-svg': { type: 'boolean', default: false },
  },
});
const sizes = args.sizes.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 2 || n > 100)) throw new Error(`--sizes: integers 2..100, got ${args.sizes}`);
const patterns = Number(args.patterns);
if (args['no-join']) args.join = false;
const measureMs = Number(args.seconds) * 1000;
if (!(Number.isInteger(patterns) && patterns >= 0) || !(measureMs > 0)) throw new Error('--patterns >= 0 and --seconds > 0');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * One more peer joins the N idle ones, then closes: how long until every one of them saw it join
 * (from its `createPeer` resolving) and leave (from its `close()` call). Max and median over them.
 */
async function joinAndLeave(kids, { group, port, n }) {
  const late = spawnChild('idle-peer.mjs', { group, port, name: 'late', peers: n + 1, patterns, measureMs: 1000, announce: true });
  try {
    const created = /^CREATED (\d+)$/.exec(await late.next(90_000));
    if (created === null || (await late.next(90_000)) !== 'READY') throw new Error('the late peer did not start');
    const createdAtMs = Number(created[1]);
    const events = async () => {
      for (const k of kids) k.child.stdin.write('events\n');
      return Promise.all(kids.map(async (k) => JSON.parse(await k.next(30_000))));
    };
    // Every peer knows it within a few seconds or the figure says how long it took.
    let seen = await events();
    for (let t = Date.now(); seen.some((e) => e.joinedAt.late === undefined) && Date.now() - t < 30_000; seen = await events()) await new Promise((r) => setTimeout(r, 500));
    const joinMs = seen.map((e) => (e.joinedAt.late === undefined ? Infinity : e.joinedAt.late - createdAtMs));
    late.child.stdin.write('go\n');
    await late.next(30_000); // its measurement line
    const closeAtMs = Date.now();
    late.child.stdin.write('close\n');
    for (let t = Date.now(); (seen = await events()).some((e) => e.leftAt.late === undefined) && Date.now() - t < 30_000; ) await new Promise((r) => setTimeout(r, 500));
    const leaveMs = seen.map((e) => (e.leftAt.late === undefined ? Infinity : e.leftAt.late - closeAtMs));
    return { joinKnownByAllMs: Math.max(...joinMs), joinMedianMs: median(joinMs), leaveKnownByAllMs: Math.max(...leaveMs), leaveMedianMs: median(leaveMs) };
  } finally {
    late.child.kill('SIGKILL');
  }
}

const rows = [];
for (const n of sizes) {
  const group = randomMulticastGroup();
  const port = 20_000 + Math.floor(Math.random() * 30_000);
  const kids = Array.from({ length: n }, (_, i) => spawnChild('idle-peer.mjs', { group, port, name: `p${i}`, peers: n, patterns, measureMs }));
  try {
    for (const k of kids) {
      const line = await k.next(90_000);
      if (line !== 'READY') throw new Error(`a peer said ${line}`);
    }
    for (const k of kids) k.child.stdin.write('go\n');
    const results = [];
    for (const k of kids) results.push(JSON.parse(await k.next(measureMs + 30_000)));
    const churn = args.join ? await joinAndLeave(kids, { group, port, n }) : undefined;
    for (const k of kids) k.child.stdin.write('close\n');
    const col = (key) => results.map((r) => r[key]);
    const row = {
      peers: n,
      patternsPerPeer: patterns,
      cpuPctMedian: median(col('cpuPct')),
      cpuPctMax: Math.max(...col('cpuPct')),
      sentBytesPerSecMedian: median(col('sentBytesPerSec')),
      sentDatagramsPerSecMedian: median(col('sentDatagramsPerSec')),
      receivedBytesPerSecMedian: median(col('receivedBytesPerSec')),
      allKnown: results.every((r) => r.peersKnown >= n - 1),
      fewestKnown: Math.min(...col('peersKnown')),
      ...churn,
    };
    rows.push(row);
    console.error(JSON.stringify(row));
  } finally {
    for (const k of kids) k.child.kill('SIGKILL');
  }
}

const ms = (x) => (x === undefined ? '–' : Number.isFinite(x) ? `${Math.round(x)} ms` : 'not within 30 s');
console.log(`| peers | patterns each | CPU per peer, median (max) | sent B/s per peer | sent datagrams/s per peer | received B/s per peer | fewest peers known during the window | a join known by all (median) | a leave known by all (median) |`);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.peers} | ${r.patternsPerPeer} | ${r.cpuPctMedian.toFixed(2)} % (${r.cpuPctMax.toFixed(2)} %) | ${r.sentBytesPerSecMedian.toFixed(0)} | ${r.sentDatagramsPerSecMedian.toFixed(1)} | ${r.receivedBytesPerSecMedian.toFixed(0)} | ${r.fewestKnown} of ${r.peers - 1} | ${ms(r.joinKnownByAllMs)} (${ms(r.joinMedianMs)}) | ${ms(r.leaveKnownByAllMs)} (${ms(r.leaveMedianMs)}) |`,
  );
}
if (args.json) writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
if (!args['no-svg']) {
  const line = (name, color, y) => ({ name, color, points: rows.map((r) => [r.peers, y(r)]) });
  const svg = renderCurves({
    panels: [
      {
        title: 'peers → bytes/s per idle peer',
        xLabel: 'peers',
        series: [line('sent (median)', '#d97706', (r) => r.sentBytesPerSecMedian), line('received (median)', '#1d4ed8', (r) => r.receivedBytesPerSecMedian)],
      },
      { title: 'peers → CPU per idle peer (% of a core)', xLabel: 'peers', series: [line('median', '#15803d', (r) => r.cpuPctMedian), line('max', '#6b7280', (r) => r.cpuPctMax)] },
    ],
    footer: `node bench/scale-peers.mjs — N idle peer processes on loopback, ${patterns} patterns each, default options`,
  });
  writeFileSync(args.svg, svg);
  console.error(`wrote ${args.svg}`);
}
