/**
 * A durable subscriber that comes back after its publisher's stream went quiet gets what it
 * missed without waiting for the stream's next message.
 *
 * A stream leaves its sender's heartbeats `activeStreamTtlMs` (30 s by default) after its last
 * message, once every receiver confirmed it. A durable subscription restarting after that
 * resumed at its stored position but never heard of the stream's newest seq: what was published
 * while it was down stayed in the sender's window until the stream's next message revealed the
 * gap. Found by the zones lab (a bridge replaced after 3 minutes: 1,009 of zone A's messages did
 * not cross until the publisher published again). The sender now announces such streams again
 * when a receiver that wants them joins.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeer } from '../../dist/index.js';
import { freshNetwork, sleep } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lc-durable-idle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The publisher's retransmit heartbeat counters (`stats().actors.retransmit.heartbeats`). */
async function heartbeatsOf(peer: { stats(): Promise<unknown> }): Promise<{ activeStreams: number; streamsWoken: number }> {
  const s = (await peer.stats()) as { actors: { retransmit: { heartbeats: { activeStreams: number; streamsWoken: number } } } };
  return s.actors.retransmit.heartbeats;
}

it('a durable subscriber restarted after the stream left the heartbeats gets what was published while it was down, with nothing published after', async () => {
  const net = { ...freshNetwork(), advertIntervalMs: 250 };
  const TTL_MS = 1000;
  const pub = await createPeer({ ...net, name: 'idle-pub', sender: { activeStreamTtlMs: TTL_MS } });
  const subOptions = { ...net, name: 'idle-dsub', ledger: { path: join(dir, 'ledger') } };
  try {
    const first = await createPeer(subOptions);
    const before: number[] = [];
    first.subscribe('idle.>', { durable: 'tail' }, (msg) => void before.push(msg.seq));
    await sleep(500);
    for (let i = 1; i <= 20; i++) await pub.publish('idle.a', { i });
    for (let t = Date.now(); before.length < 20 && Date.now() - t < 5000; ) await sleep(20);
    expect(before).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
    await first.close();

    for (let i = 21; i <= 50; i++) await pub.publish('idle.a', { i });
    // Until the stream has left the heartbeats (its only receiver is gone: nobody to confirm).
    let hb = await heartbeatsOf(pub);
    for (let t = Date.now(); hb.activeStreams > 0 && Date.now() - t < 20 * TTL_MS; hb = await heartbeatsOf(pub)) await sleep(100);
    expect(hb.activeStreams, 'the stream left the heartbeats').toBe(0);
    await sleep(TTL_MS);

    const second = await createPeer(subOptions);
    try {
      const got: number[] = [];
      const lost: string[] = [];
      second.on('dataLoss', (e) => lost.push(`${e.fromSeq}..${e.toSeq} ${e.reason}`));
      second.subscribe('idle.>', { durable: 'tail' }, (msg) => void got.push(msg.seq));
      for (let t = Date.now(); got.length < 30 && Date.now() - t < 5000; ) await sleep(50);
      const woken = (await heartbeatsOf(pub)).streamsWoken;
      expect({ got, lost }, `streams woken at the publisher: ${woken}`).toEqual({ got: Array.from({ length: 30 }, (_, k) => k + 21), lost: [] });
    } finally {
      await second.close();
    }
  } finally {
    await pub.close();
  }
}, 40_000);
