/**
 * NATS (npm nats v2) subscriber: callback subscription on `subject`, counts every message.
 * The subscription is flushed to the server before 'ready', so the publisher cannot start early.
 * "delivered msg/s" = messages after the first / time from the first to the last message.
 *
 * params: url (nats://127.0.0.1:<port>), subject.
 */
import { performance } from 'node:perf_hooks';
import { startChild, waitUntil } from './child.mjs';
import { assertLoopbackNatsUrl } from './loopback.mjs';

const ctx = startChild();
const p = ctx.params;
const { connect } = await import('nats');
const nc = await connect({ servers: assertLoopbackNatsUrl(p.url), reconnect: false, name: 'bench-sub' });
let msgs = 0;
let tFirst = 0;
let tLast = 0;
let touch = 0;
let errors = 0;
nc.subscribe(p.subject, {
  callback: (err, m) => {
    if (err) {
      errors++;
      return;
    }
    const now = performance.now();
    if (msgs === 0) tFirst = now;
    tLast = now;
    msgs++;
    touch += m.data[0];
  },
});
await nc.flush();
ctx.ready({});
await ctx.waitStart();
const pubResult = await ctx.whenPeerDone();
const drained = await waitUntil({ done: () => msgs >= pubResult.sentMsgs, progress: () => msgs, idleMs: 500, maxMs: 5000 });
const spanSec = (tLast - tFirst) / 1000;
ctx.result({
  receivedMsgs: msgs,
  firstToLastSec: spanSec,
  deliveredMsgsPerSec: spanSec > 0 ? (msgs - 1) / spanSec : NaN,
  errors,
  drained,
  touch,
});
await ctx.whenStopped();
await nc.close();
ctx.exit(0);
