/**
 * NAK-implosion bench child: a subscriber of `fan.>` with `dropRate` of its inbound datagrams
 * dropped (its own seed). argv: JSON { group, port, name, dropRate, seed, expect, timeoutMs }.
 * Prints READY, then one JSON line once `expect` messages arrived (or the timeout): distinct and
 * duplicate messages, dataLoss events, and its receiver and socket counters. Loopback only.
 */
import { openPeer } from '../ledgecast/lc-common.mjs';

const p = JSON.parse(process.argv[2]);
const fault = p.dropRate > 0 ? { dropRate: p.dropRate, seed: p.seed } : undefined;
const peer = await openPeer({ name: p.name, group: p.group, port: p.port, ...(fault ? { fault } : {}) });
const seen = new Uint8Array(p.expect);
let distinct = 0;
let duplicates = 0;
let dataLoss = 0;
/** When the last of `expect` arrived (Date.now()). */
let lastAtMs;
peer.on('dataLoss', () => dataLoss++);
peer.subscribe('fan.>', (m) => {
  const i = new DataView(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength).getUint32(0, true);
  if (i >= p.expect) return;
  if (seen[i] === 1) duplicates++;
  else {
    seen[i] = 1;
    if (++distinct === p.expect) lastAtMs = Date.now();
  }
});
console.log('READY');
const t0 = Date.now();
while (distinct < p.expect && Date.now() - t0 < p.timeoutMs) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 500));
const s = await peer.stats();
console.log(JSON.stringify({ distinct, duplicates, dataLoss, lastAtMs, receiver: s.actors.receiver, socket: s.actors.socket }));
await peer.close({ timeoutMs: 0 });
process.exit(0);
