/**
 * What the retransmit actor says about our streams in HEARTBEAT and BYE entries, and when: the
 * {@link HeartbeatScheduler} with the facts its entries carry (each stream's first seq in this
 * incarnation, when its first message went out, the part a ledger resumed), read against the
 * sender window (or the ledger's view of it).
 *
 * Streams leave the heartbeats `activeStreamTtlMs` after their last data, with a verdict: the
 * caller asks the flow actor, which knows every receiver's position, which of them a receiver
 * has not confirmed (`streamsIdle` → `streamsChecked`, {@link onChecked}); those are announced
 * for more rounds ({@link HeartbeatScheduler.retain}), the others' facts go. A receiver that lost
 * a stream's last message and every heartbeat of its TTL (all within a busy second when the
 * thread is late) so still hears of it.
 *
 * A stream that left the heartbeats is announced again for a round when a receiver that wants it
 * joins ({@link wake}, from the flow actor, which knows the newcomer's patterns): a durable
 * subscription resuming below its newest seq learns of the rest without waiting for the stream's
 * next message. So the facts (first seq, first send) of a stream are kept once learnt, as the
 * window keeps an entry per stream it ever held (both bounded by the sender's `maxStreams`). Not pure
 * (the window is the actor's), but the time comes in.
 */
import type { StreamInfo, StreamStart } from '../../codecs/frame.js';
import { LedgerStreams } from '../ledger/ledger-streams.js';
import type { LedgerStreamInfo } from '../ledger/messages.js';
import { ResumedParts } from '../ledger/resumed-parts.js';
import { HeartbeatScheduler, type HeartbeatSchedulerOptions } from '../sender/heartbeat-scheduler.js';
import type { SenderWindow } from '../sender/sender-window.js';

/** A stream with messages numbered but never sent (the sender's `unsent` at the close). */
export interface UnsentStream {
  readonly subject: string;
  readonly startSeq: number;
  readonly highSeq: number;
}

export class StreamAnnouncer {
  readonly heartbeats: HeartbeatScheduler;
  /** First seq of each of our streams in this incarnation (from `sent.streams`, or the ledger's resume). */
  private readonly startSeqs = new Map<string, number>();
  /** When each stream's first message of this incarnation went out, on the actor's clock (whole ms). */
  private readonly firstSentMs = new Map<string, number>();
  /** The HEARTBEAT and BYE entries' `resumed` part of streams the ledger resumed. */
  private readonly resumedParts = new ResumedParts();
  /** Streams that left the heartbeats since {@link takeExpired}: they wait for a verdict. */
  private expired: string[] = [];
  /** Streams with messages numbered but not sent when the peer began closing ({@link onUnsent}). */
  private readonly unsent = new Map<string, UnsentStream>();

  constructor(
    options: HeartbeatSchedulerOptions,
    private readonly window: SenderWindow,
    /** The ledger's view of what it holds (only with a ledger). */
    readonly ledgerStreams: LedgerStreams | undefined,
  ) {
    this.heartbeats = new HeartbeatScheduler(options, { expired: (subject) => this.expired.push(subject) });
  }

  /** A stream's first seq in this incarnation, if known (the ledger's view of the window reads it). */
  startSeqOf(subject: string): number | undefined {
    return this.startSeqs.get(subject);
  }

  /** DATA of `streams` went out at `nowMs`. */
  onSent(nowMs: number, streams: readonly StreamStart[]): void {
    for (const s of streams) {
      if (!this.startSeqs.has(s.subject)) this.startSeqs.set(s.subject, s.startSeq);
      // Whole ms: a float here is a boxed number per stream.
      if (s.ageMs !== undefined && !this.firstSentMs.has(s.subject)) this.firstSentMs.set(s.subject, Math.floor(nowMs) - s.ageMs);
      this.heartbeats.onSent(nowMs, s.subject);
    }
  }

  /** The ledger opened: resumed streams start above what it holds, and are announced for a while. */
  onLedgerResumed(nowMs: number, seqFloor: number, streams: readonly LedgerStreamInfo[]): void {
    this.ledgerStreams?.update(streams);
    for (const s of streams) {
      if (!this.startSeqs.has(s.subject)) this.startSeqs.set(s.subject, Math.max(s.highSeq, seqFloor) + 1);
      // Receivers that stayed up learn the new incarnation and NAK the tail they missed; streams
      // the ledger holds nothing of (idle beyond retention) have nothing to recover.
      if (s.lowSeq <= s.highSeq) {
        this.resumedParts.note(nowMs, s.subject, s.lowSeq, s.lowAgeMs);
        this.heartbeats.onSent(nowMs, s.subject);
      }
    }
  }

  /** The HEARTBEAT (or BYE) entry of `subject` at `nowMs`. */
  streamInfoOf(nowMs: number, subject: string): StreamInfo {
    const startSeq = this.startSeqs.get(subject) ?? 1;
    const info = this.ledgerStreams === undefined ? this.window.streamInfo(subject, startSeq) : this.ledgerStreams.streamInfo(this.window, subject, startSeq);
    const first = this.firstSentMs.get(subject);
    const resumed = this.resumedParts.partOf(nowMs, subject, info.startSeq);
    if (resumed !== undefined) return first === undefined ? { ...info, resumed } : { ...info, ageMs: Math.max(0, nowMs - first), resumed };
    if (first === undefined) return info;
    // A literal of one shape, not a spread: this runs for every heartbeat entry.
    return { subject, startSeq: info.startSeq, lowSeq: info.lowSeq, highSeq: info.highSeq, ageMs: Math.max(0, nowMs - first) };
  }

  /** The sender's `unsent` at the close: these streams have messages numbered up to `highSeq` that never went out. */
  onUnsent(streams: readonly UnsentStream[]): void {
    for (const s of streams) if ((this.unsent.get(s.subject)?.highSeq ?? 0) < s.highSeq) this.unsent.set(s.subject, s);
  }

  /**
   * Every active stream as it stands, for the closing heartbeats and the BYE: after the drain,
   * each one's final seq. A stream's end is at least its newest numbered seq ({@link onUnsent}):
   * what was numbered and never sent is beyond what the window holds, so receivers report it
   * lost. A stream never sent at all gets an entry of its own (nothing held: `lowSeq` past its end).
   */
  finalStreams(nowMs: number): StreamInfo[] {
    const streams = this.heartbeats.activeSubjects().map((subject) => this.streamInfoOf(nowMs, subject));
    if (this.unsent.size === 0) return streams;
    const seen = new Set<string>();
    const out = streams.map((s) => {
      seen.add(s.subject);
      const u = this.unsent.get(s.subject);
      return u === undefined || u.highSeq <= s.highSeq ? s : { ...s, highSeq: u.highSeq };
    });
    for (const u of this.unsent.values()) {
      if (seen.has(u.subject)) continue;
      const info = this.window.streamInfo(u.subject, u.startSeq);
      out.push(u.highSeq <= info.highSeq ? info : { ...info, highSeq: u.highSeq, lowSeq: Math.min(info.lowSeq, info.highSeq + 1) });
    }
    return out;
  }

  /** The entries due in heartbeats at `nowMs` (then {@link takeExpired} has the streams that left). */
  dueStreams(nowMs: number): StreamInfo[] {
    const streams: StreamInfo[] = [];
    for (let due = this.heartbeats.onTimer(nowMs); due !== undefined; due = this.heartbeats.onTimer(nowMs)) {
      for (const subject of due) streams.push(this.streamInfoOf(nowMs, subject));
    }
    return streams;
  }

  /**
   * Receivers that want `subjects` joined: those that left the heartbeats and that the window (or
   * the ledger) still knows are announced again for a round ({@link HeartbeatScheduler.wake}).
   * Returns how many were.
   */
  wake(nowMs: number, subjects: readonly string[]): number {
    let woken = 0;
    for (const subject of subjects) {
      const known = this.window.highSeq(subject) > 0 || this.ledgerStreams?.heldFrom(subject) !== undefined;
      if (known && this.heartbeats.wake(nowMs, subject)) woken++;
    }
    return woken;
  }

  /** The streams that left the heartbeats since the last call, for the flow actor's verdict. */
  takeExpired(): string[] {
    const out = this.expired;
    this.expired = [];
    return out;
  }

  /**
   * The verdict on streams that left: `unconfirmed` are announced for more rounds (those past
   * their rounds, and `confirmed`, go). Returns whether a stream was let go unconfirmed for the
   * first time (`heartbeats.unconfirmedExpired`), which the caller says once.
   */
  onChecked(nowMs: number, unconfirmed: readonly string[], confirmed: readonly string[]): boolean {
    const before = this.heartbeats.counters.unconfirmedExpired;
    // A stream's facts stay when it goes: the window keeps an entry for it, and a newcomer may wake it.
    for (const subject of unconfirmed) this.heartbeats.retain(nowMs, subject);
    for (const subject of confirmed) this.heartbeats.release(subject);
    return before === 0 && this.heartbeats.counters.unconfirmedExpired > 0;
  }
}
