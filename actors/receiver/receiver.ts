/**
 * The receiver core: every tracked stream of every sender, their incarnations, the shared
 * memory budget and the timer queue. Streams are made, parked and forgotten by
 * {@link ReceiverStreams} (receiver-streams.ts); their outputs become sink calls in
 * {@link StreamOutputs} (stream-outputs.ts). Which sender state and stream a frame goes to (and
 * a stream's resync to a new incarnation) is {@link StreamRouter}'s (stream-router.ts); how a
 * message or fragment lands in its stream is counted in message-outcomes.ts.
 */
import {
  MESSAGE_FLAGS,
  type PeerId,
  type ResumedFrom,
  type StreamInfo,
  type StreamPosition,
  type WireMessage,
} from '../../codecs/frame.js';
import { InvalidOptionError } from '../../errors.js';
import { earliest, type Rng, type TimerCore } from '../core.js';
import { BufferBudget } from './buffer-budget.js';
import { DeadlineQueue } from './deadline-queue.js';
import { isMessage, isPeer, isSeq, isStreamInfo } from './input-checks.js';
import { resolveReceiverOptions, type ReceiverOptions, type ResolvedReceiverOptions } from './options.js';
import { newReceiverCounters, type ReceiverCounters } from './receiver-counters.js';
import type { ReceiverSink } from './receiver-sink.js';
import { ReceiverStreams, type SenderState } from './receiver-streams.js';
import { SenderTable } from './sender-table.js';
import { StreamOutputs } from './stream-outputs.js';
import type { DataRecords } from '../../codecs/data-records.js';
import { olderInfoBy, olderResumedBy, UnadvertisedHold, type RefusesSource } from './unadvertised-hold.js';
import { UnlistedSenders } from './unlisted-senders.js';
import { notePosition, takePositionReport } from './position-reports.js';
import type { StreamState } from './stream-state.js';
import { IdleSweep } from './idle-sweep.js';
import type { StreamBeginRules } from './stream-begin.js';
import type { ReceiverDeps } from './receiver-deps.js';
import { HOLD, StreamRouter, unsynced } from './stream-router.js';
import { countOutcome, takeFragment, type FragmentContext } from './message-outcomes.js';

/**
 * Receives every stream of every sender: see the folder overview (`index.ts`) for the rules.
 * Inputs are untrusted (validated, counted when dropped); outputs go to the {@link ReceiverSink}
 * synchronously. One timer: {@link nextDeadlineMs} / {@link onTimer}.
 */
export class Receiver implements TimerCore {
  readonly counters: ReceiverCounters = newReceiverCounters();
  readonly options: ResolvedReceiverOptions;
  private readonly sink: ReceiverSink;
  private readonly rng: Rng;
  private readonly isInterested: (subject: string) => boolean;
  private readonly budget: BufferBudget;
  private readonly table: SenderTable<StreamState>;
  /** Frames of incarnations not advertised yet, until their ADVERT (bounded in items, bytes and time). */
  private readonly hold: UnadvertisedHold;
  private readonly queue = new DeadlineQueue<StreamState>((st) => this.deadlineOf(st));
  /** Senders not listed by the receiver list (no advert): their pool of streams and expiry. */
  private readonly unlisted: UnlistedSenders;
  /** The streams: made, parked and forgotten there. */
  private readonly tracked: ReceiverStreams;
  /** Which sender state and stream each frame goes to. */
  private readonly router: StreamRouter;
  /** What fragments are reassembled with. */
  private readonly fragments: FragmentContext;
  /** The latest `nowMs` seen: the time of {@link startAt} and of `activeAtMs`. */
  private lastNowMs = 0;
  /** When and over which streams idle ones are looked for. */
  private readonly idleSweep = new IdleSweep();

  constructor(deps: ReceiverDeps, options: ReceiverOptions = {}) {
    this.sink = deps.sink;
    this.rng = deps.rng;
    this.isInterested = deps.isInterested;
    this.options = resolveReceiverOptions(options);
    const o = this.options;
    const beginRules: StreamBeginRules = { interestSinceMs: deps.interestSinceMs, lateJoinMaxMessages: o.lateJoinMaxMessages, counters: this.counters };
    this.budget = new BufferBudget(o.maxBufferedBytes, o.maxBufferedBytes - o.maxMessageBytes);
    this.table = new SenderTable(o.resyncGraceMs, o.maxStreams, deps.firstContact ?? true);
    this.hold = new UnadvertisedHold(this.counters, Math.max(o.resyncGraceMs, deps.unadvertisedHoldMs ?? 0));
    this.unlisted = new UnlistedSenders(o);
    const events = new StreamOutputs(this.sink, this.counters, o);
    this.tracked = new ReceiverStreams({ sink: this.sink, rng: this.rng, options: o, counters: this.counters, budget: this.budget, table: this.table, unlisted: this.unlisted, queue: this.queue, events });
    this.router = new StreamRouter({ sink: this.sink, counters: this.counters, isInterested: this.isInterested, beginRules, table: this.table, unlisted: this.unlisted, tracked: this.tracked });
    this.fragments = { budget: this.budget, counters: this.counters, options: o };
  }

  /** Messages held: out of order plus fragments being reassembled. */
  get bufferedMessages(): number {
    return this.budget.messages;
  }
  /** Payload bytes held (at most `maxBufferedBytes`). */
  get bufferedBytes(): number {
    return this.budget.bytes;
  }
  get peakBufferedMessages(): number {
    return this.budget.peakMessages;
  }
  get peakBufferedBytes(): number {
    return this.budget.peakBytes;
  }
  /** Streams tracked, departed senders' remembered ones included (at most `maxStreams`). */
  get streams(): number {
    return this.tracked.count;
  }
  /** Messages and heartbeat entries held back now for want of their incarnation's ADVERT. */
  get unadvertisedHolding(): number {
    return this.hold.size;
  }

  /** Of {@link streams}, those of senders not listed (at most `maxUnlistedStreams`). */
  get unlistedStreams(): number {
    return this.unlisted.streams;
  }

  /**
   * The receiver list lists `senderName` (an advert of it was heard), or no longer does. A
   * sender listed when its first stream opens, or listed since, is not held to the pool and
   * expiry of unlisted senders (`maxUnlistedStreams`, `unlistedSenderExpiryMs`).
   */
  setListed(senderName: string, listed: boolean): void {
    if (typeof senderName === 'string') this.unlisted.setListed(senderName, listed);
  }

  /**
   * A message of a DATA or RETRANSMIT frame. `streamStartSeq`: the stream's first sequence in
   * the sender's incarnation (DATA subject table); 0 for RETRANSMIT (unknown). `streamAgeMs`:
   * how long before now that first sequence was sent (DATA), if known.
   */
  onData(nowMs: number, sender: PeerId, streamStartSeq: number, msg: WireMessage, streamAgeMs?: number, resumed?: ResumedFrom): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    if (!isPeer(sender) || !isMessage(msg)) {
      this.counters.invalidInputs++;
      return;
    }
    const s = this.router.admit(nowMs, sender);
    if (s === null) return;
    if (s === HOLD) {
      this.hold.holdData(nowMs, sender, streamStartSeq, msg, streamAgeMs, resumed);
      return;
    }
    const st = this.router.streamOf(nowMs, sender, s, streamStartSeq, msg.subject, msg.seq, streamAgeMs, resumed);
    if (st === undefined) return;
    // A RETRANSMIT message (no stream start) times the repair of the gap it fills.
    const retransmitted = streamStartSeq === 0;
    if ((msg.flags & MESSAGE_FLAGS.fragment) !== 0) takeFragment(nowMs, st, msg, retransmitted, this.fragments);
    else countOutcome(this.counters, st.stream.onMessage(nowMs, msg, retransmitted));
    this.changed(st);
  }

  /**
   * The record at `offset` of a DATA datagram (checked by its decoder), as {@link onData} takes
   * a message: a whole message is decoded only when its stream releases it, and held as bytes
   * until then (reorder-buffer.ts). `host:port`: where the datagram came from, kept with what is
   * held until its incarnation advertises ({@link onAdvert}).
   */
  onDataRecord(nowMs: number, d: DataRecords, offset: number, host?: string, port = 0): void {
    const e = d.streamAt(offset);
    const s = this.router.admit(nowMs, d.sender);
    if (s === null || s === HOLD) {
      this.noteNow(nowMs);
      if (s === HOLD) this.hold.holdData(nowMs, d.sender, e.startSeq, d.messageAt(offset), e.ageMs, e.resumed, host, port);
      return;
    }
    // A known, synced stream first: the stream-start facts are read only to make or resync one.
    let st = s?.streams.get(e.subject);
    if (st === undefined || unsynced(st)) {
      st = this.router.streamOf(nowMs, d.sender, s, e.startSeq, e.subject, d.seqAt(offset), e.ageMs, e.resumed);
      if (st === undefined) return this.noteNow(nowMs);
    }
    if ((d.flagsAt(offset) & MESSAGE_FLAGS.fragment) !== 0) takeFragment(nowMs, st, d.messageAt(offset), false, this.fragments);
    else countOutcome(this.counters, st.stream.onRecord(nowMs, d, offset));
    // The time is noted last: once compared as a number, V8 passed `nowMs` to every call after
    // it as a new heap number (0.5-0.8 objects a message in the subscriber's allocation profile).
    this.noteNow(nowMs);
    this.changed(st);
  }

  /** Notes `nowMs` as the latest time seen (see {@link lastNowMs}). */
  private noteNow(nowMs: number): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
  }

  /**
   * A HEARTBEAT: per stream, tail loss (`highSeq`), what is no longer held (`lowSeq`), and late
   * join. `host:port`: where it came from, as for {@link onDataRecord}.
   */
  onHeartbeat(nowMs: number, sender: PeerId, streams: readonly StreamInfo[], host?: string, port = 0): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    if (!isPeer(sender) || !Array.isArray(streams)) {
      this.counters.invalidInputs++;
      return;
    }
    const admitted = this.router.admit(nowMs, sender);
    if (admitted === null) return;
    if (admitted === HOLD) {
      this.hold.holdHeartbeat(nowMs, sender, streams, host, port);
      return;
    }
    let s: SenderState | undefined = admitted;
    for (const info of streams) {
      if (!isStreamInfo(info)) {
        this.counters.invalidInputs++;
        continue;
      }
      let st: StreamState | undefined = s?.streams.get(info.subject);
      if (st === undefined) {
        st = this.router.streamOfEntry(nowMs, sender, s, info);
        if (st === undefined) continue;
        s = st.sender;
      } else if (unsynced(st)) this.router.resync(st, info.startSeq);
      if (st.resumeCheck > 0) {
        const resumedAt = st.resumeCheck;
        st.resumeCheck = 0;
        // The sender has not sent what we resume after: it renumbered (restart without ledger).
        if (info.highSeq + 1 < resumedAt) this.router.reset(st, info.startSeq);
      }
      const outcome = st.stream.onStreamInfo(nowMs, info.lowSeq, info.highSeq);
      if (outcome === 'implausible') this.counters.implausibleHeartbeats++;
      else if (outcome === 'followed') this.counters.farAheadFollowed++;
      this.changed(st);
    }
  }

  /** The sender no longer holds `from..to` of `subject` (RETRANSMIT `unavailable`). */
  onUnavailable(nowMs: number, sender: PeerId, subject: string, from: number, to: number): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    if (!isPeer(sender) || typeof subject !== 'string' || !isSeq(from) || !isSeq(to) || from > to) {
      this.counters.invalidInputs++;
      return;
    }
    const s = this.router.admit(nowMs, sender);
    if (s === HOLD) {
      this.counters.unadvertisedDropped++;
      return;
    }
    const st = s?.streams.get(subject);
    if (st === undefined) return;
    this.counters.unavailableReports++;
    st.stream.onUnavailable(nowMs, from, to);
    this.changed(st);
  }

  /**
   * `peer` advertised itself (an ADVERT of it was heard and listed): the evidence that its
   * incarnation is the sender's own. A new incarnation of a known sender is adopted here, and
   * only here (the previous one is retired; pending gaps are NAKed afresh to the new one once
   * each stream is resynchronized), never on a DATA or HEARTBEAT frame that merely names it;
   * the frames of `peer` held back meanwhile are then applied, in arrival order, but those that
   * came from an address `refuses` names (the advert did not prove `peer` sends from there).
   */
  onAdvert(nowMs: number, peer: PeerId, refuses?: RefusesSource): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    if (!isPeer(peer)) {
      this.counters.invalidInputs++;
      return;
    }
    this.table.noteAdvertised(peer);
    const s = this.table.get(peer.name);
    if (s !== undefined && s.current.incarnation !== peer.incarnation) {
      // Parked streams follow the old numbering: made whole first, they resynchronize like the rest.
      this.unparkAll(s);
      this.table.adopt(nowMs, s, peer);
      this.counters.incarnationChanges++;
      // NAKs so far went to the old incarnation: start afresh with the new one (held until
      // each stream is resynchronized or the grace ends).
      this.retargetAll(nowMs, s);
    } else if (s !== undefined && this.table.revive(s, peer.incarnation)) {
      // Retired by a BYE, yet advertising after the receiver list's tombstone: a closed peer
      // does not, so that BYE was forged. Its streams go on from their positions, NAKing gaps.
      this.counters.incarnationsRevived++;
      this.retargetAll(nowMs, s);
    }
    for (const f of this.hold.take(nowMs, peer, refuses)) {
      // The stream's age was measured on arrival.
      const heldMs = nowMs - f.atMs;
      if (f.kind === 'data') this.onData(nowMs, peer, f.startSeq, f.msg, f.ageMs === undefined ? undefined : f.ageMs + heldMs, olderResumedBy(f.resumed, heldMs));
      else this.onHeartbeat(nowMs, peer, heldMs === 0 ? f.streams : f.streams.map((i) => (i === null || typeof i !== 'object' ? i : olderInfoBy(i, heldMs))));
    }
  }

  /**
   * The sender left: everything pending of its streams is settled (buffered messages delivered,
   * missing ones reported lost, `'senderLeft'`) and only the streams' positions are kept, so a
   * return continues without redelivering. `'bye'` retires the incarnation (its late frames are
   * ignored); `'expired'` does not (it may have been unreachable and come back). With
   * `incarnation` other than the current one, only that incarnation is retired.
   */
  onSenderLeft(senderName: string, cause: 'bye' | 'expired' = 'bye', incarnation?: number): void {
    this.table.forgetAdvertised(senderName, incarnation);
    const s = this.table.get(senderName);
    if (s === undefined) return;
    if (incarnation !== undefined && incarnation !== s.current.incarnation) {
      if (cause === 'bye') this.table.retire(s, incarnation);
      return;
    }
    if (cause === 'bye') this.table.retire(s, s.current.incarnation);
    if (s.departed) return;
    for (const st of s.streams.values()) {
      st.stream.close('senderLeft');
      st.reassembler?.clear();
    }
    this.table.depart(s);
    this.counters.sendersLeft++;
  }

  /** When {@link onTimer} should run next; `undefined`: nothing pending. */
  nextDeadlineMs(): number | undefined {
    return earliest(this.queue.peekMs(), earliest(this.hold.nextDeadlineMs(), this.unlisted.nextDeadlineMs()));
  }

  /**
   * Sends due NAKs and gives up gaps out of retries, for every stream due at `nowMs`; drops the
   * held frames of incarnations that did not advertise in time.
   */
  onTimer(nowMs: number): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    this.hold.onTimer(nowMs);
    this.tracked.expireUnlisted(nowMs);
    for (const st of this.queue.takeDue(nowMs)) {
      // A queue entry may predate the hold of an unsynced stream, so the hold is checked here.
      const held = unsynced(st) && nowMs < st.sender.resyncUntilMs;
      if (!held) st.stream.onTimer(nowMs, st.sender.lastHeardMs);
      this.changed(st);
    }
  }

  /**
   * The positions to report to `senderName` now (ACKs, flow control): the streams whose position
   * moved (each in a few successive reports) and a bounded slice of the others in turn
   * (position-reports.ts). Empty when there is nothing to say.
   */
  positionReport(senderName: string, nowMs: number): StreamPosition[] {
    const s = this.table.get(senderName);
    if (s === undefined || s.departed) return [];
    return takePositionReport(s, nowMs);
  }

  /** Newest sequence released per stream of `senderName`, every stream (a query: tests, the simulator). */
  positions(senderName: string): StreamPosition[] {
    const s = this.table.get(senderName);
    if (s === undefined || s.departed) return [];
    const out: StreamPosition[] = [];
    for (const st of s.streams.values()) out.push({ subject: st.subject, seq: st.stream.position });
    return out;
  }

  /** The current incarnation of every sender with tracked streams (departed ones excluded). */
  senders(): PeerId[] {
    const out: PeerId[] = [];
    for (const s of this.table.values()) if (!s.departed) out.push(s.current);
    return out;
  }

  /**
   * A durable subscription resumes: the first sequence wanted of a stream. Before the stream is
   * seen it begins there (instead of the late-join rule), unless `numberedBy` (the incarnation
   * whose numbering `nextSeq` counts in) is given and another incarnation numbers the stream
   * again from at or below it (a restart without a ledger): then it begins at that numbering's
   * start, with a `streamReset`. A stream already tracked moves forward to it (nothing reported
   * for what it skips), or back to it if it has released nothing yet.
   */
  startAt(senderName: string, subject: string, nextSeq: number, numberedBy?: number): void {
    if (typeof senderName !== 'string' || typeof subject !== 'string' || !isSeq(nextSeq)) {
      throw new InvalidOptionError(`startAt needs a sender name, a subject and a sequence >= 1, got ${String(nextSeq)}`);
    }
    const s = this.table.get(senderName);
    const parkedSeq = s?.parked?.get(subject);
    const st = parkedSeq !== undefined ? this.tracked.unpark(s as SenderState, subject, parkedSeq) : s?.streams.get(subject);
    if (st === undefined) {
      this.tracked.resumeAt(senderName, subject, nextSeq, numberedBy);
      return;
    }
    if (this.tracked.startTrackedAt(this.lastNowMs, st, nextSeq, this.isInterested(subject))) this.changed(st);
  }

  /**
   * Caps the position reported for stream (`senderName`, `subject`) at `maxSeq` (undefined: no
   * cap): a durable subscription has too much of it unconfirmed, and its sender's flow control
   * is to pace it. Only a stream tracked now (of its current incarnation) is capped; a stream
   * not tracked has nothing the application could be behind on.
   */
  capPosition(senderName: string, subject: string, maxSeq: number | undefined): void {
    const s = this.table.get(senderName);
    const st = s?.streams.get(subject);
    if (s === undefined || st === undefined) return;
    // Anything but a seq (undefined, or null after a hop between threads) lifts the cap.
    st.positionCap = typeof maxSeq === 'number' && maxSeq >= 0 ? maxSeq : Number.POSITIVE_INFINITY;
    notePosition(s, st);
  }

  /**
   * Parks the streams idle for `idleStreamMs` with nothing pending, a bounded number at a time
   * (idle-sweep.ts: at most one sweep a second, every stream within 30 s). The owner calls it
   * now and then (the receiver actor: with each position report); it is not one of the core's
   * deadlines.
   */
  parkIdle(nowMs: number): void {
    if (nowMs > this.lastNowMs) this.lastNowMs = nowMs;
    const idleMs = this.options.idleStreamMs;
    if (idleMs === 0) return;
    this.idleSweep.run(nowMs, this.tracked.count, this.table.values(), (s: SenderState, st: StreamState) => {
      if (nowMs - st.activeAtMs >= idleMs && this.parkable(st)) this.tracked.park(s, st);
    });
  }

  private parkable(st: StreamState): boolean {
    // A pending resume check is not kept: unparking sets it again.
    return st.stream.settled && (st.reassembler === undefined || st.reassembler.empty) && !unsynced(st) && st.positionCap === Number.POSITIVE_INFINITY;
  }

  private unparkAll(s: SenderState): void {
    if (s.parked === undefined) return;
    for (const [subject, nextSeq] of [...s.parked]) this.changed(this.tracked.unpark(s, subject, nextSeq));
  }

  /** `st` was acted on: its next deadline, and its position for the next report. */
  private changed(st: StreamState): void {
    st.activeAtMs = this.lastNowMs;
    this.queue.schedule(st);
    notePosition(st.sender, st);
  }

  /** Restarts the NAKs of every stream of `s` towards its current incarnation. */
  private retargetAll(nowMs: number, s: SenderState): void {
    for (const st of s.streams.values()) {
      st.stream.retarget(nowMs);
      this.changed(st);
    }
  }

  /** The stream's deadline, held back to the end of the resync grace while it is unsynced. */
  private deadlineOf(st: StreamState): number | undefined {
    const d = st.stream.nextDeadlineMs();
    if (d === undefined || !unsynced(st)) return d;
    return Math.max(d, st.sender.resyncUntilMs);
  }
}
