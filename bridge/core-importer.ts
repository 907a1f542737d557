/**
 * Import through core NATS (option `engine: 'core'`): the other zones' messages as they are
 * published, with no JetStream in between. At most once: what NATS or the WAN drops (a slow
 * consumer cut off, a reconnect) is gone. It is never silent: each origin stream's seqs are
 * followed (in memory, at most {@link MAX_ORIGIN_STREAMS} streams), and a gap is published in this
 * zone as a loss marker, so subscribers get one `dataLoss` naming the origin zone, sender and
 * range (reason `'unavailable'`) before the messages after it. A loss at the end of a stream
 * shows by the exporter's announcements (`Lc-High`, every second for 30 s after a stream's last
 * export). A stream first seen after the bridge started begins where it is found (its earlier
 * messages are not known to be missed).
 *
 * Subscribes to `lc.<zone>.>` for each zone of `importFrom`, or to `lc.*.>` (every zone but
 * this one). Only the zone's import-lease holder imports, as with JetStream. Messages are
 * published here in arrival order (the peer numbers them in the order of the calls); core NATS
 * has no backpressure: a bridge that falls behind is cut off by the server as a slow consumer,
 * and what it missed is reported as above.
 */
import { performance } from 'node:perf_hooks';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { MSGPACK_CODEC } from '../actors/app/codec.js';
import { encodeLossMarker, encodeOriginMarker, type OriginLoss } from '../actors/app/origin.js';
import type { ImporterCounters } from './importer.js';
import type { ImportProgress } from './import-progress.js';
import { HEADERS, ledgecastSubject, matchesAny, parseLossRange, zonePrefix } from './naming.js';
import type { ResolvedBridgeOptions } from './options.js';

/** Origin streams whose last seq is followed, at most (the oldest forgotten first). */
export const MAX_ORIGIN_STREAMS = 65_536;

export class CoreImporter {
  /** Zones heard from. */
  readonly zones = new Set<string>();
  private readonly subs: Subscription[] = [];
  /** Local publishes not settled yet (made in arrival order: the peer sequences them so). */
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly o: ResolvedBridgeOptions,
    private readonly nc: NatsConnection,
    readonly counters: ImporterCounters,
    /**
     * Last seq imported per origin stream (zone, sender, incarnation, subject): kept by the
     * bridge across importers, so a gap while it did not hold the lease is still reported.
     */
    private readonly last: Map<string, number>,
    /** Per-zone counters and what is in flight, kept by the bridge across importers. */
    private readonly progress: ImportProgress,
    private readonly onError: (err: Error) => void,
    private readonly onZone: (zone: string) => void = () => undefined,
    /** Whether an origin sender is a peer heard in this zone's own multicast domain (bridge/shared-domain.ts). */
    private readonly isLocal: (zone: string, sender: string, incarnation: number) => boolean = () => false,
  ) {}

  start(): Promise<void> {
    const callback = (err: Error | null, m: Msg): void => {
      if (err === null) this.onMessage(m);
    };
    const subjects = this.o.importFrom === undefined ? ['lc.*.>'] : this.o.importFrom.map((z) => `${zonePrefix(z)}>`);
    for (const subject of subjects) this.subs.push(this.nc.subscribe(subject, { callback }));
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subs.splice(0)) s.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }

  private onMessage(m: Msg): void {
    if (this.closed) return;
    const zone = m.subject.split('.', 2)[1] ?? '';
    if (zone === this.o.zone || zone === '') return;
    if (!this.zones.has(zone)) {
      this.zones.add(zone);
      this.onZone(zone);
    }
    const subject = ledgecastSubject(zone, m.subject);
    const h = m.headers;
    const sender = h?.get(HEADERS.sender) ?? '';
    const incarnation = Number(h?.get(HEADERS.incarnation));
    if (subject === undefined || sender === '' || !Number.isSafeInteger(incarnation)) {
      this.counters.malformed++;
      return;
    }
    if (!matchesAny(this.o.import, subject)) {
      this.counters.filtered++;
      this.progress.count(zone, 'filtered');
      return;
    }
    if (this.isLocal(zone, sender, incarnation)) {
      this.counters.sameDomain++;
      return;
    }
    const loss = h?.get(HEADERS.loss) ?? '';
    const high = h?.get(HEADERS.high) ?? '';
    const range = loss === '' ? undefined : parseLossRange(loss, h?.get(HEADERS.reason));
    const seq = range !== undefined ? range.toSeq : high !== '' ? Number(high) : Number(h?.get(HEADERS.seq));
    if (!Number.isSafeInteger(seq) || seq < 1 || (loss !== '' && range === undefined)) {
      this.counters.malformed++;
      return;
    }
    if (high !== '') {
      this.onHigh(zone, sender, incarnation, subject, seq);
      return;
    }
    const key = `${zone}\u0000${sender}\u0000${incarnation}\u0000${subject}`;
    const previous = this.last.get(key);
    if (previous !== undefined && seq <= previous) return; // seen (a loss record covering it, or a repeat)
    if (previous === undefined && this.last.size >= MAX_ORIGIN_STREAMS) this.last.delete(this.last.keys().next().value as string);
    this.last.set(key, seq);
    const from = range === undefined ? seq : range.fromSeq;
    // Missed on the way (core NATS drops without a word): said here, in order, before what follows.
    if (previous !== undefined && from > previous + 1) this.enqueue(subject, { zone, sender, incarnation, fromSeq: previous + 1, toSeq: from - 1, reason: 'unavailable' });
    if (range !== undefined) {
      this.enqueue(subject, { zone, sender, incarnation, ...range });
      return;
    }
    const isValue = h?.get(HEADERS.value) === '1';
    const data = isValue ? MSGPACK_CODEC.decode(1, m.data) : m.data;
    const replyTo = encodeOriginMarker({ zone, sender, incarnation, seq });
    this.track(
      zone,
      this.o.peer.publish(subject, data, { replyTo, codec: 'msgpack' }).then(
        () => {
          this.counters.imported++;
          this.progress.imported(zone, performance.now());
        },
        (err: unknown) => this.failed(subject, err),
      ),
    );
  }

  /** An announcement that `seq` is the newest of its stream exported: what is missing up to it is said; a stream not known begins after it. */
  private onHigh(zone: string, sender: string, incarnation: number, subject: string, seq: number): void {
    const key = `${zone}\u0000${sender}\u0000${incarnation}\u0000${subject}`;
    const previous = this.last.get(key);
    if (previous === undefined) {
      if (this.last.size >= MAX_ORIGIN_STREAMS) this.last.delete(this.last.keys().next().value as string);
      this.last.set(key, seq);
      return;
    }
    if (seq <= previous) return;
    this.last.set(key, seq);
    this.enqueue(subject, { zone, sender, incarnation, fromSeq: previous + 1, toSeq: seq, reason: 'unavailable' });
  }

  private enqueue(subject: string, loss: OriginLoss): void {
    this.track(
      loss.zone,
      this.o.peer.publish(subject, null, { replyTo: encodeLossMarker(loss), codec: 'msgpack' }).then(
        () => {
          this.counters.losses++;
          this.progress.count(loss.zone, 'losses');
        },
        (err: unknown) => this.failed(subject, err),
      ),
    );
  }

  private track(zone: string, p: Promise<void>): void {
    this.inFlight.add(p);
    this.progress.publishing(zone, 1);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.progress.publishing(zone, -1);
    });
  }

  /** A local publish failed: there is no replay in core mode, so it is said. */
  private failed(subject: string, err: unknown): void {
    if (this.closed) return;
    this.onError(new Error(`publishing an import on ${subject} failed (core NATS: not replayed): ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
  }
}
