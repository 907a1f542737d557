/**
 * Serves NAKs on the sender side: coalesces askers, chooses unicast or one multicast per
 * sequence, and ignores repeats of what it just served.
 */
import type { PeerId, SeqRange, UnavailableRange, WireMessage } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';
import type { TimerCore } from '../core.js';
import { DEFAULT_RETRANSMIT_OPTIONS, type ResolvedRetransmitOptions } from './options.js';
import { RepeatSuppressor } from './repeat-suppressor.js';
import {
  countSeqs,
  intersectRanges,
  normalizeRanges,
  rangesFromSeqs,
  rangesInAtLeast,
  subtractRanges,
  truncateRanges,
  unionRanges,
} from './seq-ranges.js';

/** The options {@link RetransmitPlanner} reads. */
export type RetransmitPlannerOptions = Pick<
  ResolvedRetransmitOptions,
  'coalesceMs' | 'multicastThreshold' | 'repeatSuppressMs' | 'maxMessagesPerNak' | 'maxPending' | 'maxSuppressedRanges'
>;

/** What the sender window answers for one range of one stream. */
export interface RetransmitServeResult {
  /** Held messages of the range, ascending, at most `maxMessages`. */
  readonly messages: readonly WireMessage[];
  /** Parts of the range the sender no longer holds (evicted or never retained). */
  readonly unavailable: readonly SeqRange[];
}

/** The sender window as the planner sees it (read-only). */
export interface RetransmitWindow {
  serve(subject: string, from: number, to: number, maxMessages: number): RetransmitServeResult;
}

/** Where a {@link RetransmitPlanner} puts its output; the glue packs it into RETRANSMIT frames. */
export interface RetransmitPlannerSink {
  /** Resend to one asker over its reliable-unicast channel. */
  unicast(to: PeerId, messages: WireMessage[], unavailable: UnavailableRange[]): void;
  /**
   * Resend once by multicast (channel sequence 0, unreliable). `unavailable` is always empty: loss
   * notices go to each asker by unicast so they arrive.
   */
  multicast(messages: WireMessage[], unavailable: UnavailableRange[]): void;
}

/** What a {@link RetransmitPlanner} needs. */
export interface RetransmitPlannerDeps {
  readonly sink: RetransmitPlannerSink;
  readonly window: RetransmitWindow;
}

/** Counters of the planner. */
export interface RetransmitPlannerCounters {
  naksReceived: number;
  /** `sink.unicast` calls. */
  retransmitsUnicast: number;
  /** `sink.multicast` calls. */
  retransmitsMulticast: number;
  /** Messages handed to the sink, a multicast message counting once. */
  messagesResent: number;
  /** Sequences asked for and ignored because they were just served. */
  suppressed: number;
  /** Unavailable ranges reported to askers. */
  unavailableRanges: number;
  /** Sequences asked for and dropped by the `maxMessagesPerNak` or `maxPending` bounds. */
  truncated: number;
  /** Malformed ranges in NAKs (`from > to`, negative, not integers), plus ranges past `maxMessagesPerNak`. */
  invalidRanges: number;
}

interface Asker {
  readonly peer: PeerId;
  /** Range list of the sequences it asked for in this batch. */
  ranges: SeqRange[];
}

/** The NAKs of one subject waiting for `coalesceMs`. */
interface Batch {
  readonly subject: string;
  readonly deadlineMs: number;
  readonly askers: Map<string, Asker>;
  pendingSeqs: number;
}

/**
 * Plans retransmissions for NAKs.
 *
 * - The first NAK for a subject opens a batch that closes `coalesceMs` later; NAKs for the subject
 *   arriving meanwhile join it. At the close, sequences asked by `multicastThreshold` or more
 *   distinct askers go out once by multicast, the rest by unicast to each asker. Unavailable
 *   ranges always go to each asker by unicast (so the receiver can report data loss reliably).
 * - After the close, what went by multicast is ignored from anyone, and what went to an asker by
 *   unicast is ignored from that asker, for `repeatSuppressMs`.
 * - Hostile input: a NAK yields at most `maxMessagesPerNak` sequences (the lowest) from its first
 *   `maxMessagesPerNak` ranges; at most `maxPending` (asker, sequence) pairs wait in all; at most
 *   `maxSuppressedRanges` served ranges are remembered. Everything is computed on ranges, never
 *   per sequence, so a 2^53-wide range costs what a narrow one does.
 * - Batches are kept in opening order, which is deadline order, so the next deadline is the
 *   first batch's.
 */
export class RetransmitPlanner implements TimerCore {
  readonly counters: RetransmitPlannerCounters = {
    naksReceived: 0,
    retransmitsUnicast: 0,
    retransmitsMulticast: 0,
    messagesResent: 0,
    suppressed: 0,
    unavailableRanges: 0,
    truncated: 0,
    invalidRanges: 0,
  };
  private readonly sink: RetransmitPlannerSink;
  private readonly window: RetransmitWindow;
  private readonly options: RetransmitPlannerOptions;
  private readonly batches = new Map<string, Batch>();
  private readonly suppressor: RepeatSuppressor;
  private pending = 0;

  constructor(deps: RetransmitPlannerDeps, options: RetransmitPlannerOptions = DEFAULT_RETRANSMIT_OPTIONS) {
    this.sink = deps.sink;
    this.window = deps.window;
    this.options = options;
    this.suppressor = new RepeatSuppressor(options.maxSuppressedRanges);
  }

  /** (asker, sequence) pairs waiting to be served (at most `maxPending`). */
  get pendingSeqs(): number {
    return this.pending;
  }

  /** A NAK from `from` for `ranges` of `subject` (untrusted). */
  onNak(nowMs: number, from: PeerId, subject: string, ranges: readonly SeqRange[]): void {
    this.counters.naksReceived++;
    const o = this.options;
    const norm = normalizeRanges(ranges, o.maxMessagesPerNak);
    this.counters.invalidRanges += norm.invalid + norm.ignored;
    const key = peerKey(from);
    this.suppressor.prune(nowMs);
    const { kept, suppressed } = this.suppressor.filter(nowMs, subject, key, norm.ranges);
    this.counters.suppressed += suppressed;
    const wanted = truncateRanges(kept, o.maxMessagesPerNak);
    let dropped = countSeqs(kept) - countSeqs(wanted);

    const batch = this.batches.get(subject);
    const asker = batch?.askers.get(key);
    const fresh = asker === undefined ? wanted : subtractRanges(wanted, asker.ranges);
    const accepted = truncateRanges(fresh, o.maxPending - this.pending);
    const added = countSeqs(accepted);
    dropped += countSeqs(fresh) - added;
    this.counters.truncated += dropped;
    if (added === 0) return;

    const b = batch ?? this.openBatch(nowMs, subject);
    if (asker === undefined) b.askers.set(key, { peer: from, ranges: accepted });
    else asker.ranges = unionRanges(asker.ranges, accepted);
    b.pendingSeqs += added;
    this.pending += added;
  }

  /** When the oldest batch closes; `undefined` when nothing waits. O(1). */
  nextDeadlineMs(): number | undefined {
    for (const b of this.batches.values()) return b.deadlineMs;
    return undefined;
  }

  /** Serves every batch whose coalescing time is over. */
  onTimer(nowMs: number): void {
    for (const b of this.batches.values()) {
      if (b.deadlineMs > nowMs) break;
      this.batches.delete(b.subject);
      this.pending -= b.pendingSeqs;
      this.serve(nowMs, b);
    }
    this.suppressor.prune(nowMs);
  }

  private openBatch(nowMs: number, subject: string): Batch {
    const b: Batch = { subject, deadlineMs: nowMs + this.options.coalesceMs, askers: new Map(), pendingSeqs: 0 };
    this.batches.set(subject, b);
    return b;
  }

  private serve(nowMs: number, b: Batch): void {
    const { subject } = b;
    const untilMs = nowMs + this.options.repeatSuppressMs;
    const askers = [...b.askers.entries()];
    const multicast = rangesInAtLeast(
      askers.map(([, a]) => a.ranges),
      this.options.multicastThreshold,
    );

    let multicastUnavailable: SeqRange[] = [];
    if (multicast.length > 0) {
      const got = this.fetch(subject, multicast);
      multicastUnavailable = got.unavailable;
      if (got.messages.length > 0) {
        this.counters.retransmitsMulticast++;
        this.counters.messagesResent += got.messages.length;
        this.sink.multicast(got.messages, []);
        this.suppressor.record(subject, undefined, rangesFromSeqs(got.messages.map((m) => m.seq)), untilMs);
      }
    }

    for (const [key, a] of askers) {
      const own = this.fetch(subject, subtractRanges(a.ranges, multicast));
      const unavailable = unionRanges(own.unavailable, intersectRanges(a.ranges, multicastUnavailable));
      if (own.messages.length === 0 && unavailable.length === 0) continue;
      this.counters.retransmitsUnicast++;
      this.counters.messagesResent += own.messages.length;
      this.counters.unavailableRanges += unavailable.length;
      this.sink.unicast(
        a.peer,
        own.messages,
        unavailable.map((r) => ({ subject, from: r.from, to: r.to })),
      );
      const served = unionRanges(rangesFromSeqs(own.messages.map((m) => m.seq)), unavailable);
      this.suppressor.record(subject, key, served, untilMs);
    }
  }

  /** Reads a range list from the window: messages ascending, unavailable as a range list. */
  private fetch(subject: string, ranges: readonly SeqRange[]): { messages: WireMessage[]; unavailable: SeqRange[] } {
    const messages: WireMessage[] = [];
    const unavailable: SeqRange[] = [];
    for (const r of ranges) {
      const got = this.window.serve(subject, r.from, r.to, r.to - r.from + 1);
      // One push per message: spreading up to maxPending arguments could overflow the stack.
      for (const m of got.messages) messages.push(m);
      for (const u of got.unavailable) unavailable.push(u);
    }
    return { messages, unavailable: normalizeRanges(unavailable, unavailable.length).ranges };
  }
}
