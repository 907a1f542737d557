/**
 * The durable subscriptions of a `Peer`: opening them at the ledger, the floors below which a
 * reopened one is not delivered again, and the confirmation of what the application acknowledged
 * (one `confirmed` message to the ledger per microtask, or at most one per
 * `durableConfirmDelayMs` when that is set: each message is a ledger write batch, and at a
 * moderate rate (a few messages per event-loop turn) one per turn was most of a zone bridge's
 * ledger work).
 *
 * Marks first (`durableConfirmDelayMs` 0, the default): a message is handed to the application
 * only once the ledger committed its stream's "handed up to" mark at or above its seq, so that a
 * message handed before a crash always comes again with `redelivered` set, and `redelivered`
 * false means never handed before. Messages above the committed mark wait here, in order, while
 * one `confirmed` message carries the mark of everything waiting (a token the ledger answers with
 * `durableMarked` once committed). They count as delivered for `maxQueuedPerSubscription` and
 * pacing. With a delay set, marks go with the delayed batch and lag the deliveries (the zone
 * bridge, which tells repeats by their origin, not by `redelivered`).
 *
 * Ownership: owned by the `Peer`, on the application thread. Positions live in the ledger; here
 * only what the open subscriptions delivered and did not confirm yet.
 */
import { show } from '../option-checks.js';
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
import { patternMatches } from '../subjects/subject.js';
import { MarkGate } from './mark-gate.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import type { AppStats } from './peer-stats.js';

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
  /** Marks first: the messages waiting for their handed mark, and the marks asked and committed. */
  readonly gate: MarkGate<HeldDelivery>;
}

/**
 * A mark asks at most this many seqs beyond the committed one: after a crash, at most this many
 * messages of a stream that were held, never handed, come again marked `redelivered`. The next
 * mark is asked before the application handles what the last one released, so that its commit
 * overlaps that work. A 50,000-message burst to a `'sync'` durable subscriber in the same process
 * ran at 0.84-0.97x of handing first with 8,192, 0.8x with 2,048 (6 December; with
 * bench/durable-delivery.mjs, 1.0x of marks following).
 */
const MARK_AHEAD = 8192;

/** A message a durable subscription took, waiting for its handed mark (marks first). */
interface HeldDelivery {
  readonly key: string;
  readonly seq: number;
  readonly sender: PeerId;
  readonly r: WireMessage;
  readonly reply: ReplyPublisher;
  readonly codec: Codec | undefined;
  readonly origin: MessageOrigin | undefined;
  readonly redelivered: boolean;
}

/** What {@link Durables.offer} answers for a message held until its mark is committed. */
export const HELD = Symbol('held');

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
  /** Marks first: `durableConfirmDelayMs` is 0 and there is a ledger. */
  private readonly marksFirst: boolean;
  /** Marks sent to the ledger and not reported committed, by token. */
  private readonly markTokens = new Map<number, { readonly d: DurableState; readonly key: string; readonly seq: number }[]>();
  /** Durable subscriptions with committed held messages still to hand (a release cut by its deadline). */
  private readonly releasing = new Set<DurableState>();
  private nextMarkToken = 1;
  /** Marks to send with the next batch (marks first), by durable + stream key. */
  private markBatch = new Map<string, { readonly d: DurableState; readonly key: string; readonly position: DurablePosition }>();
  /** Messages held until their mark was committed, since the peer started. */
  heldForMark = 0;

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
    this.marksFirst = ledger !== undefined && confirmDelayMs === 0;
  }

  /** Messages durable subscriptions took and hold until the ledger committed their mark. */
  get awaitingMark(): number {
    let n = 0;
    for (const d of this.byId.values()) n += d.gate.waiting;
    return n;
  }

  /** The durable part of `peer.stats().app` (peer-stats.ts). */
  stats(): Pick<AppStats, 'durableSubscriptions' | 'unconfirmed' | 'awaitingMark' | 'heldForMark' | 'pacedStreams' | 'pacings' | 'confirmations'> {
    return {
      durableSubscriptions: this.byId.size,
      unconfirmed: this.unconfirmed,
      awaitingMark: this.awaitingMark,
      heldForMark: this.heldForMark,
      pacedStreams: this.pacing.cappedStreams,
      pacings: this.pacing.capped,
      confirmations: this.confirmations,
    };
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
          throw new InvalidOptionError(`subscribe options.resumeFrom[${i}] must be { sender: string, subject: string, seq: integer >= 0, incarnation?: u32 }`);
        }
        if (p.incarnation !== undefined && !(Number.isInteger(p.incarnation) && p.incarnation >= 0 && p.incarnation <= 0xffffffff)) {
          throw new InvalidOptionError(`subscribe options.resumeFrom[${i}].incarnation must be an integer 0..4294967295, got ${show(p.incarnation)}`);
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
    return resumeFrom === undefined ? { name: durable, ack: mode } : { name: durable, ack: mode, resumeFrom: resumeFrom.map((p) => (p.incarnation === undefined ? { sender: p.sender, subject: p.subject, seq: p.seq } : { sender: p.sender, subject: p.subject, seq: p.seq, incarnation: p.incarnation })) };
  }

  /**
   * Opens `sub` (checked by {@link check}) under `spec.name`. The ledger hands its positions to
   * the receiver, which answers `durableReady` ({@link ready}); only then does the subscription
   * take messages (and its interest reach the receiver).
   * @throws BackpressureError when the ledger's mailbox is full; the caller unsubscribes `sub`.
   */
  open(sub: Subscription<any>, spec: DurableSpec): void {
    this.byId.set(sub.id, {
      ...spec,
      sub,
      ready: false,
      floors: new Map(),
      handedBefore: new Map(),
      tracker: new AckTracker(this.maxUnconfirmed),
      gate: new MarkGate(MARK_AHEAD),
    });
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
    for (const p of positions) {
      const key = streamKey(p.sender, p.subject);
      d.floors.set(key, p.seq);
      d.gate.committedAt(key, p.seq);
    }
    for (const p of handed) {
      const key = streamKey(p.sender, p.subject);
      d.handedBefore.set(key, p.seq);
      d.gate.committedAt(key, p.seq);
    }
    return d.sub;
  }

  /**
   * `sender` restarted without a ledger and numbers `subject` again (the receiver's
   * `streamReset`): for each durable subscription of the subject, the floor, the handed mark and
   * the unconfirmed messages of the old numbering no longer apply (the new numbering's seq 1 is
   * not one confirmed before), and the ledger's position becomes "nothing of `sender`'s numbering
   * yet". Before (6 December), the old position dropped the new numbering's messages at or
   * below it without a word.
   */
  renumbered(sender: PeerId, subject: string): void {
    if (this.byId.size === 0) return;
    const key = streamKey(sender.name, subject);
    const streams: { durable: string; sender: string; subject: string; incarnation: number }[] = [];
    for (const d of this.byId.values()) {
      if (!d.ready || !patternMatches(d.sub.pattern, subject)) continue;
      d.floors.delete(key);
      d.handedBefore.delete(key);
      d.tracker.forget(key);
      d.gate.renumbered(key);
      const k = `${d.name}\u0000${key}`;
      this.confirmBatch.delete(k);
      this.handedBatch.delete(k);
      this.pace(d, key, sender.name, subject);
      streams.push({ durable: d.name, sender: sender.name, subject, incarnation: sender.incarnation });
    }
    if (streams.length > 0 && this.ledger !== undefined && !this.closed) {
      const msg: LedgerInbox = { kind: 'durableRenumbered', streams };
      if (!this.ledger.trySend(msg)) void this.ledger.whenWritable().then(() => this.ledger!.trySend(msg));
    }
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
    // Held messages are not handed: their marks (committed or not) make them come again marked.
    d.gate.clear();
    this.pacing.forget(id);
    this.schedule();
    return d.ready;
  }

  /**
   * What every durable subscription holds for its mark now: a check that all of it has left
   * (handed, or dropped when its subscription closed); undefined when nothing is held.
   */
  heldNow(): (() => boolean) | undefined {
    let targets: [MarkGate<HeldDelivery>, number][] | undefined;
    for (const d of this.byId.values()) if (d.gate.waiting > 0) (targets ??= []).push([d.gate, d.gate.passed + d.gate.waiting]);
    if (targets === undefined) return undefined;
    const held = targets;
    return () => held.every(([gate, n]) => gate.passed >= n);
  }

  /** Subscription `id`'s durable state, or undefined when it is not durable. */
  of(id: number): DurableState | undefined {
    return this.byId.size === 0 ? undefined : this.byId.get(id);
  }

  /**
   * Durable `d`'s own Message for record `r`, which confirms on `ack()`, handed at once whatever
   * its mark (a bridge's loss marker, confirmed and never shown to the application); undefined
   * as {@link offer} says.
   */
  messageFor(d: DurableState, sender: PeerId, r: WireMessage, reply: ReplyPublisher, codec?: Codec, origin?: MessageOrigin): Message | undefined {
    const key = this.take(d, sender, r);
    if (key === undefined) return undefined;
    const redelivered = this.wasHanded(d, key, r.seq);
    this.noteHanded(d, sender.name, r.subject, r.seq);
    return this.message(d, sender, r, reply, codec, origin, redelivered);
  }

  /**
   * Durable `d` takes record `r`: its own Message, which confirms on `ack()`, to hand now;
   * {@link HELD} when it waits for its mark (marks first), to be pushed to `d`'s subscription in
   * order once the ledger committed it; undefined when `d` confirmed `r` before it (re)opened,
   * or when `d` has `maxUnconfirmed` messages unconfirmed (reported to `onOverflow`).
   */
  offer(d: DurableState, sender: PeerId, r: WireMessage, reply: ReplyPublisher, codec?: Codec, origin?: MessageOrigin): Message | typeof HELD | undefined {
    const key = this.take(d, sender, r);
    if (key === undefined) return undefined;
    const redelivered = this.wasHanded(d, key, r.seq);
    if (!this.marksFirst) {
      this.noteHanded(d, sender.name, r.subject, r.seq);
      return this.message(d, sender, r, reply, codec, origin, redelivered);
    }
    const held: HeldDelivery = { key, seq: r.seq, sender, r, reply, codec, origin, redelivered };
    if (d.gate.admit(held)) return this.message(d, sender, r, reply, codec, origin, redelivered);
    this.heldForMark++;
    this.askMark(d, key);
    return HELD;
  }

  /**
   * Asks the ledger (with the next batch) for stream `key`'s mark of `d` up to its newest held
   * message, at most {@link MARK_AHEAD} beyond the committed mark.
   */
  private askMark(d: DurableState, key: string): void {
    const ask = d.gate.nextAsk(key);
    if (ask === undefined) return;
    const { sender, r } = ask.high;
    this.markBatch.set(`${d.name}\u0000${key}`, { d, key, position: { durable: d.name, sender: sender.name, subject: r.subject, seq: ask.seq } });
    this.schedule();
  }

  /**
   * The ledger committed the marks sent with `token`: the held messages they cover go to their
   * subscriptions, in order, up to the first one still waiting. Stops once `deadlineMs`
   * (`performance.now()` time) passed, with more to hand (true): call again (with any token) to
   * go on. A release is up to 8,192 messages: handed in one go, it held the event loop 8.8 s for a
   * handler taking 1 ms (a user-style check, 7 December).
   */
  marked(token: number, deadlineMs = Number.POSITIVE_INFINITY): boolean {
    const marks = this.markTokens.get(token);
    if (marks !== undefined) {
      this.markTokens.delete(token);
      for (const { d, key, seq } of marks) {
        if (d.gate.committed(key, seq)) this.askMark(d, key);
        this.releasing.add(d);
      }
      // The next marks go before the application handles what these release: their commit
      // overlaps its work.
      if (this.markBatch.size > 0) this.sendConfirmations();
    }
    for (const d of this.releasing) {
      if (!this.handHeld(d, deadlineMs)) return true;
      this.releasing.delete(d);
    }
    return false;
  }

  /** Hands `d`'s held messages whose marks are committed to its subscription, in order; false when `deadlineMs` passed first. */
  private handHeld(d: DurableState, deadlineMs: number): boolean {
    let n = 0;
    while (this.byId.get(d.sub.id) === d && !d.sub.isClosed) {
      if ((++n & 3) === 0 && performance.now() >= deadlineMs) return false;
      const h = d.gate.release();
      if (h === undefined) break;
      if (!d.sub.push(this.message(d, h.sender, h.r, h.reply, h.codec, h.origin, h.redelivered))) this.onOverflow(h.sender, h.r);
    }
    return true;
  }

  /**
   * Durable `d` takes record `r` (not below its floor, room under `maxUnconfirmed`): its stream
   * key, or undefined when it does not.
   */
  private take(d: DurableState, sender: PeerId, r: WireMessage): string | undefined {
    const key = streamKey(sender.name, r.subject);
    const floor = d.floors.get(key);
    if (floor !== undefined && r.seq <= floor) return undefined;
    if (!d.tracker.delivered(key, r.seq)) {
      this.onOverflow(sender, r);
      d.sub.dropped(r.subject, sender.name, r.seq);
      return undefined;
    }
    this.pace(d, key, sender.name, r.subject);
    return key;
  }

  /**
   * Of a loss of `from..to` on stream (`sender`, `subject`), the last seq that every ready
   * durable subscription of the subject may have been handed before it opened (what would have
   * come again marked `redelivered`, and cannot), or undefined when none of the range. Before
   * (6 December) nothing told that part apart: a durable subscriber SIGKILLed while its
   * confirmations lagged its handler was told, at its restart, that the thousands of messages it
   * had handled were lost, like those it never saw.
   */
  unconfirmedThrough(sender: string, subject: string, from: number, to: number): number | undefined {
    let handed = 0;
    let durables = 0;
    const key = streamKey(sender, subject);
    for (const d of this.byId.values()) {
      if (!d.ready || !patternMatches(d.sub.pattern, subject)) continue;
      const before = d.handedBefore.get(key) ?? 0;
      handed = durables++ === 0 ? before : Math.min(handed, before);
    }
    const through = Math.min(to, handed);
    return through < from ? undefined : through;
  }

  /**
   * The receiver reported messages of stream (`sender`, `subject`) up to `to` lost for every
   * subscription of the peer (not `'durableBehind'`, which is one subscription's), and the
   * `dataLoss` event was emitted: for each ready durable subscription of the subject that
   * acknowledges automatically they count as handled, so its position moves past them once what
   * came before is confirmed. Before (6 December), it moved only with the next message handled:
   * a durable subscriber killed after the event and before that was told the same loss again at
   * its next start (a user-style check: 231,425..739,328 said twice). With `ack: 'manual'` the
   * loss is said again after a restart until a later message is acknowledged (the zone bridge
   * stores a loss record for it: it must hear it again if it crashed before that).
   */
  lost(sender: PeerId, subject: string, to: number): void {
    if (this.byId.size === 0 || this.ledger === undefined) return;
    const key = streamKey(sender.name, subject);
    for (const d of this.byId.values()) {
      if (!d.ready || d.ack !== 'auto' || !patternMatches(d.sub.pattern, subject)) continue;
      const floor = d.floors.get(key);
      if (floor !== undefined && to <= floor) continue;
      const position = d.tracker.passed(key, to);
      if (position !== undefined) this.confirm(d, sender, subject, key, position);
    }
  }

  /** Whether `d` handed message `seq` of stream `key` before it opened (it comes again marked). */
  private wasHanded(d: DurableState, key: string, seq: number): boolean {
    const before = d.handedBefore.size === 0 ? undefined : d.handedBefore.get(key);
    return before !== undefined && seq <= before;
  }

  private message(d: DurableState, sender: PeerId, r: WireMessage, reply: ReplyPublisher, codec: Codec | undefined, origin: MessageOrigin | undefined, redelivered: boolean): Message {
    return new Message(r.subject, sender, r.seq, origin === undefined ? r.replyTo : undefined, r.payload, r.flags, reply, () =>
      this.acknowledge(d, sender, r.subject, r.seq),
      codec,
      origin,
      redelivered,
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
    if ((this.confirmBatch.size === 0 && this.handedBatch.size === 0 && this.markBatch.size === 0) || this.ledger === undefined || this.closed) return;
    const positions = [...this.confirmBatch.values()];
    const handed: DurablePosition[] = [];
    for (const [k, h] of this.handedBatch) if ((this.confirmBatch.get(k)?.seq ?? 0) < h.seq) handed.push(h);
    let markToken: number | undefined;
    if (this.markBatch.size > 0) {
      // A mark is written even when a confirmation in this batch covers it: the held messages
      // wait for the ledger's word, and a position above the mark is harmless.
      markToken = this.nextMarkToken++;
      const marks: { d: DurableState; key: string; seq: number }[] = [];
      for (const { d, key, position } of this.markBatch.values()) {
        handed.push(position);
        marks.push({ d, key, seq: position.seq });
      }
      this.markTokens.set(markToken, marks);
    }
    this.confirmBatch = new Map();
    this.handedBatch = new Map();
    this.markBatch = new Map();
    this.confirmations += positions.length;
    const msg: LedgerInbox =
      markToken !== undefined ? { kind: 'confirmed', positions, handed, markToken } : handed.length === 0 ? { kind: 'confirmed', positions } : { kind: 'confirmed', positions, handed };
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

  /**
   * Iterated subscription `id` (not durable) has `backlog` messages of stream `key` waiting in its
   * queue, the oldest `oldestSeq`: paced as a durable backlog is (iterator-pacing.ts).
   */
  paceQueue(id: number, key: string, sender: string, subject: string, backlog: number, oldestSeq: number): void {
    if (this.receiver === undefined || this.receiver.paceMessages <= 0 || this.closed) return;
    this.pacing.note(id, key, sender, subject, backlog, oldestSeq);
    this.schedule();
  }

  /** Iterated subscription `id` ended: its caps are lifted. */
  forgetQueue(id: number): void {
    if (this.closed) return;
    this.pacing.forget(id);
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
  private acknowledge(d: DurableState, sender: PeerId, subject: string, seq: number): void {
    const key = streamKey(sender.name, subject);
    const position = d.tracker.ack(key, seq);
    this.pace(d, key, sender.name, subject);
    if (position === undefined || this.ledger === undefined) return;
    this.confirm(d, sender, subject, key, position);
  }

  /** Durable `d`'s position in stream `key` (`sender`, `subject`) moved to `position`: stored with the next batch. */
  private confirm(d: DurableState, sender: PeerId, subject: string, key: string, position: number): void {
    this.confirmBatch.set(`${d.name}\u0000${key}`, { durable: d.name, sender: sender.name, subject, seq: position, incarnation: sender.incarnation });
    this.schedule();
  }
}
