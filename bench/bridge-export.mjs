/**
 * The export path alone (a diagnostic for issue 15 item 7, export side): the bridge's `Exporter`
 * (dist/bridge/exporter.js) fed by a stand-in peer that delivers ready-made messages in runs of
 * 64 (as a durable subscription delivers a datagram's messages), publishing into `LC_X` on a
 * local `nats-server -js`. No ledgecast peer, no multicast: the figure is what bridge/ and the
 * NATS client cost per exported message, without the peer's share and with less of the machine's
 * noise than the whole zone path.
 *
 *   npm run build && node bench/bridge-export.mjs [--dist DIR] [--messages N] [--size B] [--runs R] [--streams S]
 *     [--checkpoint-interval-ms MS] [--checkpoint-max-streams S]
 *
 * Each run: N messages exported (at most `maxPending` held, as the bench's zone publisher keeps
 * at most 10,000 ahead), every one acknowledged back exactly once after JetStream stored it.
 * Reported: msg/s, this process's CPU µs per message (process.cpuUsage: the exporter, the NATS
 * client and the stand-in), RSS max, the checkpoint's key-value bytes (`--streams S`: the messages
 * go round S origin streams, subjects of about 50 bytes, so the checkpoint holds S positions),
 * and what a bridge starting right after would read (the checkpoint, then the stream's tail
 * stored after its last write: time and CPU). `--dist` picks the
 * build to measure (another worktree's dist, for old/new comparisons). 127.0.0.1 only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { killAll, startNats } from './bridge/procs.mjs';

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: new URL('../dist', import.meta.url).pathname },
    messages: { type: 'string', default: '200000' },
    size: { type: 'string', default: '64' },
    runs: { type: 'string', default: '3' },
    streams: { type: 'string', default: '1' },
    'checkpoint-interval-ms': { type: 'string' },
    'checkpoint-max-streams': { type: 'string' },
  },
});
const N = Number(args.messages);
const SIZE = Number(args.size);
const STREAMS = Number(args.streams);
const dist = resolve(args.dist);
const { Exporter } = await import(pathToFileURL(join(dist, 'bridge/exporter.js')).href);
const { CheckpointKeeper } = await import(pathToFileURL(join(dist, 'bridge/checkpoint-keeper.js')).href);
const { resolveBridgeOptions } = await import(pathToFileURL(join(dist, 'bridge/options.js')).href);
const { Message } = await import(pathToFileURL(join(dist, 'actors/app/message.js')).href);

/** Read and write system calls of this process so far (/proc/self/io). */
function syscalls() {
  const t = readFileSync('/proc/self/io', 'utf8');
  return { r: Number(/syscr: (\d+)/.exec(t)[1]), w: Number(/syscw: (\d+)/.exec(t)[1]) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const log = (s) => process.stderr.write(`[bridge-export] ${s}\n`);

/** A stand-in for the bridge's peer: one durable subscription fed from `feed()`. */
function standInPeer() {
  let handler;
  return {
    subscribe(_pattern, _opts, cb) {
      handler = cb;
      return { unsubscribe() {} };
    },
    publish() {},
    on() {},
    off() {},
    peers: () => [],
    deliver: (m) => handler(m),
  };
}

async function run(nc, stream, r) {
  const peer = standInPeer();
  const zone = `X${r}`;
  const o = resolveBridgeOptions({ peer, nats: nc, zone, export: ['bench.>'], checkpoint: {
      ...(args['checkpoint-interval-ms'] ? { intervalMs: Number(args['checkpoint-interval-ms']) } : {}),
      ...(args['checkpoint-max-streams'] ? { maxStreams: Number(args['checkpoint-max-streams']) } : {}),
    },
  });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: `LC_${zone}`, subjects: [`lc.${zone}.>`], duplicate_window: 120e9 });
  const js = jetstream(nc);
  const ckpt = await CheckpointKeeper.open(o, nc, js, jsm, `bench-${r}`, (err) => log(`checkpoint: ${err.message}`));
  const exporter = new Exporter(o, nc, { blocked() {}, resumed() {}, refused: (e) => log(e.message) }, ckpt);
  exporter.start();
  const payload = new Uint8Array(SIZE).fill(7);
  const from = { name: 'zone-a-publisher-1', incarnation: 0x5eed1234 };
  const subjects = Array.from({ length: STREAMS }, (_, i) => (STREAMS > 1 ? `bench.r${r}.orders.region-eu-west-1.instrument.${i}` : `bench.r${r}`));
  const seqs = new Array(STREAMS).fill(0);
  let acked = 0;
  let delivered = 0;
  let kvBytes = 0;
  let kvWrites = 0;
  const kvSub = nc.subscribe(`$KV.lc_bridges.export.${zone}`, { callback: (_e, m) => ((kvBytes += m.data.byteLength), kvWrites++) });
  const ackOne = () => acked++;
  let rssMax = 0;
  const io0 = syscalls();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((done) => {
    const step = () => {
      for (let k = 0; k < 64 && delivered < N && delivered - acked < 10_000; k++) {
        const i = delivered % STREAMS;
        const seq = ++seqs[i];
        peer.deliver(new Message(subjects[i], from, seq, undefined, payload, 0, undefined, ackOne));
        delivered++;
      }
      if ((delivered & 0x3fff) < 64) rssMax = Math.max(rssMax, process.memoryUsage.rss());
      if (acked >= N) done();
      else setImmediate(step);
    };
    step();
  });
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const io1 = syscalls();
  // What a bridge starting now would read: the checkpoint, then LC_<zone> stored after it (the
  // last write was up to one interval ago). Read while this exporter still runs (not closed:
  // closing writes a final checkpoint).
  const tailCpu0 = process.cpuUsage();
  const tailT0 = performance.now();
  const reader = await CheckpointKeeper.open(o, nc, js, jsm, `bench-${r}-next`, (err) => log(`checkpoint: ${err.message}`));
  const tail = { ms: performance.now() - tailT0, cpuMs: (process.cpuUsage(tailCpu0).user + process.cpuUsage(tailCpu0).system) / 1000, scanned: reader.counters.scanned, resumedStreams: reader.counters.resumedStreams };
  await exporter.close();
  kvSub.unsubscribe();
  const info = await jsm.streams.info(`LC_${zone}`);
  await jsm.streams.delete(`LC_${zone}`);
  const res = { msgsPerSec: N / sec, cpuUsPerMsg: (cpu.user + cpu.system) / N, stored: info.state.messages, acked, rssMaxMB: rssMax / 2 ** 20, kvBytesPerSec: kvBytes / sec, kvWrites, seconds: sec, writesPerMsg: (io1.w - io0.w) / N, readsPerMsg: (io1.r - io0.r) / N, kvBytesPerWrite: kvWrites ? kvBytes / kvWrites : 0, tail };
  log(`run ${r}: ${Math.round(res.msgsPerSec)} msg/s, ${res.cpuUsPerMsg.toFixed(1)} µs/msg, stored ${res.stored}/${N}, acked ${acked}, RSS max ${res.rssMaxMB.toFixed(0)} MB, checkpoint ${kvWrites} writes ${Math.round(res.kvBytesPerSec)} B/s, write syscalls ${res.writesPerMsg.toFixed(3)}/msg, reads ${res.readsPerMsg.toFixed(3)}/msg, ${Math.round(res.kvBytesPerWrite)} B per checkpoint; start-up read: ${tail.resumedStreams} streams, tail ${tail.scanned} messages in ${tail.ms.toFixed(0)} ms (${tail.cpuMs.toFixed(0)} ms CPU)`);
  if (res.stored !== N || acked !== N) throw new Error(`stored ${res.stored}, acked ${acked}, expected ${N}`);
  return res;
}

const dir = mkdtempSync(join(tmpdir(), 'ledgecast-bridge-export-'));
try {
  const nats = await startNats(join(dir, 'store'));
  const nc = await connect({ servers: nats.url });
  const results = [];
  // One short warm-up run (JIT), not counted.
  const keepN = N;
  for (let r = 0; r <= Number(args.runs); r++) results.push(await run(nc, 'LC_X', r));
  results.shift();
  await nc.close();
  const out = {
    dist,
    size: SIZE,
    messages: keepN,
    streams: STREAMS,
    load: readFileSync('/proc/loadavg', 'utf8').trim(),
    msgsPerSec: median(results.map((x) => x.msgsPerSec)),
    cpuUsPerMsg: median(results.map((x) => x.cpuUsPerMsg)),
    cpuUsPerMsgAll: results.map((x) => Number(x.cpuUsPerMsg.toFixed(2))),
    rssMaxMB: Math.max(...results.map((x) => x.rssMaxMB)),
    kvBytesPerSec: median(results.map((x) => x.kvBytesPerSec)),
    writesPerMsg: median(results.map((x) => x.writesPerMsg)),
    kvBytesPerWrite: median(results.map((x) => x.kvBytesPerWrite)),
    tail: results.map((x) => x.tail),
  };
  console.log(JSON.stringify(out));
} finally {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
}
