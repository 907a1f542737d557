/**
 * Raw Node dgram subscriber for dgram-pub.mjs (credit mode).
 *
 * Walks every message of every datagram ([u16 LE len][msg]...), hands out a `subarray` view per
 * message and touches its first byte, counts gaps in the datagram seq, and acks (u32 LE next expected
 * datagram seq, unicast to the publisher's ack port) every `ackEveryDatagrams` (window/4).
 * "delivered msg/s" = messages after the first datagram / time from first to last datagram.
 *
 * Multicast: the socket is bound to the group address (so it hears only that group) and joins it on
 * interface 127.0.0.1. Unicast: bound to 127.0.0.1.
 *
 * params: mode, group, rcvBufBytes (4 MiB: Linux doubles it, capped by net.core.rmem_max),
 * windowDatagrams (256; acks every window/4).
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { startChild, waitUntil } from './child.mjs';
import { LOOPBACK_HOST, assertLocalMulticastGroup } from './loopback.mjs';

const ctx = startChild();
const p = ctx.params;
const mode = p.mode ?? 'unicast';
const ackEvery = Math.max(1, Math.floor((p.windowDatagrams ?? 256) / 4));

const data = dgram.createSocket({ type: 'udp4', reuseAddr: mode === 'multicast' });
const group = mode === 'multicast' ? assertLocalMulticastGroup(p.group) : undefined;
await new Promise((res, rej) => {
  data.once('error', rej);
  data.bind({ address: group ?? LOOPBACK_HOST, port: 0 }, () => {
    data.off('error', rej);
    res();
  });
});
if (group) data.addMembership(group, LOOPBACK_HOST);
data.setRecvBufferSize(p.rcvBufBytes ?? 4 * 1024 * 1024);

const ack = dgram.createSocket({ type: 'udp4' });
await new Promise((res) => ack.bind({ address: LOOPBACK_HOST, port: 0 }, res));

let msgs = 0;
let datagrams = 0;
let firstDatagramMsgs = 0;
let expected = 0;
let missingDatagrams = 0;
let reordered = 0;
let malformed = 0;
let lastAckSent = 0;
let tFirst = 0;
let tLast = 0;
let touch = 0;
const ackBuf = Buffer.alloc(4);

data.on('message', (m) => {
  const now = performance.now();
  if (m.length < 4) {
    malformed++;
    return;
  }
  const seq = m.readUInt32LE(0);
  let off = 4;
  let n = 0;
  const end = m.length;
  while (off + 2 <= end) {
    const len = m[off] | (m[off + 1] << 8);
    off += 2;
    if (off + len > end) {
      malformed++;
      break;
    }
    const view = m.subarray(off, off + len);
    touch += view[0];
    off += len;
    n++;
  }
  msgs += n;
  if (datagrams === 0) {
    tFirst = now;
    firstDatagramMsgs = n;
  }
  tLast = now;
  datagrams++;
  if (seq === expected) expected++;
  else if (seq > expected) {
    missingDatagrams += seq - expected;
    expected = seq + 1;
  } else reordered++;
  if (expected - lastAckSent >= ackEvery) {
    lastAckSent = expected;
    ackBuf.writeUInt32LE(expected >>> 0, 0);
    ack.send(ackBuf);
  }
});

ctx.ready({ port: data.address().port, group });
await ctx.waitStart(async (peer) => {
  await new Promise((res, rej) => ack.connect(peer.ackPort, LOOPBACK_HOST, (e) => (e ? rej(e) : res())));
});

const pubResult = await ctx.whenPeerDone();
const drained = await waitUntil({ done: () => msgs >= pubResult.sentMsgs, progress: () => msgs, idleMs: 500, maxMs: 5000 });
const spanSec = (tLast - tFirst) / 1000;
ctx.result({
  mode,
  receivedMsgs: msgs,
  receivedDatagrams: datagrams,
  missingDatagrams,
  reordered,
  malformed,
  firstToLastSec: spanSec,
  deliveredMsgsPerSec: spanSec > 0 ? (msgs - firstDatagramMsgs) / spanSec : NaN,
  rcvBufBytes: data.getRecvBufferSize(),
  drained,
  touch,
});
await ctx.whenStopped();
if (group) {
  try {
    data.dropMembership(group, LOOPBACK_HOST);
  } catch {
    // closing anyway
  }
}
data.close();
ack.close();
ctx.exit(0);
