/**
 * ZeroMQ (npm zeromq v6) PUB: connects to the subscriber's tcp://127.0.0.1 endpoint and sends
 * `msgBytes` messages with one `await send()` each, as fast as it can, for `seconds` or `maxMessages`.
 *
 * The socket is an XPUB (libzmq's PUB is the same socket with subscription messages hidden): the
 * publisher waits until the subscriber's subscription has arrived before it starts, so no message is
 * dropped for lack of a subscriber. noDrop (default true) sets ZMQ_XPUB_NODROP: at the send high-water
 * mark libzmq returns EAGAIN instead of dropping. zeromq.js does not wait for that case (libzmq always
 * reports a PUB socket writable), so the send rejects with EAGAIN and this publisher retries it on the
 * next event-loop turn (setImmediate; loss-free flow control; counted as `eagainRetries`, and a
 * message stuck for more than 5 s fails the run). noDrop false = libzmq's default silent drop.
 * The same payload Buffer is sent every time (never mutated: zeromq.js references buffers > 128 B).
 *
 * params: msgBytes (64), noDrop (true), sndHwm (1000), maxMessages (50 M), seconds.
 */
import { performance } from 'node:perf_hooks';
import { startChild, withTimeout } from './child.mjs';
import { assertLoopbackTcpEndpoint } from './loopback.mjs';

const ctx = startChild();
const p = ctx.params;
const zmq = await import('zeromq');
const msgBytes = p.msgBytes ?? 64;
const maxMessages = p.maxMessages ?? 50_000_000;
const noDrop = p.noDrop ?? true;
const pub = new zmq.XPublisher({ noDrop, sendHighWaterMark: p.sndHwm ?? 1000, linger: 2000 });
const payload = Buffer.alloc(msgBytes, 0x61);

ctx.ready({});
await ctx.waitStart(async (peer) => {
  pub.connect(assertLoopbackTcpEndpoint(peer.endpoint));
  await withTimeout(pub.receive(), 5000, 'zmq: no subscription from the subscriber within 5 s');
});

let sent = 0;
let eagainRetries = 0;
const nextTurn = () => new Promise((r) => setImmediate(r));
async function sendRetrying(buf) {
  let stuckSince = 0;
  for (;;) {
    try {
      await pub.send(buf);
      return;
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
      eagainRetries++;
      const now = performance.now();
      if (stuckSince === 0) stuckSince = now;
      else if (now - stuckSince > 5000) throw new Error('zmq: send still EAGAIN after 5 s');
      await nextTurn();
    }
  }
}
const tStart = performance.now();
const tEnd = tStart + p.seconds * 1000;
while (sent < maxMessages) {
  await sendRetrying(payload);
  sent++;
  if ((sent & 1023) === 0 && performance.now() >= tEnd) break;
}
const elapsedSec = (performance.now() - tStart) / 1000;
ctx.result({ msgBytes, noDrop, sentMsgs: sent, elapsedSec, sentMsgsPerSec: sent / elapsedSec, eagainRetries });
await ctx.whenStopped();
pub.close();
ctx.exit(0);
