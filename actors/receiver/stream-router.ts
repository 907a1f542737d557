/**
 * Which sender state and which stream a frame of the {@link Receiver} (receiver.ts) goes to:
 * admission by incarnation (taken, unknown, stale, or held back until its ADVERT), a stream made
 * when it is new and wanted (where it begins: stream-begin.ts), and a tracked stream moved onto a
 * new incarnation's numbering when that incarnation first describes it (continued, taken back,
 * or reset with a `streamReset`). The receiver keeps the streams' timers and positions.
 */
import type { PeerId, ResumedFrom, StreamInfo } from '../../codecs/frame.js';
import { isSeq } from './input-checks.js';
import type { ReceiverCounters } from './receiver-counters.js';
import type { ReceiverSink } from './receiver-sink.js';
import type { ReceiverStreams, SenderState } from './receiver-streams.js';
import type { SenderTable } from './sender-table.js';
import { beginsAtResumed, beginsAtStart, type StreamBeginRules } from './stream-begin.js';
import type { StreamState } from './stream-state.js';
import type { UnlistedSenders } from './unlisted-senders.js';

/** `admit`'s answer for a frame of an incarnation not advertised yet. */
export const HOLD = Symbol('hold');

/** What a {@link StreamRouter} shares with the receiver that owns it. */
export interface StreamRouterDeps {
  readonly sink: ReceiverSink;
  readonly counters: ReceiverCounters;
  /** Whether `subject` matches a local subscription (see `ReceiverDeps`). */
  readonly isInterested: (subject: string) => boolean;
  readonly beginRules: StreamBeginRules;
  readonly table: SenderTable<StreamState>;
  readonly unlisted: UnlistedSenders;
  /** The streams: made there. */
  readonly tracked: ReceiverStreams;
}

/** Whether `st` still follows an older incarnation's numbering than its sender's current one. */
export function unsynced(st: StreamState): boolean {
  return st.peer.incarnation !== st.sender.current.incarnation;
}

/** Finds, makes and resynchronizes the streams frames go to: see the file overview. */
export class StreamRouter {
  private readonly sink: ReceiverSink;
  private readonly counters: ReceiverCounters;
  private readonly isInterested: (subject: string) => boolean;
  private readonly beginRules: StreamBeginRules;
  private readonly table: SenderTable<StreamState>;
  private readonly unlisted: UnlistedSenders;
  private readonly tracked: ReceiverStreams;

  constructor(deps: StreamRouterDeps) {
    this.sink = deps.sink;
    this.counters = deps.counters;
    this.isInterested = deps.isInterested;
    this.beginRules = deps.beginRules;
    this.table = deps.table;
    this.unlisted = deps.unlisted;
    this.tracked = deps.tracked;
  }

  /**
   * The sender's state if the frame is to be used (`undefined`: unknown sender), `null` to drop
   * it, {@link HOLD} to hold it back until its incarnation advertises.
   */
  admit(nowMs: number, sender: PeerId): SenderState | undefined | null | typeof HOLD {
    const a = this.table.admit(nowMs, sender);
    switch (a.kind) {
      case 'accepted':
        return a.sender;
      case 'unknown':
        // A name listed before and unlisted now waits for its advert (checked against its proven
        // sources), not first contact from anywhere: forged DATA 2^16 ahead came in so (fuzzing).
        if (this.unlisted.wasListed(sender.name)) {
          this.counters.unlistedKnownHeld++;
          return HOLD;
        }
        return undefined;
      case 'ignored':
        this.counters.staleIncarnationFrames++;
        return null;
      case 'unadvertised':
        return HOLD;
    }
  }

  /**
   * The stream a message `seq` of `subject` belongs to (`startSeq`: its stream's start from DATA,
   * 0 from RETRANSMIT), created when new and wanted; undefined (counted) when it is to be dropped.
   */
  streamOf(
    nowMs: number,
    sender: PeerId,
    s: SenderState | undefined,
    startSeq: number,
    subject: string,
    seq: number,
    ageMs: number | undefined,
    resumed: ResumedFrom | undefined,
  ): StreamState | undefined {
    let st = s?.streams.get(subject);
    if (st === undefined) {
      if (!this.isInterested(subject)) {
        this.counters.uninterested++;
        return undefined;
      }
      if (!isSeq(startSeq)) {
        this.counters.retransmitsIgnored++;
        return undefined;
      }
      let begin = seq;
      if (beginsAtResumed(this.beginRules, nowMs, subject, startSeq, seq, resumed)) begin = resumed!.seq;
      else if (startSeq <= seq && beginsAtStart(this.beginRules, nowMs, subject, seq - startSeq, ageMs)) begin = startSeq;
      else if (begin > startSeq) this.counters.lateJoins++;
      return this.tracked.createStream(nowMs, sender, s, subject, begin, startSeq);
    }
    if (unsynced(st)) {
      if (isSeq(startSeq)) this.resync(st, startSeq);
      else if (nowMs < st.sender.resyncUntilMs) {
        this.counters.retransmitsIgnored++;
        return undefined;
      }
    }
    return st;
  }

  /**
   * A stream first described by a HEARTBEAT (or BYE) entry, made when wanted; undefined (counted)
   * when it is not.
   */
  streamOfEntry(nowMs: number, sender: PeerId, s: SenderState | undefined, info: StreamInfo): StreamState | undefined {
    if (!this.isInterested(info.subject)) {
      this.counters.uninterested++;
      return undefined;
    }
    // Beginning at startSeq (not lowSeq) reports what the sender no longer holds as lost
    // instead of skipping it silently, as the same stream first seen through DATA would.
    let begin = info.highSeq + 1;
    if (beginsAtResumed(this.beginRules, nowMs, info.subject, info.startSeq, info.highSeq, info.resumed)) begin = info.resumed!.seq;
    else if (beginsAtStart(this.beginRules, nowMs, info.subject, info.highSeq - info.startSeq, info.ageMs)) begin = info.startSeq;
    else if (begin > info.startSeq) this.counters.lateJoins++;
    return this.tracked.createStream(nowMs, sender, s, info.subject, begin, info.startSeq);
  }

  /**
   * First description of a stream by a new incarnation: continue its numbering, or reset; one
   * taken back (after a forged one numbered the stream again) goes on where it left the stream.
   */
  resync(st: StreamState, startSeq: number): void {
    const back = st.takeLeftAt(st.sender.current.incarnation);
    if (back !== undefined) {
      this.counters.streamsTakenBack++;
      this.reset(st, back);
    } else if (startSeq > st.stream.highSeq) {
      // It goes on above the old numbering: what lies between was never heard of here.
      const heard = st.stream.highSeq;
      if (startSeq - 1 > heard) [st.unheardFrom, st.unheardTo] = [heard + 1, startSeq - 1];
      st.peer = st.sender.current;
    } else this.reset(st, startSeq); // it numbers again what the old incarnation already sent
  }

  reset(st: StreamState, fromSeq: number): void {
    st.stream.close('senderLeft');
    st.noteLeftAt(st.peer.incarnation, st.stream.nextSeq);
    st.reassembler?.clear();
    st.unheardFrom = st.unheardTo = 0;
    st.peer = st.sender.current;
    st.resumeCheck = 0;
    this.counters.streamResets++;
    this.sink.streamReset(st.peer, st.subject, fromSeq);
    st.stream = this.tracked.newStream(st, fromSeq);
  }
}
