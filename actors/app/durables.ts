/**
 * The durable subscriptions of a `Peer`: opening them at the ledger, the floors below which a
 * reopened one is not delivered again, and the confirmation of what the application acknowledged
 * (one `confirmed` message to the ledger per microtask, or at most one per
 * `durableConfirmDelayMs` when that is set: each message is a ledger write batch, and at a
 * moderate rate (a few messages per event-loop turn) one per turn was most of a zone bridge's
 * ledger work).
 *
 * Ownership: owned by the `Peer`, on the application thread. Positions live in the ledger; here
 * only what the open subscriptions delivered and did not confirm yet.
 */
import { streamKey } from '../../codecs/frame.js';
import { InvalidOptionError } from '../../errors.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { ledgerNameProblem } from '../../storage/options.js';
import { AckTracker } from '../ledger/ack-tracker.js';
import type { DurablePosition, LedgerInbox, StreamResume } from '../ledger/messages.js';
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import { Message, type ReplyPublisher } from './message.js';
import type { Codec } from './codec.js';
import type { MessageOrigin } from './origin.js';
import type { Subscription } from './subscription.js';
import { DurablePacing } from './durable-pacing.js';
import type { ReceiverInbox } from '../receiver/messages.js';

/** A durable subscription's name and acknowledgement mode, as subscribe options gave them. */
export interface DurableSpec {
  readonly name: string;
  readonly ack: 'auto' | 'manual';
  /** Positions given by the application (subscribe options `resumeFrom`), checked. */
  readonly resumeFrom?: readonly StreamResume[];
}

/** A durable subscription's state on the application thread. */
export interface DurableState extends DurableSpec {
  readonly sub: Subscription<any>;
  /** True once the receiver applied its resume positions: from then on it takes messages. */
  ready: boolean;
  /** Confirmed position per stream when it opened: anything at or below is not delivered again. */
  readonly floors: Map<string, number>;
  /** Highest seq per stream handed to the application before it opened: up to it, messages are marked `redelivered`. */
  readonly handedBefore: Map<string, number>;
  readonly tracker: AckTracker;
}

/**
 * The open durable subscriptions, by subscription id. A name is open at most once at a time;
 * unsubscribing leaves its positions in the ledger, so opening the name again resumes from them.
 */
export class Durables {
  /** Durable positions sent to the ledger. */
  confirmations = 0;
  private readonly byId = new Map<number, DurableState>();
  private readonly names = new Set<string>();
  /** Confirmed positions waiting for the next microtask, by durable + stream. */
  private confirmBatch = new Map<string, DurablePosition>();
  /** Highest seqs handed to the application since the last batch, by durable + stream. */
  private handedBatch = new Map<string, { durable: string; sender: string; subject: string; seq: number }>();
  private confirmScheduled = false;
  /** Set while a delayed confirmation batch waits (`confirmDelayMs` > 0). */
  private confirmTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly pacing: DurablePacing;

  /**
   * @param ledger undefined without `options.ledger` (then no durable subscription opens).
   * @param maxUnconfirmed delivered, unconfirmed messages a subscription may have (`maxQueuedPerSubscription`).
   * @param onOverflow record `r` was dropped for a subscription at `maxUnconfirmed`.
   */
  constructor(
    private readonly ledger: ActorRef<LedgerInbox> | undefined,
    private readonly maxUnconfirmed: number,
    private readonly onOverflow: (sender: PeerId, m: WireMessage) => void,
    /** Where position caps go (durable-pacing.ts), with the backlog per stream that caps it (0: none). */
    private readonly receiver?: { readonly ref: ActorRef<ReceiverInbox>; readonly paceMessages: number },
    /** How long confirmations and handed marks may wait for more before going to the ledger (`durableConfirmDelayMs`; 0: the next microtask). */
    private readonly confirmDelayMs = 0,
  ) {
    this.pacing = new DurablePacing(receiver?.paceMessages ?? 0);
  }

  /** Streams whose reported position is capped now, and how often one was (durable-pacing.ts). */
  get paced(): { readonly streams: number; readonly times: number } {
    return { streams: this.pacing.cappedStreams, times: this.pacing.capped };
  }

  /** Durable subscriptions open now. */
  get size(): number {
    return this.byId.size;
  }

  /** Messages delivered to the open durable subscriptions and not confirmed yet. */
  get unconfirmed(): number {
    return [...this.byId.values()].reduce((n, d) => n + d.tracker.unacked, 0);
  }

  /**
   * Validates subscribe options `durable` and `ack`: undefined for a non-durable subscription.
   * @throws InvalidOptionError (`ack` without `durable`, a bad name or mode, no ledger, a name already open).
   */
  check(durable: string | undefined, ack: 'auto' | 'manual' | undefined, resumeFrom?: readonly StreamResume[]): DurableSpec | undefined {
    if (durable === undefined) {
      if (ack !== undefined) throw new InvalidOptionError('subscribe options.ack needs options.durable (only durable subscriptions confirm messages)');
      if (resumeFrom !== undefined) throw new InvalidOptionError('subscribe options.resumeFrom needs options.durable (only durable subscriptions resume)');
      return undefined;
    }
    if (resumeFrom !== undefined) {
      if (!Array.isArray(resumeFrom)) throw new InvalidOptionError('subscribe options.resumeFrom must be an array of { sender, subject, seq }');
      for (const [i, p] of resumeFrom.entries()) {
        if (typeof p !== 'object' || p === null || typeof p.sender !== 'string' || typeof p.subject !== 'string' || !Number.isSafeInteger(p.seq) || p.seq < 0) {
          throw new InvalidOptionError(`subscribe options.resumeFrom[${i}] must be { sender: string, subject: string, seq: integer >= 0 }`);
        }
      }
    }
    const problem = ledgerNameProblem(durable);
    if (problem !== undefined) throw new InvalidOptionError(`subscribe options.durable ${problem}`);
    const mode = ack ?? 'auto';
    if (mode !== 'auto' && mode !== 'manual') throw new InvalidOptionError(`subscribe options.ack must be 'auto' or 'manual', got ${JSON.stringify(mode)}`);
    if (this.ledger === undefined) {
      throw new InvalidOptionError(`durable subscription ${JSON.stringify(durable)} needs options.ledger (its positions are kept in the ledger)`);
    }
    if (this.names.has(durable)) throw new InvalidOptionError(`durable subscription ${JSON.stringify(durable)} is already open on this peer`);
    return resumeFrom === undefined ? { name: durable, ack: mode } : { name: durable, ack: mode, resumeFrom: resumeFrom.map((p) => ({ sender: p.sender, subject: p.subject, seq: p.seq })) };
  }

  /**
   * Opens `sub` (checked by {@link check}) under `spec.name`. The ledger hands its positions to
   * the receiver, which answers `durableReady` ({@link ready}); only then does the subscription
   * take messages (and its interest reach the receiver).
   * @throws BackpressureError when the ledger's mailbox is full; the caller unsubscribes `sub`.
   */
  open(sub: Subscription<any>, spec: DurableSpec): void {
    this.byId.set(sub.id, { ...spec, sub, ready: false, floors: new Map(), handedBefore: new Map(), tracker: new AckTracker(this.maxUnconfirmed) });
    this.names.add(spec.name);
    this.ledger!.send(
      spec.resumeFrom === undefined
        ? { kind: 'durableOpened', id: sub.id, durable: spec.name, pattern: sub.pattern }
        : { kind: 'durableOpened', id: sub.id, durable: spec.name, pattern: sub.pattern, given: spec.resumeFrom },
    );
  }

  /**
   * The receiver applied subscription `id`'s resume `positions`: the subscription to add to the
   * matcher and announce, or undefined when it is gone, closed, or was ready already.
   */
  ready(id: number, positions: readonly StreamResume[], handed: readonly StreamResume[] = []): Subscription<any> | undefined {
    const d = this.byId.get(id);
    if (d === undefined || d.ready || d.sub.isClosed) return undefined;
    d.ready = true;
    for (const p of positions) d.floors.set(streamKey(p.sender, p.subject), p.seq);
    for (const p of handed) d.handedBefore.set(streamKey(p.sender, p.subject), p.seq);
    return d.sub;
  }

  /**
   * Forgets subscription `id` (unsubscribed). False for a durable one that never became ready:
   * it never reached the matcher nor the subjects actor. Its positions stay in the ledger.
   */
  release(id: number): boolean {
    const d = this.byId.get(id);
    if (d === undefined) return true;
    this.byId.delete(id);
    this.names.delete(d.name);
    this.pacing.forget(id);
    this.schedule();
    return d.ready;
  }

  /** Subscription `id`'s durable state, or undefined when it is not durable. */
  of(id: number): DurableState | undefined {
    return this.byId.size === 0 ? undefined : this.byId.get(id);
  }

  /**
   * Durable `d`'s own Message for record `r`, which confirms on `ack()`; undefined when `d`
   * confirmed `r` before it (re)opened, or when `d` has `maxUnconfirmed` messages unconfirmed
   * (reported to `onOverflow`).
   */
  messageFor(d: DurableState, sender: PeerId, r: WireMessage, reply: ReplyPublisher, codec?: Codec, origin?: MessageOrigin): Message | undefined {
    const key = streamKey(sender.name, r.subject);
    const floor = d.floors.get(key);
    if (floor !== undefined && r.seq <= floor) return undefined;
    if (!d.tracker.delivered(key, r.seq)) {
      this.onOverflow(sender, r);
      return undefined;
    }
    const before = d.handedBefore.size === 0 ? undefined : d.handedBefore.get(key);
    this.noteHanded(d, sender.name, r.subject, r.seq);
    this.pace(d, key, sender.name, r.subject);
    return new Message(r.subject, sender, r.seq, origin === undefined ? r.replyTo : undefined, r.payload, r.flags, reply, () =>
      this.acknowledge(d, sender.name, r.subject, r.seq),
      codec,
      origin,
      before !== undefined && r.seq <= before,
    );
  }

  /**
   * Sends the positions confirmed since the last call to the ledger, as one message, with the
   * highest seqs handed to the application that no confirmation in it covers.
   */
  sendConfirmations(): void {
    this.confirmScheduled = false;
    clearTimeout(this.confirmTimer);
    this.confirmTimer = undefined;
    if (!this.closed) this.sendCaps();
    // After close the ledger is gone: late acknowledgements only mean a redelivery next time.
    if ((this.confirmBatch.size === 0 && this.handedBatch.size === 0) || this.ledger === undefined || this.closed) return;
    const positions = [...this.confirmBatch.values()];
    const handed: DurablePosition[] = [];
    for (const [k, h] of this.handedBatch) if ((this.confirmBatch.get(k)?.seq ?? 0) < h.seq) handed.push(h);
    this.confirmBatch = new Map();
    this.handedBatch = new Map();
    this.confirmations += positions.length;
    const msg: LedgerInbox = handed.length === 0 ? { kind: 'confirmed', positions } : { kind: 'confirmed', positions, handed };
    const ledger = this.ledger;
    // Not dropped when the mailbox is full: a lost confirmation means a needless redelivery.
    if (!ledger.trySend(msg)) void ledger.whenWritable().then(() => ledger.trySend(msg));
  }

  /** The actors have stopped: confirmations are no longer sent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.confirmTimer);
    this.confirmTimer = undefined;
  }

  /** Durable `d` handed message `seq` of stream (`sender`, `subject`) to the application: its mark goes to the ledger with the next batch. */
  private noteHanded(d: DurableState, sender: string, subject: string, seq: number): void {
    const k = `${d.name}\u0000${sender}\u0000${subject}`;
    const h = this.handedBatch.get(k);
    if (h === undefined) this.handedBatch.set(k, { durable: d.name, sender, subject, seq });
    else if (h.seq < seq) h.seq = seq;
    this.schedule();
  }

  private schedule(): void {
    if (this.confirmScheduled) return;
    this.confirmScheduled = true;
    queueMicrotask(this.afterTurn);
  }

  /**
   * Position caps go to the receiver at once (they pace the senders); the ledger batch goes now,
   * or, with a delay, once the delay after the first change it holds passed. Delaying only
   * delays what a crash forgets: those messages come again after a restart.
   */
  private readonly afterTurn = (): void => {
    if (this.confirmDelayMs === 0 || this.closed) {
      this.sendConfirmations();
      return;
    }
    this.confirmScheduled = false;
    this.sendCaps();
    if (this.confirmTimer !== undefined || (this.confirmBatch.size === 0 && this.handedBatch.size === 0)) return;
    this.confirmTimer = setTimeout(() => {
      this.confirmTimer = undefined;
      this.sendConfirmations();
    }, this.confirmDelayMs);
    this.confirmTimer.unref?.();
  };

  /** Durable `d`'s backlog of stream `key` may have crossed a pacing threshold (durable-pacing.ts). */
  private pace(d: DurableState, key: string, sender: string, subject: string): void {
    if (this.receiver === undefined || this.receiver.paceMessages <= 0) return;
    this.pacing.note(d.sub.id, key, sender, subject, d.tracker.backlogOf(key), d.tracker.oldestOf(key));
    this.schedule();
  }

  /** Hands the receiver the position caps that changed (not dropped when its mailbox is full). */
  private sendCaps(): void {
    const caps = this.pacing.take();
    const ref = this.receiver?.ref;
    if (caps.length === 0 || ref === undefined) return;
    const msg: ReceiverInbox = { kind: 'positionCaps', caps };
    if (!ref.trySend(msg)) void ref.whenWritable().then(() => ref.trySend(msg));
  }

  /** Durable `d`'s acknowledgement of message `seq` of stream (`sender`, `subject`). */
  private acknowledge(d: DurableState, sender: string, subject: string, seq: number): void {
    const key = streamKey(sender, subject);
    const position = d.tracker.ack(key, seq);
    this.pace(d, key, sender, subject);
    if (position === undefined || this.ledger === undefined) return;
    this.confirmBatch.set(`${d.name}\u0000${key}`, { durable: d.name, sender, subject, seq: position });
    this.schedule();
  }
}
