/**
 * `for await (const msg of peer.subscribe(...))` through the public API, in this process: the
 * loop ends when its AbortSignal is aborted and when the peer closes, after the messages
 * that arrived; it never hangs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer, type Peer } from '../../dist/index.js';
import { freshNetwork, within } from './helpers.js';

let peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.map((p) => p.close()));
  peers = [];
});

async function loop(iterable: AsyncIterable<{ seq: number }>): Promise<{ seqs: number[]; error?: unknown }> {
  const seqs: number[] = [];
  try {
    for await (const m of iterable) seqs.push(m.seq);
    return { seqs };
  } catch (error) {
    return { seqs, error };
  }
}

describe('async-iterator subscriptions', () => {
  it('end when their AbortSignal is aborted, and on close', async () => {
    const net = freshNetwork();
    const peer = await createPeer({ ...net, name: 'iter' });
    const pub = await createPeer({ ...net, name: 'iter-pub' });
    peers.push(peer, pub);
    const ac = new AbortController();
    const aborted = loop(peer.subscribe('it.a', { signal: ac.signal }));
    const closing = loop(peer.subscribe('it.b'));
    for (let i = 0; i < 5; i++) {
      await pub.publish('it.a', { i });
      await pub.publish('it.b', { i });
    }
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const a = await within(2000, 'the aborted loop to end', aborted);
    expect(a).toEqual({ seqs: [1, 2, 3, 4, 5] });
    await peer.close();
    const b = await within(2000, 'the loop to end on close', closing);
    expect(b).toEqual({ seqs: [1, 2, 3, 4, 5] });
  });

  it('refuses an AbortSignal that is already aborted', async () => {
    const peer = await createPeer({ ...freshNetwork(), name: 'iter2' });
    peers.push(peer);
    expect(() => peer.subscribe('x.y', { signal: AbortSignal.abort() })).toThrow(/already aborted/);
  });
});
