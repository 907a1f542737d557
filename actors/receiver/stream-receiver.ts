/**
 * One stream (sender name, subject) on the receiving side: in-order release, the reorder
 * buffer, gap detection and NAK scheduling with backoff, and give-up.
 */
import type { SeqRange, WireMessage } from '../../codecs/frame.js';
import type { Rng } from '../core.js';
import { BufferBudget } from './buffer-budget.js';
import { GapList } from './gap-list.js';
import { RepairTime } from './repair-time.js';
import type { ReorderRingPool } from './reorder-ring.js';
import { ReorderBuffer, type HeldItem } from './reorder-buffer.js';
import type { DataRecords } from '../../codecs/data-records.js';
import { isSeq } from './input-checks.js';
import { DEFAULT_RECEIVER_OPTIONS, type ResolvedReceiverOptions } from './options.js';
import type { DataLossReason } from './receiver-sink.js';
import type { ReceiverCounters } from './receiver-counters.js';

/** The counters a {@link StreamReceiver} adds to (shared by every stream of a `Receiver`). */
export type StreamReceiverCounters = Pick<ReceiverCounters, 'gapSeqsOpened' | 'gapSeqsFilledBeforeNak' | 'nakSeqsRetried'>;

/** The options {@link StreamReceiver} reads. */
export type StreamReceiverOptions = Pick<
  ResolvedReceiverOptions,
  | 'maxBufferedMessages'
  | 'maxGapMessages'
  | 'maxGapConfirmMs'
  | 'tailQuietMs'
  | 'nakDelayMinMs'
  | 'nakDelayMaxMs'
  | 'nakRetryMs'
  | 'nakRetryMaxMs'
  | 'nakMaxRetries'
  | 'maxNakRanges'
  | 'maxNakSeqs'
>;

/** Where a {@link StreamReceiver} puts its output. `message` and `lost` come in stream order. */
export interface StreamReceiverOutput {
  /** The next message of the stream (its seq follows the previous message or loss). */
  message(msg: WireMessage): void;
  /** Sequences `from..to`, next in stream order, will never be released. */
  lost(from: number, to: number, reason: DataLossReason): void;
  /** Ask the sender for `ranges`: ascending, disjoint, within the bounds of the options. */
  nak(ranges: SeqRange[]): void;
}

/** What {@link StreamReceiver.onMessage} did with a message. */
export type MessageOutcome =
  /** Released now (it was the next expected), possibly with buffered ones after it. */
  | 'delivered'
  /** Kept out of order. */
  | 'buffered'
  /** Already buffered. */
  | 'duplicate'
  /** Below the next expected sequence (delivered, lost or skipped before). */
  | 'old'
  /** Above the reorder window: dropped, its sequence stays missing and is NAKed later. */
  | 'beyondWindow'
  /** The shared memory budget is full: dropped, its sequence stays missing and is NAKed later. */
  | 'bufferFull'
  /** More than `maxGapMessages` above the next expected sequence: dropped, nothing changed. */
  | 'implausible'
  /** Not a sequence number (not a safe integer >= 1). */
  | 'invalid';

/** What {@link StreamReceiver.onStreamInfo} did with a heartbeat entry. */
export type StreamInfoOutcome =
  /** Applied: `highSeq` and `lowSeq` are within `maxGapMessages` of the next expected sequence. */
  | 'applied'
  /** Refused: more than `maxGapMessages` ahead; nothing changed. */
  | 'implausible'
  /** Applied although that far ahead: every frame of the stream was, for `maxGapConfirmMs`. */
  | 'followed'
  /** Not a sequence range. */
  | 'invalid';

/** What a {@link StreamReceiver} needs. */
export interface StreamReceiverDeps {
  readonly out: StreamReceiverOutput;
  /** Draws the randomized first-NAK delays. */
  readonly rng: Rng;
  /** Memory shared with the other streams; unlimited when absent. */
  readonly budget?: BufferBudget;
  /** Where to count gaps and NAK retries; a private record when absent. */
  readonly counters?: StreamReceiverCounters;
  /** The repair time that paces NAK retries (shared by the streams of one sender); a private one when absent. */
  readonly repairTime?: RepairTime;
  /**
   * Whether another receiver may NAK the same loss (a peer besides the sender is known): then a
   * first NAK waits a random delay in `[nakDelayMinMs, nakDelayMaxMs]`, else `nakDelayMinMs`.
   * Always, when absent.
   */
  readonly othersMayNak?: () => boolean;
  /** Where an emptied reorder ring goes, and a new one comes from (shared by the streams of a receiver); none when absent. */
  readonly rings?: ReorderRingPool<HeldItem>;
}


const always = (): boolean => true;

/**
 * The receiving state of one stream.
 *
 * State: `next` (the next sequence to release), `high` (the highest sequence known to exist,
 * from messages and heartbeats) and `tracked`. Invariant: every sequence of `next..tracked` is
 * either in the reorder buffer or in a {@link GapList} range, nothing above `tracked` is held, and
 * `tracked <= max(high, next - 1)`. `tracked` follows `min(high, next + maxBufferedMessages)`, so
 * only the window is ever NAKed: a gap wider than the window is asked for window by window as
 * the stream advances. The one exception is a range the sender said it no longer holds, which
 * may reach past the window as a single lost range.
 *
 * Bounds: at most `maxBufferedMessages` buffered messages (seqs in `next+1..next+window`) and
 * as many gap ranges; nothing here loops over a range's width.
 *
 * Evidence: no one frame moves the stream more than `maxGapMessages` ahead of `next`. A message
 * that far is dropped, a heartbeat entry that far refused, and both only start the clock of
 * `maxGapConfirmMs`: when nothing nearer was heard from the sender for that long (a sender
 * really that far ahead, its own heartbeats agreeing), the next far heartbeat is applied. Any
 * message or heartbeat within the bound stops that clock, so forged far frames mixed with the
 * sender's real ones change nothing.
 *
 * NAKs: a newly seen gap waits a random delay in `[nakDelayMinMs, nakDelayMaxMs]`; data filling
 * it first cancels it. The delay spreads the NAKs of receivers that share a loss, so that the
 * sender can coalesce them and the later ones hear the repair before they ask; a receiver with no
 * other peer to share with (`othersMayNak`) waits `nakDelayMinMs` only (against reordering). The
 * random wait held a lone receiver's position, and so the publisher's credit, 11 ms per gap on
 * average (5 % loss at 64 B: the largest part of "gap seen → repaired"). Then it is NAKed, and NAKed again after the repair-time estimate (RFC 6298
 * over "NAK → missing data back", at least `nakRetryMs`), doubling up to `nakRetryMaxMs`. A fixed
 * retry wait shorter than the repair time asked for every gap several times over while the first
 * answer was still on its way (a busy sender reads NAKs late): each sequence must be asked for
 * once per round, and a round lasts as long as a repair takes. Before any repair of the sender
 * was timed, a retry round asks again for one gap only and the others put their retry off once.
 * A NAK counts as failed when its wait expired, the sender was heard from after it was sent
 * (`lastHeardMs` of {@link onTimer}) and no repair of this stream came since (a sender serving
 * a large backlog at its repair budget answers some gaps per round, not all); after `nakMaxRetries + 1` failed NAKs the
 * gap is lost (`'timeout'`). While the sender is silent (a partition) NAKs are repeated at the
 * same pace but do not count: giving up on a silent sender is `onSenderLeft`'s business (expiry).
 * Lost ranges are reported when the stream reaches them, so the output is one ordered sequence
 * of messages and losses.
 */
export class StreamReceiver {
  /** The sequence the stream began at. */
  readonly beginSeq: number;
  private readonly out: StreamReceiverOutput;
  private readonly rng: Rng;
  private readonly o: StreamReceiverOptions;
  private readonly counters: StreamReceiverCounters;
  private readonly repairTime: RepairTime;
  private readonly othersMayNak: () => boolean;
  /** The NAK round the last repair-time sample came from (one sample per round). */
  private sampledNakMs = Number.NEGATIVE_INFINITY;
  /** Until when the last probe (a retry before any repair was timed) is waited for. */
  private probeDueMs = Number.NEGATIVE_INFINITY;
  private next: number;
  /** The highest seq received as a message (not only announced by a heartbeat), and when one last came. */
  private receivedHigh = 0;
  private lastMessageMs = Number.NEGATIVE_INFINITY;
  /** When a RETRANSMIT last filled a NAKed gap of this stream (whole ms). */
  private lastRepairMs = Number.NEGATIVE_INFINITY;
  private high: number;
  private tracked: number;
  /** Messages held out of order, by seq. */
  private readonly buffer: ReorderBuffer;
  private readonly gaps = new GapList();
  /** Since when every frame heard was more than `maxGapMessages` ahead (undefined: the last one was not). */
  private farAheadSinceMs: number | undefined;
  /** Never later than the earliest due gap (may be earlier: recomputed by `onTimer`). */
  private deadline: number | undefined;

  constructor(deps: StreamReceiverDeps, options: StreamReceiverOptions = DEFAULT_RECEIVER_OPTIONS, beginSeq = 1) {
    if (!isSeq(beginSeq)) throw new RangeError(`beginSeq must be a safe integer >= 1, got ${String(beginSeq)}`);
    this.out = deps.out;
    this.rng = deps.rng;
    this.counters = deps.counters ?? { gapSeqsOpened: 0, gapSeqsFilledBeforeNak: 0, nakSeqsRetried: 0 };
    this.repairTime = deps.repairTime ?? new RepairTime(options);
    this.othersMayNak = deps.othersMayNak ?? always;
    this.buffer = new ReorderBuffer(deps.budget ?? new BufferBudget(), deps.rings);
    this.o = options;
    this.beginSeq = beginSeq;
    this.next = beginSeq;
    this.high = beginSeq - 1;
    this.tracked = beginSeq - 1;
  }

  /** The next sequence to release. */
  get nextSeq(): number {
    return this.next;
  }

  /**
   * Whether nothing is pending: no message held, no gap (so no NAK due), nothing known beyond
   * what was released. A settled stream is all in its {@link nextSeq} (the receiver may park it).
   */
  get settled(): boolean {
    return (
      this.buffer.size === 0 &&
      this.gaps.length === 0 &&
      this.next > this.high &&
      this.tracked < this.next &&
      this.farAheadSinceMs === undefined
    ); // (`deadline` means something only while there are gaps)
  }

  /** The newest sequence released or reported lost (`nextSeq - 1`): the stream's position for ACKs. */
  get position(): number {
    return this.next - 1;
  }

  /** The highest sequence known to exist. */
  get highSeq(): number {
    return this.high;
  }

  /** Whether anything was released or reported since the stream began. */
  get started(): boolean {
    return this.next !== this.beginSeq;
  }

  /** Messages held out of order (at most `maxBufferedMessages`). */
  get bufferedMessages(): number {
    return this.buffer.size;
  }

  /** Missing ranges tracked (NAK pending or given up but not reached yet). */
  get gapCount(): number {
    return this.gaps.length;
  }

  /**
   * A message from DATA or RETRANSMIT (untrusted). `retransmitted`: it came in a RETRANSMIT, so
   * it answers a NAK (times the repair); a late DATA message filling a NAKed gap does not.
   */
  onMessage(nowMs: number, msg: WireMessage, retransmitted = false): MessageOutcome {
    return this.accept(nowMs, msg.seq, retransmitted, msg, -1);
  }

  /**
   * The DATA record at `offset` of `d` (checked by the decoder), as {@link onMessage} takes a
   * message: decoded when released, held as bytes until then.
   */
  onRecord(nowMs: number, d: DataRecords, offset: number): MessageOutcome {
    return this.accept(nowMs, d.seqAt(offset), false, d, offset);
  }

  /** Message `s`, held as `item` and `offset` if it waits (see {@link ReorderBuffer}). */
  private accept(nowMs: number, s: number, retransmitted: boolean, item: HeldItem, offset: number): MessageOutcome {
    if (!isSeq(s)) return 'invalid';
    if (s < this.next) return 'old';
    if (s - this.next > this.o.maxGapMessages) {
      this.farAheadSinceMs ??= nowMs;
      return 'implausible';
    }
    this.farAheadSinceMs = undefined;
    this.lastMessageMs = nowMs;
    if (s > this.receivedHigh) this.receivedHigh = s;
    if (s > this.next + this.o.maxBufferedMessages) {
      this.noteHigh(nowMs, s);
      return 'beyondWindow';
    }
    if (s === this.next) {
      if (s > this.tracked) {
        this.tracked = s;
        if (s > this.high) this.high = s;
      } else this.fillGap(nowMs, s, retransmitted);
      this.next++;
      this.out.message(offset < 0 ? (item as WireMessage) : (item as DataRecords).messageAt(offset));
      this.drain(nowMs);
      return 'delivered';
    }
    if (this.buffer.has(s)) return 'duplicate';
    const oldTracked = this.tracked;
    if (s <= oldTracked && !this.gaps.has(s)) return 'duplicate'; // unreachable by the invariant
    const fits = offset < 0 ? this.buffer.reserveMessage(item as WireMessage) : this.buffer.reserveRecord(item as DataRecords);
    if (s > oldTracked) {
      // A dropped message stays missing: its sequence joins the new gap.
      this.addMissing(nowMs, oldTracked + 1, fits ? s - 1 : s);
      this.tracked = s;
      if (s > this.high) this.high = s;
    } else if (fits) this.fillGap(nowMs, s, retransmitted);
    if (!fits) return 'bufferFull';
    this.buffer.put(this.next, s, item, offset);
    return 'buffered';
  }

  /**
   * A fragment of message `seq` arrived (the message is not complete yet). The stream learns
   * that `seq` exists, so it is tracked (missing until the whole message is handed to
   * {@link onMessage}) and NAKed if it stays incomplete; and that every message below it was
   * sent. The message itself counts as received only when complete, so a message whose
   * fragments are still arriving is NAKed only once the stream has been quiet `tailQuietMs`
   * (or a later message arrives). Returns `'buffered'` when the fragment should be held for
   * reassembly, or why not (`'old'`, `'duplicate'`: the message is already held whole,
   * `'beyondWindow'`, `'implausible'`, `'invalid'`).
   */
  onFragmentSeen(nowMs: number, seq: number): MessageOutcome {
    const s = seq;
    if (!isSeq(s)) return 'invalid';
    if (s < this.next) return 'old';
    if (s - this.next > this.o.maxGapMessages) {
      this.farAheadSinceMs ??= nowMs;
      return 'implausible';
    }
    this.farAheadSinceMs = undefined;
    this.lastMessageMs = nowMs;
    if (s - 1 > this.receivedHigh) this.receivedHigh = s - 1;
    if (this.buffer.has(s)) return 'duplicate';
    this.noteHigh(nowMs, s);
    return s > this.next + this.o.maxBufferedMessages ? 'beyondWindow' : 'buffered';
  }

  /**
   * Gives up message `seq` for `reason` (it can never be whole, e.g. `'tooLarge'`): reported
   * lost when the stream reaches it. No effect on a seq below `nextSeq`, held, or beyond the window.
   */
  giveUp(nowMs: number, seq: number, reason: DataLossReason): void {
    if (!isSeq(seq) || seq < this.next || this.buffer.has(seq)) return;
    this.noteHigh(nowMs, seq);
    if (seq > this.tracked || !this.gaps.has(seq)) return;
    this.gaps.markLost(seq, seq, reason);
    this.drain(nowMs);
  }

  /**
   * Stream facts from a heartbeat: sequences up to `highSeq` exist (tail loss shows), and the
   * sender no longer holds anything below `lowSeq`, so what is still missing there is lost.
   * Refused (nothing changes) when either lies more than `maxGapMessages` above `nextSeq`,
   * unless the stream has heard nothing nearer for `maxGapConfirmMs` (see the class overview).
   * The caller validates `lowSeq <= highSeq + 1`.
   */
  onStreamInfo(nowMs: number, lowSeq: number, highSeq: number): StreamInfoOutcome {
    if (!Number.isSafeInteger(highSeq) || !isSeq(lowSeq)) return 'invalid';
    let outcome: StreamInfoOutcome = 'applied';
    if (highSeq - this.next > this.o.maxGapMessages || lowSeq - this.next > this.o.maxGapMessages) {
      this.farAheadSinceMs ??= nowMs;
      if (nowMs - this.farAheadSinceMs < this.o.maxGapConfirmMs) return 'implausible';
      outcome = 'followed';
    }
    this.farAheadSinceMs = undefined;
    this.noteHigh(nowMs, highSeq);
    if (lowSeq > this.next) this.onUnavailable(nowMs, this.next, lowSeq - 1);
    return outcome;
  }

  /**
   * The sender no longer holds `from..to`: what is missing there is lost (`'unavailable'`),
   * reported when the stream reaches it; messages already buffered there are still released.
   * Only sequences known to exist (up to `highSeq`) are affected, and a part beyond the tracked
   * span that does not adjoin it is ignored (it is asked for, and answered, again later).
   */
  onUnavailable(nowMs: number, from: number, to: number): void {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) return;
    from = Math.max(from, this.next);
    to = Math.min(to, this.high);
    if (from > to) return;
    const oldTracked = this.tracked;
    if (to > oldTracked) {
      if (from <= oldTracked + 1) {
        this.gaps.appendLost(oldTracked + 1, to, 'unavailable');
        this.tracked = to;
      }
      to = oldTracked;
    }
    if (from <= to) this.gaps.markLost(from, to, 'unavailable');
    this.drain(nowMs);
  }

  /** When `onTimer` should next run (possibly early, never late); `undefined` when no gap is pending. */
  nextDeadlineMs(): number | undefined {
    return this.gaps.length === 0 ? undefined : this.deadline;
  }

  /**
   * Sends the NAKs that are due and gives up gaps out of retries. `lastHeardMs`: when the
   * sender was last heard from (any frame of its current incarnation); by default always.
   */
  onTimer(nowMs: number, lastHeardMs = Number.POSITIVE_INFINITY): void {
    if (this.gaps.length === 0 || (this.deadline !== undefined && this.deadline > nowMs)) return;
    const o = this.o;
    // While the stream flows, what is known only from a heartbeat (above receivedHigh) may still
    // be on its way: a gap reaching past receivedHigh is NAKed only up to it for now. This
    // matters for large messages, which are long on the wire: asking for one announced but not
    // yet arrived would resend it whole.
    if (nowMs - this.lastMessageMs < o.tailQuietMs) this.gaps.splitAfter(this.receivedHigh);
    const naks: SeqRange[][] = [];
    let ranges: { from: number; to: number }[] = [];
    let seqs = 0;
    let due: number | undefined;
    let retried = false;
    for (const g of this.gaps.all) {
      if (g.lost !== undefined) continue;
      if (g.dueMs > nowMs) {
        if (due === undefined || g.dueMs < due) due = g.dueMs;
        continue;
      }
      if (g.naksSent === 0 && g.from > this.receivedHigh && this.lastMessageMs + o.tailQuietMs > nowMs) {
        // Only a heartbeat says these exist, and the stream is still flowing: wait for it.
        // (Compared as the sum it is set to: `now - last < quiet` can hold in floating point
        // while `last + quiet === now`, and the timer would then spin at `now`.)
        g.dueMs = this.lastMessageMs + o.tailQuietMs;
        if (due === undefined || g.dueMs < due) due = g.dueMs;
        continue;
      }
      const untimed = g.naksSent > 0 && !this.repairTime.timed;
      if (untimed && !g.deferred && nowMs < this.probeDueMs) {
        // No repair of this sender was timed yet, so the first wait was a guess, and NAKs travel
        // reliably: as TCP does on a timeout, one gap asks again (the probe) and the others put
        // their retry off once, by a doubled wait (not counted as a failed NAK), so a slow first
        // answer is not met by a NAK of every gap again.
        g.deferred = true;
        g.waitMs = this.retryWaitMs(g.waitMs);
        g.dueMs = nowMs + g.waitMs;
        if (due === undefined || g.dueMs < due) due = g.dueMs;
        continue;
      }
      // Repairs of this stream came since that NAK: the sender is answering, at its repair
      // budget's pace (a receiver back from a pause asks for seconds of traffic at once), so the
      // round did not fail: it neither counts towards giving up nor backs the waits off, and the
      // gap is asked again after one repair time. Before (6 December) every such round doubled
      // the wait up to `nakRetryMaxMs`: a durable subscriber catching up on 200 KB messages got
      // one repair burst (4 MiB) a second, 21 messages/s, and held its publisher there for 13 s.
      const answered = g.naksSent > 0 && this.lastRepairMs > g.lastNakMs;
      if (g.naksSent > 0 && lastHeardMs > g.lastNakMs && !answered) {
        retried = true;
        // Only a round with no repair at all counts towards giving up.
        if (++g.failedNaks > o.nakMaxRetries) {
          g.lost = 'timeout';
          continue;
        }
      }
      const n = g.to - g.from + 1;
      if (ranges.length === o.maxNakRanges || seqs + n > o.maxNakSeqs) {
        naks.push(ranges);
        ranges = [];
        seqs = 0;
      }
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last.to + 1 === g.from) last.to = g.to;
      else ranges.push({ from: g.from, to: g.to });
      seqs += n;
      if (g.naksSent > 0) this.counters.nakSeqsRetried += n;
      g.naksSent++;
      g.lastNakMs = nowMs;
      g.waitMs = answered ? this.repairTime.retryMs : this.retryWaitMs(g.waitMs);
      g.dueMs = nowMs + g.waitMs;
      if (untimed && !g.deferred) this.probeDueMs = g.dueMs;
      if (due === undefined || g.dueMs < due) due = g.dueMs;
    }
    if (retried) {
      // Karn: an answer slower than the estimate makes no clean sample, so the estimate backs off
      // (once per round, whatever the number of gaps); gaps NAKed with the shorter wait and not
      // due yet take the longer one too, as do gaps seen from now on.
      this.repairTime.onRetry();
      const waitMs = this.repairTime.retryMs;
      for (const g of this.gaps.all) {
        if (g.lost !== undefined || g.naksSent === 0 || g.waitMs >= waitMs) continue;
        g.waitMs = waitMs;
        g.dueMs = Math.max(g.dueMs, g.lastNakMs + waitMs);
        if (due === undefined || g.dueMs < due) due = g.dueMs;
      }
    }
    if (ranges.length > 0) naks.push(ranges);
    this.deadline = due;
    for (const r of naks) this.out.nak(r);
    this.drain(nowMs);
  }

  /**
   * The NAK target changed (the sender restarted): every pending gap starts its NAKing afresh,
   * first NAK after a new random delay, no failed NAK counted against the new target.
   */
  retarget(nowMs: number): void {
    const dueMs = this.firstNakDueMs(nowMs);
    for (const g of this.gaps.all) {
      if (g.lost !== undefined) continue;
      g.naksSent = 0;
      g.failedNaks = 0;
      g.lastNakMs = Number.NEGATIVE_INFINITY;
      g.waitMs = 0;
      g.deferred = false;
      g.dueMs = dueMs;
    }
    if (this.gaps.length > 0) this.deadline = Math.min(this.deadline ?? dueMs, dueMs);
  }

  /**
   * Moves the stream to `seq` without reporting anything (the application already has what is
   * below, e.g. a durable subscription resuming). No effect when `seq <= nextSeq`.
   */
  skipTo(nowMs: number, seq: number): void {
    if (!isSeq(seq) || seq <= this.next) return;
    this.buffer.dropBelow(seq);
    this.gaps.removeBelow(seq);
    this.next = seq;
    if (this.tracked < seq - 1) this.tracked = seq - 1;
    if (this.high < seq - 1) this.high = seq - 1;
    this.drain(nowMs);
  }

  /**
   * Settles everything pending, in order: releases buffered messages and reports every missing
   * sequence up to `highSeq` as lost (`reason`, or the reason it was already given up for).
   * Afterwards nothing is held or pending; the stream stays usable from `highSeq + 1`.
   */
  close(reason: DataLossReason): void {
    for (;;) {
      const m = this.buffer.take(this.next);
      if (m !== undefined) {
        this.next++;
        this.out.message(m);
        continue;
      }
      const lost = this.gaps.takeLostAt(this.next, reason);
      if (lost !== undefined) {
        this.next = lost.to + 1;
        this.out.lost(lost.from, lost.to, lost.reason);
        continue;
      }
      if (this.next <= this.high) {
        const from = this.next;
        this.next = this.high + 1;
        this.out.lost(from, this.high, reason);
        continue;
      }
      break;
    }
    this.gaps.clear();
    this.tracked = this.next - 1;
    this.deadline = undefined;
  }

  /** Releases what follows `next` in order (buffered messages, lost ranges), then widens the span. */
  private drain(nowMs: number): void {
    for (;;) {
      const m = this.buffer.take(this.next);
      if (m !== undefined) {
        this.next++;
        this.out.message(m);
        continue;
      }
      const lost = this.gaps.takeLostAt(this.next);
      if (lost === undefined) break;
      this.next = lost.to + 1;
      this.out.lost(lost.from, lost.to, lost.reason);
    }
    if (this.tracked < this.next - 1) this.tracked = this.next - 1;
    const limit = Math.min(this.high, this.next + this.o.maxBufferedMessages);
    if (limit > this.tracked) {
      this.addMissing(nowMs, this.tracked + 1, limit);
      this.tracked = limit;
    }
  }

  private noteHigh(nowMs: number, seq: number): void {
    if (seq <= this.high) return;
    this.high = seq;
    this.drain(nowMs);
  }

  /** A newly seen gap `from..to` (above `tracked`): its first NAK waits a random delay. */
  private addMissing(nowMs: number, from: number, to: number): void {
    if (from > to) return;
    const dueMs = this.firstNakDueMs(nowMs);
    this.counters.gapSeqsOpened += to - from + 1;
    this.gaps.appendMissing(from, to, dueMs, this.o.maxNakSeqs);
    if (this.deadline === undefined || dueMs < this.deadline) this.deadline = dueMs;
  }

  /** `seq` arrived and was missing: counted, and timed when its gap was NAKed once. */
  private fillGap(nowMs: number, seq: number, retransmitted: boolean): void {
    const g = this.gaps.at(seq);
    if (g?.naksSent === 0) this.counters.gapSeqsFilledBeforeNak++;
    else if (g !== undefined && retransmitted) {
      this.lastRepairMs = Math.floor(nowMs);
      if (g.naksSent === 1 && g.lost === undefined && g.lastNakMs !== this.sampledNakMs) {
        // Karn's rule: after one NAK the answer is unambiguous. One sample per NAK round: the
        // gaps of a round (and the halves of a split gap) share their NAK time.
        this.sampledNakMs = g.lastNakMs;
        this.repairTime.onRepaired(nowMs - g.lastNakMs);
      }
    }
    this.gaps.fill(seq);
  }

  private firstNakDueMs(nowMs: number): number {
    const { nakDelayMinMs: min, nakDelayMaxMs: max } = this.o;
    if (!this.othersMayNak()) return nowMs + min;
    return nowMs + Math.min(max, min + Math.floor(this.rng() * (max - min + 1)));
  }

  /**
   * The wait after a NAK: the repair-time estimate after a first NAK, then at least twice the
   * previous wait (exponential backoff), at most `nakRetryMaxMs`.
   */
  private retryWaitMs(previousWaitMs: number): number {
    return Math.min(this.o.nakRetryMaxMs, Math.max(this.repairTime.retryMs, 2 * previousWaitMs));
  }
}
