/**
 * ZeroMQ (npm zeromq v6) PUB: connects to the subscriber's tcp://127.0.0.1 endpoint and sends
 * `msgBytes` messages as fast as it can, for `seconds` or `maxMessages`, without awaiting each send.
 *
 * Batching (how zeromq.js v6 is meant to be driven fast): `send()` queues the message synchronously
 * when the socket can take it and returns an already-settled promise, up to 512 sends per event-loop
 * turn; after that it returns a pending promise, and a further `send()` throws EBUSY at once. So the
 * loop calls `send()` without awaiting, counts each message when its promise resolves, and awaits only
 * when `send()` would block: on EBUSY it awaits the pending send, and every `batch` (256) sends it
 * awaits the last one (a microtask hop, so the counters are current before the clock is checked).
 *
 * The socket is an XPUB (libzmq's PUB is the same socket with subscription messages hidden): the
 * publisher waits until the subscriber's subscription has arrived before it starts, so no message is
 * dropped for lack of a subscriber. noDrop (default true) sets ZMQ_XPUB_NODROP: at the send high-water
 * mark libzmq returns EAGAIN instead of dropping (libzmq always reports a PUB socket writable, so
 * zeromq.js does not wait for that case: the send's promise rejects). Such a message is not counted
 * as sent (the payload is the same every time, and the subscriber is judged against `sentMsgs`), and
 * the loop yields one event-loop turn (setImmediate) before going on: loss-free flow control, counted
 * as `eagainRetries`; 5 s without a single accepted send fails the run. noDrop false = libzmq's
 * default silent drop. The same payload Buffer is sent every time (never mutated: zeromq.js
 * references buffers > 128 B).
 *
 * params: msgBytes (64), noDrop (true), sndHwm (1000), maxMessages (50 M; may be passed by up to one
 * batch), batch (256), seconds.
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
const batch = p.batch ?? 256;
const pub = new zmq.XPublisher({ noDrop, sendHighWaterMark: p.sndHwm ?? 1000, linger: 2000 });
const payload = Buffer.alloc(msgBytes, 0x61);

ctx.ready({});
await ctx.waitStart(async (peer) => {
  pub.connect(assertLoopbackTcpEndpoint(peer.endpoint));
  await withTimeout(pub.receive(), 5000, 'zmq: no subscription from the subscriber within 5 s');
});

let sent = 0; // sends whose promise resolved: queued in libzmq
let issued = 0; // send() calls that returned a promise
let eagainRetries = 0;
let eagainSeen = 0; // EAGAIN rejections since the last check
let busyWaits = 0; // send() threw EBUSY: awaited the pending send
let fatal = null;
let last = Promise.resolve();
const onSent = () => {
  sent++;
};
const onFailed = (e) => {
  if (e?.code === 'EAGAIN') {
    eagainRetries++;
    eagainSeen++;
  } else fatal ??= e;
};
const settled = (promise) => promise.then(
  () => undefined,
  () => undefined,
);
const nextTurn = () => new Promise((r) => setImmediate(r));

const tStart = performance.now();
const tEnd = tStart + p.seconds * 1000;
let stuckSince = 0; // first check that saw EAGAIN and no accepted send since the previous check
let sentAtCheck = 0;
while (sent < maxMessages && !fatal) {
  let promise;
  try {
    promise = pub.send(payload);
  } catch (e) {
    if (e.code !== 'EBUSY') throw e;
    busyWaits++;
    await settled(last); // the send that would block: wait for it, then go on
    continue;
  }
  issued++;
  promise.then(onSent, onFailed);
  last = promise;
  if (issued % batch !== 0) continue;
  await settled(last); // a microtask hop: every handler above has run
  const now = performance.now();
  if (sent > sentAtCheck) stuckSince = 0;
  else if (eagainSeen && stuckSince === 0) stuckSince = now;
  sentAtCheck = sent;
  if (stuckSince && now - stuckSince > 5000) throw new Error('zmq: every send EAGAIN for 5 s');
  if (eagainSeen) {
    eagainSeen = 0;
    await nextTurn(); // the high-water mark was hit: let libzmq's I/O thread drain the queue
  }
  if (now >= tEnd) break;
}
await settled(last);
if (fatal) throw fatal;
const elapsedSec = (performance.now() - tStart) / 1000;
ctx.result({ msgBytes, noDrop, batch, sentMsgs: sent, issued, elapsedSec, sentMsgsPerSec: sent / elapsedSec, eagainRetries, busyWaits });
await ctx.whenStopped();
pub.close();
ctx.exit(0);
