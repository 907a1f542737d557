/**
 * The sender's side of the durability contract: which sequences may go on the wire, given what
 * the ledger reported committed.
 */
import type { LedgerDurability } from '../../storage/options.js';

/**
 * Decides, per stream, whether a sequenced message may be handed to the socket.
 *
 * - `'sync'`: only once the ledger reported it committed and flushed (`seq <= committed`), so
 *   no number a receiver has seen can be missing from the ledger after a crash.
 * - `'async'`: while it is at most `maxUnflushedPerStream` ahead of what the ledger reported
 *   flushed. The store skips exactly that many numbers after an unclean `'async'` shutdown, so
 *   a number that reached the wire but not the disk is never handed out again. The reported
 *   value lags the store's own flush mark, which only makes the gate close a little early.
 * - `'none'`: always (nothing survives a restart anyway).
 *
 * Before the ledger reported a stream, its baseline is what the ledger resumed from:
 * `max(highSeqs[subject], seqFloor)` (committed and flushed before the ledger opened).
 *
 * Bounded: one number per stream the sender knows (the sender's `maxStreams`).
 */
export class LedgerGate {
  private readonly committed = new Map<string, number>();
  private floor = 0;
  private readonly lag: number;

  constructor(
    readonly durability: LedgerDurability,
    maxUnflushedPerStream: number,
  ) {
    this.lag = durability === 'sync' ? 0 : durability === 'async' ? maxUnflushedPerStream : Number.POSITIVE_INFINITY;
  }

  /** The ledger opened: what each stream resumes from. */
  resume(highSeqs: Readonly<Record<string, number>>, seqFloor: number): void {
    this.floor = seqFloor;
    for (const [subject, seq] of Object.entries(highSeqs)) this.onCommitted(subject, seq);
  }

  /** The ledger holds `subject` up to `seq` (committed in `'sync'`, flushed in `'async'`). */
  onCommitted(subject: string, seq: number): void {
    if (seq > (this.committed.get(subject) ?? this.floor)) this.committed.set(subject, seq);
  }

  /** The newest sequence of `subject` the ledger reported (or resumed from). */
  committedSeq(subject: string): number {
    return this.committed.get(subject) ?? this.floor;
  }

  /** Whether `seq` of `subject` may go on the wire now. */
  allows(subject: string, seq: number): boolean {
    return seq <= this.committedSeq(subject) + this.lag;
  }
}
