#!/usr/bin/env node
/**
 * Many receivers without NAK implosion (issue 14 item 4): 1 publisher → S subscriber processes
 * at a fixed rate, (a) each subscriber dropping `--drop` of its inbound datagrams (its own seed),
 * (b) the publisher not sending `--drop` of its multicast DATA datagrams (loss before the fan-out:
 * every subscriber misses the same ones), against the same with 1 subscriber; and 1 subscriber
 * without loss for the publisher's CPU reference. Prints: every message once per subscriber; lost messages summed over
 * subscribers (sequences found missing and not late); messages the publisher resent (a multicast
 * resend counts once); NAK frames per lost message; publisher CPU µs per message against the
 * 1-subscriber run.
 *
 *   npm run build && node bench/nak-implosion.mjs                     # 20 subscribers, 20,000 msg/s, 2 %
 *   node bench/nak-implosion.mjs --subscribers 10 --rate 10000 --seconds 5
 *
 * Loopback only: interface 127.0.0.1, a random group 239.255.x.y, TTL 0.
 */
import { parseArgs } from 'node:util';
import { randomMulticastGroup } from './baselines/loopback.mjs';
import { spawnChild } from './scale/children.mjs';

const { values: a } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '20' },
    rate: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
    drop: { type: 'string', default: '0.02' },
  },
});
const subscribers = Number(a.subscribers);
const rate = Number(a.rate);
const count = Math.round(rate * Number(a.seconds));
const drop = Number(a.drop);


/** Finds the first numeric field named `key` anywhere in `o`. */
function find(o, key) {
  if (o === null || typeof o !== 'object') return undefined;
  if (typeof o[key] === 'number') return o[key];
  for (const v of Object.values(o)) {
    const r = find(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

async function run(n, dropRate, outDrop = 0) {
  const net = { group: randomMulticastGroup(), port: 20_000 + Math.floor(Math.random() * 30_000) };
  const names = Array.from({ length: n }, (_, i) => `fan-sub-${i}`);
  const subs = names.map((name, i) => spawnChild('fan-sub.mjs', { ...net, name, dropRate, seed: 1000 + i, expect: count, timeoutMs: 60_000 + count / 5 }));
  const pub = spawnChild('fan-pub.mjs', { ...net, count, rate, subscribers: names, outDrop });
  try {
    for (const s of subs) if ((await s.next(30_000)) !== 'READY') throw new Error('a subscriber did not start');
    if ((await pub.next(30_000)) !== 'READY') throw new Error('the publisher did not start');
    pub.child.stdin.write('go\n');
    const subResults = await Promise.all(subs.map((s) => s.next(180_000).then(JSON.parse)));
    const p = JSON.parse(await pub.next(60_000));
    const lost = subResults.reduce((t, r) => t + (r.receiver.gapSeqsOpened - r.receiver.gapSeqsFilledBeforeNak), 0);
    const naks = subResults.reduce((t, r) => t + r.receiver.naksSent, 0);
    return {
      subscribers: n,
      dropRate,
      outDrop,
      pubDropped: p.socket.faultDropped,
      complete: subResults.filter((r) => r.distinct === count && r.duplicates === 0 && r.dataLoss === 0).length,
      lost,
      resent: find(p.retransmit, 'messagesResent') ?? 0,
      naks,
      cpuUsPerMsg: p.cpuUsPerMsg,
      publishMs: p.publishMs,
    };
  } finally {
    for (const s of subs) s.child.kill('SIGKILL');
    pub.child.kill('SIGKILL');
  }
}

const base = await run(1, 0);
const many = await run(subscribers, drop);
const shared = await run(subscribers, 0, drop);
const single = await run(1, 0, drop);
console.log(`| run | subscribers complete | lost (sum) | resent | resent / lost | NAK frames / lost | publisher CPU µs/msg |`);
console.log('|---|---|---|---|---|---|---|');
for (const r of [base, many, shared, single]) {
  const loss = r.outDrop > 0 ? `${(r.outDrop * 100).toFixed(0)} % lost before the fan-out` : `${(r.dropRate * 100).toFixed(0)} % loss each`;
  console.log(
    `| ${r.subscribers} sub, ${loss} | ${r.complete}/${r.subscribers} | ${r.lost} | ${r.resent} | ${r.lost > 0 ? (r.resent / r.lost).toFixed(2) : '–'} | ${r.lost > 0 ? (r.naks / r.lost).toFixed(2) : '–'} | ${r.cpuUsPerMsg.toFixed(1)} |`,
  );
}
console.log(`publisher CPU per message, ${subscribers} lossy subscribers / 1 clean: ${(many.cpuUsPerMsg / base.cpuUsPerMsg).toFixed(2)}×; ${count} messages at ${rate}/s`);
console.log(`shared loss: messages resent with ${subscribers} subscribers / with 1: ${(shared.resent / Math.max(1, single.resent)).toFixed(2)}× (goal ≤ 3×)`);
