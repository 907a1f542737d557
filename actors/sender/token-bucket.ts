/**
 * The rate limit of a peer's publishing: a token bucket of `burstBytes` refilled at
 * `rateBytesPerSec` (0 = off). A message needs `min(bytes, burstBytes)` tokens and takes `bytes`
 * (the bucket may go negative, so a message larger than the burst is paced on average).
 *
 * Pure: time comes in as `nowMs`. Used on its own by the sender actor (a compare per message,
 * no per-stream state) and inside {@link FlowControl} by the simulator.
 */

/** Absorbs float rounding of the refill so a retry at the time `check` named is not refused by a hair. */
const TOKEN_EPSILON = 1e-6;

export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number | undefined;
  private retryAtMs: number | undefined;

  constructor(
    private readonly rateBytesPerSec: number,
    private readonly burstBytes: number,
  ) {
    this.tokens = burstBytes;
  }

  /** False when the rate is off (every check passes). */
  get limits(): boolean {
    return this.rateBytesPerSec > 0;
  }

  /**
   * May a message of `bytes` go at `nowMs`? `undefined` when it may; else the time it may
   * (also remembered for {@link nextDeadlineMs}).
   */
  check(nowMs: number, bytes: number): number | undefined {
    if (this.rateBytesPerSec <= 0) return undefined;
    this.refill(nowMs);
    const need = Math.min(bytes, this.burstBytes);
    if (this.tokens + TOKEN_EPSILON >= need) return undefined;
    const retryAtMs = nowMs + Math.max(1, Math.ceil(((need - this.tokens) * 1000) / this.rateBytesPerSec));
    if (this.retryAtMs === undefined || retryAtMs < this.retryAtMs) this.retryAtMs = retryAtMs;
    return retryAtMs;
  }

  /** A message of `bytes` went at `nowMs`. */
  take(nowMs: number, bytes: number): void {
    if (this.rateBytesPerSec <= 0) return;
    this.refill(nowMs);
    this.tokens -= bytes;
  }

  /** The earliest retry time a refused `check` named and `onTimer` has not passed yet. */
  nextDeadlineMs(): number | undefined {
    return this.retryAtMs;
  }

  /** Clears a passed retry time. */
  onTimer(nowMs: number): void {
    if (this.retryAtMs !== undefined && this.retryAtMs <= nowMs) this.retryAtMs = undefined;
  }

  private refill(nowMs: number): void {
    if (this.lastRefillMs === undefined) this.lastRefillMs = nowMs;
    else if (nowMs > this.lastRefillMs) {
      const added = ((nowMs - this.lastRefillMs) * this.rateBytesPerSec) / 1000;
      this.tokens = Math.min(this.burstBytes, this.tokens + added);
      this.lastRefillMs = nowMs;
    }
  }
}
