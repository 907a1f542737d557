/**
 * Repro: with a worker topology, a 'peerJoined' event for a peer heard while createPeer() is still
 * starting fires before createPeer() resolves, so the application can never observe it (the peer is
 * listed in stats().actors.receivers all the same). Two peers start together in one process, 12
 * times; counts the starts where B never saw A's 'peerJoined'.
 *
 *   npm run build && node bench/ledgecast/repro-peer-joined-race.mjs [dedicated|shared|sharedNetwork|single]
 *
 * Measured (2 vCPU VM) at 551aaa7: dedicated 5/12 and 3/12 missed; shared 0/12; single 0/12.
 * Since listeners hear the peers already known (2026-12-04): dedicated 0/12.
 * Loopback only: interface 127.0.0.1, TTL 0, random group 239.255.x.y and port.
 */
import { createPeer } from '../../dist/index.js';
import { randomMulticastGroup, MULTICAST_TTL, LOOPBACK_HOST } from '../baselines/loopback.mjs';

const topology = process.argv[2] ?? 'dedicated';
const N = 12;
let missed = 0;
for (let i = 0; i < N; i++) {
  const opts = { port: 20_000 + Math.floor(Math.random() * 40_000), group: randomMulticastGroup(), interface: LOOPBACK_HOST, ttl: MULTICAST_TTL, topology };
  const aP = createPeer({ ...opts, name: 'a' });
  const bP = createPeer({ ...opts, name: 'b' });
  const a = await aP; // b keeps starting meanwhile
  a.subscribe('x.y', () => {});
  const b = await bP;
  let seen = false;
  b.on('peerJoined', (e) => {
    if (e.name === 'a') seen = true;
  });
  await new Promise((r) => setTimeout(r, 2500));
  const s = await b.stats();
  if (!seen) {
    missed++;
    console.log(`${topology}: 'peerJoined' for a never seen by b; b's receivers actor: peersJoined=${s.actors.receivers.peersJoined} peers=${s.actors.receivers.peers}`);
  }
  await a.close();
  await b.close();
}
console.log(`${topology}: missed ${missed} of ${N}`);
