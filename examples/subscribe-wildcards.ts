/**
 * Subscribes with wildcards: `*` matches one token, `>` the rest. Stops after 1,000 messages or 30 s.
 */
import { createPeer } from '../index.js';

const peer = await createPeer({ name: `example-subscriber-${process.pid}` });
const perSubject = new Map<string, number>();

const done = new Promise<void>((resolve) => {
  let count = 0;
  peer.subscribe('quotes.*.eu', (msg) => perSubject.set(msg.subject, (perSubject.get(msg.subject) ?? 0) + 1));
  peer.subscribe('quotes.>', () => {
    if (++count === 1000) resolve();
  });
});

await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
console.log('per subject (quotes.*.eu):', Object.fromEntries(perSubject));
await peer.close();
