/**
 * Import: the other zones' JetStream streams → this zone. One durable pull consumer per other
 * zone, named `lc_import_<this zone>` on the stream `LC_<zone>` (`AckPolicy.All`, from the
 * stream's first message), filtered on `lc.<zone>.>`; the import patterns are applied here (on
 * nats-server 2.9 a consumer has one filter, and overlapping patterns must not deliver twice).
 *
 * Each message is published in this zone on its own subject, in the consumer's order, with its
 * origin (zone, sender, incarnation, seq) as an origin marker (actors/app/origin.ts); one
 * acknowledgement per turn covers every message whose local publish resolved (`OrderedAcks`). After a crash JetStream
 * delivers the unacknowledged ones again; receivers recognise those they already delivered by
 * their origin seq and do not deliver them twice. With `importBatchDelayMs` what arrives waits that
 * long after the first message for more, and goes out as one batch (latency traded for CPU).
 *
 * The consumer's position lives in JetStream: a bridge started anywhere with the same zone
 * resumes from it, with no local state.
 */
import { performance } from 'node:perf_hooks';
import { AckPolicy, DeliverPolicy, type ConsumerInfo, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection, type Status } from '@nats-io/transport-node';
import { MSGPACK_CODEC } from '../actors/app/codec.js';
import { encodeLossMarker, originMarkerPrefix, type OriginLoss } from '../actors/app/origin.js';
import { OriginGaps } from './origin-gaps.js';
import { ERROR_CODES } from '../errors.js';
import { ledgecastSubject, matchesAny, parseLossRange, streamName, zonePrefix } from './naming.js';
import { AckConfirmation } from './ack-confirmation.js';
import { AckPacing } from './ack-pacing.js';
import { ackSubject, DeliveredInfo, replySubjectOf } from './ack-reply.js';
import { OrderedAcks } from './ordered-acks.js';
import { DeliveredHeaders, storedHeadersOf, type StoredHeaders } from './stored-headers.js';
import type { ImportProgress } from './import-progress.js';
import type { ResolvedBridgeOptions } from './options.js';

/** Import counters. */
export interface ImporterCounters {
  /** Messages published in this zone and acknowledged to JetStream. */
  imported: number;
  /** Messages of other zones matching no import pattern (acknowledged, not published). */
  filtered: number;
  /** Messages JetStream delivered again (after a restart, or a late acknowledgement). */
  redelivered: number;
  /** Stored messages that were not ledgecast messages (no subject or headers of ours): acknowledged, not published. */
  malformed: number;
  /** Messages published at a (re)start, read from the stream: delivered before and not acknowledged. */
  caughtUp: number;
  /** Messages larger than this zone's peers take (`maxMessageBytes`): not published, each said by an `error` event. */
  tooLarge: number;
  /** Loss markers published: ranges of other zones' streams that will never cross (loss records, or deleted from JetStream). */
  losses: number;
  /**
   * Messages of other zones' JetStream streams deleted before this bridge read them (`max_age`,
   * `max_msgs`, a purge): a jump in the stream sequence. Each jump is said by an `error` event;
   * the origin streams this bridge saw before it also get a loss marker ('expired').
   */
  expired: number;
  /** Consumers started again after missed heartbeats (a NATS node or the consumer's leader gone), or after deliveries that never arrived. */
  restarts: number;
  /**
   * Requests sent to confirm the last acknowledgement (ack-confirmation.ts): when the consumer
   * went idle after it, the NATS connection came back, or consumer info showed it lost.
   */
  ackConfirms: number;
  /**
   * Messages and loss records whose origin sender is a peer of this zone's own multicast domain
   * (another zone's bridge shares the domain: bridge/shared-domain.ts): acknowledged, not
   * published, as this zone's receivers had them from that peer.
   */
  sameDomain: number;
}

/** What importing needs of a message, delivered by the consumer or read from the stream. */
interface StoredOrDelivered {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly redelivered: boolean;
  /** Its JetStream stream sequence. */
  readonly seq: number;
}

/** A stored subject of another zone: its ledgecast subject, and whether an import pattern matches it. */
interface StoredSubject {
  readonly subject: string;
  readonly imported: boolean;
}

/** How long a pull request waits on the server, ms (its heartbeats come every half of it). */
const PULL_EXPIRES_MS = 5000;

/** How long JetStream waits for an acknowledgement before delivering again, ms. */
const ACK_WAIT_MS = 30_000;

/** How long an acknowledgement may wait for more messages to cover, ms (AckPacing). */
const ACK_DELAY_MS = 10;

/** How long a request confirming the last acknowledgement waits for the answer, ms (under the heartbeat period, half of PULL_EXPIRES_MS). */
const ACK_CONFIRM_TIMEOUT_MS = 2000;

const ACK = new TextEncoder().encode('+ACK');

export class Importer {
  /** Zones imported from now. */
  readonly zones = new Set<string>();
  private readonly iterators = new Set<ConsumerMessages>();
  private scanTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly runs = new Set<Promise<void>>();
  /** Stored subject → its ledgecast subject and whether an import pattern matches it, for the subjects seen (bounded). */
  private readonly subjects = new Map<string, StoredSubject>();
  /** The origin marker prefix of the last origin sender imported (messages come in runs of one sender). */
  private lastOrigin: { zone: string; sender: string; incarnation: number; prefix: string } | undefined;

  constructor(
    private readonly o: ResolvedBridgeOptions,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    /** Counters, kept by the bridge across importers (one per lease held). */
    readonly counters: ImporterCounters,
    /** Per-zone counters and lag, kept by the bridge across importers. */
    private readonly progress: ImportProgress,
    /** Per zone, the origin streams' last seqs, kept by the bridge across importers and their consumers' restarts. */
    private readonly originGaps: Map<string, OriginGaps>,
    private readonly onError: (err: Error) => void,
    /** A zone imported from for the first time. */
    private readonly onZone: (zone: string) => void = () => undefined,
    /** Whether an origin sender is a peer heard in this zone's own multicast domain (bridge/shared-domain.ts). */
    private readonly isLocal: (zone: string, sender: string, incarnation: number) => boolean = () => false,
  ) {}

  /** Starts importing from `importFrom`, or from every zone found (then every `zoneScanIntervalMs`). */
  async start(): Promise<void> {
    if (this.o.importFrom !== undefined) {
      for (const z of this.o.importFrom) this.startZone(z);
      return;
    }
    await this.scan();
  }

  /** Stops consuming; unacknowledged messages are delivered again to the next bridge. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.scanTimer);
    for (const it of this.iterators) it.stop();
    await Promise.allSettled([...this.runs]);
  }

  private async scan(): Promise<void> {
    if (this.closed) return;
    try {
      for await (const name of this.jsm.streams.names()) {
        if (!name.startsWith('LC_')) continue;
        const zone = name.slice(3);
        if (zone !== this.o.zone && !this.zones.has(zone)) this.startZone(zone);
      }
    } catch (err) {
      this.onError(new Error(`listing the JetStream streams failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
    if (this.closed) return;
    this.scanTimer = setTimeout(() => void this.scan(), this.o.zoneScanIntervalMs);
    this.scanTimer.unref?.();
  }

  private startZone(zone: string): void {
    this.zones.add(zone);
    this.onZone(zone);
    const run = this.runZone(zone).finally(() => this.runs.delete(run));
    this.runs.add(run);
  }

  /** Consumes zone `zone`'s stream until closed; restarts the consumer after a failure. */
  private async runZone(zone: string): Promise<void> {
    // Kept across the consumer's restarts and the bridge's lease turns: a deletion met right
    // after one (what the consumer delivers first is past a jump in stream sequences) is a gap of
    // the origin streams seen before.
    let gaps = this.originGaps.get(zone);
    if (gaps === undefined) this.originGaps.set(zone, (gaps = new OriginGaps()));
    while (!this.closed) {
      try {
        await this.consume(zone, gaps);
      } catch (err) {
        if (this.closed) return;
        this.onError(new Error(`importing from zone ${zone} failed: ${err instanceof Error ? err.message : String(err)}; retrying`, { cause: err }));
      }
      if (!this.closed) await new Promise((r) => setTimeout(r, this.o.retryDelayMs));
    }
  }

  private async consume(zone: string, gaps: OriginGaps): Promise<void> {
    const stream = streamName(zone);
    const durable = `lc_import_${this.o.zone}`;
    await this.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${zonePrefix(zone)}>`,
      max_ack_pending: this.o.maxImportInFlight,
      ack_wait: nanos(ACK_WAIT_MS),
    });
    // Messages delivered to the previous bridge and not acknowledged (it died, or closed with
    // them in flight) would come again only after the ack wait, behind newer ones: publish them
    // first, in stream order, read straight from the stream; their redeliveries are then only
    // acknowledged. Some of them may have been published already: receivers drop those by
    // their origin seq.
    const infoSentMs = performance.now();
    const info = await this.jsm.consumers.info(stream, durable);
    // Closed while a request was out: start nothing (a consumer started now would be stopped by nobody).
    if (this.closed) return;
    this.progress.started(zone, progressOf(info), infoSentMs);
    const caughtUpTo = info.delivered.stream_seq;
    // The last acknowledgement (its subject), sent again as a request when it may have been lost (ack-confirmation.ts).
    const confirmation = new AckConfirmation<string>();
    let failed: unknown;
    const confirm = (reply: string | undefined): void => {
      if (reply === undefined) return;
      // Not m.ack()/ackAck(): the client sends a message's acknowledgement once only.
      this.counters.ackConfirms++;
      this.nc.request(reply, ACK, { timeout: ACK_CONFIRM_TIMEOUT_MS }).then(
        () => confirmation.answered(reply),
        () => confirmation.unanswered(reply),
      );
    };
    const pendings: Promise<void>[] = [];
    gaps.start(info.ack_floor.stream_seq);
    try {
      for (let seq = info.ack_floor.stream_seq + 1; seq <= caughtUpTo && !this.closed; seq++) {
        // Null: deleted from the stream (said as a gap by OriginGaps). Any other failure (a
        // timeout, the stream without a leader) throws: the consumer starts again from its ack
        // floor, where skipping the message would have lost it and reported a false 'expired'.
        const stored = await this.jsm.streams.getMessage(stream, { seq });
        if (stored === null) continue;
        const p = this.importOne(zone, { subject: stored.subject, data: stored.data, redelivered: true, seq }, storedHeadersOf(stored.header), gaps);
        if (p !== undefined) pendings.push(p);
      }
    } finally {
      // Settled before the consumer starts (or starts again): a publish of the catch-up never rejects unheard.
      const settled = await Promise.allSettled(pendings);
      const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (rejected !== undefined) failed ??= rejected.reason;
    }
    if (failed !== undefined) throw failed;
    if (this.closed) return;
    this.counters.caughtUp += pendings.length;
    if (caughtUpTo > info.ack_floor.stream_seq && !this.closed) {
      // Everything the consumer delivered is published now: acknowledged at once. Else JetStream
      // would deliver nothing new until its ack wait (30 s) passed, when those deliveries are up
      // to max_ack_pending (their acknowledgements lost with a consumer leader killed).
      confirmation.acked(ackSubject(stream, durable, caughtUpTo, info.delivered.consumer_seq), info.delivered.consumer_seq);
      confirm(confirmation.askNow());
    }
    const consumer = await this.js.consumers.get(stream, durable);
    if (this.closed) return;
    // AckPolicy.All: one acknowledgement covers every message before it, sent only once all of
    // them were published (or needed nothing), and only every quarter of `maxImportInFlight`
    // messages or ACK_DELAY_MS (AckPacing). After a failed publish nothing more is
    // acknowledged and the consumer restarts: JetStream delivers again from the ack floor.
    const acks = new OrderedAcks<JsMsg>();
    const pacing = new AckPacing<JsMsg>(Math.max(1, Math.floor(this.o.maxImportInFlight / 4)), ACK_DELAY_MS);
    let ackTimer: NodeJS.Timeout | undefined;
    let lagTimer: NodeJS.Timeout | undefined;
    const ack = (m: JsMsg | undefined): void => {
      if (m === undefined) return;
      m.ack();
      const dseq = m.info.deliverySequence;
      this.progress.acknowledged(zone, dseq);
      const reply = replySubjectOf(m);
      if (reply !== undefined) confirmation.acked(reply, dseq);
    };
    let wake: (() => void) | undefined;
    let flushScheduled = false;
    const armAckTimer = (): void => {
      const due = pacing.nextDeadlineMs();
      if (due === undefined || ackTimer !== undefined) return;
      ackTimer = setTimeout(() => {
        ackTimer = undefined;
        if (failed === undefined) ack(pacing.onTimer(performance.now()));
        armAckTimer();
      }, Math.max(0, due - performance.now()));
    };
    const flush = (): void => {
      flushScheduled = false;
      const run = failed === undefined ? acks.takeRun() : undefined;
      if (run !== undefined) {
        // The delay of what crossed: from its storing (the server's clock) to now (this host's).
        this.progress.publishedUpTo(zone, run.item.info.timestampNanos / 1e6, Date.now());
        ack(pacing.offer(run.item, run.count, performance.now()));
        armAckTimer();
      }
      const w = wake;
      wake = undefined;
      w?.();
    };
    const schedule = (): void => {
      if (flushScheduled) return;
      flushScheduled = true;
      setImmediate(flush);
    };
    const headers = new DeliveredHeaders();
    const deliveries = new DeliveredInfo();
    let messages: ConsumerMessages | undefined;
    // AckPolicy.All: an acknowledgement also covers messages JetStream delivered that never
    // reached this importer (the reply to a pull lost with a NATS node, a pull of an earlier run
    // still open on the server); they would never come again. A jump in the delivery sequence
    // shows them: nothing from there on is imported or acknowledged, and the consumer starts
    // again from its ack floor (the catch-up above reads them from the stream, in order).
    let lastDelivery = info.delivered.consumer_seq;
    let missed = false;
    const fail = (err: unknown): void => {
      failed ??= err;
      messages?.stop();
      schedule();
    };
    // A callback, not `for await`: the client hands over every message of a socket read in one
    // synchronous run, so their publishes reach the peer's sender as one batch (one sequencing,
    // one ledger append, one `accepted`). An iterator yields one message per microtask, and the
    // peer hands each publish over alone. What is in flight is bounded by the consumer's
    // `max_ack_pending` (`maxImportInFlight`): JetStream delivers no more until acknowledged.
    const onMessage = (m: JsMsg): void => {
      if (this.closed || failed !== undefined || missed) return; // not acknowledged: delivered again
      const i = deliveries.of(m); // read from the reply subject (ack-reply.ts)
      if (i.deliverySequence > lastDelivery + 1) {
        missed = true;
        this.counters.restarts++;
        messages?.stop();
        return;
      }
      lastDelivery = i.deliverySequence;
      this.progress.delivered(zone, i.deliverySequence, i.pending, performance.now());
      const redelivered = i.deliveryCount > 1;
      // Redelivered and published above, before anything newer: only acknowledged.
      const p =
        redelivered && i.streamSequence <= caughtUpTo
          ? undefined
          : this.importOne(zone, { subject: m.subject, data: m.data, redelivered, seq: i.streamSequence }, headers.of(m), gaps);
      if (p === undefined) {
        acks.add(m, true);
        schedule();
        return;
      }
      const ticket = acks.add(m, false);
      p.then(() => {
        acks.complete(ticket);
        schedule();
      }, fail);
    };
    // `importBatchDelayMs`: what arrives within that long of a first message waits, and all of it
    // goes as one batch (bounded by `max_ack_pending`). What waits when the consumer stops is
    // not acknowledged: JetStream delivers it again.
    let waiting: JsMsg[] = [];
    let batchTimer: NodeJS.Timeout | undefined;
    const releaseBatch = (): void => {
      batchTimer = undefined;
      const batch = waiting;
      waiting = [];
      for (const m of batch) onMessage(m);
    };
    const delayMs = this.o.importBatchDelayMs;
    const onDelivered =
      delayMs === 0
        ? onMessage
        : (m: JsMsg): void => {
            waiting.push(m);
            batchTimer ??= setTimeout(releaseBatch, delayMs);
          };
    // Pull requests expire after 5 s (server heartbeats every 2.5 s): a consumer whose leader
    // died (a node killed) shows as missed heartbeats within about 5 s, and the consumer is
    // started again from its ack floor (the catch-up above) instead of waiting the ack wait.
    // Pulls of up to `maxImportInFlight` messages, asked again once three quarters arrived (the
    // client's default asks again after each quarter: a pull request per 64 messages at 256).
    messages = await consumer.consume({
      max_messages: this.o.maxImportInFlight,
      threshold_messages: Math.max(1, Math.floor(this.o.maxImportInFlight / 4)),
      expires: PULL_EXPIRES_MS,
      callback: onDelivered,
    });
    const consuming = messages;
    this.iterators.add(consuming);
    // A jump seen before `messages` was set; or closed meanwhile, after close() stopped the
    // iterators it knew: else `closed()` below would wait for ever, and with it close() and
    // the bridge's next start of the import (the lease regained after a NATS node died).
    if (missed || this.closed) consuming.stop();
    // While nothing is delivered (the import blocked, or caught up) only consumer info tells how
    // much waits in the stream: read every `lagCheckIntervalMs`.
    if (this.o.lagCheckIntervalMs > 0) {
      let asking = false;
      lagTimer = setInterval(() => {
        if (asking) return;
        asking = true;
        const sentMs = performance.now();
        this.jsm.consumers.info(stream, durable).then(
          (ci) => {
            asking = false;
            if (this.closed) return;
            this.progress.consumerInfo(zone, progressOf(ci), sentMs);
            if (failed === undefined) confirm(confirmation.onConsumerInfo(ci.ack_floor.consumer_seq, ci.delivered.consumer_seq));
          },
          () => {
            asking = false; // the consumer's heartbeats and restarts deal with NATS trouble
          },
        );
      }, this.o.lagCheckIntervalMs);
      lagTimer.unref?.();
    }
    void (async () => {
      for await (const s of consuming.status()) {
        // Idle: the consumer has nothing more for this importer, or waits for an acknowledgement it lost.
        if (s.type === 'heartbeat' && failed === undefined && !missed) confirm(confirmation.onIdle(s.lastConsumerSequence));
        if (s.type === 'heartbeats_missed' && s.count >= 2) {
          this.counters.restarts++;
          consuming.stop();
          return;
        }
      }
    })().catch(() => undefined);
    // Written just before the connection broke, the last acknowledgement may be lost with it.
    const connection = this.nc.status() as AsyncIterable<Status> & { stop?: () => void };
    void (async () => {
      for await (const s of connection) if (s.type === 'reconnect' && failed === undefined && !this.closed) confirm(confirmation.onReconnect());
    })().catch(() => undefined);
    let ended: void | Error;
    try {
      ended = await consuming.closed();
    } finally {
      connection.stop?.();
      clearInterval(lagTimer);
      clearTimeout(batchTimer);
      waiting = [];
      this.iterators.delete(consuming);
      while (acks.notDone > 0 && failed === undefined) await new Promise<void>((r) => (wake = r));
      flush();
      clearTimeout(ackTimer);
      const last = pacing.take();
      if (failed === undefined) ack(last);
    }
    if (failed !== undefined) throw failed;
    // Stopped by the client with an error (the consumer deleted, permissions): as the iterator would throw.
    if (ended instanceof Error && !this.closed) throw ended;
  }

  /**
   * Publishes `m` in this zone: a promise that resolves once published (rejects if publishing
   * failed), or undefined when there is nothing to publish (filtered out, or not ours).
   */
  /**
   * Stream sequences `from..to` of zone `zone`'s stream were deleted before this bridge read
   * them: never silent, even where no origin stream can be named (this bridge restarted since it
   * last saw them, or never saw them: a loss marker then goes to nobody).
   */
  private sayDeleted(zone: string, from: number, to: number): void {
    const n = to - from + 1;
    this.counters.expired += n;
    const range = from === to ? `${from}` : `${from}..${to}`;
    this.onError(
      new Error(
        `zone ${zone}: ${n} message${n === 1 ? '' : 's'} of JetStream stream ${streamName(zone)} (stream seq ${range}) deleted before this bridge imported ${n === 1 ? 'it' : 'them'} (max_age, max_msgs or a purge): they never cross; subscribers get a dataLoss 'expired' for each origin stream this bridge had imported from since it started, the others go unnamed`,
      ),
    );
  }

  private importOne(zone: string, m: StoredOrDelivered, h: StoredHeaders, gaps: OriginGaps): Promise<void> | undefined {
    if (m.redelivered) {
      this.counters.redelivered++;
      this.progress.count(zone, 'redelivered');
    }
    const deleted = gaps.passed(m.seq);
    if (deleted !== undefined) this.sayDeleted(zone, deleted.from, deleted.to);
    const stored = this.subjectOf(zone, m.subject);
    const sender = h.sender;
    const incarnation = Number(h.incarnation);
    if (h.loss !== '') return this.importLoss(zone, stored, sender, incarnation, h.loss, h.reason, m.seq, gaps);
    const seq = Number(h.seq);
    if (stored === undefined || sender === '' || !Number.isSafeInteger(incarnation) || !Number.isSafeInteger(seq) || seq < 1) {
      this.counters.malformed++;
      return undefined;
    }
    const subject = stored.subject;
    if (!stored.imported) {
      this.counters.filtered++;
      this.progress.count(zone, 'filtered');
      return undefined;
    }
    if (this.isLocal(zone, sender, incarnation)) {
      this.counters.sameDomain++;
      return undefined;
    }
    // Messages of this origin stream deleted from JetStream before they crossed: said first.
    const gap = gaps.seen(sender, incarnation, subject, seq, m.seq);
    const lost = gap === undefined ? undefined : this.publishLoss(subject, { zone, sender, incarnation, fromSeq: gap.fromSeq, toSeq: gap.toSeq, reason: 'expired' });
    const isValue = h.value === '1';
    const data = isValue ? MSGPACK_CODEC.decode(1, m.data) : m.data;
    const replyTo = `${this.originPrefix(zone, sender, incarnation)}${seq}`;
    const published = this.o.peer.publish(subject, data, { replyTo, codec: 'msgpack' });
    return (lost === undefined ? published : Promise.all([lost, published])).then(
      () => {
        this.counters.imported++;
        this.progress.imported(zone, performance.now());
      },
      (err: unknown) => {
        const why = err instanceof Error ? err.message : String(err);
        if ((err as { code?: unknown }).code === ERROR_CODES.payloadTooLarge) {
          // It would fail again at every redelivery: said, counted, and acknowledged with the rest.
          this.counters.tooLarge++;
          this.onError(new Error(`not imported: ${subject} seq ${seq} from ${sender} in zone ${zone}: ${why}`, { cause: err }));
          return;
        }
        // Not acknowledged: JetStream delivers it again (to the restarted consumer, or the next bridge).
        if (!this.closed) this.onError(new Error(`publishing an import from zone ${zone} on ${subject} failed: ${why}`, { cause: err }));
        throw err;
      },
    );
  }

  /** A loss record of zone `zone` (`from-to` in header `Lc-Loss`): a loss marker in this zone, or undefined when malformed or filtered. */
  private importLoss(
    zone: string,
    stored: StoredSubject | undefined,
    sender: string,
    incarnation: number,
    range: string,
    reason: string,
    at: number,
    gaps: OriginGaps,
  ): Promise<void> | undefined {
    const lost = parseLossRange(range, reason);
    if (stored === undefined || sender === '' || !Number.isSafeInteger(incarnation) || lost === undefined) {
      this.counters.malformed++;
      return undefined;
    }
    const subject = stored.subject;
    if (!stored.imported) {
      this.counters.filtered++;
      this.progress.count(zone, 'filtered');
      return undefined;
    }
    if (this.isLocal(zone, sender, incarnation)) {
      this.counters.sameDomain++;
      return undefined;
    }
    gaps.seen(sender, incarnation, subject, lost.toSeq, at); // what it covers is said here, not a gap
    return this.publishLoss(subject, { zone, sender, incarnation, ...lost });
  }

  /** Publishes a loss marker on `subject` in this zone (receivers turn it into one `dataLoss` naming the origin). */
  private publishLoss(subject: string, loss: OriginLoss): Promise<void> {
    return this.o.peer.publish(subject, null, { replyTo: encodeLossMarker(loss), codec: 'msgpack' }).then(() => {
      this.counters.losses++;
      this.progress.count(loss.zone, 'losses');
    });
  }

  /** The ledgecast subject of a stored subject of zone `zone`, and whether it is imported (valid subjects remembered, a bounded set). */
  private subjectOf(zone: string, stored: string): StoredSubject | undefined {
    const known = this.subjects.get(stored);
    if (known !== undefined) return known;
    const subject = ledgecastSubject(zone, stored);
    if (subject === undefined) return undefined;
    if (this.subjects.size >= 4096) this.subjects.clear();
    const s = { subject, imported: matchesAny(this.o.import, subject) };
    this.subjects.set(stored, s);
    return s;
  }

  /** `_LC_ORIGIN.<zone>.<sender>.<incarnation>.`, made once per run of messages of one origin sender. */
  private originPrefix(zone: string, sender: string, incarnation: number): string {
    const l = this.lastOrigin;
    if (l !== undefined && l.sender === sender && l.incarnation === incarnation && l.zone === zone) return l.prefix;
    const prefix = originMarkerPrefix(zone, sender, incarnation);
    this.lastOrigin = { zone, sender, incarnation, prefix };
    return prefix;
  }
}

/** What {@link ImportProgress} reads of consumer info. */
function progressOf(ci: ConsumerInfo): { pending: number; deliveredSeq: number; ackedSeq: number } {
  return { pending: ci.num_pending, deliveredSeq: ci.delivered.consumer_seq, ackedSeq: ci.ack_floor.consumer_seq };
}
