/**
 * ZeroMQ (npm zeromq v6) SUB: binds tcp://127.0.0.1:<random>, subscribes to everything, counts every
 * message in an `await receive()` loop. "delivered msg/s" = messages after the first / time from the
 * first to the last message.
 *
 * params: rcvHwm (receive high-water mark, default 1000 = libzmq's default).
 */
import { performance } from 'node:perf_hooks';
import { startChild, waitUntil } from './child.mjs';
import { assertLoopbackTcpEndpoint } from './loopback.mjs';

const ctx = startChild();
const zmq = await import('zeromq');
const sub = new zmq.Subscriber({ receiveHighWaterMark: ctx.params.rcvHwm ?? 1000, linger: 0 });
await sub.bind(assertLoopbackTcpEndpoint('tcp://127.0.0.1:*'));
const endpoint = assertLoopbackTcpEndpoint(sub.lastEndpoint);
sub.subscribe();

let msgs = 0;
let tFirst = 0;
let tLast = 0;
let touch = 0;
let closing = false;
const loop = (async () => {
  try {
    for (;;) {
      const [m] = await sub.receive();
      const now = performance.now();
      if (msgs === 0) tFirst = now;
      tLast = now;
      msgs++;
      touch += m[0];
    }
  } catch (e) {
    if (!closing) throw e;
  }
})();

ctx.ready({ endpoint });
await ctx.waitStart();
const pubResult = await ctx.whenPeerDone();
const drained = await waitUntil({ done: () => msgs >= pubResult.sentMsgs, progress: () => msgs, idleMs: 500, maxMs: 5000 });
const spanSec = (tLast - tFirst) / 1000;
ctx.result({
  receivedMsgs: msgs,
  firstToLastSec: spanSec,
  deliveredMsgsPerSec: spanSec > 0 ? (msgs - 1) / spanSec : NaN,
  drained,
  touch,
});
await ctx.whenStopped();
closing = true;
sub.close();
await loop;
ctx.exit(0);
