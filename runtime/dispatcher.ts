/**
 * Something the {@link Dispatcher} can run: a mailbox with queued messages.
 */
export interface Runnable {
  /** Set by the dispatcher while the runnable is queued or running: a push must not queue it twice. */
  scheduled: boolean;
  /** Processes at most `max` messages; returns how many it processed. Must not throw. */
  runSlice(max: number): number;
  /** Whether messages are waiting and may be processed now. */
  readonly runnable: boolean;
}

/** What a mailbox needs of its thread's run loop: {@link Dispatcher}, or the simulator's. */
export interface Scheduler {
  /** Queues `r` to run; called by a mailbox that got a message while not scheduled. */
  schedule(r: Runnable): void;
}

/**
 * The run loop of one thread: runs the mailboxes that have messages, a bounded number of
 * messages per turn.
 *
 * Why one loop per thread rather than one per mailbox: two actors on a thread that answer each
 * other would otherwise schedule each other's drain forever in microtasks, and microtasks run
 * before any I/O, timer or ring wake-up. Here all mailboxes share one budget
 * (`maxMessagesPerTurn`): the first run after idle starts in a microtask (low latency), and once
 * the budget is spent the loop continues with `setImmediate`, which lets the event loop poll I/O.
 *
 * Fairness: mailboxes run round-robin; a slice processes at most the messages queued when it
 * began, so an actor that sends to itself cannot monopolise a turn.
 */
export class Dispatcher implements Scheduler {
  readonly maxMessagesPerTurn: number;
  /** `turns`: runs of the loop; `yields`: turns that ended with work left (continued via setImmediate). */
  readonly counters = { turns: 0, yields: 0 };
  readonly #ready: Runnable[] = [];
  #state: 'idle' | 'pending' | 'running' = 'idle';

  constructor(maxMessagesPerTurn: number) {
    this.maxMessagesPerTurn = maxMessagesPerTurn;
  }

  /** Queues `r` to run; called by a mailbox that got a message while not scheduled. */
  schedule(r: Runnable): void {
    if (r.scheduled) return;
    r.scheduled = true;
    this.#ready.push(r);
    if (this.#state === 'idle') {
      this.#state = 'pending';
      queueMicrotask(this.#run);
    }
  }

  readonly #run = (): void => {
    this.#state = 'running';
    this.counters.turns++;
    let budget = this.maxMessagesPerTurn;
    const ready = this.#ready;
    // The ready list is short (one entry per actor of the thread), so shift() is cheap.
    while (budget > 0 && ready.length > 0) {
      const r = ready.shift()!;
      budget -= r.runSlice(budget);
      if (r.runnable) ready.push(r);
      else r.scheduled = false;
    }
    if (ready.length > 0) {
      this.counters.yields++;
      this.#state = 'pending';
      setImmediate(this.#run);
    } else {
      this.#state = 'idle';
    }
  };
}
