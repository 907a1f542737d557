/**
 * When and over which streams the receiver looks for idle streams to park: at most once per
 * {@link IDLE_SWEEP_EVERY_MS}, at least {@link IDLE_SWEEP_MIN_STREAMS} streams a sweep, so that
 * every stream is looked at within {@link IDLE_SWEEP_ROUND_MS}; each sender's streams in turn,
 * from where the last sweep stopped. Pure: the time comes in; what to do with a stream is the
 * caller's (`visit` may delete the stream from its map: the cursor goes on).
 */

/** How often a sweep runs, the fewest streams it looks at, and the time it takes to see them all. */
export const IDLE_SWEEP_EVERY_MS = 1000;
export const IDLE_SWEEP_MIN_STREAMS = 1024;
export const IDLE_SWEEP_ROUND_MS = 30_000;

/** A sender as the sweep sees it: its streams, and where the sweep goes on from. */
export interface SweptSender<S> {
  readonly streams: Map<string, S>;
  parkCursor?: Iterator<S>;
}

export class IdleSweep {
  private nextSweepMs = 0;

  /**
   * @param roundMs the time in which every stream is looked at (the receiver's
   *   {@link IDLE_SWEEP_ROUND_MS}; a longer round spreads the same work thinner).
   * @param minStreams the fewest streams a sweep looks at.
   */
  constructor(
    private readonly roundMs = IDLE_SWEEP_ROUND_MS,
    private readonly minStreams = IDLE_SWEEP_MIN_STREAMS,
  ) {}

  /** When the next sweep may run (0 before the first). */
  get nextRunMs(): number {
    return this.nextSweepMs;
  }

  /** Calls `visit` for the streams due a look at `nowMs` (none before the next sweep time). */
  run<S, T extends SweptSender<S>>(nowMs: number, streamCount: number, senders: Iterable<T>, visit: (sender: T, st: S) => void): void {
    if (nowMs < this.nextSweepMs) return;
    this.nextSweepMs = nowMs + IDLE_SWEEP_EVERY_MS;
    const budget = Math.max(this.minStreams, Math.ceil((streamCount * IDLE_SWEEP_EVERY_MS) / this.roundMs));
    for (const s of senders) {
      let cursor = s.parkCursor ?? s.streams.values();
      for (let visited = 0; visited < budget; visited++) {
        const next = cursor.next();
        if (next.done === true) {
          cursor = s.streams.values();
          break;
        }
        visit(s, next.value);
      }
      s.parkCursor = cursor;
    }
  }
}
