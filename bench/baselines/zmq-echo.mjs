/**
 * ZeroMQ echo for zmq-ping.mjs: SUB connected to the pinger's XPUB, every message re-sent on its own
 * XPUB (bound on tcp://127.0.0.1), which the pinger's SUB connects to.
 */
import { startChild } from './child.mjs';
import { assertLoopbackTcpEndpoint } from './loopback.mjs';

const ctx = startChild();
const zmq = await import('zeromq');
const pub = new zmq.XPublisher({ linger: 0 });
const sub = new zmq.Subscriber({ linger: 0 });
await pub.bind('tcp://127.0.0.1:*');
sub.subscribe();
let echoed = 0;
let closing = false;
ctx.ready({ endpoint: assertLoopbackTcpEndpoint(pub.lastEndpoint) });
await ctx.waitStart((peer) => {
  sub.connect(assertLoopbackTcpEndpoint(peer.endpoint));
});
const loop = (async () => {
  try {
    for (;;) {
      const [m] = await sub.receive();
      await pub.send(m);
      echoed++;
    }
  } catch (e) {
    if (!closing) throw e;
  }
})();
await ctx.whenPeerDone();
ctx.result({ echoed });
await ctx.whenStopped();
closing = true;
sub.close();
pub.close();
await loop;
ctx.exit(0);
