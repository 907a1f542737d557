/**
 * NATS echo for nats-ping.mjs: every message on `subject`.ping is published again on `subject`.pong.
 */
import { startChild } from './child.mjs';
import { assertLoopbackNatsUrl } from './loopback.mjs';

const ctx = startChild();
const p = ctx.params;
const { connect } = await import('nats');
const nc = await connect({ servers: assertLoopbackNatsUrl(p.url), reconnect: false, name: 'bench-echo' });
let echoed = 0;
nc.subscribe(`${p.subject}.ping`, {
  callback: (err, m) => {
    if (err) return;
    nc.publish(`${p.subject}.pong`, m.data);
    echoed++;
  },
});
await nc.flush();
ctx.ready({});
await ctx.waitStart();
await ctx.whenPeerDone();
ctx.result({ echoed });
await ctx.whenStopped();
await nc.close();
ctx.exit(0);
