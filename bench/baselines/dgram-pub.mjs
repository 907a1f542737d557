/**
 * Raw Node dgram publisher, credit mode: the loss-free ceiling a reliable UDP library could approach.
 *
 * Datagram layout: [u32 LE datagram seq][u16 LE len][msg] [u16 LE len][msg] ... up to
 * `maxDatagramBytes` (64 B messages: 124 per 8 KB datagram; 1 KB messages: 7).
 * The publisher keeps at most `windowDatagrams` datagrams beyond the subscriber's last ack in flight;
 * the subscriber acks (u32 next expected seq, unicast) every window/4 datagrams. If no ack arrives for
 * `stallMs` while the window is full, the window is reopened and a stall is counted (loss-free runs
 * show 0 stalls).
 *
 * Sending: connected socket (no per-send address lookup). By default the datagram is packed once and
 * only its seq header is rewritten (`pack: 'prebuilt'`, the transport ceiling); `pack: 'copy'` writes
 * the length prefix and copies the payload of every message into the datagram on every send, as a
 * real publisher must. The buffer is reused while sends complete synchronously; if libuv queues a
 * send (getSendQueueCount() > 0), a fresh buffer is taken and the queued one is left alone.
 *
 * params: mode 'unicast'|'multicast', group (239.255.x.y, multicast), msgBytes (64), maxDatagramBytes
 * (8192), windowDatagrams (256), sndBufBytes (4 MiB), burstDatagrams (32), stallMs (100),
 * maxMessages (bound on count, default 500 M), seconds (bound on time), pack.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { startChild } from './child.mjs';
import { LOOPBACK_HOST, MULTICAST_TTL, assertLocalMulticastGroup } from './loopback.mjs';

const ctx = startChild();
const p = ctx.params;
const mode = p.mode ?? 'unicast';
const msgBytes = p.msgBytes ?? 64;
const maxDatagramBytes = p.maxDatagramBytes ?? 8192;
const windowDatagrams = p.windowDatagrams ?? 256;
const burstDatagrams = p.burstDatagrams ?? 32;
const stallMs = p.stallMs ?? 100;
const maxMessages = p.maxMessages ?? 500_000_000;
const packMode = p.pack ?? 'prebuilt';
const HEADER = 4;
const msgsPerDatagram = Math.floor((maxDatagramBytes - HEADER) / (2 + msgBytes));
if (msgsPerDatagram < 1 || msgBytes > 0xffff) throw new Error(`msgBytes ${msgBytes} does not fit in ${maxDatagramBytes} B`);
const datagramBytes = HEADER + msgsPerDatagram * (2 + msgBytes);
const maxDatagrams = Math.ceil(maxMessages / msgsPerDatagram);

const payload = Buffer.alloc(msgBytes, 0x61);
let msgSeq = 0;
function packInto(buf) {
  let off = HEADER;
  for (let i = 0; i < msgsPerDatagram; i++) {
    buf.writeUInt16LE(msgBytes, off);
    payload.copy(buf, off + 2);
    if (msgBytes >= 4) buf.writeUInt32LE(msgSeq++ >>> 0, off + 2);
    off += 2 + msgBytes;
  }
}
function freshDatagram() {
  const b = Buffer.allocUnsafe(datagramBytes);
  packInto(b);
  return b;
}

const bindSock = (s, address) => new Promise((res, rej) => {
  s.once('error', rej);
  s.bind({ address, port: 0 }, () => {
    s.off('error', rej);
    res();
  });
});
const connectSock = (s, port, address) => new Promise((res, rej) => {
  s.connect(port, address, (err) => (err ? rej(err) : res()));
});

const data = dgram.createSocket({ type: 'udp4' });
await bindSock(data, LOOPBACK_HOST);
data.setSendBufferSize(p.sndBufBytes ?? 4 * 1024 * 1024);
if (mode === 'multicast') {
  data.setMulticastInterface(LOOPBACK_HOST);
  data.setMulticastTTL(MULTICAST_TTL);
  data.setMulticastLoopback(true);
}
const ack = dgram.createSocket({ type: 'udp4' });
await bindSock(ack, LOOPBACK_HOST);

let sentDatagrams = 0;
let ackedDatagrams = 0;
let acksReceived = 0;
let asyncSends = 0;
let stalls = 0;
let waiting = false;
let stallTimer = null;
let done = false;
let tStart = 0;
let tEnd = 0;
let buf = freshDatagram();

ack.on('message', (m) => {
  if (m.length < 4) return;
  acksReceived++;
  const a = m.readUInt32LE(0);
  if (a > ackedDatagrams && a <= sentDatagrams) ackedDatagrams = a;
  if (waiting && sentDatagrams - ackedDatagrams < windowDatagrams) {
    waiting = false;
    clearTimeout(stallTimer);
    pump();
  }
});

ctx.ready({ ackPort: ack.address().port });
await ctx.waitStart(async (peer) => {
  if (mode === 'multicast') await connectSock(data, peer.port, assertLocalMulticastGroup(peer.group));
  else await connectSock(data, peer.port, LOOPBACK_HOST);
});

function onStall() {
  if (!waiting || done) return;
  stalls++;
  ackedDatagrams = sentDatagrams; // give up on the outstanding window (lost) and go on
  waiting = false;
  pump();
}

function pump() {
  if (done) return;
  for (let n = 0; n < burstDatagrams; n++) {
    if (sentDatagrams >= maxDatagrams) return finish();
    if (sentDatagrams - ackedDatagrams >= windowDatagrams) {
      waiting = true;
      stallTimer = setTimeout(onStall, stallMs);
      if (performance.now() >= tEnd) finish();
      return;
    }
    if (packMode === 'copy') packInto(buf);
    buf.writeUInt32LE(sentDatagrams >>> 0, 0);
    data.send(buf);
    sentDatagrams++;
    if (data.getSendQueueCount() > 0) {
      asyncSends++;
      buf = freshDatagram(); // the queued send still owns the old buffer
      break;
    }
  }
  if (performance.now() >= tEnd) return finish();
  setImmediate(pump);
}

function finish() {
  if (done) return;
  done = true;
  clearTimeout(stallTimer);
  const elapsedSec = (performance.now() - tStart) / 1000;
  const sentMsgs = sentDatagrams * msgsPerDatagram;
  ctx.result({
    mode,
    msgBytes,
    msgsPerDatagram,
    datagramBytes,
    sentDatagrams,
    sentMsgs,
    elapsedSec,
    sentMsgsPerSec: sentMsgs / elapsedSec,
    acksReceived,
    asyncSends,
    stalls,
    sndBufBytes: data.getSendBufferSize(),
    windowDatagrams,
    pack: packMode,
  });
}

tStart = performance.now();
tEnd = tStart + p.seconds * 1000;
pump();
await ctx.whenStopped();
data.close();
ack.close();
ctx.exit(0);
