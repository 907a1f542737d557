/**
 * Joining this zone to others through NATS JetStream (docs/ZONES.md): this process is zone
 * `paris`'s bridge, and it also shows, as a subscriber of its own, where imported messages
 * came from. Needs a nats-server with JetStream (`nats-server -js`) on 127.0.0.1:4222.
 * Two zones on one host: `ZONE=paris node …` and `ZONE=tokyo GROUP=239.255.0.2 node …`.
 */
import { createBridge, createPeer, type Message } from '../index.js';

const zone = process.env.ZONE ?? 'paris';
// One multicast domain per zone: to run two zones on one host, give the second its own group
// (GROUP=239.255.0.2) or port (PORT=…), and its publishers the same (docs/ZONES.md).
const domain = {
  ...(process.env.GROUP === undefined ? {} : { group: process.env.GROUP }),
  ...(process.env.PORT === undefined ? {} : { port: Number(process.env.PORT) }),
};
const peer = await createPeer({
  ...domain,
  name: `bridge-${zone}`,
  // Export positions live here, and imports are committed before JetStream is told.
  ledger: { path: `./bridge-${zone}-ledger`, durability: 'sync' },
});
const bridge = await createBridge({
  peer,
  nats: { servers: ['nats://127.0.0.1:4222'] },
  zone,
  export: ['orders.>'],
  import: ['orders.>'],
});
bridge.on('blocked', (e) => console.warn(`export blocked (${e.reason}): ${e.detail}`));
bridge.on('resumed', () => console.warn('export resumed'));
bridge.on('error', (err) => console.error(err.message));

const viewer = await createPeer({ ...domain, name: `viewer-${zone}-${process.pid}` });
viewer.subscribe('orders.>', (msg: Message) => {
  const from = msg.origin === undefined ? 'this zone' : `zone ${msg.origin.zone}, ${msg.origin.sender} #${msg.origin.seq}`;
  console.log(msg.subject, msg.data, `from ${from}`);
});

setInterval(() => console.log(JSON.stringify(bridge.stats())), 10_000).unref();
process.once('SIGINT', async () => {
  await bridge.close();
  await Promise.all([viewer.close(), peer.close()]);
});
