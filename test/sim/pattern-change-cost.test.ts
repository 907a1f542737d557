/**
 * What one change of a large pattern set costs the network (issue 14, changes as deltas), on the
 * shell simulator without loss: 4 peers; p0 subscribes N patterns (10,000 by default), and once
 * every peer knows its set, subscribes one more. Printed: the bytes and datagrams each side sent
 * from that subscribe until every other peer knew the new set (and 50 ms more, for late answers),
 * by frame type, and how long that took (0.5 ms one-way delay). Other sizes:
 * `LEDGECAST_COST_SIZES=10000,50000 npx vitest run test/sim/pattern-change-cost.test.ts` (100,000
 * takes more than the 5 minutes the test allows on 2 shared cores: every peer's actors run in this
 * one process; bench/pattern-change.mjs measures it on real sockets).
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../actors/core.js';
import { FRAME_TYPE } from '../../codecs/frames/header.js';
import { EventQueue } from './event-queue.js';
import { SimNetwork } from './sim-network.js';
import { mismatchesOf } from './shell/pattern-churn.js';
import { ShellPeer } from './shell/shell-peer.js';

const SIZES = (process.env.LEDGECAST_COST_SIZES ?? '10000').split(',').map(Number);
const PEERS = 4;
const TYPE_NAME = new Map<number, string>(Object.entries(FRAME_TYPE).map(([k, v]) => [v as number, k]));

interface Cost {
  patterns: number;
  /** Bytes and datagrams sent by p0 and by the others, by frame type. */
  p0: Record<string, { bytes: number; datagrams: number }>;
  others: Record<string, { bytes: number; datagrams: number }>;
  othersBytes: number;
  p0Bytes: number;
  knownAfterMs: number;
}

async function measure(patterns: number): Promise<Cost> {
  const queue = new EventQueue();
  let nowMs = 0;
  const now = (): number => nowMs;
  const network = new SimNetwork(queue, createRng(1), now, { lossRate: 0, duplicateRate: 0, delayMs: 0.5, jitterMs: 0 });
  const peers: ShellPeer[] = [];
  for (let i = 0; i < PEERS; i++) {
    peers.push(await ShellPeer.start({ name: `p${i}`, incarnation: 3000 + i, patterns: i === 0 ? [] : [`own.p${i}.>`], options: { unicastPort: 42_000 + i } }, { queue, now, network }));
  }
  const p0 = peers[0];
  p0.subscribeMany(Array.from({ length: patterns }, (_, i) => `orders.region${i % 50}.desk${String(i).padStart(6, '0')}.>`));

  /** Runs events until `until()` holds or `limitMs` passes; returns the time it first held. */
  const runUntil = async (until: () => boolean, limitMs: number): Promise<number | undefined> => {
    let drainedAtMs = Math.floor(nowMs);
    for (let events = 0; events < 5_000_000; events++) {
      if (until()) return nowMs;
      const at = queue.peekTime();
      if (at === undefined || at > limitMs) break;
      if (Math.floor(at) > drainedAtMs) {
        drainedAtMs = Math.floor(at);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const ev = queue.pop()!;
      nowMs = ev.atMs;
      ev.run();
    }
    return until() ? nowMs : undefined;
  };
  const known = (): boolean => mismatchesOf(peers).length === 0;
  expect(await runUntil(known, 60_000), 'every peer knows the initial set').toBeDefined();
  // Start from a quiet moment: a little after the initial fetch.
  await runUntil(() => false, nowMs + 100);

  const marks = peers.map((p) => p.endpoint.sentSizes.length);
  const startMs = nowMs;
  p0.subscribe('orders.new.desk.>');
  const doneMs = await runUntil(known, startMs + 10_000);
  expect(doneMs, 'every peer knows the new set').toBeDefined();
  await runUntil(() => false, (doneMs as number) + 50);

  const sum = (from: ShellPeer[], into: Cost['p0']): number => {
    let total = 0;
    for (const p of from) {
      const i = peers.indexOf(p);
      const { sentSizes, sentTypes } = p.endpoint;
      for (let k = marks[i]; k < sentSizes.length; k++) {
        const name = TYPE_NAME.get(sentTypes[k]) ?? String(sentTypes[k]);
        const slot = (into[name] ??= { bytes: 0, datagrams: 0 });
        slot.bytes += sentSizes[k];
        slot.datagrams++;
        total += sentSizes[k];
      }
    }
    return total;
  };
  const cost: Cost = { patterns, p0: {}, others: {}, othersBytes: 0, p0Bytes: 0, knownAfterMs: (doneMs as number) - startMs };
  cost.p0Bytes = sum([p0], cost.p0);
  cost.othersBytes = sum(peers.slice(1), cost.others);
  return cost;
}

describe('cost of one change of a large pattern set', () => {
  for (const n of SIZES) {
    it(`one pattern added to ${n.toLocaleString('en')}: the others learn it, and what it cost`, async () => {
      const c = await measure(n);
      console.log(
        `${n} patterns, ${PEERS} peers: every other peer knew the change after ${c.knownAfterMs.toFixed(2)} ms (simulated, 0.5 ms one-way)\n` +
          `  sent by the ${PEERS - 1} others: ${c.othersBytes} bytes ${JSON.stringify(c.others)}\n` +
          `  sent by p0 (the peer that changed): ${c.p0Bytes} bytes ${JSON.stringify(c.p0)}`,
      );
      expect(c.knownAfterMs).toBeLessThan(1000);
    }, 300_000);
  }
});
