/**
 * Heap held per message in the sender window, for bench/ledgecast/measure-path.mjs. One process,
 * started with `--expose-gc`, one peer (default options, `single` preset: the window lives on the
 * main thread, so this isolate's heap is the one that holds it) and no subscriber, so nothing but
 * the window keeps the published messages (with no receiver known, flow control does not hold the
 * stream back, and the window releases messages only by evicting the oldest when full).
 *
 *   1. publish `warmupMessages` on `bench.warm`; wait until the sender has nothing queued; full GC;
 *      read the heap (H0) and the window's message count (W0, from peer.stats());
 *   2. publish `windowMessages` (the default window, DEFAULT_PEER_OPTIONS.windowMessages) fresh
 *      `msgBytes` payloads on `bench.data`: the window is now full of them (W1), the warm-up ones
 *      evicted; full GC; read the heap (H1);
 *   3. the same number again: the window stays full (every add evicts one); full GC; H2.
 *
 * Bytes held per windowed message = (H1 − H0) / (W1 − W0), H = heapUsed + external (V8's heap
 * and the off-heap ArrayBuffer memory it accounts for, which includes the datagram slabs the
 * window's datagrams are cut from, in use or free: plain ArrayBuffers since step 13 of issue 10;
 * when they were SharedArrayBuffers V8 counted them in neither and this sum added them). The
 * slabs' bytes are reported beside it. H2 − H1 should be
 * near 0 (steady state). Wire bytes per message: the message record is 16 bytes + payload
 * (docs/PROTOCOL.md, "Message record"); the datagram bytes the socket sent per message in step 2
 * (frame header, stream table, heartbeats included) are reported beside it.
 *
 * Full GC: `gc()` three times with a macrotask between, so weak references and finalizers settle.
 * Reported through IPC: { ok, ..., result } to the forking runner.
 *
 * argv: --params=<json> { group, port, name, msgBytes (64), warmupMessages (1000), topology ('single') }
 */
import { createPeer, DEFAULT_PEER_OPTIONS } from '../../dist/index.js';
import { LOOPBACK_HOST, MULTICAST_TTL, assertLocalMulticastGroup } from '../baselines/loopback.mjs';

const params = JSON.parse((process.argv.find((a) => a.startsWith('--params=')) ?? '--params={}').slice('--params='.length));
const msgBytes = params.msgBytes ?? 64;
const warmupMessages = params.warmupMessages ?? 1000;
setTimeout(() => process.exit(70), params.hardTimeoutMs ?? 120_000).unref();
process.on('disconnect', () => process.exit(0));
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

const fullGc = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** Bytes of one datagram slab (codecs/data-batch.ts DATAGRAM_SLAB_BYTES). */
const SLAB_BYTES = 64 * 1024;
const heap = async () => {
  const m = process.memoryUsage();
  const slabs = (await peer.stats()).actors.sender.slabs;
  const slabBytes = slabs === undefined ? 0 : (slabs.inUse + slabs.free) * SLAB_BYTES;
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, slabBytes, rss: m.rss };
};

const peer = await createPeer({
  name: params.name ?? `mp-window-${process.pid}`,
  interface: LOOPBACK_HOST,
  group: assertLocalMulticastGroup(params.group),
  port: params.port,
  ttl: MULTICAST_TTL,
  topology: params.topology ?? 'single',
});
const windowMessages = DEFAULT_PEER_OPTIONS.windowMessages;

async function publishN(subject, n) {
  for (let i = 0; i < n - 1; ) {
    if (peer.tryPublish(subject, new Uint8Array(msgBytes))) i++;
    else await new Promise((r) => setImmediate(r));
  }
  await peer.publish(subject, new Uint8Array(msgBytes));
}
async function settled() {
  for (let i = 0; i < 200; i++) {
    const s = await peer.stats();
    if (s.actors.sender.queued === 0 && s.app.pendingPublishes === 0) return s;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the sender did not drain its queue within 5 s');
}
const windowOf = (s) => s.actors.retransmit.window;

try {
  await publishN('bench.warm', warmupMessages);
  const s0 = await settled();
  await fullGc();
  const h0 = await heap();
  const w0 = windowOf(await peer.stats()).messages;

  await publishN('bench.data', windowMessages);
  const s1 = await settled();
  await fullGc();
  const h1 = await heap();
  const w1s = windowOf(await peer.stats());

  await publishN('bench.data', windowMessages);
  await settled();
  await fullGc();
  const h2 = await heap();
  const w2 = windowOf(await peer.stats()).messages;

  const held = w1s.messages - w0;
  const delta = (a, b) => b.heapUsed + b.external - (a.heapUsed + a.external);
  const sentBytes = s1.actors.socket.bytesSent - s0.actors.socket.bytesSent;
  const sentMsgs = s1.app.published - s0.app.published;
  process.send({
    ok: true,
    result: {
      msgBytes,
      windowMessages,
      heldBefore: w0,
      heldAfter: w1s.messages,
      heldAfterSecondFill: w2,
      windowPayloadBytes: w1s.bytes,
      heapBefore: h0,
      heapFull: h1,
      heapSecondFill: h2,
      bytesPerHeldMessage: delta(h0, h1) / held,
      heapUsedPerHeldMessage: (h1.heapUsed - h0.heapUsed) / held,
      externalPerHeldMessage: (h1.external - h0.external) / held,
      slabBytesPerHeldMessage: (h1.slabBytes - h0.slabBytes) / held,
      secondFillDeltaBytes: delta(h1, h2),
      recordBytesPerMessage: 16 + msgBytes,
      datagramBytesPerMessage: sentBytes / sentMsgs,
      pid: process.pid,
    },
  });
} catch (err) {
  process.send({ ok: false, error: String(err?.stack ?? err) });
}
await peer.close();
process.exit(0);
