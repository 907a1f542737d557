/**
 * The receiver's set of streams: making one (within its quotas, at a resume position if one was
 * given), parking and unparking it, and forgetting senders to make room or when they expire
 * unlisted. The {@link Receiver} (receiver.ts) decides when; this keeps the count and the
 * memory they share (reorder rings, repair times) consistent.
 */
import { streamKey, type PeerId } from '../../codecs/frame.js';
import type { Rng } from '../core.js';
import type { BufferBudget } from './buffer-budget.js';
import type { DeadlineQueue } from './deadline-queue.js';
import { isSeq } from './input-checks.js';
import type { ResolvedReceiverOptions } from './options.js';
import type { ReceiverCounters } from './receiver-counters.js';
import type { ReceiverSink } from './receiver-sink.js';
import type { HeldItem } from './reorder-buffer.js';
import { ReorderRingPool } from './reorder-ring.js';
import { RepairTime } from './repair-time.js';
import type { SenderEntry, SenderTable } from './sender-table.js';
import { StreamReceiver } from './stream-receiver.js';
import { StreamState, type StreamEvents } from './stream-state.js';
import type { UnlistedSenders } from './unlisted-senders.js';

export type SenderState = SenderEntry<StreamState>;

/** What {@link ReceiverStreams} shares with the receiver that owns it. */
export interface ReceiverStreamsDeps {
  readonly sink: ReceiverSink;
  readonly rng: Rng;
  readonly options: ResolvedReceiverOptions;
  readonly counters: ReceiverCounters;
  readonly budget: BufferBudget;
  readonly table: SenderTable<StreamState>;
  readonly unlisted: UnlistedSenders;
  /** The receiver's timer queue: a stream parked or forgotten leaves it. */
  readonly queue: DeadlineQueue<StreamState>;
  /** Every stream's outputs. */
  readonly events: StreamEvents;
}

/** The streams of every sender the receiver tracks: see the file overview. */
export class ReceiverStreams {
  private readonly sink: ReceiverSink;
  private readonly rng: Rng;
  private readonly options: ResolvedReceiverOptions;
  private readonly counters: ReceiverCounters;
  private readonly budget: BufferBudget;
  private readonly table: SenderTable<StreamState>;
  private readonly unlisted: UnlistedSenders;
  private readonly queue: DeadlineQueue<StreamState>;
  private readonly events: StreamEvents;
  /** The streams' spare reorder ring (one). */
  private readonly rings = new ReorderRingPool<HeldItem>();
  /** `startAt` positions of streams not seen yet (at most `maxStreams`). */
  private readonly resume = new Map<string, { readonly nextSeq: number; readonly numberedBy: number | undefined }>();
  /** NAK repair time per sender, shared by its streams (they are served by one retransmit path). */
  private readonly repairTimes = new WeakMap<SenderState, RepairTime>();
  private streamCount = 0;
  /** Limits already said (each once: the counters say how often since). */
  private readonly limitsSaid = new Set<string>();

  constructor(deps: ReceiverStreamsDeps) {
    this.sink = deps.sink;
    this.rng = deps.rng;
    this.options = deps.options;
    this.counters = deps.counters;
    this.budget = deps.budget;
    this.table = deps.table;
    this.unlisted = deps.unlisted;
    this.queue = deps.queue;
    this.events = deps.events;
  }

  /** Streams tracked, parked ones and departed senders' remembered ones included (at most `maxStreams`). */
  get count(): number {
    return this.streamCount;
  }

  /**
   * Where a stream not seen yet begins: `nextSeq` (a durable subscription's `startAt`), counted in
   * incarnation `numberedBy`'s numbering when known.
   */
  resumeAt(senderName: string, subject: string, nextSeq: number, numberedBy?: number): void {
    const key = streamKey(senderName, subject);
    this.resume.delete(key);
    if (this.resume.size >= this.options.maxStreams) {
      for (const k of this.resume.keys()) {
        this.resume.delete(k); // the oldest
        break;
      }
    }
    this.resume.set(key, { nextSeq, numberedBy });
  }

  /**
   * A new stream of `subject` from `sender` (`s`: its state, undefined for a sender not seen yet),
   * beginning at `begin` unless `startAt` gave it a position; a parked stream is unparked instead.
   * Undefined (counted) when a quota refuses it.
   */
  createStream(
    nowMs: number,
    sender: PeerId,
    s: SenderState | undefined,
    subject: string,
    begin: number,
    startSeq = 0,
  ): StreamState | undefined {
    const parkedSeq = s?.parked?.get(subject);
    if (parkedSeq !== undefined) return this.unpark(s as SenderState, subject, parkedSeq);
    const unlisted = s === undefined ? !this.unlisted.isListed(sender.name) : this.unlisted.holds(s.name);
    if (!this.admitStream(s, unlisted)) {
      if (!unlisted) this.sayLimit(s, sender, subject);
      return undefined;
    }
    s ??= this.table.add(nowMs, sender);
    if (unlisted) this.unlisted.addStream(nowMs, s.name);
    const key = streamKey(s.name, subject);
    const resume = this.resume.get(key);
    let resumeSeq: number | undefined;
    let renumbered = false;
    if (resume !== undefined) {
      this.resume.delete(key);
      resumeSeq = resume.nextSeq;
      // Another incarnation than the one the position counts in, whose numbering of the stream
      // starts at or below the position: it numbers again (restarted without a ledger; one with a
      // ledger continues above everything it sent). The position means nothing in it.
      if (resume.numberedBy !== undefined && resume.numberedBy !== sender.incarnation && isSeq(startSeq) && startSeq < resume.nextSeq) {
        resumeSeq = undefined;
        begin = startSeq;
        renumbered = true;
      }
    }
    const st = new StreamState(subject, s, resumeSeq ?? 0, this.events);
    st.stream = this.newStream(st, resumeSeq ?? begin);
    s.streams.set(subject, st);
    this.streamCount++;
    this.counters.streamsCreated++;
    if (renumbered) {
      this.counters.resumedRenumbered++;
      this.sink.streamReset(sender, subject, begin);
    }
    return st;
  }

  /** A {@link StreamReceiver} for `st` beginning at `begin`, sharing its sender's repair time. */
  newStream(st: StreamState, begin: number): StreamReceiver {
    let repairTime = this.repairTimes.get(st.sender);
    if (repairTime === undefined) this.repairTimes.set(st.sender, (repairTime = new RepairTime(this.options)));
    const sender = st.sender.name;
    const othersMayNak = (): boolean => this.unlisted.listsOtherThan(sender);
    return new StreamReceiver({ out: st, rng: this.rng, budget: this.budget, counters: this.counters, repairTime, othersMayNak, rings: this.rings }, this.options, begin);
  }

  /** Keeps only the stream's next sequence (it still counts as a stream). */
  park(s: SenderState, st: StreamState): void {
    (s.parked ??= new Map()).set(st.subject, st.stream.nextSeq);
    s.streams.delete(st.subject);
    this.queue.remove(st);
    s.positionsDirty?.delete(st);
    // A Map iterator left behind keeps the table it started on alive, with every stream in it:
    // the refresh slice starts over instead (measured: 32,767 parked streams held that way).
    s.refreshCursor = undefined;
    this.counters.streamsParked++;
  }

  /** Makes a parked stream whole again from its next sequence; the first heartbeat checks the sender did not renumber. */
  unpark(s: SenderState, subject: string, nextSeq: number): StreamState {
    s.parked?.delete(subject);
    const st = new StreamState(subject, s, nextSeq, this.events);
    st.stream = this.newStream(st, nextSeq);
    st.reportedSeq = nextSeq - 1; // its position was reported before it parked
    s.streams.set(subject, st);
    this.counters.streamsUnparked++;
    return st;
  }

  /** Says, once per limit, that a listed sender's new stream was refused for a full table. */
  private sayLimit(s: SenderState | undefined, sender: PeerId, subject: string): void {
    const limit = s !== undefined && s.streams.size >= this.options.maxStreamsPerSender ? 'maxStreamsPerSender' : 'maxStreams';
    if (this.limitsSaid.has(limit)) return;
    this.limitsSaid.add(limit);
    this.sink.limitMet?.(limit, sender, subject);
  }

  /**
   * Whether a new stream of sender `s` (undefined: a sender not seen yet) may be opened: within
   * `maxStreamsPerSender`; within `maxUnlistedStreams` when the sender is `unlisted`; and within
   * `maxStreams`, making room by forgetting departed senders, then (for a listed sender only)
   * unlisted ones. Counts a refusal.
   */
  private admitStream(s: SenderState | undefined, unlisted: boolean): boolean {
    if (s !== undefined && s.streams.size + (s.parked?.size ?? 0) >= this.options.maxStreamsPerSender) {
      this.counters.streamsRefusedSenderQuota++;
      return false;
    }
    if (unlisted && !this.unlisted.hasRoom()) {
      this.counters.streamsRefusedUnlisted++;
      return false;
    }
    if (this.streamCount < this.options.maxStreams || this.evictDeparted() || (!unlisted && this.evictUnlisted(s))) return true;
    this.counters.streamsRefused++;
    return false;
  }

  /** Forgets the longest-departed senders until a stream fits; false when none is left. */
  private evictDeparted(): boolean {
    for (let s = this.table.forgetOldestDeparted(); s !== undefined; s = this.table.forgetOldestDeparted()) {
      this.dropStreams(s);
      this.counters.streamsEvicted += s.streams.size;
      if (this.streamCount < this.options.maxStreams) return true;
    }
    return false;
  }

  /** Forgets unlisted senders (not `keep`), longest-known first, until a stream fits; false when none is left. */
  private evictUnlisted(keep: SenderState | undefined): boolean {
    for (const name of this.unlisted.names()) {
      const s = this.table.get(name);
      if (s === keep) continue;
      if (s === undefined) this.unlisted.forget(name);
      else {
        this.counters.streamsEvictedUnlisted += s.streams.size;
        this.forget(s);
      }
      if (this.streamCount < this.options.maxStreams) return true;
    }
    return false;
  }

  /**
   * Senders not listed `unlistedSenderExpiryMs` after their first stream are settled as departed
   * (what they left pending is delivered or reported lost, never dropped silently); one still
   * departed a period later (not heard since) is forgotten.
   */
  expireUnlisted(nowMs: number): void {
    for (const name of this.unlisted.takeDue(nowMs)) {
      const s = this.table.get(name);
      if (s === undefined) this.unlisted.forget(name);
      else if (s.departed) {
        this.counters.unlistedSendersForgotten++;
        this.forget(s);
      } else {
        this.settle(s);
        this.table.depart(s);
        this.counters.unlistedSendersExpired++;
      }
    }
  }

  /** Forgets `s` and its streams, settling them first if it has not departed. */
  private forget(s: SenderState): void {
    if (!s.departed) this.settle(s);
    this.table.forget(s.name);
    this.dropStreams(s);
  }

  /** Everything pending of `s`'s streams is delivered or reported lost (`'senderLeft'`), and their memory released. */
  private settle(s: SenderState): void {
    for (const st of s.streams.values()) {
      st.stream.close('senderLeft');
      st.reassembler?.clear();
    }
  }

  /** The streams of `s`, forgotten by the table, leave the counts and the timer queue. */
  private dropStreams(s: SenderState): void {
    for (const st of s.streams.values()) this.queue.remove(st);
    this.streamCount -= s.streams.size + (s.parked?.size ?? 0);
    this.unlisted.forget(s.name);
  }

  /**
   * A durable subscription resumes at `nextSeq` of the tracked stream `st` ({@link Receiver.startAt});
   * `othersWant`: another subscription of this peer wants the subject. Returns whether the
   * stream moved (the caller re-arms it).
   */
  startTrackedAt(nowMs: number, st: StreamState, nextSeq: number, othersWant: boolean): boolean {
    const old = st.stream;
    if (nextSeq > old.nextSeq) {
      old.skipTo(nowMs, nextSeq);
      st.reassembler?.dropBelow(nextSeq);
    }
    // Back to it when the stream released nothing yet, or when no other subscription here wants
    // the subject (the durable one's interest comes after this): nobody gets a message twice, and
    // the stream asks the sender again for what it released meanwhile. Before (6 December), a
    // durable subscription unsubscribed and opened again on the same peer skipped what was
    // published while it was closed, without a word (a user-style check: 100 of 400 missing).
    else if (nextSeq < old.nextSeq && (!old.started || !othersWant)) {
      old.skipTo(nowMs, old.highSeq + 1); // frees its buffer without delivering
      st.reassembler?.clear();
      st.stream = this.newStream(st, nextSeq);
      st.stream.onStreamInfo(nowMs, 1, old.highSeq);
    } else {
      // Other subscriptions here received nextSeq.. already: the durable one cannot have them
      // without handing them to the others twice. Said, not skipped silently.
      if (nextSeq < old.nextSeq && old.started) {
        this.counters.durableBehind += old.nextSeq - nextSeq;
        this.sink.dataLoss({ sender: st.peer, subject: st.subject, from: nextSeq, to: old.nextSeq - 1, reason: 'durableBehind' });
      }
      return false;
    }
    st.resumeCheck = nextSeq;
    return true;
  }
}
