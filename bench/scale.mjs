#!/usr/bin/env node
/**
 * How cost grows with subscriptions and streams (issue 14, docs/SCALE.md). For each N, one
 * subscriber process with N specific subscriptions (and, separately, one `pat.>`), ready before a
 * publisher process sends one small message on each of N new subjects. Measures: time from the
 * first publish to the last first delivery, the publisher's loop time per new stream, heap per
 * stream on each side (forced GC), and bytes/s each side sends once idle. Writes a markdown table
 * to stdout and the curves to docs/scale.svg (--svg PATH to change, --no-svg to skip).
 *
 *   npm run build && node bench/scale.mjs                 # N = 1,000 3,000 10,000 100,000
 *   node bench/scale.mjs --sizes 1000,10000 --json out.json
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { spawnChild } from './scale/children.mjs';
import { renderCurves } from './scale/curves-svg.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,3000,10000,100000' },
    json: { type: 'string' },
    svg: { type: 'string', default: join(here, '..', 'docs', 'scale.svg') },
    'no-svg': { type: 'boolean', default: false },
    'idle-ms': { type: 'string', default: '3000' },
  },
});
const sizes = args.sizes.split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) throw new Error(`--sizes: integers 1..1,000,000, got ${args.sizes}`);
const idleMs = Number(args['idle-ms']);


async function one(n, wildcard) {
  const net = { group: randomMulticastGroup(), port: 20_000 + Math.floor(Math.random() * 30_000) };
  const timeoutMs = 60_000 + n;
  const sub = spawnChild('scale-sub.mjs', { ...net, n, wildcard, idleMs, timeoutMs }, ['--expose-gc']);
  const pub = spawnChild('scale-pub.mjs', { ...net, n, idleMs }, ['--expose-gc']);
  try {
    if ((await sub.next(120_000)) !== 'READY' || (await pub.next(30_000)) !== 'READY') throw new Error('a child did not start');
    await new Promise((r) => setTimeout(r, 3000)); // the publisher learns the subscriber's patterns
    pub.child.stdin.write('go\n');
    const s = JSON.parse(await sub.next(timeoutMs + idleMs + 30_000));
    const p = JSON.parse(await pub.next(timeoutMs + idleMs + 30_000));
    return {
      n,
      wildcard,
      delivered: s.count,
      duplicates: s.duplicates,
      dataLoss: s.dataLoss,
      lastDeliveryMs: s.count > 0 ? s.lastAtMs - p.startAtMs : null,
      publishUsPerStream: (p.loopMs * 1000) / n,
      subHeapPerStream: s.heapPerStream,
      pubHeapPerStream: p.heapPerStream,
      subIdleBytesPerSec: s.idleBytesPerSec,
      pubIdleBytesPerSec: p.idleBytesPerSec,
    };
  } finally {
    sub.child.kill('SIGKILL');
    pub.child.kill('SIGKILL');
  }
}

const rows = [];
for (const n of sizes) {
  for (const wildcard of [false, true]) {
    const r = await one(n, wildcard);
    rows.push(r);
    console.error(`${n} ${wildcard ? 'pat.>' : 'specific'}: ${r.delivered}/${n} delivered, last after ${r.lastDeliveryMs} ms`);
  }
}

const f = (x, d = 0) => (x === null || x === undefined ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
console.log('| subscriptions | delivered | dup | dataLoss | last delivery | publish µs/stream | sub heap B/stream | pub heap B/stream | sub idle B/s | pub idle B/s |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${f(r.n)} ${r.wildcard ? 'under `pat.>`' : 'specific'} | ${f(r.delivered)} | ${r.duplicates} | ${r.dataLoss} | ${f(r.lastDeliveryMs / 1000, 2)} s | ${f(r.publishUsPerStream, 1)} | ${f(r.subHeapPerStream)} | ${f(r.pubHeapPerStream)} | ${f(r.subIdleBytesPerSec)} | ${f(r.pubIdleBytesPerSec)} |`,
  );
}
if (args.json) writeFileSync(args.json, JSON.stringify(rows, null, 2));
if (!args['no-svg']) {
  writeFileSync(args.svg, renderSvg(rows));
  console.error(`wrote ${args.svg}`);
}

/** Two log-log panels: N → last delivery (s), N → heap bytes per stream; one line per series. */
function renderSvg(data) {
  const line = (name, color, keep, y) => ({ name, color, points: data.filter(keep).map((r) => [r.n, y(r)]) });
  return renderCurves({
    panels: [
      {
        title: 'subscriptions → last first delivery (s)',
        series: [line('specific', '#1d4ed8', (r) => !r.wildcard, (r) => r.lastDeliveryMs / 1000), line('under pat.>', '#15803d', (r) => r.wildcard, (r) => r.lastDeliveryMs / 1000)],
      },
      {
        title: 'streams → heap bytes per stream',
        series: [line('subscriber (pat.>)', '#1d4ed8', (r) => r.wildcard, (r) => r.subHeapPerStream), line('publisher', '#d97706', (r) => r.wildcard, (r) => r.pubHeapPerStream)],
      },
    ],
    footer: 'node bench/scale.mjs — 2 processes on loopback, default options',
  });
}
