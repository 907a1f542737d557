/**
 * Whether the sender is held: all our streams' messages in flight together, against the one
 * retransmission window they share (pure: no I/O, time passed in; one per flow actor).
 *
 * Each stream's credit keeps it within its share of half the window ({@link InFlightShare}),
 * but when streams whose windows grew back while few were in flight all send at once, the sum
 * may pass the window, and the window would evict what receivers have not confirmed. So the
 * flow actor counts, per stream, its messages in flight and their estimated bytes (the count
 * times the stream's average size plus {@link WINDOW_BYTES_PER_MESSAGE}); past 3/4 of the window
 * (messages or bytes) the sender is held (no new data on any stream) until the sums are back
 * under 1/2 of it (both).
 *
 * A hold lasts as long as receivers confirm nothing, so it has a stall clock: every
 * `stallTimeoutMs` held, the flow actor leaves out the receivers that made no progress since
 * the hold (or the previous stall) began ({@link onStallDue}), as it does for a stalled blocker.
 */

/** What the window holds per message beyond its payload (headers, the entry), bytes. */
export const WINDOW_BYTES_PER_MESSAGE = 48;

/** One stream's messages in flight and their estimated bytes, as counted in the sums (kept by the caller, per stream). */
export interface InFlightCount {
  inFlight: number;
  inFlightBytes: number;
}

export class WindowHold {
  private messages = 0;
  private bytes = 0;
  private readonly holdAt: { readonly messages: number; readonly bytes: number };
  private readonly releaseAt: { readonly messages: number; readonly bytes: number };
  private isHeld = false;
  private heldSinceMs = 0;
  /** What the sender was last told (it starts not held). */
  private told = false;
  /** Times the sender was held. */
  holds = 0;

  constructor(
    windowMessages: number,
    windowBytes: number,
    /** How long a hold may go without any receiver's progress before the stalled ones are left out, ms. */
    private readonly stallTimeoutMs: number,
  ) {
    this.holdAt = { messages: Math.floor((windowMessages * 3) / 4), bytes: Math.floor((windowBytes * 3) / 4) };
    this.releaseAt = { messages: Math.floor(windowMessages / 2), bytes: Math.floor(windowBytes / 2) };
  }

  /** Messages in flight over all streams, as counted. */
  get unconfirmedMessages(): number {
    return this.messages;
  }

  /** Their estimated bytes. */
  get unconfirmedBytes(): number {
    return this.bytes;
  }

  /** Whether the sender is to be held now. */
  get held(): boolean {
    return this.isHeld;
  }

  /**
   * Counts `inFlight` messages of one stream whose average payload is `averageBytes`, in place
   * of what was counted for it before (`c`, updated).
   */
  count(c: InFlightCount, inFlight: number, averageBytes: number): void {
    const bytes = inFlight === 0 ? 0 : inFlight * (Math.ceil(averageBytes) + WINDOW_BYTES_PER_MESSAGE);
    this.messages += inFlight - c.inFlight;
    this.bytes += bytes - c.inFlightBytes;
    c.inFlight = inFlight;
    c.inFlightBytes = bytes;
  }

  /** After the counts of one input, at `nowMs`: holds past 3/4 of the window, lets go under 1/2. */
  update(nowMs: number): void {
    if (!this.isHeld && (this.messages >= this.holdAt.messages || this.bytes >= this.holdAt.bytes)) {
      this.isHeld = true;
      this.heldSinceMs = nowMs;
      this.holds++;
    } else if (this.isHeld && this.messages <= this.releaseAt.messages && this.bytes <= this.releaseAt.bytes) {
      this.isHeld = false;
    }
  }

  /** What to tell the sender now (`hold` on or off), or undefined when it knows; then {@link toldSender}. */
  toTell(): boolean | undefined {
    return this.told === this.isHeld ? undefined : this.isHeld;
  }

  /** The sender was told `on`. */
  toldSender(on: boolean): void {
    this.told = on;
  }

  /** When the stall bound of the hold is due (undefined: not held). */
  stallDueMs(): number | undefined {
    return this.isHeld ? this.heldSinceMs + this.stallTimeoutMs : undefined;
  }

  /**
   * At `nowMs`: when held for the stall bound, returns since when receivers had to make progress
   * (the caller leaves out those that made none), and a new stall episode starts now; else undefined.
   */
  onStallDue(nowMs: number): number | undefined {
    if (!this.isHeld || nowMs < this.heldSinceMs + this.stallTimeoutMs) return undefined;
    const since = this.heldSinceMs;
    this.heldSinceMs = nowMs;
    return since;
  }
}
