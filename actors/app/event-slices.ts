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
 * The first event after an idle turn is handled at once (no added latency). The handler gets the
 * slice's end and may stop inside an event (a datagram of 2,000 small messages, a durable
 * subscription's release of 8,192): it returns what it left, which goes first in the next turn.
 * Events wait as they came, every kind in one queue (a `dataLoss` never overtakes the deliveries
 * before it). What waits is told to `backlog` (queued, then taken), which holds the senders back
 * (delivery-backlog.ts).
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

/** Handles `event`, stopping once `deadlineMs` (`performance.now()` time) passed if it can: returns what it left undone. */
export type SliceHandler<E> = (event: E, deadlineMs: number) => E | undefined;

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
  /** Set by {@link drop}: later events are handled at once, whole. */
  private direct = false;
  /** Called once nothing waits (see {@link drained}). */
  private onEmpty: (() => void) | undefined;

  constructor(
    private readonly handle: SliceHandler<E>,
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
      this.handle(event, Number.POSITIVE_INFINITY);
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
    const rest = this.handle(event, this.sliceEndMs);
    if (rest !== undefined) this.wait(rest);
  }

  /** Resolves once nothing waits (at once when nothing does). */
  drained(): Promise<void> {
    if (this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.onEmpty;
      this.onEmpty = () => {
        before?.();
        resolve();
      };
    });
  }

  /**
   * Drops what waits (the peer closed) and handles every later event at once; returns what was
   * dropped, each told to the backlog as taken.
   */
  drop(): E[] {
    this.direct = true;
    const dropped = this.queue.slice(this.head) as E[];
    this.queue = [];
    this.head = 0;
    for (const e of dropped) this.backlog.taken(e);
    this.empty();
    return dropped;
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

  private empty(): void {
    const f = this.onEmpty;
    this.onEmpty = undefined;
    f?.();
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.direct) return;
    if (this.head === this.queue.length) {
      this.sliceEndMs = undefined;
      return;
    }
    const end = this.now() + this.sliceMs;
    this.sliceEndMs = end;
    const queue = this.queue;
    try {
      while (this.head < queue.length) {
        // At least one event (or part of one) a turn, however long the one before took.
        const event = queue[this.head] as E;
        queue[this.head++] = undefined;
        this.backlog.taken(event);
        const rest = this.handle(event, end);
        if (rest !== undefined) {
          // What the handler left goes first in the next turn.
          queue[--this.head] = this.backlog.queued(rest);
          break;
        }
        if (this.now() >= end) break;
      }
    } finally {
      if (this.head === queue.length) {
        this.queue = [];
        this.head = 0;
        this.empty();
      } else if (this.head > 1024 && this.head * 2 > queue.length) {
        this.queue = queue.slice(this.head);
        this.head = 0;
      }
      // Again next turn: to go on with what waits, or to end this slice (also after a throw).
      this.schedule();
    }
  };
}
