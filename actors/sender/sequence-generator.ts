/**
 * Per-subject sequence numbers of one sender: 1, 2, 3, … per stream, continued across restarts.
 */
import { BackpressureError, LedgecastError, ERROR_CODES, LedgerError } from '../../errors.js';
import { DEFAULT_SENDER_OPTIONS, type ResolvedSenderOptions } from './options.js';

/** The options {@link SequenceGenerator} reads. */
export type SequenceGeneratorOptions = Pick<ResolvedSenderOptions, 'maxStreams'>;

interface StreamSeq {
  /** First sequence of this stream in this incarnation. */
  readonly start: number;
  /** Newest sequence handed out (`start - 1` when none yet). */
  last: number;
}

/**
 * Hands out the sequence numbers of every stream of one sender.
 *
 * Invariant: a number handed out for a subject is never handed out again, including after a
 * restart, provided the caller resumes from the ledger's newest sequence per subject
 * (`resume`). `snapshot()` is what the ledger stores.
 *
 * Bounded: at most `maxStreams` subjects (resumed ones included); a new subject beyond that
 * throws `BackpressureError`. A stream is never forgotten, so numbers never restart.
 */
export class SequenceGenerator {
  private readonly streams = new Map<string, StreamSeq>();
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
    const s = this.streams.get(subject) ?? this.create(subject, this.seqFloor);
    const first = s.last + 1;
    if (s.last > Number.MAX_SAFE_INTEGER - count) {
      throw new LedgecastError(ERROR_CODES.internal, `sequence space of ${JSON.stringify(subject)} is exhausted`);
    }
    s.last += count;
    return first;
  }

  /** The newest sequence handed out for `subject` (resumed or this incarnation); `seqFloor` (0) if none. */
  last(subject: string): number {
    return this.streams.get(subject)?.last ?? this.seqFloor;
  }

  /** First sequence of `subject` in this incarnation: resumed last + 1, or `seqFloor + 1`. */
  startSeq(subject: string): number {
    return this.streams.get(subject)?.start ?? this.seqFloor + 1;
  }

  /** Whether `subject` is a known stream (resumed, or used in this incarnation). */
  has(subject: string): boolean {
    return this.streams.has(subject);
  }

  /** Every subject known (resumed or used), in first-use order. */
  subjects(): string[] {
    return [...this.streams.keys()];
  }

  /** Number of streams known. */
  get size(): number {
    return this.streams.size;
  }

  /** Newest sequence per subject, for the ledger (and for `resume` after a restart). */
  snapshot(): Record<string, number> {
    // fromEntries defines own properties, so a subject token such as `__proto__` is kept as data.
    return Object.fromEntries([...this.streams].map(([subject, s]) => [subject, s.last]));
  }

  private create(subject: string, last: number): StreamSeq {
    if (this.streams.size >= this.maxStreams) {
      throw new BackpressureError(
        `cannot start stream ${JSON.stringify(subject)}: the sender already has ${this.maxStreams} streams (options.maxStreams)`,
      );
    }
    const s: StreamSeq = { start: last + 1, last };
    this.streams.set(subject, s);
    return s;
  }
}
