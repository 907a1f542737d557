/**
 * Per-subject sequence numbers of one sender: 1, 2, 3, … per stream, continued across restarts.
 */
import { BackpressureError, LedgecastError, ERROR_CODES, LedgerError } from '../../errors.js';
import { DEFAULT_SENDER_OPTIONS, type ResolvedSenderOptions } from './options.js';

/** The options {@link SequenceGenerator} reads. */
export type SequenceGeneratorOptions = Pick<ResolvedSenderOptions, 'maxStreams'>;

/**
 * Hands out the sequence numbers of every stream of one sender.
 *
 * Invariant: a number handed out for a subject is never handed out again, including after a
 * restart, provided the caller resumes from the ledger's newest sequence per subject
 * (`resume`). `snapshot()` is what the ledger stores.
 *
 * Bounded: at most `maxStreams` subjects (resumed ones included); a new subject beyond that
 * throws `BackpressureError`. A stream is never forgotten, so numbers never restart.
 *
 * Compact: a stream is a map entry to its index (`idOf`, stable: 0, 1, 2, … in first-use order)
 * and a number in an array (two for a resumed stream), no object (100,000 idle streams are each kept for the peer's life).
 * Others keep their per-stream facts in arrays by the same index.
 */
export class SequenceGenerator {
  private readonly ids = new Map<string, number>();
  /**
   * By index, for the resumed streams only (indexes 0 … resumed - 1): the first sequence of the
   * stream in this incarnation. Every stream begun in this incarnation starts at `seqFloor + 1`.
   */
  private readonly starts: number[] = [];
  /** By index: newest sequence handed out (`start - 1` when none yet). */
  private readonly lasts: number[] = [];
  private readonly maxStreams: number;
  /** Every stream, resumed or new, continues above this (the ledger's `seqFloor`; 0 without one). */
  readonly seqFloor: number;

  /**
   * @param resume newest sequence per subject from a previous incarnation (the ledger); each
   *   stream continues at `max(resume[subject], seqFloor) + 1`. Throws `LedgerError` on a value
   *   that is not a non-negative safe integer, `BackpressureError` on more than `maxStreams` subjects.
   * @param seqFloor the ledger's sequence floor: a subject not in `resume` starts at
   *   `seqFloor + 1` (after a damaged ledger was moved aside, or an unclean `'async'` shutdown,
   *   numbers at or below it may have been used). Throws `LedgerError` unless a non-negative safe integer.
   */
  constructor(resume?: Readonly<Record<string, number>>, options: SequenceGeneratorOptions = DEFAULT_SENDER_OPTIONS, seqFloor = 0) {
    this.maxStreams = options.maxStreams;
    if (!Number.isSafeInteger(seqFloor) || seqFloor < 0) {
      throw new LedgerError(`the sequence floor must be a non-negative integer, got ${String(seqFloor)}`);
    }
    this.seqFloor = seqFloor;
    if (resume === undefined) return;
    for (const [subject, last] of Object.entries(resume)) {
      if (!Number.isSafeInteger(last) || last < 0) {
        throw new LedgerError(`resumed sequence of ${JSON.stringify(subject)} must be a non-negative integer, got ${String(last)}`);
      }
      this.starts.push(Math.max(last, seqFloor) + 1);
      this.create(subject, Math.max(last, seqFloor));
    }
  }

  /** The next sequence of `subject` (1 for a new stream). */
  next(subject: string): number {
    return this.nextRange(subject, 1);
  }

  /** Reserves `count` consecutive sequences of `subject` (one per fragment); returns the first. */
  nextRange(subject: string, count: number): number {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new LedgecastError(ERROR_CODES.internal, `nextRange count must be a positive integer, got ${String(count)}`);
    }
    const id = this.ids.get(subject) ?? this.create(subject, this.seqFloor);
    const last = this.lasts[id];
    if (last > Number.MAX_SAFE_INTEGER - count) {
      throw new LedgecastError(ERROR_CODES.internal, `sequence space of ${JSON.stringify(subject)} is exhausted`);
    }
    this.lasts[id] = last + count;
    return last + 1;
  }

  /** The newest sequence handed out for `subject` (resumed or this incarnation); `seqFloor` (0) if none. */
  last(subject: string): number {
    const id = this.ids.get(subject);
    return id === undefined ? this.seqFloor : this.lasts[id];
  }

  /** First sequence of `subject` in this incarnation: resumed last + 1, or `seqFloor + 1`. */
  startSeq(subject: string): number {
    const id = this.ids.get(subject);
    return id === undefined || id >= this.starts.length ? this.seqFloor + 1 : this.starts[id];
  }

  /** The stream's index (0, 1, 2, … in first-use order, never reused); undefined for an unknown subject. */
  idOf(subject: string): number | undefined {
    return this.ids.get(subject);
  }

  /** Whether `subject` is a known stream (resumed, or used in this incarnation). */
  has(subject: string): boolean {
    return this.ids.has(subject);
  }

  /** Every subject known (resumed or used), in first-use order. */
  subjects(): string[] {
    return [...this.ids.keys()];
  }

  /** Number of streams known. */
  get size(): number {
    return this.ids.size;
  }

  /** Newest sequence per subject, for the ledger (and for `resume` after a restart). */
  snapshot(): Record<string, number> {
    // fromEntries defines own properties, so a subject token such as `__proto__` is kept as data.
    return Object.fromEntries([...this.ids].map(([subject, id]) => [subject, this.lasts[id]]));
  }

  private create(subject: string, last: number): number {
    if (this.ids.size >= this.maxStreams) {
      throw new BackpressureError(
        `cannot start stream ${JSON.stringify(subject)}: the sender already has ${this.maxStreams} streams (options.maxStreams)`,
      );
    }
    const id = this.lasts.length;
    this.lasts.push(last);
    this.ids.set(subject, id);
    return id;
  }
}
