/**
 * Reassembly of fragmented messages from one stream's in-order output.
 */
import { MESSAGE_FLAGS, type WireMessage } from '../../codecs/frame.js';
import { BufferBudget } from './buffer-budget.js';
import type { DataLossReason } from './receiver-sink.js';

const FRAGMENT_BITS = MESSAGE_FLAGS.fragment | MESSAGE_FLAGS.firstFragment | MESSAGE_FLAGS.lastFragment;

/** A whole message out of the {@link Reassembler}. */
export interface ReassembledMessage {
  /** Sequence of the message, of its first fragment when fragmented. */
  readonly seq: number;
  /** Sequence of its last fragment (`seq` when not fragmented). */
  readonly lastSeq: number;
  /** The first fragment's flags without the fragment bits. */
  readonly flags: number;
  readonly replyTo?: string;
  readonly payload: Uint8Array;
}

/** Where a {@link Reassembler} puts its output, in stream order. */
export interface ReassemblerOutput {
  message(msg: ReassembledMessage): void;
  lost(from: number, to: number, reason: DataLossReason): void;
}

/** Counters a {@link Reassembler} adds to (may be shared by many). */
export interface ReassemblerCounters {
  /** Fragmented messages completed. */
  messagesReassembled: number;
  /** Fragments dropped silently at the start of a stream: their message began before it. */
  leadingFragmentsSkipped: number;
}

/** What a {@link Reassembler} needs. */
export interface ReassemblerDeps {
  readonly out: ReassemblerOutput;
  /** Memory shared with the other streams (each held fragment reserves its bytes); unlimited when absent. */
  readonly budget?: BufferBudget;
  readonly counters?: ReassemblerCounters;
}

interface Partial {
  readonly firstSeq: number;
  lastSeq: number;
  readonly flags: number;
  readonly replyTo: string | undefined;
  readonly chunks: Uint8Array[];
  bytes: number;
}

interface Discard {
  readonly from: number;
  to: number;
  readonly reason: DataLossReason;
}

/**
 * Turns the ordered output of a {@link StreamReceiver} (messages and lost ranges) into whole
 * messages and lost ranges.
 *
 * - A message without the `fragment` bit passes through.
 * - `fragment|firstFragment` opens a message; following fragments are appended; the one with
 *   `lastFragment` completes it, delivered with the first fragment's seq, flags and `replyTo`.
 * - A lost range, a new message or a first fragment while a message is open drops the open
 *   message and reports its sequences lost (`'fragmentLost'`), before what interrupted it.
 * - A fragment without an open message (its first was lost) is dropped with the rest of its
 *   message and reported lost (`'fragmentLost'`), except at the very start of a stream that
 *   began mid-stream (`skipLeadingFragments`): those belong to a message begun before the
 *   receiver joined and are skipped silently (counted).
 * - A message growing past `maxMessageBytes` is dropped, reported lost through its last
 *   fragment (`'tooLarge'`); one whose next fragment does not fit the shared budget likewise
 *   (`'bufferFull'`).
 *
 * Bounds: one open message of at most `maxMessageBytes`; a dropped message is remembered as one
 * range (merged until its end), so a long message of lost fragments makes one loss report.
 */
export class Reassembler {
  private readonly out: ReassemblerOutput;
  private readonly budget: BufferBudget;
  private readonly counters: ReassemblerCounters;
  private readonly maxMessageBytes: number;
  private partial: Partial | undefined;
  private discard: Discard | undefined;
  private atStart: boolean;

  constructor(
    deps: ReassemblerDeps,
    options: { readonly maxMessageBytes: number },
    init: { readonly skipLeadingFragments?: boolean } = {},
  ) {
    this.out = deps.out;
    this.budget = deps.budget ?? new BufferBudget();
    this.counters = deps.counters ?? { messagesReassembled: 0, leadingFragmentsSkipped: 0 };
    this.maxMessageBytes = options.maxMessageBytes;
    this.atStart = init.skipLeadingFragments ?? false;
  }

  /** First sequence of the open message, if one is being reassembled. */
  get openSeq(): number | undefined {
    return this.partial?.firstSeq;
  }

  /** Payload bytes of the open message. */
  get openBytes(): number {
    return this.partial?.bytes ?? 0;
  }

  /** The next message of the stream, in order. */
  push(msg: WireMessage): void {
    const f = msg.flags;
    const seq = msg.seq;
    const len = msg.payload.byteLength;
    if ((f & MESSAGE_FLAGS.fragment) === 0 || (f & MESSAGE_FLAGS.firstFragment) !== 0) {
      this.endOpen();
      this.atStart = false;
      const whole = (f & MESSAGE_FLAGS.fragment) === 0 || (f & MESSAGE_FLAGS.lastFragment) !== 0;
      if (len > this.maxMessageBytes) {
        if (whole) this.out.lost(seq, seq, 'tooLarge');
        else this.discard = { from: seq, to: seq, reason: 'tooLarge' };
      } else if (whole) {
        this.out.message(deliverable(seq, seq, f, msg.replyTo, msg.payload));
      } else if (this.budget.tryReserve(len)) {
        this.partial = { firstSeq: seq, lastSeq: seq, flags: f, replyTo: msg.replyTo, chunks: [msg.payload], bytes: len };
      } else {
        this.discard = { from: seq, to: seq, reason: 'bufferFull' };
      }
      return;
    }
    // A continuation fragment.
    const last = (f & MESSAGE_FLAGS.lastFragment) !== 0;
    const p = this.partial;
    if (p !== undefined && seq !== p.lastSeq + 1) this.endOpen(); // cannot happen from a StreamReceiver
    if (this.partial !== undefined) this.append(this.partial, seq, len, msg.payload, last);
    else if (this.discard !== undefined && seq === this.discard.to + 1) this.discard.to = seq;
    else if (this.atStart) this.counters.leadingFragmentsSkipped++;
    else {
      this.endOpen();
      this.discard = { from: seq, to: seq, reason: 'fragmentLost' };
    }
    if (last) {
      this.atStart = false;
      this.endOpen();
    }
  }

  /** Sequences `from..to`, next in order, are lost: drops the open message first. */
  lost(from: number, to: number, reason: DataLossReason): void {
    this.endOpen();
    this.atStart = false;
    this.out.lost(from, to, reason);
  }

  /** The stream ends here (sender left, reset): an open message is reported lost for `reason`. */
  flush(reason: DataLossReason): void {
    const p = this.partial;
    if (p !== undefined) {
      this.partial = undefined;
      this.budget.release(p.bytes, p.chunks.length);
      this.out.lost(p.firstSeq, p.lastSeq, reason);
    }
    this.endOpen();
  }

  private append(p: Partial, seq: number, len: number, payload: Uint8Array, last: boolean): void {
    let reason: DataLossReason | undefined;
    if (p.bytes + len > this.maxMessageBytes) reason = 'tooLarge';
    else if (!this.budget.tryReserve(len)) reason = 'bufferFull';
    if (reason !== undefined) {
      this.partial = undefined;
      this.budget.release(p.bytes, p.chunks.length);
      this.discard = { from: p.firstSeq, to: seq, reason };
      return;
    }
    p.chunks.push(payload);
    p.bytes += len;
    p.lastSeq = seq;
    if (!last) return;
    this.partial = undefined;
    this.budget.release(p.bytes, p.chunks.length);
    const whole = new Uint8Array(p.bytes);
    let at = 0;
    for (const c of p.chunks) {
      whole.set(c, at);
      at += c.byteLength;
    }
    this.counters.messagesReassembled++;
    this.out.message(deliverable(p.firstSeq, seq, p.flags, p.replyTo, whole));
  }

  /** Reports the open message (`'fragmentLost'`) or the dropped one being skipped. */
  private endOpen(): void {
    const p = this.partial;
    if (p !== undefined) {
      this.partial = undefined;
      this.budget.release(p.bytes, p.chunks.length);
      this.out.lost(p.firstSeq, p.lastSeq, 'fragmentLost');
    }
    const d = this.discard;
    if (d !== undefined) {
      this.discard = undefined;
      this.out.lost(d.from, d.to, d.reason);
    }
  }
}

function deliverable(
  seq: number,
  lastSeq: number,
  flags: number,
  replyTo: string | undefined,
  payload: Uint8Array,
): ReassembledMessage {
  const m: { seq: number; lastSeq: number; flags: number; replyTo?: string; payload: Uint8Array } = {
    seq,
    lastSeq,
    flags: flags & ~FRAGMENT_BITS,
    payload,
  };
  if (replyTo !== undefined) m.replyTo = replyTo;
  return m;
}
