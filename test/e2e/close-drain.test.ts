/**
 * `close()` right after a burst, as the README example does (issue 16, defect 1): it drains, so
 * every live subscriber gets the whole burst; and `close({ timeoutMs: 0 })` stops at once, with
 * what the subscribers will never get reported as data loss right after the BYE, not seconds
 * later, even by a subscriber that heard none of the last heartbeats (the BYE names each
 * stream's final seq).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, startPeer, type PeerProcess } from './helpers.js';

afterEach(killAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledAt(p: PeerProcess, total: number, timeoutMs: number): Promise<{ counts: number[]; lost: number; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await p.call<{ counts: number[]; lost: number; at: number }>('progress');
    if (r.counts[0] + r.lost >= total || Date.now() > deadline) return r;
    await sleep(20);
  }
}

describe('close() after a burst', () => {
  it('drains: three subscriber processes each get all 200,000 messages, nothing reported lost', async () => {
    const net = freshNetwork();
    const subs = await Promise.all([startPeer('s1', net), startPeer('s2', net), startPeer('s3', net)]);
    await Promise.all(subs.map((s) => s.call('count', { patterns: ['cl.>'] })));
    const pub = await startPeer('pub', net);
    const N = 200_000;
    const r = await pub.call('blastAndClose', { subject: 'cl.x', count: N, size: 64 }, 60_000);
    expect(r.published).toBe(N);
    for (const s of subs) {
      const p = await settledAt(s, N, 10_000);
      expect(p, s.label).toMatchObject({ counts: [N], lost: 0 });
    }
  });

  it('with timeoutMs 0 stops at once, and the subscribers report what they will never get within a second of the BYE', async () => {
    const net = freshNetwork();
    // s2 loses 5 % of what it receives: at an immediate close it still misses some, which it
    // must report, not wait for.
    const subs = await Promise.all([startPeer('s1', net), startPeer('s2', { ...net, fault: { dropRate: 0.05, seed: 7 } })]);
    await Promise.all(subs.map((s) => s.call('count', { patterns: ['cz.>'] })));
    const pub = await startPeer('pub', net);
    await pub.waitJoined(['s1', 's2']);
    const N = 50_000;
    const r = await pub.call('blastAndClose', { subject: 'cz.x', count: N, size: 64, timeoutMs: 0 }, 60_000);
    for (const s of subs) {
      const p = await settledAt(s, N, 5_000);
      expect(p.counts[0] + p.lost, `${s.label}: delivered + reported lost`).toBe(N);
      expect(p.at - r.closedAt, `${s.label}: settled after the close`).toBeLessThan(1500);
    }
  });

  it('with timeoutMs 0 and every heartbeat lost, the BYE alone tells the subscribers the tail: each accounts for every message within a second of it', async () => {
    const net = freshNetwork();
    // Neither subscriber hears a heartbeat (test-only fault on what they receive). s1 also loses
    // 5 % of the rest; s2 hears no DATA or RETRANSMIT at all, so everything it will ever learn of
    // the stream, the BYE tells it: without the final seqs in the BYE it would report nothing.
    const subs = await Promise.all([
      startPeer('s1', { ...net, fault: { dropFrameKinds: ['heartbeat'], dropRate: 0.05, seed: 11 } }),
      startPeer('s2', { ...net, fault: { dropFrameKinds: ['heartbeat', 'data', 'retransmit'] } }),
    ]);
    await Promise.all(subs.map((s) => s.call('count', { patterns: ['cb.>'] })));
    const pub = await startPeer('pub', net);
    await pub.waitJoined(['s1', 's2']);
    // Below flowWindowMessages: s2 never reports a position, and the publisher need not wait for it.
    const N = 5_000;
    const r = await pub.call('blastAndClose', { subject: 'cb.x', count: N, size: 64, timeoutMs: 0 }, 60_000);
    expect(r.published).toBe(N);
    for (const s of subs) {
      const p = await settledAt(s, N, 5_000);
      expect(p.counts[0] + p.lost, `${s.label}: delivered + reported lost`).toBe(N);
      const bye = await s.waitEvent((e) => e.event === 'peerLeft' && e.payload.name === 'pub', 2_000, 'peerLeft pub');
      expect(bye.payload.reason, `${s.label}: left by BYE`).toBe('bye');
      expect(p.at - bye.atMs!, `${s.label}: settled after the BYE`).toBeLessThan(1000);
    }
    const s2 = await subs[1].call<{ dataLoss: { fromSeq: number; toSeq: number; reason: string }[] }>('counted', { expect: [0], timeoutMs: 0 });
    expect(s2.dataLoss.map((l) => [l.fromSeq, l.toSeq, l.reason])).toEqual([[1, N, 'senderLeft']]);
  });
});
