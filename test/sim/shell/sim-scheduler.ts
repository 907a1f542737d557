/**
 * The run loop of one simulated thread: the runtime's `Dispatcher` on the simulator's event queue.
 *
 * As the real one, it runs the mailboxes that have messages round-robin, at most
 * `maxMessagesPerTurn` messages per turn, each slice only the messages queued when it began; a
 * mailbox that gets a message while a turn runs is picked up in that turn. Where the real loop
 * starts a turn in a microtask and continues with `setImmediate`, this one pushes an event at
 * the current virtual time: a turn never runs inside another event (never re-entrant), and a
 * message sent now is handled now, after the event that sent it.
 */
import type { Runnable, Scheduler } from '../../../runtime/dispatcher.js';
import type { EventQueue } from '../event-queue.js';

export class SimScheduler implements Scheduler {
  /** `turns`: turns run; `yields`: turns that ended with work left (continued in another event). */
  readonly counters = { turns: 0, yields: 0 };
  readonly #ready: Runnable[] = [];
  #state: 'idle' | 'pending' | 'running' = 'idle';

  constructor(
    private readonly queue: EventQueue,
    private readonly now: () => number,
    private readonly maxMessagesPerTurn: number,
  ) {}

  schedule(r: Runnable): void {
    if (r.scheduled) return;
    r.scheduled = true;
    this.#ready.push(r);
    if (this.#state === 'idle') {
      this.#state = 'pending';
      this.queue.push(this.now(), this.#run);
    }
  }

  readonly #run = (): void => {
    this.#state = 'running';
    this.counters.turns++;
    let budget = this.maxMessagesPerTurn;
    const ready = this.#ready;
    while (budget > 0 && ready.length > 0) {
      const r = ready.shift()!;
      budget -= r.runSlice(budget);
      if (r.runnable) ready.push(r);
      else r.scheduled = false;
    }
    if (ready.length > 0) {
      this.counters.yields++;
      this.#state = 'pending';
      this.queue.push(this.now(), this.#run);
    } else {
      this.#state = 'idle';
    }
  };
}
