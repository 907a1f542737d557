/**
 * `ledgecast bench`: a quick throughput and latency measurement between two peers of this
 * process on loopback (a publisher and a subscriber, each with its own sockets and actors,
 * placed per `--topology`). Each payload carries its send time (`performance.now()`, the same
 * clock on both sides), so latency is publish call → subscriber handler, queueing included.
 */
import { createPeer, type DataLossEvent, type Peer, type PeerJoinedEvent } from '../../actors/app/peer.js';
import type { Message } from '../../actors/app/message.js';
import { EXIT_CODES, type BenchOptions } from '../cli-options.js';
import { sleep, stopExitCode, type CliIo } from '../cli-io.js';
import { LatencyHistogram } from '../latency-histogram.js';
import { PacedPublisher } from '../paced-publisher.js';
import { formatCount, formatTable } from '../text-table.js';
import { toJsonLine } from '../json-line.js';
import { numberAt } from '../stat-counter.js';

const SUBJECT = 'ledgecast.bench';
/** How long the two peers may take to find each other. */
const DISCOVERY_TIMEOUT_MS = 5000;
/**
 * Most messages published but not yet delivered (or reported lost). A closed loop: without it
 * the publisher outruns the subscriber and the "latency" measured is the length of a queue.
 */
export const MAX_OUTSTANDING = 1024;
/** How long delivery may trail the end of publishing. */
const DRAIN_TIMEOUT_MS = 10_000;

/** What `bench --json` prints. */
export interface BenchResult {
  readonly topology: string;
  readonly sizeBytes: number;
  readonly publishSeconds: number;
  readonly sent: number;
  readonly delivered: number;
  readonly reportedLost: number;
  readonly unaccounted: number;
  readonly messagesPerSec: number;
  readonly megabytesPerSec: number;
  readonly latencyUs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly p999: number; readonly max: number; readonly mean: number };
  readonly naksSent: number;
  readonly messagesResent: number;
}

/** Runs `bench`: prints the result table (or JSON); exit code 1 if a message went unaccounted. */
export async function runBench(o: BenchOptions, io: CliIo): Promise<number> {
  const prefix = o.namePrefix ?? `bench-${process.pid}`;
  const peers: Peer[] = [];
  try {
    const sub = await createPeer({ ...o.peer, name: `${prefix}-sub` });
    peers.push(sub);
    const histogram = new LatencyHistogram();
    let delivered = 0;
    let lost = 0;
    let lastDeliveryMs = 0;
    sub.on('dataLoss', (e: DataLossEvent) => (lost += e.toSeq - e.fromSeq + 1));
    sub.subscribe(SUBJECT, (msg: Message) => {
      const now = performance.now();
      histogram.record((now - new DataView(msg.raw.buffer, msg.raw.byteOffset, 8).getFloat64(0, true)) * 1000);
      delivered++;
      lastDeliveryMs = now;
    });
    // Subscribed before the publisher starts, so its first advert already carries the pattern:
    // a publisher that knew the peer but not its interest would send nothing to it.
    const pub = await createPeer({ ...o.peer, name: `${prefix}-pub` });
    peers.push(pub);
    for (const p of peers) p.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', peer: p.name, message: err.message })));

    const joined = new Promise<boolean>((resolve) => {
      pub.on('peerJoined', (e: PeerJoinedEvent) => e.name === sub.name && e.patterns.includes(SUBJECT) && resolve(true));
      void sleep(DISCOVERY_TIMEOUT_MS, io.stop).then(() => resolve(false));
    });
    if (!(await joined)) {
      if (io.stop.aborted) return stopExitCode(io.stop);
      throw new Error(`the bench peers did not find each other within ${DISCOVERY_TIMEOUT_MS} ms (is multicast working on ${o.peer.interface ?? '127.0.0.1'}?)`);
    }

    const paced = new PacedPublisher(pub, undefined, io.stop);
    const startMs = performance.now();
    const endMs = startMs + o.seconds * 1000;
    const progress = setInterval(() => {
      const t = (performance.now() - startMs) / 1000;
      io.progress(
        `bench ${progressBar(t / o.seconds)} ${t.toFixed(1)}/${o.seconds} s  sent ${formatCount(paced.published)}  delivered ${formatCount(delivered)}  ${formatCount(delivered / Math.max(t, 0.001))} msg/s`,
      );
    }, 250);
    try {
      while (performance.now() < endMs && !io.stop.aborted) {
        if (paced.published - delivered - lost >= MAX_OUTSTANDING) {
          // setImmediate, not a timer: deliveries are I/O callbacks, which run right before it.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        const payload = new Uint8Array(o.sizeBytes);
        new DataView(payload.buffer).setFloat64(0, performance.now(), true);
        const wait = paced.publish(SUBJECT, payload);
        if (wait !== undefined) await wait;
      }
      await paced.drained();
      const publishSeconds = (performance.now() - startMs) / 1000;
      const drainEnd = performance.now() + DRAIN_TIMEOUT_MS;
      while (delivered + lost < paced.published && performance.now() < drainEnd && !io.stop.aborted) await sleep(10, io.stop);
      if (io.stop.aborted) return stopExitCode(io.stop);

      const [subStats, pubStats] = await Promise.all([sub.stats(), pub.stats()]);
      const seconds = Math.max((lastDeliveryMs - startMs) / 1000, 0.001);
      const result: BenchResult = {
        topology: typeof o.peer.topology === 'string' ? o.peer.topology : 'single',
        sizeBytes: o.sizeBytes,
        publishSeconds: round(publishSeconds, 3),
        sent: paced.published,
        delivered,
        reportedLost: lost,
        unaccounted: Math.max(0, paced.published - delivered - lost),
        messagesPerSec: Math.round(delivered / seconds),
        megabytesPerSec: round((delivered * o.sizeBytes) / seconds / 1e6, 2),
        latencyUs: {
          p50: Math.round(histogram.percentileUs(50)),
          p90: Math.round(histogram.percentileUs(90)),
          p99: Math.round(histogram.percentileUs(99)),
          p999: Math.round(histogram.percentileUs(99.9)),
          max: Math.round(histogram.maxValueUs),
          mean: Math.round(histogram.meanUs),
        },
        naksSent: numberAt(subStats.actors, 'receiver', 'naksSent'),
        messagesResent: numberAt(pubStats.actors, 'retransmit', 'planner', 'messagesResent'),
      };
      io.progress('');
      io.out(o.json ? toJsonLine(result) : formatBenchTable(result));
      if (result.unaccounted > 0) {
        io.err(`ledgecast: ${result.unaccounted} message(s) neither delivered nor reported lost within ${DRAIN_TIMEOUT_MS / 1000} s`);
        return EXIT_CODES.internal;
      }
      return EXIT_CODES.ok;
    } finally {
      clearInterval(progress);
      io.progress('');
    }
  } finally {
    await Promise.all(peers.map((p) => p.close()));
  }
}

/** The table `bench` prints. */
export function formatBenchTable(r: BenchResult): string {
  const ms = (us: number): string => `${(us / 1000).toFixed(3)} ms`;
  return formatTable(
    [{ header: 'metric' }, { header: 'value', align: 'right' }],
    [
      ['topology', r.topology],
      ['payload', `${formatCount(r.sizeBytes)} B`],
      ['published for', `${r.publishSeconds.toFixed(2)} s`],
      ['sent', formatCount(r.sent)],
      ['delivered', formatCount(r.delivered)],
      ['reported lost', formatCount(r.reportedLost)],
      ['unaccounted', formatCount(r.unaccounted)],
      ['throughput', `${formatCount(r.messagesPerSec)} msg/s`],
      ['bandwidth', `${r.megabytesPerSec.toFixed(2)} MB/s`],
      ['latency p50', ms(r.latencyUs.p50)],
      ['latency p90', ms(r.latencyUs.p90)],
      ['latency p99', ms(r.latencyUs.p99)],
      ['latency p99.9', ms(r.latencyUs.p999)],
      ['latency max', ms(r.latencyUs.max)],
      ['NAKs sent', formatCount(r.naksSent)],
      ['messages resent', formatCount(r.messagesResent)],
    ],
  );
}

/** A 20-cell bar for a fraction 0..1. */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
