/**
 * Raw Node dgram pinger (unicast UDP, connected sockets, 127.0.0.1, 4 MiB receive buffers on both
 * sides, params.rcvBufBytes): see latency-pinger.mjs.
 */
import dgram from 'node:dgram';
import { startChild } from './child.mjs';
import { LOOPBACK_HOST } from './loopback.mjs';
import { runPinger } from './latency-pinger.mjs';

const ctx = startChild();
const sock = dgram.createSocket({ type: 'udp4' });
await new Promise((res) => sock.bind({ address: LOOPBACK_HOST, port: 0 }, res));
sock.setRecvBufferSize(ctx.params.rcvBufBytes ?? 4 * 1024 * 1024); // as the throughput test: a descheduled
// process must not lose pings to a full default (208 KiB) buffer
ctx.ready({ port: sock.address().port });
await ctx.waitStart((peer) => new Promise((res, rej) => sock.connect(peer.port, LOOPBACK_HOST, (e) => (e ? rej(e) : res()))));
const result = await runPinger(ctx.params, {
  send: (buf) => sock.send(buf),
  onPong: (listener) => sock.on('message', listener),
});
ctx.result(result);
await ctx.whenStopped();
sock.close();
ctx.exit(0);
