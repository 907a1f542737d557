/**
 * Raw Node dgram echo for dgram-ping.mjs: sends every datagram straight back (connected socket).
 */
import dgram from 'node:dgram';
import { startChild } from './child.mjs';
import { LOOPBACK_HOST } from './loopback.mjs';

const ctx = startChild();
const sock = dgram.createSocket({ type: 'udp4' });
await new Promise((res) => sock.bind({ address: LOOPBACK_HOST, port: 0 }, res));
sock.setRecvBufferSize(ctx.params.rcvBufBytes ?? 4 * 1024 * 1024); // as the throughput test: a descheduled
// process must not lose pings to a full default (208 KiB) buffer
let echoed = 0;
let connected = false;
sock.on('message', (m) => {
  if (!connected) return;
  sock.send(m); // m is a fresh Buffer per datagram: safe to hand back
  echoed++;
});
ctx.ready({ port: sock.address().port });
await ctx.waitStart((peer) => new Promise((res, rej) => sock.connect(peer.port, LOOPBACK_HOST, (e) => (e ? rej(e) : res()))));
connected = true;
await ctx.whenPeerDone();
ctx.result({ echoed });
await ctx.whenStopped();
sock.close();
ctx.exit(0);
