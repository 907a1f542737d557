/**
 * NATS (npm nats v2) publisher: publishes `msgBytes` messages to `subject` as fast as it can, for
 * `seconds` or `maxMessages`. Every `flushEvery` messages it starts a flush() (PING/PONG round trip
 * through the server) and awaits the previous one, so at most ~2 × flushEvery messages are
 * unacknowledged by the server and the publisher cannot run away from it. The same payload is
 * published every time (never mutated: nats.js keeps a reference until it writes the batch).
 *
 * params: url, subject, msgBytes (64), flushEvery (10000), maxMessages (50 M), seconds.
 */
import { performance } from 'node:perf_hooks';
import { startChild } from './child.mjs';
import { assertLoopbackNatsUrl } from './loopback.mjs';

const ctx = startChild();
const p = ctx.params;
const { connect } = await import('nats');
const msgBytes = p.msgBytes ?? 64;
const flushEvery = p.flushEvery ?? 10_000;
const maxMessages = p.maxMessages ?? 50_000_000;
const nc = await connect({ servers: assertLoopbackNatsUrl(p.url), reconnect: false, name: 'bench-pub' });
const payload = new Uint8Array(msgBytes).fill(0x61);
ctx.ready({});
await ctx.waitStart();

let sent = 0;
let previousFlush = Promise.resolve();
const tStart = performance.now();
const tEnd = tStart + p.seconds * 1000;
while (sent < maxMessages && performance.now() < tEnd) {
  const n = Math.min(flushEvery, maxMessages - sent);
  for (let i = 0; i < n; i++) nc.publish(p.subject, payload);
  sent += n;
  await previousFlush;
  previousFlush = nc.flush();
}
await previousFlush;
await nc.flush();
const elapsedSec = (performance.now() - tStart) / 1000;
ctx.result({ msgBytes, flushEvery, sentMsgs: sent, elapsedSec, sentMsgsPerSec: sent / elapsedSec });
await ctx.whenStopped();
await nc.close();
ctx.exit(0);
