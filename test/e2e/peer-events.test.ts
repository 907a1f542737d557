/**
 * Membership events as an application meets them: two peers started together in one process,
 * the listener attached only after both `createPeer` calls resolved (under the worker
 * topologies a peer is often heard while createPeer is still starting). The listener still
 * hears of the peer already known, once, and `peer.peers()` lists it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPeer, type Peer, type PeerJoinedEvent } from '../../dist/index.js';
import { freshNetwork, TOPOLOGIES } from './helpers.js';

let peers: Peer[] = [];
afterEach(async () => {
  await Promise.all(peers.map((p) => p.close()));
  peers = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['dedicated', 'single'] as (typeof TOPOLOGIES)[number][])("peerJoined with topology '%s'", (topology) => {
  it('a listener attached after createPeer resolved hears of every peer already known, once', async () => {
    for (let round = 0; round < 3; round++) {
      const net = { ...freshNetwork(), topology };
      const aP = createPeer({ ...net, name: `a${round}` });
      const bP = createPeer({ ...net, name: `b${round}` });
      const a = await aP;
      peers.push(a);
      a.subscribe('x.y', () => {});
      const b = await bP;
      peers.push(b);
      await sleep(400); // b has long heard of a by now
      const seen: PeerJoinedEvent[] = [];
      b.on('peerJoined', (e: PeerJoinedEvent) => seen.push(e));
      await sleep(1500);
      expect(seen.filter((e) => e.name === `a${round}`), `round ${round}`).toHaveLength(1);
      expect(b.peers().map((p) => p.name)).toContain(`a${round}`);
      await Promise.all([a.close(), b.close()]);
      peers = [];
    }
  });
});
