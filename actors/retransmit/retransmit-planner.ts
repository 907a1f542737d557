/**
 * Serves NAKs on the sender side: coalesces askers, chooses unicast or one multicast per
 * sequence, ignores repeats of what it just served, and keeps within the NAK service budgets.
 */
import type { FragmentRange, PeerId, SeqRange, UnavailableRange, WireMessage } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';
import { FRAGMENT_EXTENSION_LENGTH, MESSAGE_HEADER_LENGTH } from '../../codecs/frames/message-record.js';
import type { TimerCore } from '../core.js';
import { NakBudget, type BudgetVerdict, type NakBudgetOptions } from './nak-budget.js';
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
  'coalesceMs' | 'multicastThreshold' | 'repeatSuppressMs' | 'maxMessagesPerNak' | 'maxNakRangeMessages' | 'maxPending' | 'maxSuppressedRanges'
> &
  NakBudgetOptions;

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
  /**
   * Fragments `fromFrag..toFrag` of message `seq`: `undefined` when the message is not held
   * (the planner then reports its seq unavailable), else the held fragments of the range.
   */
  serveFragments(subject: string, range: FragmentRange): readonly WireMessage[] | undefined;
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
  /** NAK ranges wider than `maxNakRangeMessages`: refused whole. */
  implausibleRanges: number;
  /** Messages (or fragments) asked for and not served for lack of the asker's budget (it asks again). */
  overAskerBudget: number;
  /** Messages (or fragments) asked for and not served for lack of the total repair budget. */
  overTotalBudget: number;
}

interface Asker {
  readonly peer: PeerId;
  /** Whose vote its NAKs are towards `multicastThreshold` (see {@link RetransmitPlanner.onNak}); undefined: none. */
  readonly voter: string | undefined;
  /** Range list of the sequences it asked for in this batch. */
  ranges: SeqRange[];
  /**
   * Fragments it asked for, per message seq, as a range list of fragment indexes shifted by one
   * (index i is stored as i + 1) so the range helpers, which start at 1, apply.
   */
  frags?: Map<number, SeqRange[]>;
}

/**
 * The ranges each voter asked for (the union of its askers'), for `rangesInAtLeast`: askers
 * with the same voter count once, askers with none not at all.
 */
function votes(askers: readonly (readonly [string, Asker])[], rangesOf: (a: Asker) => SeqRange[]): SeqRange[][] {
  const byVoter = new Map<string, SeqRange[]>();
  for (const [, a] of askers) {
    if (a.voter === undefined) continue;
    const had = byVoter.get(a.voter);
    byVoter.set(a.voter, had === undefined ? rangesOf(a) : unionRanges(had, rangesOf(a)));
  }
  return [...byVoter.values()];
}

/** The repeat-suppression key of the fragments of message `seq` of `subject`. */
function fragmentKey(subject: string, seq: number): string {
  return `${subject}\u0000#${seq}`;
}

/**
 * After a NAK of a subject from another asker than the previous one, its NAKs are coalesced for
 * this long even when they come from one asker again (several receivers may share its losses).
 */
export const SHARED_SUBJECT_MS = 10_000;
/** Most subjects whose last asker is remembered; past it the memory starts afresh (every subject coalesces). */
const MAX_REMEMBERED_SUBJECTS = 4096;

/** Who NAKed a subject last, and until when it counts as shared by several askers. */
interface SubjectAskers {
  asker: string;
  sharedUntilMs: number;
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
 * Fragment requests (some fragments of one message) follow the same rules per message: fragments
 * asked by `multicastThreshold` askers go once by multicast, the rest by unicast; what was served
 * is suppressed for `repeatSuppressMs`; each fragment counts as one towards `maxMessagesPerNak`
 * and `maxPending`. A message the window no longer holds is reported unavailable by its seq (with
 * a ledger, the ledger then serves it whole).
 *
 * - The first NAK for a subject opens a batch that closes `coalesceMs` later; NAKs for the subject
 *   arriving meanwhile join it. At the close, sequences asked by `multicastThreshold` or more
 *   distinct askers go out once by multicast, the rest by unicast to each asker. Unavailable
 *   ranges always go to each asker by unicast (so the receiver can report data loss reliably).
 * - A NAK of a subject NAKed by one asker only is served at once (unless it joins a batch still
 *   open): when the subject's previous NAK came from the same
 *   asker and no other asker NAKed it for {@link SHARED_SUBJECT_MS}, waiting could only find
 *   nobody to share with. The wait held every repair of a lone receiver back by `coalesceMs`, and
 *   with it the receiver's position and so the publisher's credit (5 % loss at 64 B: a third of
 *   "NAK in → RETRANSMIT out" was that wait). The first NAK of a subject, and any NAK within
 *   {@link SHARED_SUBJECT_MS} of another asker's, still waits: a second receiver that shares a
 *   loss costs at most one unicast repair more before the subject coalesces again.
 * - After the close, what went by multicast is ignored from anyone, and what went to an asker by
 *   unicast is ignored from that asker, for `repeatSuppressMs`.
 * - Hostile input: a range wider than `maxNakRangeMessages` is refused (no receiver asks for
 *   more than its `maxNakSeqs` at once); a NAK yields at most `maxMessagesPerNak` sequences (the
 *   lowest) from its first `maxMessagesPerNak` ranges; at most `maxPending` (asker, sequence)
 *   pairs wait in all; at most `maxSuppressedRanges` served ranges are remembered. Everything is
 *   computed on ranges, never per sequence, so a 2^53-wide range costs what a narrow one does.
 * - Budgets ({@link NakBudget}): what goes to one asker by unicast is paid from its bucket
 *   (`askerRepairBytesPerSec`) and the total one (`totalRepairBytesPerSec`), what goes by multicast
 *   from the total one, in message bytes. The lowest sequences are served first; the rest, once
 *   a bucket is empty, is not served, not suppressed and counted (the asker's next NAK asks again,
 *   as Ultra Messaging's rate-limited "crybaby receivers"). Repeats ignored within
 *   `repeatSuppressMs` and sequences no longer held cost nothing.
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
    implausibleRanges: 0,
    overAskerBudget: 0,
    overTotalBudget: 0,
  };
  private readonly sink: RetransmitPlannerSink;
  private readonly window: RetransmitWindow;
  private readonly options: RetransmitPlannerOptions;
  private readonly batches = new Map<string, Batch>();
  private readonly lastAskers = new Map<string, SubjectAskers>();
  private readonly suppressor: RepeatSuppressor;
  private readonly budget: NakBudget;
  private pending = 0;

  constructor(deps: RetransmitPlannerDeps, options: RetransmitPlannerOptions = DEFAULT_RETRANSMIT_OPTIONS) {
    this.sink = deps.sink;
    this.window = deps.window;
    this.options = options;
    this.suppressor = new RepeatSuppressor(options.maxSuppressedRanges);
    this.budget = new NakBudget(options);
  }

  /** `peer` left: its budget bucket goes. */
  forget(peer: PeerId): void {
    this.budget.forget(peerKey(peer));
  }

  /** (asker, sequence) pairs waiting to be served (at most `maxPending`). */
  get pendingSeqs(): number {
    return this.pending;
  }

  /**
   * A NAK from `from` for `ranges` (and `fragments`) of `subject` (untrusted). `voter`: who the
   * asker counts as towards `multicastThreshold`. The owner gives the address the NAK came from
   * for a peer it lists, so that names sharing one socket count once, and null for a name nobody
   * advertised (it does not count): names forged by the dozen, from one socket, would otherwise
   * turn a few NAKs into multicast resends to the whole group, where a unicast resend goes only
   * to the asker (and the socket's 3× rule bounds what goes to an unproven address). Omitted:
   * the asker itself.
   */
  onNak(nowMs: number, from: PeerId, subject: string, ranges: readonly SeqRange[], fragments: readonly FragmentRange[] = [], voter?: string | null): void {
    this.counters.naksReceived++;
    const o = this.options;
    const plausible = this.plausibleRanges(ranges);
    const norm = normalizeRanges(plausible, o.maxMessagesPerNak);
    this.counters.invalidRanges += norm.invalid + norm.ignored;
    const key = peerKey(from);
    const vote = voter === undefined ? key : (voter ?? undefined);
    const alone = this.noteAsker(nowMs, subject, key);
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
    if (added > 0) {
      const b = batch ?? this.openBatch(nowMs, subject);
      const a = b.askers.get(key);
      if (a === undefined) b.askers.set(key, { peer: from, voter: vote, ranges: accepted });
      else a.ranges = unionRanges(a.ranges, accepted);
      b.pendingSeqs += added;
      this.pending += added;
    }
    if (fragments.length > 0) this.onFragmentNak(nowMs, from, key, vote, subject, fragments, o.maxMessagesPerNak - countSeqs(wanted));
    const b = alone && batch === undefined ? this.batches.get(subject) : undefined;
    if (b !== undefined) {
      this.batches.delete(subject);
      this.pending -= b.pendingSeqs;
      this.serve(nowMs, b);
    }
  }

  /** Notes that `key` NAKed `subject`; true when it is the subject's only asker (see the class overview). */
  private noteAsker(nowMs: number, subject: string, key: string): boolean {
    const last = this.lastAskers.get(subject);
    if (last === undefined) {
      if (this.lastAskers.size >= MAX_REMEMBERED_SUBJECTS) this.lastAskers.clear();
      this.lastAskers.set(subject, { asker: key, sharedUntilMs: Number.NEGATIVE_INFINITY });
      return false;
    }
    if (last.asker !== key) {
      last.asker = key;
      last.sharedUntilMs = nowMs + SHARED_SUBJECT_MS;
      return false;
    }
    return nowMs >= last.sharedUntilMs;
  }

  /** `ranges` without those wider than `maxNakRangeMessages` (counted); the array itself when none is. */
  private plausibleRanges(ranges: readonly SeqRange[]): readonly SeqRange[] {
    const max = this.options.maxNakRangeMessages;
    const n = Math.min(ranges.length, this.options.maxMessagesPerNak);
    let out: SeqRange[] | undefined;
    for (let i = 0; i < n; i++) {
      const r = ranges[i];
      const wide = r.to - r.from + 1 > max;
      if (wide) this.counters.implausibleRanges++;
      if (wide && out === undefined) out = ranges.slice(0, i);
      else if (!wide && out !== undefined) out.push(r);
    }
    // Ranges past maxMessagesPerNak stay for normalizeRanges to count as ignored.
    if (out !== undefined) for (let i = n; i < ranges.length; i++) out.push(ranges[i]);
    return out ?? ranges;
  }

  /** The fragment part of a NAK: at most `budget` fragments, the same bounds as whole sequences. */
  private onFragmentNak(
    nowMs: number,
    from: PeerId,
    key: string,
    voter: string | undefined,
    subject: string,
    fragments: readonly FragmentRange[],
    budget: number,
  ): void {
    // Group by message; fragment indexes shift by one (see Asker.frags).
    const bySeq = new Map<number, SeqRange[]>();
    let seen = 0;
    for (const f of fragments) {
      if (++seen > this.options.maxMessagesPerNak) {
        this.counters.invalidRanges++;
        continue;
      }
      if (!Number.isSafeInteger(f.seq) || f.seq < 1 || !Number.isSafeInteger(f.fromFrag) || !Number.isSafeInteger(f.toFrag)) {
        this.counters.invalidRanges++;
        continue;
      }
      let list = bySeq.get(f.seq);
      if (list === undefined) bySeq.set(f.seq, (list = []));
      list.push({ from: f.fromFrag + 1, to: f.toFrag + 1 });
    }
    for (const [seq, raw] of [...bySeq].sort((x, y) => x[0] - y[0])) {
      const norm = normalizeRanges(raw, raw.length);
      this.counters.invalidRanges += norm.invalid;
      const { kept, suppressed } = this.suppressor.filter(nowMs, fragmentKey(subject, seq), key, norm.ranges);
      this.counters.suppressed += suppressed;
      const wanted = truncateRanges(kept, Math.max(0, budget));
      let dropped = countSeqs(kept) - countSeqs(wanted);
      budget -= countSeqs(wanted);
      const batch = this.batches.get(subject);
      const had = batch?.askers.get(key)?.frags?.get(seq);
      const fresh = had === undefined ? wanted : subtractRanges(wanted, had);
      const accepted = truncateRanges(fresh, this.options.maxPending - this.pending);
      const added = countSeqs(accepted);
      dropped += countSeqs(fresh) - added;
      this.counters.truncated += dropped;
      if (added === 0) continue;
      const b = batch ?? this.openBatch(nowMs, subject);
      let a = b.askers.get(key);
      if (a === undefined) b.askers.set(key, (a = { peer: from, voter, ranges: [] }));
      a.frags ??= new Map();
      a.frags.set(seq, had === undefined ? accepted : unionRanges(had, accepted));
      b.pendingSeqs += added;
      this.pending += added;
    }
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
    const multicast = rangesInAtLeast(votes(askers, (a) => a.ranges), this.options.multicastThreshold);

    let multicastUnavailable: SeqRange[] = [];
    if (multicast.length > 0) {
      const got = this.fetch(nowMs, subject, multicast, undefined);
      multicastUnavailable = got.unavailable;
      if (got.messages.length > 0) {
        this.counters.retransmitsMulticast++;
        this.counters.messagesResent += got.messages.length;
        this.sink.multicast(got.messages, []);
        this.suppressor.record(subject, undefined, rangesFromSeqs(uniqueSeqs(got.messages)), untilMs);
      }
    }

    const fragmentsOwn = this.serveFragments(nowMs, subject, askers, untilMs);

    for (const [key, a] of askers) {
      const own = this.fetch(nowMs, subject, subtractRanges(a.ranges, multicast), key);
      let unavailable = unionRanges(own.unavailable, intersectRanges(a.ranges, multicastUnavailable));
      const frag = fragmentsOwn.get(key);
      // Whole messages served, for repeat suppression (fragments are suppressed per message).
      const servedWhole = rangesFromSeqs(uniqueSeqs(own.messages));
      const messages = own.messages;
      if (frag !== undefined) {
        for (const m of frag.messages) messages.push(m);
        unavailable = unionRanges(unavailable, frag.unavailable);
      }
      if (messages.length === 0 && unavailable.length === 0) continue;
      this.counters.retransmitsUnicast++;
      this.counters.messagesResent += messages.length;
      this.counters.unavailableRanges += unavailable.length;
      this.sink.unicast(
        a.peer,
        messages,
        unavailable.map((r) => ({ subject, from: r.from, to: r.to })),
      );
      const served = unionRanges(servedWhole, unavailable);
      this.suppressor.record(subject, key, served, untilMs);
    }
  }

  /**
   * Serves the fragment requests of a batch: per message, the fragments asked by
   * `multicastThreshold` askers or more go out once by multicast; returns, per asker, the rest
   * (its unicast fragments, and the seqs of messages no longer held).
   */
  private serveFragments(
    nowMs: number,
    subject: string,
    askers: readonly [string, Asker][],
    untilMs: number,
  ): Map<string, { messages: WireMessage[]; unavailable: SeqRange[] }> {
    const out = new Map<string, { messages: WireMessage[]; unavailable: SeqRange[] }>();
    const seqs = new Set<number>();
    for (const [, a] of askers) if (a.frags !== undefined) for (const seq of a.frags.keys()) seqs.add(seq);
    if (seqs.size === 0) return out;
    const threshold = this.options.multicastThreshold;
    for (const seq of [...seqs].sort((x, y) => x - y)) {
      const wanting = askers.filter(([, a]) => a.frags?.has(seq) === true);
      const multicast = rangesInAtLeast(
        votes(wanting, (a) => a.frags!.get(seq)!),
        threshold,
      );
      let held = true;
      if (multicast.length > 0) {
        const got = this.fetchFragments(nowMs, subject, seq, multicast, undefined);
        if (got === undefined) held = false;
        else if (got.length > 0) {
          this.counters.retransmitsMulticast++;
          this.counters.messagesResent += got.length;
          this.sink.multicast(got, []);
          this.suppressor.record(fragmentKey(subject, seq), undefined, servedFragments(got), untilMs);
        }
      }
      for (const [key, a] of wanting) {
        let entry = out.get(key);
        if (entry === undefined) out.set(key, (entry = { messages: [], unavailable: [] }));
        const own = subtractRanges(a.frags!.get(seq)!, multicast);
        const got = held && own.length > 0 ? this.fetchFragments(nowMs, subject, seq, own, key) : held ? [] : undefined;
        if (got === undefined) {
          entry.unavailable.push({ from: seq, to: seq });
          continue;
        }
        for (const m of got) entry.messages.push(m);
        if (got.length > 0) this.suppressor.record(fragmentKey(subject, seq), key, servedFragments(got), untilMs);
      }
    }
    return out;
  }

  /**
   * Fragments of message `seq` for shifted index ranges, within the budget of `askerKey`
   * (undefined: multicast): the first ones the budget pays for; `undefined` when the message is
   * not held.
   */
  private fetchFragments(nowMs: number, subject: string, seq: number, shifted: readonly SeqRange[], askerKey: string | undefined): WireMessage[] | undefined {
    const messages: WireMessage[] = [];
    for (let i = 0; i < shifted.length; i++) {
      const r = shifted[i];
      const got = this.window.serveFragments(subject, { seq, fromFrag: r.from - 1, toFrag: r.to - 1 });
      if (got === undefined) return undefined;
      for (let k = 0; k < got.length; k++) {
        const verdict = this.budget.take(nowMs, askerKey, resentBytes(got[k]));
        if (verdict !== 'ok') {
          this.overBudget(verdict, got.length - k + countSeqs(shifted.slice(i + 1)));
          return messages;
        }
        messages.push(got[k]);
      }
    }
    return messages;
  }

  /**
   * Reads a range list from the window within the budget of `askerKey` (undefined: multicast):
   * messages ascending, unavailable as a range list. Once the budget refuses a message, the rest
   * is neither read nor served (counted): the asker asks for it again. A message's fragments go
   * together (the budget may go into debt for the rest of a message it let begin).
   */
  private fetch(nowMs: number, subject: string, ranges: readonly SeqRange[], askerKey: string | undefined): { messages: WireMessage[]; unavailable: SeqRange[] } {
    const messages: WireMessage[] = [];
    const unavailable: SeqRange[] = [];
    let paidSeq = -1;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      const got = this.window.serve(subject, r.from, r.to, r.to - r.from + 1);
      for (const u of got.unavailable) unavailable.push(u);
      for (const m of got.messages) {
        if (m.seq !== paidSeq) {
          const verdict = this.budget.take(nowMs, askerKey, resentBytes(m));
          if (verdict !== 'ok') {
            this.overBudget(verdict, countSeqs([{ from: m.seq, to: r.to }]) + countSeqs(ranges.slice(i + 1)));
            return { messages, unavailable: normalizeRanges(unavailable, unavailable.length).ranges };
          }
          paidSeq = m.seq;
        } else this.budget.charge(askerKey, resentBytes(m));
        // One push per message: spreading up to maxPending arguments could overflow the stack.
        messages.push(m);
      }
    }
    return { messages, unavailable: normalizeRanges(unavailable, unavailable.length).ranges };
  }

  private overBudget(verdict: Exclude<BudgetVerdict, 'ok'>, left: number): void {
    if (verdict === 'asker') this.counters.overAskerBudget += left;
    else this.counters.overTotalBudget += left;
  }
}

/** Bytes a resent message takes in a RETRANSMIT frame (its record; the frame header is shared). */
function resentBytes(m: WireMessage): number {
  return MESSAGE_HEADER_LENGTH + (m.fragIndex === undefined ? 0 : FRAGMENT_EXTENSION_LENGTH) + m.subject.length + m.payload.byteLength;
}

/** The shifted fragment index ranges (see Asker.frags) of fragments served, for repeat suppression. */
function servedFragments(messages: readonly WireMessage[]): SeqRange[] {
  const idx = messages.map((m) => (m.fragIndex ?? 0) + 1).sort((x, y) => x - y);
  return rangesFromSeqs(idx.filter((v, i) => i === 0 || v !== idx[i - 1]));
}

/** The seqs of `messages` (ascending; the fragments of a message share one), each once. */
function uniqueSeqs(messages: readonly WireMessage[]): number[] {
  const out: number[] = [];
  for (const m of messages) if (out.length === 0 || out[out.length - 1] !== m.seq) out.push(m.seq);
  return out;
}
