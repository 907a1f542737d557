/**
 * Publishes 1,000 quotes, then lingers so late NAKs can still be served.
 * Run: `node dist/examples/publish.js` beside `node dist/examples/subscribe-wildcards.js`.
 */
import { createPeer } from '../index.js';

const peer = await createPeer({ name: `example-publisher-${process.pid}` });
peer.on('slowConsumer', (e) => console.warn(`slow consumer ${e.name} on ${e.subject}: ${e.lagMessages} behind`));

// Give subscribers on other processes a moment to be discovered (adverts).
await new Promise((r) => setTimeout(r, 1500));

for (let i = 0; i < 1000; i++) {
  // A plain value is msgpack-encoded; a Uint8Array would go as raw bytes.
  await peer.publish(i % 2 === 0 ? 'quotes.acme.eu' : 'quotes.acme.us', { i, bid: 100 + (i % 7) });
}
console.log('published 1000 messages');

await new Promise((r) => setTimeout(r, 2000));
await peer.close();
