/**
 * Export: this zone's messages → the zone's JetStream stream. Shell around {@link ExportQueue}.
 *
 * One durable subscription (`ack: 'manual'`) per export pattern, named `bridge-export:<pattern>`
 * in the peer's ledger. A message is acknowledged to ledgecast only once JetStream acknowledged
 * it (stored, or recognised as a duplicate by its `Nats-Msg-Id`), so after a crash the durable
 * subscription delivers it again and JetStream's de-duplication absorbs the repeat.
 *
 * Never exported: a message that came from another zone (`msg.origin` set: no loops), a
 * message matching an earlier export pattern too (exported once, by that pattern's subscription),
 * a reply (subjects `_INBOX.…` and the reserved `_LC_…`) and a request (one on a `requests`
 * subject is relayed through core NATS instead: bridge/request-relay.ts; any other stays in its zone).
 *
 * Batching: with `exportBatchDelayMs` a message waits that long after the first one waiting,
 * and they are published together (fewer socket writes; latency traded for CPU).
 *
 * Backpressure: at most `maxInFlight` publishes wait for JetStream; a failure pauses publishing
 * (one probe every `retryDelayMs`) and above `maxPending` messages held a `blocked` event says
 * so; everything held stays unacknowledged until stored. Order: at a failure (or a broken
 * connection) every publish still unanswered goes back in the queue and is sent again, oldest
 * first, before anything newer; JetStream's `Nats-Msg-Id` de-duplication stores it once. The
 * durable subscriptions bound what is held (the peer's `maxQueuedPerSubscription` per
 * subscription). Past it ledgecast drops messages for the subscription (`dataLoss`,
 * `subscriberOverflow`): the exporter then takes nothing more (what follows the gap would be
 * stored before it), waits until what it holds is stored, and says
 * {@link ExporterSink.overflowed}. A restart of the bridge and its peer resumes the durable
 * subscriptions at their positions, before the gap, and gets the range again, in order, from the
 * senders' windows and ledgers (`ledgecast bridge` restarts them by itself). No loss record is
 * exported for it: the range is not lost for the other zones.
 */
import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { clientExportHeaders, ExportHeaderBuilder } from './export-headers.js';
import type { Message } from '../actors/app/message.js';
import type { Subscription } from '../actors/app/subscription.js';
import { ExportQueue, type Queued } from './export-queue.js';
import { CorePublisher, PipelinedPublisher, type Stored } from './js-publisher.js';
import type { CheckpointItem } from './export-checkpoint.js';
import type { CheckpointKeeper } from './checkpoint-keeper.js';
import { patternMatches } from '../actors/subjects/subject.js';
import { HEADERS, lossRecordId, matchesAny, messageId, natsSubject } from './naming.js';
import { isBridgePeer, RESERVED_PREFIX } from '../actors/app/origin.js';
import type { DataLossEvent } from '../actors/app/peer-events.js';
import type { ResolvedBridgeOptions } from './options.js';

/** What the exporter reports to the bridge. */
export interface ExporterSink {
  /** Exporting stopped: NATS failed (`reason: 'nats'`) or `maxPending` was reached (`'pending'`). */
  blocked(reason: 'nats' | 'pending', detail: string): void;
  /** Exporting goes on after a `blocked`. */
  resumed(): void;
  /** A message that can never be exported (larger than the server takes). */
  refused(err: Error): void;
  /**
   * An export subscription overflowed (see the module comment): nothing more is exported, what
   * was held is stored, and the bridge and its peer must restart to get the dropped range again.
   */
  overflowed(detail: string): void;
}

/** Export counters (besides the queue's). */
export interface ExporterCounters {
  /** Messages JetStream had already stored (same `Nats-Msg-Id`): a redelivery absorbed. */
  duplicates: number;
  /** Messages from other zones seen by the export subscriptions and not exported. */
  notLocal: number;
  /** Loss records exported: ranges of this zone's streams the export subscriptions will never get. */
  losses: number;
  /** Requests (relayed through core NATS on `requests` subjects, else not crossing) and replies (`_INBOX.…`, `_LC_…`): not exported. */
  requests: number;
  /** Times the bridge went above `maxPending` messages held. */
  stopped: number;
  /** Messages larger than the NATS server's `max_payload` (less 1 KiB for headers): not exported, each said by an `error` event. */
  tooLarge: number;
  /** Messages an export subscription dropped (`subscriberOverflow`): exported after the restart that follows. */
  overflowed: number;
}

/** Whether `subject` is a request inbox or a reserved subject: private to its zone. */
function isPrivate(subject: string): boolean {
  return subject.startsWith('_INBOX.') || subject.startsWith(RESERVED_PREFIX);
}

/** What the export queue holds: a message of this zone, or a loss record (messages of this zone that will never be exported). */
export type ExportItem =
  | { readonly kind: 'message'; readonly msg: Message; readonly ck?: CheckpointItem }
  | { readonly kind: 'loss'; readonly loss: DataLossEvent; readonly ck?: CheckpointItem };

const EMPTY = new Uint8Array(0);

/** Streams announced by {@link HighMarks} per second at most. */
const HIGH_MARKS_PER_SEC = 4096;
/** How long a stream is announced after its last export, ms. */
const HIGH_MARK_TTL_MS = 30_000;

/**
 * Core NATS only: core NATS drops without a word, and a message lost at the end of a stream has
 * no later one to show the gap. Every second the exporter publishes, for each stream it exported
 * in the last 30 s, an empty message on the stream's subject with header `Lc-High: <seq>` (the
 * newest seq exported): the importer reports what it did not get up to it. At most
 * {@link HIGH_MARKS_PER_SEC} streams a second, the oldest announcement first.
 */
class HighMarks {
  private readonly last = new Map<string, { sender: string; incarnation: number; subject: string; seq: number; atMs: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly zone: string,
    private readonly nc: NatsConnection,
  ) {
    this.timer = setInterval(() => this.announce(Date.now()), 1000);
    this.timer.unref?.();
  }

  exported(item: ExportItem): void {
    if (item.kind !== 'message') return;
    const m = item.msg;
    const key = `${m.sender}\u0000${m.senderIncarnation}\u0000${m.subject}`;
    this.last.delete(key); // re-inserted last: the map stays in order of last export
    this.last.set(key, { sender: m.sender, incarnation: m.senderIncarnation, subject: m.subject, seq: m.seq, atMs: Date.now() });
  }

  close(): void {
    clearInterval(this.timer);
  }

  private announce(nowMs: number): void {
    let n = 0;
    for (const [key, h] of this.last) {
      if (nowMs - h.atMs > HIGH_MARK_TTL_MS) {
        this.last.delete(key);
        continue;
      }
      if (n++ >= HIGH_MARKS_PER_SEC) break;
      const hd = headers();
      hd.set(HEADERS.sender, h.sender);
      hd.set(HEADERS.incarnation, String(h.incarnation));
      hd.set(HEADERS.high, String(h.seq));
      try {
        this.nc.publish(natsSubject(this.zone, h.subject), EMPTY, { headers: hd });
      } catch {
        return; // closed or disconnected: the next second tries again
      }
    }
  }
}

/** Room kept for the headers (identity, `Nats-Msg-Id`) under the server's `max_payload`. */
const HEADER_ROOM_BYTES = 1024;

export class Exporter {
  readonly counters: ExporterCounters = { duplicates: 0, notLocal: 0, losses: 0, requests: 0, stopped: 0, tooLarge: 0, overflowed: 0 };
  readonly queue: ExportQueue<ExportItem>;
  private readonly js: PipelinedPublisher | CorePublisher;
  /** Core NATS: the newest seq exported per stream, announced every second (tail loss shows). */
  private readonly highs: HighMarks | undefined;
  private subs: Subscription[] = [];
  /** Header blocks of exported messages, built as bytes (export-headers.ts). */
  private readonly headerBlocks: ExportHeaderBuilder;
  private lastSubject = '';
  private lastNatsSubject = '';
  private draining = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** `exportBatchDelayMs`: the pump waiting to gather more messages. */
  private pumpTimer: NodeJS.Timeout | undefined;
  /** A retry loop (timer, then a probe publish) runs. */
  private retrying = false;
  /** The connection to NATS is down (its 'disconnect' status, until 'reconnect' or a probe stored). */
  private down = false;
  /** Above maxPending since the last time everything held was stored. */
  private overPending = false;
  /** An export subscription overflowed: the first dropped message, for the log line (see the module comment). */
  private overflow: { readonly subject: string; readonly sender: string; readonly seq: number } | undefined;
  /** {@link ExporterSink.overflowed} was said. */
  private overflowSaid = false;
  private closed = false;

  constructor(
    private readonly o: ResolvedBridgeOptions,
    private readonly nc: NatsConnection,
    private readonly sink: ExporterSink,
    /** JetStream: the export checkpoint in the engine (read before {@link start}). */
    readonly checkpoint?: CheckpointKeeper,
  ) {
    this.queue = new ExportQueue<ExportItem>(o.maxInFlight, o.maxPending);
    this.headerBlocks = new ExportHeaderBuilder(o.zone);
    this.js = o.engine === 'core' ? new CorePublisher(nc) : new PipelinedPublisher(nc, o.publishTimeoutMs);
    if (o.engine === 'core') this.highs = new HighMarks(o.zone, nc);
  }

  /** Opens the export subscriptions; from then on, what they lose is exported as loss records. */
  start(): void {
    this.o.peer.on('dataLoss', this.onDataLoss);
    const js = this.js;
    if (js instanceof PipelinedPublisher) {
      // Publishes written to a connection that broke may be lost with it while later ones,
      // sent after the reconnect, are stored: they are all sent again in order (see published).
      void (async () => {
        for await (const s of this.nc.status()) {
          if (this.closed) return;
          if (s.type === 'disconnect') {
            js.failWaiting('the connection to NATS broke before an acknowledgement: sent again in order');
            this.disconnected();
          }
          // What was published while it was down the client buffered, then dropped as it
          // connected again, and no failure says so: newer publishes would be stored first
          // and those only sent again at their timeout. A graceful stop of nats-server (SIGTERM:
          // nothing left unanswered at the disconnect) stored ~830 of 4,000 behind ~190 newer
          // ones in 4 of 4 runs of a user-style check (7 December).
          else if (s.type === 'reconnect') {
            js.failWaiting('published while the connection to NATS was down: sent again in order');
            this.down = false;
          }
        }
      })().catch(() => undefined);
    }
    this.subscribe();
    this.checkpoint?.start();
  }

  /**
   * Messages of this zone an export subscription will never get (the sender no longer held
   * them, or the bridge held too many): stored as one loss record on the stream's subject, so
   * that the importing zones report them (`dataLoss` naming this zone), in their place.
   */
  private readonly onDataLoss = (e: DataLossEvent): void => {
    if (!this.draining || e.zone !== undefined || e.senderIncarnation === undefined || !matchesAny(this.o.export, e.subject)) return;
    if (isPrivate(e.subject) || this.isBridge(e.sender)) return; // a stream of imported messages: not this zone's to report
    // An export subscription that opened behind a stream another export subscription of this
    // bridge takes (overlapping rules): that one exports the range, nothing is lost.
    if (e.reason === 'durableBehind' && this.o.export.filter((p) => matchesAny([p], e.subject)).length > 1) return;
    if (e.reason === 'subscriberOverflow') {
      // Dropped for this bridge only: the senders still hold it (or a later dataLoss says they do
      // not). Exporting stopped at the drop already (dropped); this counts the run.
      this.counters.overflowed += e.toSeq - e.fromSeq + 1;
      this.dropped(e.subject, e.sender, e.fromSeq);
      return;
    }
    const ck = this.checkpoint;
    if (ck === undefined) {
      this.counters.losses++;
      this.queue.add({ kind: 'loss', loss: e });
    } else {
      // Only what is not stored already is lost for the other zones (a replacement resuming
      // before the senders' windows asks again for what the previous bridge stored).
      const parts = ck.ckpt.uncovered(e.sender, e.senderIncarnation, e.subject, e.fromSeq, e.toSeq);
      if (parts.length !== 1 || parts[0][0] !== e.fromSeq || parts[0][1] !== e.toSeq) ck.counters.skipped++;
      if (parts.length === 0) ck.ckpt.done(ck.ckpt.taken(e.sender, e.senderIncarnation, e.subject, e.toSeq));
      for (const [fromSeq, toSeq] of parts) {
        this.counters.losses++;
        this.queue.add({ kind: 'loss', loss: { ...e, fromSeq, toSeq }, ck: ck.ckpt.taken(e.sender, e.senderIncarnation, e.subject, toSeq) });
      }
    }
    this.pump();
  };

  /**
   * An export subscription dropped a message (full): nothing more is taken, at once. Told by the
   * subscription at the drop, not by the `dataLoss` event, which comes up to ~100 ms later: before
   * (7 December), messages after the dropped ones arrived meanwhile as room freed, were stored
   * ahead of the gap, and moved the checkpoint past it; the restart resumed after them and the
   * dropped range never crossed (CI: 366 of 3,000 missing in zone B, no dataLoss).
   */
  private dropped(subject: string, sender: string, seq: number): void {
    if (this.overflow !== undefined) return;
    this.overflow = { subject, sender, seq };
    this.pump();
  }

  /** Whether the peer named `name` is a zone bridge (its streams carry imported messages). */
  private isBridge(name: string): boolean {
    return this.o.peer.peers().some((p) => p.name === name && isBridgePeer(p.patterns));
  }

  /**
   * Closes the subscriptions; messages held and not stored come again after a restart. Resolves
   * once the checkpoint's last positions are written.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.highs?.close();
    this.o.peer.off('dataLoss', this.onDataLoss);
    clearTimeout(this.retryTimer);
    clearTimeout(this.pumpTimer);
    this.unsubscribe();
    this.js.close();
    await this.checkpoint?.close();
  }

  private subscribe(): void {
    this.draining = true;
    // From the engine's checkpoint (undefined: none yet; the ledger's positions alone).
    const resumeFrom = this.checkpoint?.resumeFrom();
    this.subs = this.o.export.map((pattern, i) => {
      const sub = this.o.peer.subscribe(pattern, resumeFrom === undefined ? { durable: `bridge-export:${pattern}`, ack: 'manual' } : { durable: `bridge-export:${pattern}`, ack: 'manual', resumeFrom }, (msg) =>
        this.onMessage(msg, i),
      );
      sub.watchDrops((subject, sender, seq) => {
        if (this.draining) this.dropped(subject, sender, seq);
      });
      return sub;
    });
  }

  private unsubscribe(): void {
    this.draining = false;
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
  }

  private onMessage(msg: Message, index: number): void {
    // Delivered after close, or after an overflow: not acknowledged, comes again after a restart.
    if (!this.draining || this.overflow !== undefined) return;
    if (msg.origin !== undefined) {
      this.counters.notLocal++;
      msg.ack();
      return;
    }
    if (isPrivate(msg.subject) || msg.replyTo !== undefined) {
      // Replies to inboxes, and requests (relayed through core NATS when a `requests` pattern
      // takes them, else left to their zone): never stored. Before (7 December), a request on an
      // exported subject outside `requests` was stored and delivered in the other zones as data,
      // its reply inbox dropped (a user-style check: the requester timed out, a subscriber in
      // zone B got it with replyTo null).
      this.counters.requests++;
      msg.ack();
      return;
    }
    for (let j = 0; j < index; j++) {
      if (patternMatches(this.o.export[j], msg.subject)) {
        msg.ack();
        return;
      }
    }
    const maxPayload = this.nc.info?.max_payload ?? Number.POSITIVE_INFINITY;
    if (msg.raw.byteLength + HEADER_ROOM_BYTES > maxPayload) {
      // The server would close the connection on it, again at every retry: it is refused,
      // said, and acknowledged, so the rest of its stream still goes.
      this.counters.tooLarge++;
      this.sink.refused(
        new Error(
          `not exported: ${msg.subject} seq ${msg.seq} from ${msg.sender} is ${msg.raw.byteLength} bytes, over the NATS server's max_payload ${maxPayload} less ${HEADER_ROOM_BYTES} for headers (raise max_payload)`,
        ),
      );
      this.checkpoint?.ckpt.done(this.checkpoint.ckpt.taken(msg.sender, msg.senderIncarnation, msg.subject, msg.seq));
      msg.ack();
      return;
    }
    const ck = this.checkpoint;
    if (ck !== undefined && ck.ckpt.covered(msg.sender, msg.senderIncarnation, msg.subject, msg.seq)) {
      // Stored already (by the bridge this one replaces, after its checkpoint): never twice.
      ck.counters.skipped++;
      ck.ckpt.done(ck.ckpt.taken(msg.sender, msg.senderIncarnation, msg.subject, msg.seq));
      msg.ack();
      return;
    }
    if (!this.queue.hasRoom() && !this.overPending) {
      // Said once per episode; the messages are still taken (the durable subscriptions bound
      // them: past the peer's maxQueuedPerSubscription ledgecast reports subscriberOverflow).
      this.overPending = true;
      this.counters.stopped++;
      this.sink.blocked('pending', `${this.queue.pending} exported messages held (maxPending): JetStream is slower than this zone's publishers`);
    }
    this.queue.add(ck === undefined ? { kind: 'message', msg } : { kind: 'message', msg, ck: ck.ckpt.taken(msg.sender, msg.senderIncarnation, msg.subject, msg.seq) });
    this.schedulePump();
  }

  /** Publishes what the window allows now or, with `exportBatchDelayMs`, that long after the first message waiting (what comes meanwhile goes with it). */
  private schedulePump(): void {
    const delayMs = this.o.exportBatchDelayMs;
    if (delayMs === 0) return this.pump();
    this.pumpTimer ??= setTimeout(() => {
      this.pumpTimer = undefined;
      if (!this.closed) this.pump();
    }, delayMs);
  }

  private pump(): void {
    for (let q = this.queue.take(); q !== undefined; q = this.queue.take()) this.publish(q);
    if (this.overPending && this.queue.pending === 0) {
      this.overPending = false;
      this.sink.resumed();
    }
    if (this.overflow !== undefined && !this.overflowSaid && this.queue.pending === 0) {
      this.overflowSaid = true;
      const o = this.overflow;
      this.sink.overflowed(
        `an export subscription dropped messages (more than the peer's maxQueuedPerSubscription unacknowledged), from ${o.subject} seq ${o.seq} of ${o.sender}: exporting stopped after what it held was stored; restart the bridge and its peer to export the rest from the senders' windows and ledgers`,
      );
    }
  }

  private publish(q: Queued<ExportItem>): void {
    const item = q.item;
    if (item.kind === 'message') this.js.send(this.natsSubjectOf(item.msg.subject), item.msg.raw, this.headersOf(item.msg), q, this.published);
    else this.send(item).then((s) => this.published(q, undefined, s), (err: unknown) => this.published(q, err instanceof Error ? err : new Error(String(err)), undefined));
  }

  /** What JetStream answered to `q`'s publish (a callback per message, no promise: export-side CPU). */
  private readonly published = (q: Queued<ExportItem>, err: Error | undefined, stored: Stored | undefined): void => {
    if (err === undefined) {
      this.stored(q.item, stored!);
      this.highs?.exported(q.item);
      this.queue.acked(q);
      if (q.item.kind === 'message') q.item.msg.ack();
      if (!this.closed) this.schedulePump();
      return;
    }
    this.queue.failed(q);
    // Closing: what was not acknowledged comes again after a restart (its ledger positions), not a
    // failure to report. Before (7 December), a SIGTERM with exports in flight printed a 'blocked'
    // event naming a JetStream timeout (a user-style check).
    if (this.closed) return;
    // One retry loop at a time, whatever the number of publishes failing with it.
    if (this.retrying) return;
    this.retrying = true;
    this.sink.blocked('nats', `publishing to JetStream failed (${err.message}); retrying every ${this.o.retryDelayMs} ms`);
    // Every other publish in flight goes back in the queue too, in order, and is sent again
    // (same Nats-Msg-Id: stored once) before anything newer. Sent into a stream leader's death,
    // some are never answered: waiting their publishTimeoutMs while the probe's successors were
    // stored put them ~5 s late, behind up to maxInFlight newer messages of their origin stream
    // (leader-kill test: out of order in 3 of 20 runs; twice 1001-1025 behind 1026-3000, which
    // the receivers' origin de-duplication, keeping 1,024 out-of-order seqs, dropped as repeats).
    if (this.js instanceof PipelinedPublisher) this.js.failWaiting(`not answered before an earlier failure (${err.message}): sent again in order`);
    this.scheduleRetry();
  };

  /** `lc.<zone>.<subject>`, kept for the last subject (exports come in runs of one subject). */
  private natsSubjectOf(subject: string): string {
    if (subject !== this.lastSubject) {
      this.lastSubject = subject;
      this.lastNatsSubject = natsSubject(this.o.zone, subject);
    }
    return this.lastNatsSubject;
  }

  /**
   * The connection to NATS broke: nothing more is sent until a probe is stored after it is back.
   * Sent meanwhile, publishes wait in the client and go out at the reconnect in one burst, into a
   * server whose JetStream may not serve yet: the first ones refused (no responders), later ones
   * stored, the refused ones then stored behind them (CI, 7 December: zone B got 1426-1440
   * before 766-1425 after nats-server was stopped for 2 s with SIGTERM; nothing was in flight at
   * the disconnect, so no failure had paused the exports).
   */
  private disconnected(): void {
    this.down = true;
    this.queue.pause();
    if (this.retrying || this.closed) return;
    this.retrying = true;
    this.sink.blocked('nats', `the connection to NATS broke; probing every ${this.o.retryDelayMs} ms`);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      // Probe with one message first: while NATS is down, each retry costs one timeout, not a
      // window of them; and nothing newer is sent (and stored) before it.
      const q = this.queue.takeProbe();
      if (q === undefined) {
        // Nothing to probe with: still down, wait; else go on (the next message sent is the first).
        if (this.down) return this.scheduleRetry();
        this.queue.resume();
        this.retrying = false; // nothing left to retry (a late success took it)
        if (!this.overPending) this.sink.resumed();
        return;
      }
      this.send(q.item).then(
        (stored) => {
          this.down = false; // stored: the connection works, whatever its status said
          this.stored(q.item, stored);
          this.queue.acked(q);
          if (q.item.kind === 'message') q.item.msg.ack();
          this.queue.resume();
          this.retrying = false;
          if (!this.overPending) this.sink.resumed(); // else once everything held was stored

          if (!this.closed) this.pump();
        },
        () => {
          this.queue.failed(q);
          this.scheduleRetry();
        },
      );
    }, this.o.retryDelayMs);
    this.retryTimer.unref?.();
  }

  /** JetStream stored `item` (or had it): counted, and in the checkpoint. */
  private stored(item: ExportItem, s: Stored): void {
    if (s.duplicate) this.counters.duplicates++;
    if (item.ck !== undefined) this.checkpoint?.ckpt.done(item.ck, s.seq);
  }

  /** Publishes `item` to JetStream. */
  private send(item: ExportItem): Promise<Stored> {
    if (item.kind === 'message') return this.js.publish(this.natsSubjectOf(item.msg.subject), item.msg.raw, this.headersOf(item.msg));
    const l = item.loss;
    const h = headers();
    h.set('Nats-Msg-Id', lossRecordId(this.o.zone, l.sender, l.senderIncarnation ?? 0, l.subject, l.fromSeq, l.toSeq));
    h.set(HEADERS.sender, l.sender);
    h.set(HEADERS.incarnation, String(l.senderIncarnation ?? 0));
    h.set(HEADERS.loss, `${l.fromSeq}-${l.toSeq}`);
    h.set(HEADERS.reason, l.reason);
    return this.js.publish(natsSubject(this.o.zone, l.subject), EMPTY, h);
  }

  /** The headers that carry `m`'s identity, with its `Nats-Msg-Id`. */
  private headersOf(m: Message): MsgHdrs {
    const id = { zone: this.o.zone, sender: m.sender, incarnation: m.senderIncarnation, subject: m.subject, seq: m.seq, isValue: m.isValue };
    // The client's publish only calls encode() on its headers (export-headers.ts).
    return (this.headerBlocks.build(id) as MsgHdrs | undefined) ?? clientExportHeaders(id, messageId(id));
  }
}
