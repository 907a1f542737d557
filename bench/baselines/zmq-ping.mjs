/**
 * ZeroMQ pinger: a PUB/SUB pair each way over tcp://127.0.0.1 (pings on this process's XPUB, pongs
 * from the echo's XPUB to this process's SUB); see latency-pinger.mjs. Starts pinging once the echo's
 * subscription has reached this XPUB; the warm-up covers the pong direction's subscription.
 */
import { startChild, withTimeout } from './child.mjs';
import { assertLoopbackTcpEndpoint } from './loopback.mjs';
import { runPinger } from './latency-pinger.mjs';

const ctx = startChild();
const zmq = await import('zeromq');
const pub = new zmq.XPublisher({ linger: 0 });
const sub = new zmq.Subscriber({ linger: 0 });
await pub.bind('tcp://127.0.0.1:*');
sub.subscribe();
ctx.ready({ endpoint: assertLoopbackTcpEndpoint(pub.lastEndpoint) });
await ctx.waitStart(async (peer) => {
  sub.connect(assertLoopbackTcpEndpoint(peer.endpoint));
  await withTimeout(pub.receive(), 5000, 'zmq: no subscription from the echo within 5 s');
});
let closing = false;
const result = await runPinger(ctx.params, {
  send: (buf) => pub.send(buf),
  onPong: (listener) => {
    (async () => {
      try {
        for (;;) {
          const [m] = await sub.receive();
          listener(m);
        }
      } catch (e) {
        if (!closing) throw e;
      }
    })();
  },
});
ctx.result(result);
await ctx.whenStopped();
closing = true;
sub.close();
pub.close();
ctx.exit(0);
