/**
 * Request/reply, as NATS and Rendezvous users know it: the reply goes to an inbox subject.
 */
import { createPeer } from '../index.js';

const server = await createPeer({ name: `example-server-${process.pid}` });
const client = await createPeer({ name: `example-client-${process.pid}`, unicastPort: 0 });

server.subscribe('time.now', (msg) => void msg.respond({ now: new Date().toISOString() }));
await new Promise((r) => setTimeout(r, 1500)); // discovery

const reply = await client.request('time.now', null, { timeoutMs: 2000 });
console.log('server says', reply.data);

await client.close();
await server.close();
