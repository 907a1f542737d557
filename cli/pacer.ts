/**
 * Paces a stream of messages at a steady rate. Pure: time comes in as `nowMs`.
 *
 * The schedule is cumulative (message k is due at `start + k / rate`), so timer jitter does
 * not drift the average rate. It is also bounded: after a stall (a blocked event loop, a
 * backpressured publish) at most `maxBurst` messages are due at once, and the schedule moves
 * forward instead of catching up the whole backlog in one flood.
 */
export class Pacer {
  private startMs: number | undefined;
  private taken = 0;
  readonly maxBurst: number;

  /**
   * @param ratePerSec messages per second, > 0.
   * @param maxBurst most messages due at once; default: 50 ms worth, at least 1.
   */
  constructor(
    readonly ratePerSec: number,
    maxBurst?: number,
  ) {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`ratePerSec must be a finite number > 0, got ${ratePerSec}`);
    this.maxBurst = Math.max(1, Math.floor(maxBurst ?? ratePerSec / 20));
  }

  /** How many messages may go now (0..maxBurst). Call {@link take} for those actually sent. */
  due(nowMs: number): number {
    this.startMs ??= nowMs;
    const owed = Math.floor(((nowMs - this.startMs) * this.ratePerSec) / 1000) + 1 - this.taken;
    if (owed > this.maxBurst) {
      // Forget the backlog beyond one burst: rebase the schedule so that exactly maxBurst are due.
      this.startMs = nowMs - ((this.taken + this.maxBurst - 1) * 1000) / this.ratePerSec;
      return this.maxBurst;
    }
    return Math.max(0, owed);
  }

  /** Records that `n` messages went. */
  take(n: number): void {
    this.taken += n;
  }

  /** Milliseconds until the next message is due (0 when one is due now). */
  delayMs(nowMs: number): number {
    if (this.startMs === undefined) return 0;
    const nextAt = this.startMs + (this.taken * 1000) / this.ratePerSec;
    return Math.max(0, nextAt - nowMs);
  }
}
