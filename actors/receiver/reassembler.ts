/**
 * Reassembly of fragmented messages of one stream: collects the fragments of each seq, by index,
 * and says which fragments are still missing.
 */
import { fitsMessageSize } from '../../codecs/limits.js';
import { MESSAGE_FLAGS, type FragmentRange, type SeqRange, type WireMessage } from '../../codecs/frame.js';
import { BufferBudget } from './buffer-budget.js';

const FRAGMENT_BITS = MESSAGE_FLAGS.fragment | MESSAGE_FLAGS.firstFragment | MESSAGE_FLAGS.lastFragment;

/**
 * Budget bytes charged per held fragment on top of its payload: its bookkeeping (a map entry and
 * a view). So a flood of tiny fragments, which the wire allows (a fragment may be one byte),
 * cannot hold more memory than the budget says.
 */
export const FRAGMENT_OVERHEAD_BYTES = 64;

/** Counters a {@link Reassembler} adds to (may be shared by many). */
export interface ReassemblerCounters {
  /** Fragmented messages completed. */
  messagesReassembled: number;
  /** Fragments received (new ones, held for reassembly). */
  fragmentsReceived: number;
  /** Fragments already held (a retransmission that crossed the original, mostly). */
  duplicateFragments: number;
  /** Fragments that disagree with the other fragments of their message (count, flags, replyTo, size). */
  inconsistentFragments: number;
  /** Fragments dropped for want of memory (asked for again later). */
  fragmentsBufferFull: number;
}

/** What a {@link Reassembler} needs. */
export interface ReassemblerDeps {
  /** Memory shared with the other streams (each held fragment reserves its bytes); unlimited when absent. */
  readonly budget?: BufferBudget;
  readonly counters?: ReassemblerCounters;
}

/** What {@link Reassembler.push} did with a fragment. */
export type FragmentOutcome =
  /** Held; its message is not complete yet. */
  | { readonly kind: 'held' }
  /** It completed its message: `message` is the whole of it (no fragment bits, no fragment fields). */
  | { readonly kind: 'completed'; readonly message: WireMessage }
  /** Already held, or its message was already refused: dropped. */
  | { readonly kind: 'duplicate' }
  /** Disagrees with the fragments held of its message, or is not a fragment: dropped. */
  | { readonly kind: 'inconsistent' }
  /** Its message would exceed `maxMessageBytes`: every fragment of it is dropped, now and later. */
  | { readonly kind: 'tooLarge' }
  /** No memory for it: dropped (it stays missing and is asked for again). */
  | { readonly kind: 'bufferFull' };

interface Partial {
  readonly subject: string;
  readonly seq: number;
  readonly count: number;
  /** The message flags without the fragment bits (the same on every fragment). */
  readonly flags: number;
  readonly replyTo: string | undefined;
  /** Payload of every fragment but the last, once one such fragment is seen. */
  fragmentBytes: number | undefined;
  /** Payload of the last fragment, once seen. */
  lastBytes: number | undefined;
  /** Held fragments by index. */
  readonly chunks: Map<number, Uint8Array>;
  /** Payload bytes held. */
  bytes: number;
  /** Budget bytes reserved for them (payload plus FRAGMENT_OVERHEAD_BYTES each). */
  charged: number;
}

/**
 * The fragments of one stream's messages being reassembled, keyed by the message's seq (every
 * fragment of a message carries its seq; `fragIndex`/`fragCount` address it inside).
 *
 * - {@link push} holds a fragment; the one that completes its message returns the whole
 *   message, delivered to the stream in place of its fragments (the stream orders whole
 *   messages only, so a seq is one application message whatever its size).
 * - {@link missing} lists the fragments still missing of a message held in part, so a NAK asks
 *   for exactly those; {@link refineNak} rewrites a NAK's ranges that way.
 * - Fragments are checked against each other: the same `fragCount`, flags and `replyTo`, every
 *   fragment but the last of one size, the last no larger. A message whose fragments imply more
 *   than `maxMessageBytes` (`(fragCount - 1) × size + last`) is refused as soon as that shows.
 *
 * Bounds: each held fragment reserves its bytes plus {@link FRAGMENT_OVERHEAD_BYTES} in the shared budget; when the budget refuses
 * one of the stream's next message (`push(…, priority)`), held fragments of later messages of
 * this stream are released to make room, so the message the stream waits for can always be
 * completed. The owner drops what the stream has passed with {@link dropBelow}. Refused seqs are
 * remembered until passed, at most 1024.
 */
export class Reassembler {
  private readonly budget: BufferBudget;
  private readonly counters: ReassemblerCounters;
  private readonly maxMessageBytes: number;
  private readonly partials = new Map<number, Partial>();
  private readonly refused = new Set<number>();
  /** No partial or refused seq is below this (a lower bound, for a cheap {@link dropBelow}). */
  private lowest = Number.POSITIVE_INFINITY;

  constructor(deps: ReassemblerDeps, options: { readonly maxMessageBytes: number }) {
    this.budget = deps.budget ?? new BufferBudget();
    this.counters = deps.counters ?? {
      messagesReassembled: 0,
      fragmentsReceived: 0,
      duplicateFragments: 0,
      inconsistentFragments: 0,
      fragmentsBufferFull: 0,
    };
    this.maxMessageBytes = options.maxMessageBytes;
  }

  /** Whether it holds nothing (no message in part, no refused seq to remember). */
  get empty(): boolean {
    return this.partials.size === 0 && this.refused.size === 0;
  }

  /** Messages held in part. */
  get size(): number {
    return this.partials.size;
  }

  /** Payload bytes held. */
  get bytes(): number {
    let n = 0;
    for (const p of this.partials.values()) n += p.bytes;
    return n;
  }

  /** Whether message `seq` is held in part. */
  has(seq: number): boolean {
    return this.partials.has(seq);
  }

  /**
   * A fragment (untrusted shape; the codec validated its address). `priority`: it belongs to the
   * message the stream waits for, so later messages' fragments may be released for room.
   */
  push(msg: WireMessage, priority = false): FragmentOutcome {
    const seq = msg.seq;
    const index = msg.fragIndex;
    const count = msg.fragCount;
    const len = msg.payload.byteLength;
    if (
      (msg.flags & MESSAGE_FLAGS.fragment) === 0 ||
      !Number.isInteger(index) ||
      !Number.isInteger(count) ||
      (count as number) < 2 ||
      (index as number) < 0 ||
      (index as number) >= (count as number) ||
      len < 1
    ) {
      this.counters.inconsistentFragments++;
      return { kind: 'inconsistent' };
    }
    if (this.refused.has(seq)) return { kind: 'duplicate' };
    const i = index as number;
    const n = count as number;
    const last = i === n - 1;
    let p = this.partials.get(seq);
    if (p === undefined) {
      p = {
        subject: msg.subject,
        seq,
        count: n,
        flags: msg.flags & ~FRAGMENT_BITS,
        replyTo: msg.replyTo,
        fragmentBytes: undefined,
        lastBytes: undefined,
        chunks: new Map(),
        bytes: 0,
        charged: 0,
      };
    } else {
      if (p.chunks.has(i)) {
        this.counters.duplicateFragments++;
        return { kind: 'duplicate' };
      }
      if (p.count !== n || p.flags !== (msg.flags & ~FRAGMENT_BITS) || p.replyTo !== msg.replyTo) {
        this.counters.inconsistentFragments++;
        return { kind: 'inconsistent' };
      }
    }
    const fragmentBytes = last ? p.fragmentBytes : len;
    const lastBytes = last ? len : p.lastBytes;
    if ((!last && p.fragmentBytes !== undefined && p.fragmentBytes !== len) || (fragmentBytes !== undefined && lastBytes !== undefined && lastBytes > fragmentBytes)) {
      this.counters.inconsistentFragments++;
      return { kind: 'inconsistent' };
    }
    // The smallest size the message can have with what is known: refuse it as soon as that is too much.
    if (!fitsMessageSize((n - 1) * (fragmentBytes ?? 1) + (lastBytes ?? 1), this.maxMessageBytes)) {
      this.refuse(seq);
      return { kind: 'tooLarge' };
    }
    if (!this.reserve(len + FRAGMENT_OVERHEAD_BYTES, seq, priority)) {
      this.counters.fragmentsBufferFull++;
      return { kind: 'bufferFull' };
    }
    if (!this.partials.has(seq)) {
      this.partials.set(seq, p);
      if (seq < this.lowest) this.lowest = seq;
    }
    p.fragmentBytes = fragmentBytes;
    p.lastBytes = lastBytes;
    p.chunks.set(i, msg.payload);
    p.bytes += len;
    p.charged += len + FRAGMENT_OVERHEAD_BYTES;
    this.counters.fragmentsReceived++;
    if (p.chunks.size < p.count) return { kind: 'held' };
    return { kind: 'completed', message: this.complete(p) };
  }

  /**
   * The missing fragments of message `seq` as ranges (ascending, at most `maxRanges`; the rest
   * is asked next time); `undefined` when no fragment of it is held.
   */
  missing(seq: number, maxRanges: number): FragmentRange[] | undefined {
    const p = this.partials.get(seq);
    if (p === undefined) return undefined;
    const held = [...p.chunks.keys()].sort((a, b) => a - b);
    const out: FragmentRange[] = [];
    let next = 0;
    for (const i of held) {
      if (out.length >= maxRanges) return out;
      if (i > next) out.push({ seq, fromFrag: next, toFrag: i - 1 });
      next = i + 1;
    }
    if (next < p.count && out.length < maxRanges) out.push({ seq, fromFrag: next, toFrag: p.count - 1 });
    return out;
  }

  /**
   * Rewrites a NAK's `ranges` (ascending, disjoint): a message held in part leaves its range and
   * is asked for by its missing fragments instead (at most `maxFragmentRanges` in all).
   */
  refineNak(ranges: readonly SeqRange[], maxFragmentRanges: number): { ranges: SeqRange[]; fragments: FragmentRange[] } {
    if (this.partials.size === 0) return { ranges: [...ranges], fragments: [] };
    const seqs = [...this.partials.keys()].sort((a, b) => a - b);
    const whole: SeqRange[] = [];
    const fragments: FragmentRange[] = [];
    let k = 0;
    for (const r of ranges) {
      let from = r.from;
      while (k < seqs.length && seqs[k] < r.from) k++;
      while (k < seqs.length && seqs[k] <= r.to) {
        const s = seqs[k++];
        if (s > from) whole.push({ from, to: s - 1 });
        from = s + 1;
        const room = maxFragmentRanges - fragments.length;
        if (room > 0) for (const f of this.missing(s, room) ?? []) fragments.push(f);
      }
      if (from <= r.to) whole.push({ from, to: r.to });
    }
    return { ranges: whole, fragments };
  }

  /** Forgets every message below `seq` (the stream delivered or gave them up). */
  dropBelow(seq: number): void {
    if (seq <= this.lowest) return;
    let lowest = Number.POSITIVE_INFINITY;
    for (const p of this.partials.values()) {
      if (p.seq < seq) this.release(p);
      else if (p.seq < lowest) lowest = p.seq;
    }
    for (const s of this.refused) {
      if (s < seq) this.refused.delete(s);
      else if (s < lowest) lowest = s;
    }
    this.lowest = lowest;
  }

  /** Forgets everything (the stream ended or was reset). */
  clear(): void {
    for (const p of this.partials.values()) this.release(p);
    this.refused.clear();
    this.lowest = Number.POSITIVE_INFINITY;
  }

  private complete(p: Partial): WireMessage {
    this.release(p);
    const whole = new Uint8Array(p.bytes);
    let at = 0;
    for (let i = 0; i < p.count; i++) {
      const c = p.chunks.get(i) as Uint8Array;
      whole.set(c, at);
      at += c.byteLength;
    }
    this.counters.messagesReassembled++;
    return p.replyTo === undefined
      ? { subject: p.subject, seq: p.seq, flags: p.flags, payload: whole }
      : { subject: p.subject, seq: p.seq, flags: p.flags, replyTo: p.replyTo, payload: whole };
  }

  private refuse(seq: number): void {
    const p = this.partials.get(seq);
    if (p !== undefined) this.release(p);
    if (this.refused.size >= 1024) this.refused.clear();
    this.refused.add(seq);
    if (seq < this.lowest) this.lowest = seq;
  }

  private release(p: Partial): void {
    if (!this.partials.delete(p.seq)) return;
    this.budget.release(p.charged, p.chunks.size);
  }

  /** Reserves `bytes`; for the stream's next message, releases later messages' fragments if needed. */
  private reserve(bytes: number, seq: number, priority: boolean): boolean {
    if (this.budget.tryReserve(bytes)) return true;
    if (!priority) return false;
    const later = [...this.partials.values()].filter((p) => p.seq > seq).sort((a, b) => b.seq - a.seq);
    for (const p of later) {
      this.release(p);
      if (this.budget.tryReserve(bytes)) return true;
    }
    return false;
  }
}
