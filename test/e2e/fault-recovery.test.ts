/**
 * Subscribers whose sockets drop, duplicate and reorder received datagrams (the test-only
 * `fault` option) still get every message exactly once and in order, and their stats show
 * that the loss was real and was repaired by NAK → RETRANSMIT.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { byStream, freshNetwork, killAll, startPeer, summarize, type Rec } from './helpers.js';

const SUBJECTS = ['orders.new.eu', 'orders.new.us', 'trades.eu'] as const;
const PER_SUBJECT = 1000; // 3,000 messages

afterEach(killAll);

describe.each(['single', 'dedicated'] as const)("fault recovery with topology '%s'", (topology) => {
  it('subscribers with 5% drop, 2% duplicate and 5% reorder still receive every message exactly once in order, through NAKs and retransmissions', async () => {
    const net = freshNetwork();
    // Small datagrams and a paced publisher: many datagrams, so the seeded faults surely hit data
    // (seeds 2 and 42 drop, duplicate and reorder within their first 25 datagrams).
    const pub = await startPeer('pub', { ...net, topology, maxDatagramBytes: 1472 });
    const subs = await Promise.all([
      startPeer('sub1', { ...net, topology, fault: { dropRate: 0.05, duplicateRate: 0.02, reorderRate: 0.05, seed: 2 } }),
      startPeer('sub2', { ...net, topology, fault: { dropRate: 0.05, duplicateRate: 0.02, reorderRate: 0.05, seed: 42 } }),
    ]);
    const patterns = [['orders.>'], ['>']];
    const expected = [['orders.new.eu', 'orders.new.us'], [...SUBJECTS]];
    await Promise.all(subs.map((s, k) => s.call('subscribe', { patterns: patterns[k] })));
    await pub.waitJoined(['sub1', 'sub2']);

    await pub.call('publish', { subjects: SUBJECTS, perSubject: PER_SUBJECT, pauseEvery: 20, pauseMs: 1 });

    const results = await Promise.all(
      subs.map((s, k) => s.call('collect', { expect: [expected[k].length * PER_SUBJECT], timeoutMs: 20_000, quietMs: 400 }, 25_000)),
    );
    for (const [k, s] of subs.entries()) {
      const r = results[k];
      const stats = await s.call('stats');
      const socket = stats.actors.socket;
      const receiver = stats.actors.receiver;
      // What a failure needs to be read: how the streams began and what the faults hit.
      const facts = `timedOut ${r.timedOut}, lateJoins ${receiver.lateJoins}, streamResets ${receiver.streamResets}, unadvertisedDropped ${receiver.unadvertisedDropped}, faultDropped ${socket.faultDropped}`;
      expect(r.dataLoss, `${s.label} data loss`).toEqual([]);
      const streams = byStream(r.records[0] as Rec[]);
      expect([...streams.keys()].sort()).toEqual(expected[k].map((x) => `pub|${x}`).sort());
      for (const [key, list] of streams) {
        expect(summarize(list), `${s.label} ${key} (${facts})`).toEqual({ runs: `1-${PER_SUBJECT}`, payloadMismatches: 0 });
      }
      expect(r.records[0].length).toBe(expected[k].length * PER_SUBJECT);
      expect(receiver.lateJoins, `${s.label} lateJoins: subscribed before the first publish`).toBe(0);

      const retransmit = stats.actors.retransmit;
      // The faults really happened...
      expect(socket.faultDropped, `${s.label} faultDropped`).toBeGreaterThan(0);
      expect(socket.faultDuplicated, `${s.label} faultDuplicated`).toBeGreaterThan(0);
      expect(socket.faultReordered, `${s.label} faultReordered`).toBeGreaterThan(0);
      // ...and were repaired: gaps NAKed, retransmissions received and passed to the receiver.
      expect(receiver.naksSent, `${s.label} naksSent`).toBeGreaterThan(0);
      expect(retransmit.retransmitsForwarded, `${s.label} retransmitsForwarded`).toBeGreaterThan(0);
      expect(receiver.dataLossEvents).toBe(0);
      expect(receiver.messagesDelivered).toBeGreaterThanOrEqual(expected[k].length * PER_SUBJECT);
    }
    // The publisher served the NAKs.
    const pubStats = await pub.call('stats');
    expect(pubStats.actors.retransmit.planner.naksReceived).toBeGreaterThan(0);
    expect(pubStats.actors.retransmit.planner.messagesResent).toBeGreaterThan(0);
  });
});
