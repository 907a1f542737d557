/**
 * The receiver actor's shell: decodes DATA and HEARTBEAT datagrams, feeds the {@link Receiver}
 * core, hands in-order messages to the application in one `delivered` event per inbox message,
 * asks the retransmit actor for NAKs, and reports positions for ACKs every `ackIntervalMs`.
 */
import { decodeFrame } from '../../codecs/frame-codec.js';
import type { ActorContext, Actor } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { assertNever } from '../core.js';
import { createRng } from '../core.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import type { PeerConfig } from '../app/peer-config.js';
import type { AppEvent, DeliveredRecord } from '../app/events.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { DatagramIn } from '../socket/messages.js';
import type { ReceiverInbox } from './messages.js';
import { Receiver } from './receiver.js';

export class ReceiverActor implements Actor<ReceiverInbox> {
  readonly name = 'receiver';
  private readonly core: Receiver;
  private readonly interest = new PatternMatcher<string>();
  private readonly retransmit: ActorRef<RetransmitInbox>;
  private delivered: DeliveredRecord[] = [];
  private nextPositionsMs = 0;
  /** Deliveries since the last position report: a sender waits for them to open its window. */
  private deliveredSinceReport = 0;
  private readonly reportEvery: number;
  private readonly dropped: Record<string, number> = {};
  private datagrams = 0;

  constructor(
    private readonly config: PeerConfig,
    private readonly ctx: ActorContext,
  ) {
    this.retransmit = ctx.ref<RetransmitInbox>('retransmit');
    // Report well before a sender's window closes (as a credit scheme acks every window/4).
    this.reportEvery = Math.max(1, Math.floor(config.sender.flowWindowMessages / 4));
    // The seed only spreads NAK delays across peers; it need not be secret.
    const rng = createRng((config.self.incarnation ^ hashName(config.self.name)) >>> 0);
    this.core = new Receiver(
      {
        rng,
        isInterested: (subject) => this.interest.matches(subject),
        sink: {
          deliver: (m) =>
            this.delivered.push({ sender: m.sender, subject: m.subject, seq: m.seq, flags: m.flags, replyTo: m.replyTo, payload: m.payload }),
          requestNak: (target, subject, ranges) => this.retransmit.send({ kind: 'nakRequested', target, subject, ranges }),
          dataLoss: (loss) => {
            // Deliveries before the loss go first, so the application sees them in stream order.
            this.flushDelivered();
            this.emit({ kind: 'dataLoss', sender: loss.sender, subject: loss.subject, from: loss.from, to: loss.to, reason: loss.reason });
          },
          streamReset: (sender, subject, fromSeq) => {
            this.flushDelivered();
            this.emit({ kind: 'streamReset', sender, subject, fromSeq });
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
        this.onInterest(msg.patterns);
        break;
      case 'senderLeft':
        this.core.onSenderLeft(msg.senderName, msg.cause ?? 'bye', msg.incarnation);
        break;
      default:
        assertNever(msg);
    }
    this.flushDelivered();
    if (this.deliveredSinceReport >= this.reportEvery) this.reportPositions(now);
    this.arm(now);
  }

  stats(): Record<string, unknown> {
    return {
      ...this.core.counters,
      datagrams: this.datagrams,
      dropped: { ...this.dropped },
      streams: this.core.streams,
      bufferedMessages: this.core.bufferedMessages,
      bufferedBytes: this.core.bufferedBytes,
      peakBufferedMessages: this.core.peakBufferedMessages,
      peakBufferedBytes: this.core.peakBufferedBytes,
    };
  }

  private onDatagram(now: number, msg: DatagramIn): void {
    this.datagrams++;
    const decoded = decodeFrame(msg.bytes);
    if (!decoded.ok) {
      this.dropped[decoded.reason] = (this.dropped[decoded.reason] ?? 0) + 1;
      return;
    }
    const frame = decoded.frame;
    if (frame.kind === 'data') {
      const streams = frame.streams;
      for (const m of frame.messages) {
        let startSeq = 0;
        for (const s of streams) {
          if (s.subject === m.subject) {
            startSeq = s.startSeq;
            break;
          }
        }
        this.core.onData(now, frame.sender, startSeq, m);
      }
    } else if (frame.kind === 'heartbeat') {
      this.core.onHeartbeat(now, frame.sender, frame.streams);
    } else {
      this.dropped.wrongActor = (this.dropped.wrongActor ?? 0) + 1;
    }
  }

  private onInterest(patterns: readonly string[]): void {
    this.interest.clear();
    for (const p of patterns) this.interest.add(p, p);
  }

  private onTimer(): void {
    const now = this.ctx.clock();
    this.core.onTimer(now);
    if (now >= this.nextPositionsMs) this.reportPositions(now);
    this.flushDelivered();
    this.arm(now);
  }

  private reportPositions(now: number): void {
    this.nextPositionsMs = now + this.config.ackIntervalMs;
    this.deliveredSinceReport = 0;
    for (const sender of this.core.senders()) {
      const positions = this.core.positions(sender.name);
      if (positions.length > 0) this.retransmit.send({ kind: 'positions', sender, positions });
    }
  }

  /** One timer: the core's next deadline, or the next position report while streams exist. */
  private arm(now: number): void {
    let at = this.core.nextDeadlineMs();
    if (this.core.streams > 0) {
      if (this.nextPositionsMs <= now) this.nextPositionsMs = now + this.config.ackIntervalMs;
      at = at === undefined ? this.nextPositionsMs : Math.min(at, this.nextPositionsMs);
    }
    if (at === undefined) this.ctx.clearTimer();
    else this.ctx.setTimer(at, () => this.onTimer());
  }

  private flushDelivered(): void {
    if (this.delivered.length === 0) return;
    const messages = this.delivered;
    this.delivered = [];
    this.deliveredSinceReport += messages.length;
    this.emit({ kind: 'delivered', messages });
  }

  private emit(event: AppEvent): void {
    this.ctx.emit(event);
  }
}

function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The actor module's factory (see `runtime/actor.ts`). */
export function createActor(config: PeerConfig, ctx: ActorContext): ReceiverActor {
  return new ReceiverActor(config, ctx);
}
