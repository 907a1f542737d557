/**
 * NATS pinger: pings published on `subject`.ping, pongs received on `subject`.pong, both through
 * nats-server (3 processes); see latency-pinger.mjs.
 */
import { startChild } from './child.mjs';
import { assertLoopbackNatsUrl } from './loopback.mjs';
import { runPinger } from './latency-pinger.mjs';

const ctx = startChild();
const p = ctx.params;
const { connect } = await import('nats');
const nc = await connect({ servers: assertLoopbackNatsUrl(p.url), reconnect: false, name: 'bench-ping' });
let listener = () => {};
nc.subscribe(`${p.subject}.pong`, { callback: (err, m) => err || listener(m.data) });
await nc.flush();
ctx.ready({});
await ctx.waitStart();
const result = await runPinger(p, {
  send: (buf) => nc.publish(`${p.subject}.ping`, buf),
  onPong: (l) => {
    listener = l;
  },
});
ctx.result(result);
await ctx.whenStopped();
await nc.close();
ctx.exit(0);
