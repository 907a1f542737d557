/**
 * ledgecast subscriber for lc-pub.mjs (two-process throughput benchmark).
 *
 * Counts deliveries and checks them: per stream (sender, incarnation, subject) the seq must go up by
 * exactly one (a jump counts the skipped seqs as `gapMsgs`, a seq not above the last as a duplicate),
 * the payload must be `msgBytes` long and carry the publisher's message index (bytes 0..3, u32 LE)
 * one above the previous one. Also counts `dataLoss` events (and every other unusual event).
 * "delivered msg/s" = messages after the first / time from the first to the last message.
 *
 * After the publisher's result (sentMsgs), waits until that many messages arrived, or `drainIdleMs`
 * without progress, or `drainMaxMs`; then reports, with its `peer.stats()`. On stop, writes its final
 * stats to `statsFile` if given.
 *
 * params: name, pubName, group, port, topology, msgBytes (64), subject, fault ({ dropRate, seed },
 * optional), drainIdleMs (3000), drainMaxMs (12000), joinTimeoutMs (8000), statsFile, peerOptions.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startChild, waitUntil } from '../baselines/child.mjs';
import { closePeer, mainThreadCpuUs, openPeer, safeStats, trackJoins, watchEvents, writeStatsFile } from './lc-common.mjs';

const ctx = startChild();
const p = ctx.params;
const msgBytes = p.msgBytes ?? 64;
const subject = p.subject ?? 'bench.data';

/** System-wide UDP counters (Linux /proc/net/snmp): InErrors, RcvbufErrors; undefined elsewhere. */
function udpSnmp() {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const keys = lines[0].split(/\s+/).slice(1);
    const vals = lines[1].split(/\s+/).slice(1).map(Number);
    const o = Object.fromEntries(keys.map((k, i) => [k, vals[i]]));
    return { inErrors: o.InErrors, rcvbufErrors: o.RcvbufErrors };
  } catch {
    return undefined;
  }
}

const peer = await openPeer(p);
const waitJoined = trackJoins(peer);
const ev = watchEvents(peer);

let received = 0;
let tFirst = 0;
/** Main-thread CPU at the first message (µs). */
let cpuFirstUs;
mainThreadCpuUs(); // reads CLK_TCK now, not at the first message
let tLast = 0;
let gapEvents = 0;
let gapMsgs = 0;
let duplicates = 0;
let badLength = 0;
let payloadMismatch = 0;
let otherSubject = 0;
const streams = new Map(); // key → { firstSeq, lastSeq, lastIndex, count }
let curKey = '';
let cur = null;

peer.subscribe(subject, (m) => {
  const now = performance.now();
  if (received === 0) {
    tFirst = now;
    cpuFirstUs = mainThreadCpuUs();
  }
  tLast = now;
  received++;
  if (m.subject !== subject) otherSubject++;
  const key = `${m.sender}\u0000${m.senderIncarnation}\u0000${m.subject}`;
  if (key !== curKey) {
    curKey = key;
    cur = streams.get(key);
    if (!cur) {
      cur = { sender: m.sender, incarnation: m.senderIncarnation, subject: m.subject, firstSeq: m.seq, lastSeq: m.seq - 1, lastIndex: -1, count: 0 };
      streams.set(key, cur);
    }
  }
  cur.count++;
  const seq = m.seq;
  if (seq === cur.lastSeq + 1) cur.lastSeq = seq;
  else if (seq > cur.lastSeq + 1) {
    gapEvents++;
    gapMsgs += seq - cur.lastSeq - 1;
    cur.lastSeq = seq;
  } else duplicates++;
  const raw = m.raw;
  if (raw.length !== msgBytes) badLength++;
  else {
    const index = (raw[0] | (raw[1] << 8) | (raw[2] << 16) | (raw[3] << 24)) >>> 0;
    if (index !== cur.lastIndex + 1) payloadMismatch++;
    cur.lastIndex = index;
  }
});

ctx.ready({ name: p.name });
let join;
await ctx.waitStart(async () => {
  join = await waitJoined(p.pubName, p.joinTimeoutMs ?? 8000);
});

const snmp0 = udpSnmp();
const pub = await ctx.whenPeerDone();
const tPubDone = performance.now();
const drained = await waitUntil({
  done: () => received >= pub.sentMsgs,
  progress: () => received,
  idleMs: p.drainIdleMs ?? 3000,
  maxMs: p.drainMaxMs ?? 12_000,
});
const drainMs = performance.now() - tPubDone;
const cpuLastUs = mainThreadCpuUs();
const spanSec = (tLast - tFirst) / 1000;
const stats = await safeStats(peer);
const snmp1 = udpSnmp();
ctx.result({
  // kernel UDP receive-buffer overflows during the run, whole host (other processes count too)
  udpRcvbufErrors: snmp0 && snmp1 ? snmp1.rcvbufErrors - snmp0.rcvbufErrors : undefined,
  msgBytes,
  topology: p.topology,
  fault: p.fault ?? null,
  receivedMsgs: received,
  deliveredMsgsPerSec: spanSec > 0 ? (received - 1) / spanSec : NaN,
  firstToLastSec: spanSec,
  // main-thread CPU per message from the first message to the end of the drain (10 ms ticks)
  cpuUsPerMsg: cpuFirstUs === undefined || cpuLastUs === undefined || received === 0 ? undefined : (cpuLastUs - cpuFirstUs) / received,
  drained,
  drainMs,
  gapEvents,
  gapMsgs,
  duplicates,
  badLength,
  payloadMismatch,
  otherSubject,
  streams: [...streams.values()],
  join,
  events: ev,
  stats,
});

await ctx.whenStopped();
writeStatsFile(p.statsFile, 'sub', 'stop', await safeStats(peer), { receivedMsgs: received, events: ev });
await closePeer(peer);
ctx.exit(0);
