/**
 * The receiver actor's shell: decodes DATA and HEARTBEAT datagrams, feeds the {@link Receiver}
 * core, hands in-order messages to the application in one `delivered` event per inbox message,
 * asks the retransmit actor for NAKs, and reports positions for ACKs every `ackIntervalMs`.
 *
 * Durable subscriptions (`durableResumed`, from the ledger): each stored position becomes a
 * `startAt(sender, subject, seq + 1)` before the subscription's interest arrives (the
 * application sends it only after this actor's `durableReady`), so a stream first seen after
 * a restart begins where the subscription left off and what it missed is NAKed. When several
 * durable subscriptions resume one stream not yet seen, the lowest position wins (each
 * subscription drops what it already confirmed).
 *
 * A sender that said BYE (`cause: 'closed'`) is settled 200 ms later (CLOSED_SETTLE_MS): it
 * drained before, and its BYE names every stream's last seq (`finalStreams`, which the receivers
 * actor sends just before the departure, applied as a heartbeat: a BYE can do no more than a
 * heartbeat and a departure could), as do the last heartbeats sent with each of its BYE rounds;
 * so what is missing then is lost (`senderLeft`), even when every last heartbeat was lost.
 * A sender that restarted (`cause: 'bye'`) is settled `max(resyncGraceMs, peerExpiryMs / 2)`
 * later, not at once: a restarted sender
 * with a ledger still holds what its previous incarnation sent, and the ADVERT of its new
 * incarnation (`senderAdvertised`, which the receivers actor sends right after the departure
 * it caused) makes the core adopt it and NAK the pending gaps there instead of reporting them
 * lost. When no new incarnation was adopted, the deferred settle reports them lost as before.
 * Meanwhile no NAK goes to the incarnation that left.
 *
 * Evidence: a new incarnation is adopted on `senderAdvertised` only; frames of an incarnation
 * not advertised yet are held back by the core (bounded) until it is. `finalStreams` come only
 * from a BYE the receivers actor honoured (sent from the peer's proven address), and are
 * bounded like any heartbeat entry.
 *
 * Listing: `senderListed` (the receivers actor, on each `peerJoined`) and `senderLeft` tell the
 * core which sender names advertise (`Receiver.setListed`), for its quotas on senders that never
 * advertised (`maxUnlistedStreams`, `unlistedSenderExpiryMs`).
 */
import { ProvenSources } from '../proven-sources.js';
import { decodeFrameRecords } from '../../codecs/frame-codec.js';
import { DataRecords } from '../../codecs/data-records.js';
import type { ActorContext, Actor } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { ERROR_CODES, LedgecastError, serializeError } from '../../errors.js';
import { assertNever } from '../core.js';
import { createRng } from '../core.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import { fnv1a32 } from '../subjects/group-map.js';
import type { PeerConfig } from '../app/peer-config.js';
import type { AppEvent } from '../app/events.js';
import { MAIN_THREAD } from '../../runtime/topology.js';
import { prepareDelivered } from './delivered-batch.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { DatagramIn } from '../socket/messages.js';
import type { ReceiverInbox } from './messages.js';
import type { StreamResume } from '../ledger/messages.js';
import { streamKey, type PeerId, type WireMessage } from '../../codecs/frame.js';
import { Receiver } from './receiver.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import type { DeliveredToPack } from '../thread-packers.js';
import '../thread-packers.js';
import { batchEnds, recordBytes } from '../../runtime/batching.js';

/** After a BYE, how long the receiver waits (for the sender's later BYE rounds and last heartbeats) before settling its streams. */
const CLOSED_SETTLE_MS = 200;

export class ReceiverActor implements Actor<ReceiverInbox> {
  readonly name = 'receiver';
  private readonly core: Receiver;
  private readonly interest = new PatternMatcher<string>();
  /** When each pattern of `interest` was first subscribed (our clock): see `Receiver.interestSinceMs`. */
  private patternSinceMs = new Map<string, number>();
  /** Patterns of durable subscriptions: true when it existed before this start (subscribed "since ever"). */
  private readonly durablePatterns = new Map<string, boolean>();
  private readonly retransmit: ActorRef<RetransmitInbox>;
  /** Released since the last flush: `delivered[i]` from `deliveredFrom[i]`. */
  private delivered: WireMessage[] = [];
  private deliveredFrom: PeerId[] = [];
  private nextPositionsMs = 0;
  /** Whether a position report is planned at `nextPositionsMs` (streams exist). */
  private positionsArmed = false;
  /** Deliveries since the last position report: a sender waits for them to open its window. */
  private deliveredSinceReport = 0;
  private readonly reportEvery: number;
  private deliveredBytesSinceReport = 0;
  private readonly reportEveryBytes: number;
  private readonly dropped: Record<string, number> = {};
  /** Resume points handed to the core for streams not yet seen (lowest wins; at most `maxStreams`). */
  private readonly resumeAt = new Map<string, number>();
  /** Departures by BYE or restart waiting to be settled, by sender name (at most `maxStreams`). */
  private readonly departures = new Map<string, { readonly incarnation: number; readonly atMs: number }>();
  /** NAKs not sent because their target incarnation left (BYE or restart) and is being settled. */
  private naksHeld = 0;
  private datagrams = 0;
  /** Stream entries received in BYEs (applied as heartbeat entries). */
  private byeStreams = 0;
  /** Where each listed sender is proven to send from (`senderSources`), by name; at most the listed peers. */
  private readonly provenSources = new ProvenSources();
  /** HEARTBEATs naming a listed sender that came from an address it is not proven to use: ignored. */
  private heartbeatsUnproven = 0;
  /** DATA datagrams naming a listed sender that came from an address it is not proven to use: ignored. */
  private dataUnproven = 0;

  constructor(
    private readonly config: PeerConfig,
    private readonly ctx: ActorContext,
  ) {
    this.retransmit = ctx.ref<RetransmitInbox>('retransmit');
    // Report well before a sender's window closes (as a credit scheme acks every window/4).
    this.reportEvery = Math.max(1, Math.floor(config.sender.flowWindowMessages / 4));
    this.reportEveryBytes = Math.max(1024, Math.floor(config.sender.flowWindowBytes / 4));
    // The seed only spreads NAK delays across peers; it need not be secret.
    const rng = createRng((config.self.incarnation ^ fnv1a32(config.self.name)) >>> 0);
    this.core = new Receiver(
      {
        rng,
        // Frames of a name that never advertised wait for its advert (see ReceiverDeps).
        firstContact: false,
        unadvertisedHoldMs: config.receiverList.restartQuietMs + config.advertIntervalMs,
        isInterested: (subject) => this.interest.matches(subject),
        interestSinceMs: (subject) => {
          let since: number | undefined;
          for (const p of this.interest.match(subject)) {
            const t = this.patternSinceMs.get(p);
            if (t === undefined) continue;
            if (Number.isNaN(t)) return undefined; // a new durable subscription: the lateJoinMaxMessages rule
            if (since === undefined || t < since) since = t;
          }
          return since;
        },
        sink: {
          // The core's message as it is (no record per message to name its sender).
          deliver: (sender, m) => {
            this.deliveredFrom.push(sender);
            this.delivered.push(m);
          },
          requestNak: (target, subject, ranges, fragments) => {
            // Not to an incarnation that left: it cannot answer (its channel would only give up).
            if (this.departures.get(target.name)?.incarnation === target.incarnation) this.naksHeld++;
            else if (fragments === undefined) this.retransmit.send({ kind: 'nakRequested', target, subject, ranges });
            else this.retransmit.send({ kind: 'nakRequested', target, subject, ranges, fragments });
          },
          dataLoss: (loss) => {
            // Deliveries before the loss go first, so the application sees them in stream order.
            this.flushDelivered();
            this.emit(loss.skipped ? { kind: 'dataLoss', sender: loss.sender, subject: loss.subject, from: loss.from, to: loss.to, reason: loss.reason, skipped: true } : { kind: 'dataLoss', sender: loss.sender, subject: loss.subject, from: loss.from, to: loss.to, reason: loss.reason });
          },
          streamReset: (sender, subject, fromSeq) => {
            this.flushDelivered();
            this.emit({ kind: 'streamReset', sender, subject, fromSeq });
          },
          limitMet: (limit, sender, subject) => {
            const what =
              limit === 'maxStreamsPerSender'
                ? `${sender.name} has ${config.receiver.maxStreamsPerSender} streams here (receiver.maxStreamsPerSender)`
                : `${config.receiver.maxStreams} streams are tracked here (receiver.maxStreams)`;
            const error = new LedgecastError(ERROR_CODES.limit, `stream ${subject} of ${sender.name} not received: ${what}; further new streams over the limit are ignored, counted in stats().actors.receiver.streamsRefused${limit === 'maxStreamsPerSender' ? 'SenderQuota' : ''} (said once)`);
            this.emit({ kind: 'error', error: serializeError(error) });
          },
        },
      },
      config.receiver,
    );
  }

  receive(msg: ReceiverInbox): void {
    const now = this.ctx.clock();
    switch (msg.kind) {
      case 'datagramIn':
        this.onDatagram(now, msg);
        break;
      case 'retransmitted':
        for (const m of msg.messages) this.core.onData(now, msg.sender, 0, m);
        for (const u of msg.unavailable) this.core.onUnavailable(now, msg.sender, u.subject, u.from, u.to);
        break;
      case 'interest':
        this.onInterest(msg.patterns, msg.sinceMs);
        break;
      case 'senderAdvertised':
        this.core.onAdvert(now, msg.peer, this.refusesSource);
        break;
      case 'finalStreams':
        if (Array.isArray(msg.streams)) this.byeStreams += msg.streams.length;
        this.core.onHeartbeat(now, msg.sender, msg.streams);
        break;
      case 'senderListed':
        this.core.setListed(msg.peer?.name, true);
        break;
      case 'senderSources':
        this.provenSources.set(msg.peer, msg.sources);
        break;
      case 'senderLeft':
        if (msg.incarnation === undefined) this.provenSources.forget(msg.senderName, undefined);
        else this.provenSources.retire(msg.senderName, msg.incarnation);
        this.core.setListed(msg.senderName, false);
        this.onSenderLeft(now, msg.senderName, msg.cause ?? 'bye', msg.incarnation);
        break;
      case 'durableResumed':
        if (msg.pattern !== undefined) this.durablePatterns.set(msg.pattern, msg.resumed === true);
        this.onDurableResumed(msg.id, msg.positions, msg.handed);
        break;
      case 'positionCaps':
        for (const c of msg.caps) this.core.capPosition(c.sender, c.subject, c.maxSeq);
        break;
      default:
        assertNever(msg);
    }
    this.flushDelivered();
    // A report that is due goes now: left to its timer, a message handled first (a position cap
    // from a busy application, at every turn) put it off again and again (a user-style check,
    // 7 December: 0.9 s without a report, then a false slowConsumer).
    const due = this.positionsArmed && now >= this.nextPositionsMs;
    if (due || this.deliveredSinceReport >= this.reportEvery || this.deliveredBytesSinceReport >= this.reportEveryBytes) this.reportPositions(now);
    this.arm(now);
  }

  stats(): Record<string, unknown> {
    return {
      ...this.core.counters,
      datagrams: this.datagrams,
      naksHeld: this.naksHeld,
      byeStreams: this.byeStreams,
      heartbeatsUnproven: this.heartbeatsUnproven,
      dataUnproven: this.dataUnproven,
      departuresPending: this.departures.size,
      dropped: { ...this.dropped },
      streams: this.core.streams,
      unadvertisedHolding: this.core.unadvertisedHolding,
      unlistedStreams: this.core.unlistedStreams,
      bufferedMessages: this.core.bufferedMessages,
      bufferedBytes: this.core.bufferedBytes,
      peakBufferedMessages: this.core.peakBufferedMessages,
      peakBufferedBytes: this.core.peakBufferedBytes,
    };
  }

  /** Frames held before an incarnation advertised count only from where its advert proved it sends from (told before `senderAdvertised`). */
  private readonly refusesSource = (peer: PeerId, host: string, port: number): boolean => this.provenSources.refuses(peer, host, port);

  private onDatagram(now: number, msg: DatagramIn): void {
    this.datagrams++;
    // DATA stays bytes: a record is decoded when its stream releases it (reorder-buffer.ts).
    const decoded = decodeFrameRecords(msg.bytes);
    if (!decoded.ok) {
      this.dropped[decoded.reason] = (this.dropped[decoded.reason] ?? 0) + 1;
      return;
    }
    const frame = decoded.frame;
    if (frame instanceof DataRecords) {
      // Of a listed incarnation, only from where it is proven to send from, as its heartbeats:
      // else any local process could put messages of its own in the stream's next seqs.
      if (this.provenSources.refuses(frame.sender, msg.host, msg.port)) {
        this.dataUnproven++;
        return;
      }
      for (let i = 0, o = frame.firstRecord; i < frame.count; i++, o = frame.recordEnd(o)) this.core.onDataRecord(now, frame, o, msg.host, msg.port);
    } else if (frame.kind === 'heartbeat') {
      // Of a listed incarnation, only from where it is proven to send from (a sender not listed
      // yet is held by the core until its advert, as its DATA is).
      if (this.provenSources.refuses(frame.sender, msg.host, msg.port)) {
        this.heartbeatsUnproven++;
        return;
      }
      this.core.onHeartbeat(now, frame.sender, frame.streams, msg.host, msg.port);
    } else {
      this.dropped.wrongActor = (this.dropped.wrongActor ?? 0) + 1;
    }
  }

  private onSenderLeft(now: number, name: string, cause: 'bye' | 'expired' | 'closed', incarnation: number | undefined): void {
    if (cause === 'closed' && incarnation !== undefined) {
      // It said BYE after draining: it will answer no NAK. Its BYEs and last heartbeats (sent in
      // rounds, 0-100 ms apart) tell how far each stream went; what is still missing then is
      // lost, CLOSED_SETTLE_MS after the first BYE, not after the restart grace.
      const earlier = this.departures.get(name);
      if (earlier === undefined || earlier.incarnation !== incarnation) {
        if (earlier !== undefined) this.core.onSenderLeft(name, 'bye', earlier.incarnation);
        this.departures.set(name, { incarnation, atMs: now + CLOSED_SETTLE_MS });
      }
      return;
    }
    if (cause !== 'bye' || incarnation === undefined) {
      this.core.onSenderLeft(name, cause === 'closed' ? 'bye' : cause, incarnation);
      return;
    }
    const earlier = this.departures.get(name);
    if (earlier !== undefined) this.core.onSenderLeft(name, 'bye', earlier.incarnation);
    else if (this.departures.size >= this.config.receiver.maxStreams) {
      this.core.onSenderLeft(name, 'bye', incarnation);
      return;
    }
    const deferMs = Math.max(this.config.receiver.resyncGraceMs, this.config.receiverList.peerExpiryMs / 2);
    this.departures.set(name, { incarnation, atMs: now + deferMs });
  }

  private settleDepartures(now: number): void {
    for (const [name, d] of this.departures) {
      if (d.atMs > now) continue;
      this.departures.delete(name);
      this.core.onSenderLeft(name, 'bye', d.incarnation);
    }
  }

  private onDurableResumed(id: number, positions: readonly StreamResume[], handed: readonly StreamResume[] | undefined): void {
    const applied: StreamResume[] = [];
    for (const p of positions) {
      if (typeof p?.sender !== 'string' || typeof p.subject !== 'string' || !Number.isSafeInteger(p.seq) || p.seq < 0) continue;
      const key = streamKey(p.sender, p.subject);
      const next = p.seq + 1;
      const earlier = this.resumeAt.get(key);
      if (earlier === undefined || next < earlier) {
        if (earlier === undefined && this.resumeAt.size >= this.config.receiver.maxStreams) this.resumeAt.clear();
        this.resumeAt.set(key, next);
        const incarnation = Number.isInteger(p.incarnation) && p.incarnation! >= 0 && p.incarnation! <= 0xffffffff ? p.incarnation : undefined;
        this.core.startAt(p.sender, p.subject, next, incarnation);
      }
      applied.push({ sender: p.sender, subject: p.subject, seq: p.seq });
    }
    const marks = (handed ?? []).filter((p) => typeof p?.sender === 'string' && typeof p.subject === 'string' && Number.isSafeInteger(p.seq) && p.seq > 0);
    this.emit({ kind: 'durableReady', id, positions: applied, handed: marks });
  }

  /** The local patterns, each subscribed at `sinceMs[i]` (the application's call; else now). */
  private onInterest(patterns: readonly string[], sinceMs: readonly number[] | undefined): void {
    this.interest.clear();
    const now = this.ctx.clock();
    const since = new Map<string, number>();
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i];
      this.interest.add(p, p);
      const at = sinceMs?.[i];
      const subscribedAt = typeof at === 'number' && at <= now ? at : now;
      // A resumed durable has been subscribed "since ever" (it was only down); a new durable's
      // start is left to the lateJoinMaxMessages rule (NaN: no time).
      const durable = this.durablePatterns.get(p);
      since.set(p, durable === true ? Number.NEGATIVE_INFINITY : durable === false ? Number.NaN : (this.patternSinceMs.get(p) ?? subscribedAt));
    }
    this.patternSinceMs = since;
  }

  private onTimer(): void {
    const now = this.ctx.clock();
    this.settleDepartures(now);
    this.core.onTimer(now);
    if (now >= this.nextPositionsMs) this.reportPositions(now);
    this.flushDelivered();
    this.arm(now);
  }

  private reportPositions(now: number): void {
    this.nextPositionsMs = now + this.config.ackIntervalMs;
    this.core.parkIdle(now);
    this.deliveredSinceReport = 0;
    this.deliveredBytesSinceReport = 0;
    for (const sender of this.core.senders()) {
      const positions = this.core.positionReport(sender.name, now);
      if (positions.length > 0) this.retransmit.send({ kind: 'positions', sender, positions });
    }
  }

  /** One timer: the core's next deadline, or the next position report while streams exist. */
  private arm(now: number): void {
    let at = this.core.nextDeadlineMs();
    if (this.core.streams > 0) {
      // The first report after a time without streams is an interval away; a planned one stays.
      if (!this.positionsArmed && this.nextPositionsMs <= now) this.nextPositionsMs = now + this.config.ackIntervalMs;
      this.positionsArmed = true;
      at = at === undefined ? this.nextPositionsMs : Math.min(at, this.nextPositionsMs);
    } else this.positionsArmed = false;
    for (const d of this.departures.values()) at = at === undefined ? d.atMs : Math.min(at, d.atMs);
    if (at === undefined) this.ctx.clearTimer();
    else this.ctx.setTimer(at, () => this.onTimer());
  }

  private flushDelivered(): void {
    if (this.delivered.length === 0) return;
    const messages = this.delivered;
    const senders = this.deliveredFrom;
    this.delivered = [];
    this.deliveredFrom = [];
    this.deliveredSinceReport += messages.length;
    for (let i = 0; i < messages.length; i++) this.deliveredBytesSinceReport += messages[i].payload.byteLength;
    // One event crosses to the application thread as one message: a large release (a reorder
    // buffer emptied by a retransmission) is cut by the one rule (runtime/batching.ts).
    const ends = batchEnds(messages.length, (i) => recordBytes(messages[i].payload.byteLength, messages[i].subject.length));
    if (ends.length === 1) {
      this.emitDelivered(senders, messages);
      return;
    }
    let start = 0;
    for (const end of ends) {
      this.emitDelivered(senders.slice(start, end), messages.slice(start, end));
      start = end;
    }
  }

  /**
   * To the application: the records themselves on its thread; packed into one byte array from a
   * worker (one copy per payload each way, instead of an object msgpack-encoded key by key).
   */
  private emitDelivered(senders: readonly PeerId[], messages: readonly WireMessage[]): void {
    if (this.ctx.thread === MAIN_THREAD) this.emit({ kind: 'delivered', senders, messages });
    else {
      // Written into the ring record by its packer (actors/thread-packers.ts): no byte array of its own.
      const event: DeliveredToPack = { kind: 'deliveredPacked', batch: prepareDelivered(senders, messages) };
      this.ctx.emit(event);
    }
  }

  private emit(event: AppEvent): void {
    this.ctx.emit(event);
  }
}


/** The actor module's factory (see `runtime/actor.ts`). */
export function createActor(config: PeerConfig, ctx: ActorContext): ReceiverActor {
  return new ReceiverActor(config, ctx);
}
