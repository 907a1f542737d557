/**
 * The actors' events reach the application in slices of at most `sliceMs` of its time per
 * event-loop turn; what is left waits, in order, for the next turn (`setImmediate`).
 *
 * Why: deliveries call the subscription handlers synchronously. Before (a user-style check,
 * 7 December), one turn handed a handler everything the receiver had read in it (5,000 messages):
 * a handler taking 0.5 ms a message held the event loop 2.5-2.9 s at a time, so the peer's own
 * timers (position reports, NAKs, heartbeats) stopped for as long; the publisher saw no progress
 * for its stall bound (2 s), named a subscriber working at 2,000 msg/s `slowConsumer`, stopped
 * waiting for it and, closing, left it 21,000 of 40,000 messages short (`dataLoss` 'senderLeft').
 *
 * The first event after an idle turn is handled at once (no added latency); a slice ends at the
 * first event that finds `sliceMs` spent since it began. Events wait as they came, every kind in
 * one queue (a `dataLoss` or a close token never overtakes the deliveries before it). What waits
 * is told to `backlog` (queued, then taken), which holds the senders back (delivery-backlog.ts).
 *
 * Pure but for the two functions passed in (the clock and the next-turn scheduler).
 *
 * Ownership: one per `Peer`, on the application thread. Bounded by what the senders' flow
 * control lets through while the backlog holds their streams' reported positions.
 */

/** Told what waits between turns. */
export interface SliceBacklog<E> {
  /** `event` waits (returns the form to keep: a packed delivery unpacked once, here). */
  queued(event: E): E;
  /** `event` leaves the queue, to be handled now. */
  taken(event: E): void;
}

/** The application's time given to the actors' events per event-loop turn, ms. */
export const EVENT_SLICE_MS = 20;

export class EventSlices<E> {
  /** Events that waited for a later turn. */
  deferred = 0;
  private queue: (E | undefined)[] = [];
  private head = 0;
  /** When the current slice ends (`performance.now()` time); undefined between slices. */
  private sliceEndMs: number | undefined;
  private scheduled = false;
  /** Set by {@link drainNow}: no more slices. */
  private direct = false;

  constructor(
    private readonly handle: (event: E) => void,
    private readonly backlog: SliceBacklog<E>,
    private readonly sliceMs = EVENT_SLICE_MS,
    private readonly now: () => number = () => performance.now(),
    private readonly later: (run: () => void) => void = (run) => void setImmediate(run),
  ) {}

  /** Events waiting for a later turn. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** An event from the actors: handled now, or queued behind those waiting. */
  push(event: E): void {
    if (this.direct) {
      this.handle(event);
      return;
    }
    if (this.head < this.queue.length) {
      this.wait(event);
      return;
    }
    const now = this.now();
    if (this.sliceEndMs === undefined) {
      this.sliceEndMs = now + this.sliceMs;
      this.schedule(); // the next turn starts a new slice
    } else if (now >= this.sliceEndMs) {
      this.wait(event);
      return;
    }
    this.handle(event);
  }

  /**
   * Handles everything waiting now, in one go, and every later event at once (the peer is
   * closing: what the receiver delivered before is handled before the close ends, as it was
   * before slices).
   */
  drainNow(): void {
    this.direct = true;
    const queue = this.queue;
    this.queue = [];
    for (let i = this.head; i < queue.length; i++) {
      const event = queue[i] as E;
      this.backlog.taken(event);
      this.handle(event);
    }
    this.head = 0;
  }

  private wait(event: E): void {
    this.deferred++;
    this.queue.push(this.backlog.queued(event));
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.later(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.direct) return;
    if (this.head === this.queue.length) {
      this.sliceEndMs = undefined;
      return;
    }
    this.sliceEndMs = this.now() + this.sliceMs;
    const queue = this.queue;
    try {
      while (this.head < queue.length) {
        // At least one event a turn, however long the one before took.
        const event = queue[this.head] as E;
        queue[this.head++] = undefined;
        this.backlog.taken(event);
        this.handle(event);
        if (this.now() >= this.sliceEndMs) break;
      }
    } finally {
      if (this.head === queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > queue.length) {
        this.queue = queue.slice(this.head);
        this.head = 0;
      }
      // Again next turn: to go on with what waits, or to end this slice (also after a throw).
      this.schedule();
    }
  };
}
