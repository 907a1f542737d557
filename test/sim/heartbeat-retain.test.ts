/**
 * A stream whose only message and every heartbeat of its `activeStreamTtlMs` were lost to one
 * receiver (issue 14; seen in the idle-streams e2e under load, when the retransmit actor's late
 * timer let streams expire with one or two heartbeats). The publisher's flow actor knows that
 * receiver has not confirmed the stream, so the stream is announced for more rounds and the
 * receiver gets the message. Before, the stream left the heartbeats for good and the message was
 * never delivered nor reported lost. The real actor shells on the simulated network
 * (`test/sim/shell/`), deterministic.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../actors/core.js';
import { EventQueue } from './event-queue.js';
import { SimNetwork, type Partition } from './sim-network.js';
import { ShellPeer } from './shell/shell-peer.js';
import { runEvents } from './shell/run-events.js';

const TTL_MS = 300;
const SUBJECTS = 40;

async function run(partition: Partition, horizonMs: number): Promise<{ pub: ShellPeer; sub: ShellPeer }> {
  const queue = new EventQueue();
  let nowMs = 0;
  const now = (): number => nowMs;
  const network = new SimNetwork(queue, createRng(7), now, { lossRate: 0, duplicateRate: 0, delayMs: 0.5, jitterMs: 0 }, [partition], []);
  const options = { advertIntervalMs: 200, discoveryMs: 0, ackIntervalMs: 25, sender: { activeStreamTtlMs: TTL_MS } };
  const pub = await ShellPeer.start({ name: 'p0', incarnation: 1, patterns: [], options: { ...options, unicastPort: 40_000 } }, { queue, now, network });
  const sub = await ShellPeer.start({ name: 'p1', incarnation: 2, patterns: ['s.>'], options: { ...options, unicastPort: 40_001 } }, { queue, now, network });
  const batch = Array.from({ length: SUBJECTS }, (_, i) => ({ subject: `s.${i}`, data: new Uint8Array([i]) }));
  queue.push(partition.fromMs + 10, () => pub.publish(batch));
  await runEvents(queue, { untilMs: horizonMs, maxEvents: 2_000_000, setNow: (ms) => (nowMs = ms) });
  return { pub, sub };
}

describe('a stream a receiver has not confirmed stays announced past activeStreamTtlMs', () => {
  it('the receiver cut off for the message and every heartbeat of the TTL still gets every message once, with no loss reported', async () => {
    // p1 hears nothing from 1,000 ms (the publish is at 1,010) to 1,010 + TTL + 150: the data and
    // every heartbeat within the TTL are lost; it stays listed (peerExpiryMs is 5 s).
    const { pub, sub } = await run({ isolated: ['p1'], fromMs: 1000, toMs: 1010 + TTL_MS + 150 }, 6000);
    const got = sub.delivered.filter((d) => d.sender.name === 'p0').map((d) => `${d.subject} ${d.seq}`);
    expect(got.sort()).toEqual(Array.from({ length: SUBJECTS }, (_, i) => `s.${i} 1`).sort());
    expect(sub.losses).toEqual([]);
    const heartbeats = pub.stats('retransmit').heartbeats as Record<string, number>;
    expect(heartbeats.streamsRetained).toBeGreaterThanOrEqual(SUBJECTS);
    expect(heartbeats.unconfirmedExpired).toBe(0);
    expect(pub.stats('flow').unconfirmedIdle).toBeGreaterThanOrEqual(SUBJECTS);
  });

  it('streams every receiver confirmed leave the heartbeats at the TTL, with nothing retained', async () => {
    const { pub, sub } = await run({ isolated: ['p1'], fromMs: 0, toMs: 1 }, 3000);
    expect(sub.delivered.filter((d) => d.sender.name === 'p0')).toHaveLength(SUBJECTS);
    const heartbeats = pub.stats('retransmit').heartbeats as Record<string, number>;
    expect(heartbeats.streamsExpired).toBe(SUBJECTS);
    expect(heartbeats.streamsRetained).toBe(0);
    expect(heartbeats.activeStreams).toBe(0);
  });
});
