/**
 * Messages larger than a datagram go out as fragments, yet the application sees one sequence
 * number per message: 60 messages of 300 KB arrive as seq 1..60, contiguous, intact, even when
 * the subscriber's socket drops datagrams; the lost fragments are NAKed and resent one by one,
 * not whole messages. A payload of exactly `maxMessageBytes` is accepted, one byte more is
 * refused without consuming a sequence number.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { byStream, freshNetwork, killAll, startPeer, summarize, type Rec } from './helpers.js';

const SIZE = 300_000;
const COUNT = 60;

afterEach(killAll);

describe.each(['single', 'dedicated'] as const)("large messages with topology '%s'", (topology) => {
  it('60 messages of exactly maxMessageBytes (300 KB) under 5% datagram loss arrive as seq 1..60, intact, repaired fragment by fragment; one byte more is refused and takes no seq', async () => {
    const net = freshNetwork();
    const pub = await startPeer('pub', { ...net, topology, maxMessageBytes: SIZE });
    const sub = await startPeer('sub', { ...net, topology, fault: { dropRate: 0.05, reorderRate: 0.02, seed: 7 } });
    await sub.call('subscribe', { patterns: ['big.>'] });
    await pub.waitJoined(['sub']);

    await pub.call('publishBytes', { subject: 'big.one', count: COUNT, size: SIZE }, 60_000);
    // One byte over the limit is refused and takes no seq: the next message is seq 61.
    await expect(pub.call('publishBytes', { subject: 'big.one', count: 1, size: SIZE + 1, startIndex: 61 })).rejects.toThrow(/ERR_PAYLOAD_TOO_LARGE/);
    await pub.call('publishBytes', { subject: 'big.one', count: 1, size: SIZE, startIndex: 61 });

    const r = await sub.call('collect', { expect: [COUNT + 1], timeoutMs: 60_000, quietMs: 300 }, 70_000);
    expect(r.dataLoss).toEqual([]);
    const streams = byStream(r.records[0] as Rec[]);
    expect([...streams.keys()]).toEqual(['pub|big.one']);
    expect(summarize(streams.get('pub|big.one')!)).toEqual({ runs: `1-${COUNT + 1}`, payloadMismatches: 0 });

    const stats = await sub.call('stats');
    expect(stats.actors.socket.faultDropped).toBeGreaterThan(0);
    const receiver = stats.actors.receiver;
    expect(receiver.messagesReassembled).toBe(COUNT + 1);
    // Repair asked for fragments of messages held in part, and the publisher resent no more than
    // was asked: the fragments NAKed, plus whole messages for seqs of which nothing had arrived.
    // (How many were asked depends on the machine: on a loaded one the kernel drops datagrams
    // too, beyond the injected 5%; the unit tests check that exactly the missing fragments go.)
    expect(receiver.nakFragmentsRequested).toBeGreaterThan(0);
    const pubStats = await pub.call('stats');
    const resent = pubStats.actors.retransmit.planner.messagesResent;
    const fragmentsPerMessage = Math.ceil(SIZE / 8000);
    expect(resent).toBeGreaterThan(0);
    expect(resent).toBeLessThanOrEqual(receiver.nakFragmentsRequested + receiver.nakSeqsRequested * fragmentsPerMessage);
  });
});
