/**
 * The memory budget shared by every stream of a receiver: out-of-order messages and fragments
 * of messages being reassembled.
 */

/**
 * Counts the messages and payload bytes a receiver holds, with their peaks, and admits new
 * ones against two limits:
 *
 * - `maxBytes` bounds everything held: `bytes <= maxBytes` always.
 * - `reorderLimitBytes` (at most `maxBytes`) bounds what out-of-order messages may take, measured
 *   on the total. Out-of-order messages are recoverable (dropped ones are NAKed again), a
 *   message being reassembled is not (its fragments were consumed in order), so the difference
 *   is kept free for reassembly.
 *
 * Moving a message from the reorder buffer to the reassembler releases before it reserves, so
 * in-order draining never fails for want of memory.
 */
export class BufferBudget {
  /** Messages held (out-of-order messages plus fragments held for reassembly). */
  messages = 0;
  /** Payload bytes held. */
  bytes = 0;
  peakMessages = 0;
  peakBytes = 0;

  constructor(
    readonly maxBytes: number = Number.POSITIVE_INFINITY,
    readonly reorderLimitBytes: number = maxBytes,
  ) {}

  /** Reserves room for one out-of-order message of `bytes`; false when it does not fit. */
  tryReserveReorder(bytes: number): boolean {
    return this.tryReserveUpTo(bytes, this.reorderLimitBytes);
  }

  /** Reserves room for one fragment being reassembled; false when it does not fit. */
  tryReserve(bytes: number): boolean {
    return this.tryReserveUpTo(bytes, this.maxBytes);
  }

  /** Gives back `messages` messages totalling `bytes`. */
  release(bytes: number, messages = 1): void {
    this.bytes -= bytes;
    this.messages -= messages;
  }

  private tryReserveUpTo(bytes: number, limit: number): boolean {
    if (this.bytes + bytes > limit) return false;
    this.bytes += bytes;
    this.messages++;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
    if (this.messages > this.peakMessages) this.peakMessages = this.messages;
    return true;
  }
}
