#!/usr/bin/env node
/**
 * How a publisher's throughput grows with its receivers (issue 14 item 6, docs/SCALE.md
 * "Receivers → publisher throughput"). For each S, 1 publisher → S subscriber processes of
 * `fan.>`, `--count` messages of 64 B published as fast as flow control allows (the slowest live
 * receiver paces it), no loss injected. Measures: the publisher's rate (its publish loop), each
 * subscriber's rate from the first publish to its last message (median and slowest), the
 * publisher's CPU per message, and that every subscriber got every message once with no
 * `dataLoss`. Prints a markdown table; writes the curve to docs/scale-receivers.svg (--svg PATH,
 * --no-svg) and the rows with --json.
 *
 *   npm run build && node bench/scale-receivers.mjs                    # S = 1, 2, 4, 8; 200,000 messages
 *   node bench/scale-receivers.mjs --sizes 1,2 --count 50000
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0. S + 1 processes share
 * the machine's cores: on 2 cores the curve measures CPU contention as much as the protocol
 * (every subscriber decodes every datagram), which is what a host running many subscribers sees.
 */
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { spawnChild } from './scale/children.mjs';
import { fmt, renderCurves } from './scale/curves-svg.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,2,4,8' },
    count: { type: 'string', default: '200000' },
    json: { type: 'string' },
    svg: { type: 'string', default: join(here, '..', 'docs', 'scale-receivers.svg') },
    'no-svg': { type: 'boolean', default: false },
  },
});
const sizes = args.sizes.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 50)) throw new Error(`--sizes: integers 1..50, got ${args.sizes}`);
const count = Number(args.count);
if (!Number.isInteger(count) || count < 1000 || count > 10_000_000) throw new Error(`--count: an integer 1,000..10,000,000, got ${args.count}`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function run(n) {
  const net = { group: randomMulticastGroup(), port: 20_000 + Math.floor(Math.random() * 30_000) };
  const names = Array.from({ length: n }, (_, i) => `fan-sub-${i}`);
  const timeoutMs = 60_000 + count / 2;
  const subs = names.map((name, i) => spawnChild('fan-sub.mjs', { ...net, name, dropRate: 0, seed: 1000 + i, expect: count, timeoutMs }));
  const pub = spawnChild('fan-pub.mjs', { ...net, count, rate: 0, subscribers: names, tailMs: 500 });
  try {
    for (const s of subs) if ((await s.next(60_000)) !== 'READY') throw new Error('a subscriber did not start');
    if ((await pub.next(60_000)) !== 'READY') throw new Error('the publisher did not start');
    pub.child.stdin.write('go\n');
    const subResults = await Promise.all(subs.map((s) => s.next(timeoutMs + 30_000).then(JSON.parse)));
    const p = JSON.parse(await pub.next(60_000));
    const rates = subResults.map((r) => (r.lastAtMs === undefined ? 0 : count / ((r.lastAtMs - p.startAtMs) / 1000)));
    return {
      subscribers: n,
      count,
      everyMessageOnce: subResults.every((r) => r.distinct === count && r.duplicates === 0),
      dataLoss: subResults.reduce((t, r) => t + r.dataLoss, 0),
      publisherRate: count / (p.publishMs / 1000),
      subscriberRateMedian: median(rates),
      subscriberRateSlowest: Math.min(...rates),
      publisherCpuUsPerMsg: p.cpuUsPerMsg,
    };
  } finally {
    for (const s of subs) s.child.kill('SIGKILL');
    pub.child.kill('SIGKILL');
  }
}

const rows = [];
for (const n of sizes) {
  const r = await run(n);
  rows.push(r);
  console.error(JSON.stringify(r));
}

console.log(`${count.toLocaleString('en-US')} messages of 64 B, ${availableParallelism()} cores, ${new Date().toISOString()}`);
console.log('');
console.log('| subscribers | every message once, no dataLoss | publisher msg/s | subscriber msg/s, median | slowest subscriber msg/s | publisher CPU µs/msg |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.subscribers} | ${r.everyMessageOnce && r.dataLoss === 0 ? 'yes' : `**no** (dataLoss ${r.dataLoss})`} | ${fmt(r.publisherRate)} | ${fmt(r.subscriberRateMedian)} | ${fmt(r.subscriberRateSlowest)} | ${fmt(r.publisherCpuUsPerMsg, 2)} |`,
  );
}
if (args.json) writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), cores: availableParallelism(), rows }, null, 2));
if (!args['no-svg']) {
  const line = (name, color, y) => ({ name, color, points: rows.map((r) => [r.subscribers, y(r)]) });
  const svg = renderCurves({
    panels: [
      {
        title: 'receivers → msg/s (64 B, unpaced)',
        xLabel: 'subscriber processes',
        series: [line('publisher', '#d97706', (r) => r.publisherRate), line('slowest subscriber', '#1d4ed8', (r) => r.subscriberRateSlowest)],
      },
      {
        title: 'receivers → publisher CPU µs per message',
        xLabel: 'subscriber processes',
        series: [line('publisher', '#d97706', (r) => r.publisherCpuUsPerMsg)],
      },
    ],
    footer: `node bench/scale-receivers.mjs — 1 publisher, S subscribers on loopback, ${availableParallelism()} cores, default options`,
  });
  writeFileSync(args.svg, svg);
  console.error(`wrote ${args.svg}`);
}
