import { BackpressureError, PeerClosedError } from '../errors.js';
import type { Runnable, Scheduler } from './dispatcher.js';

/** What a mailbox needs from its thread. */
export interface MailboxDeps<T> {
  /** The thread's run loop. */
  readonly dispatcher: Scheduler;
  /** Called once per message, in FIFO order, never re-entrantly. */
  readonly handler: (msg: T) => void;
  /** Called when `handler` throws; the next message is then delivered. */
  readonly onError: (err: unknown) => void;
}

/** Counters of one mailbox, for `stats()`. */
export interface MailboxCounters {
  /** Messages accepted by `tryPush`. */
  received: number;
  /** Messages handed to the handler. */
  processed: number;
  /** Pushes refused because the mailbox was full. */
  rejectedFull: number;
  /** Handler calls that threw. */
  handlerErrors: number;
  /** Messages discarded because the mailbox was closed with messages queued. */
  discardedOnClose: number;
  /** The largest queue length seen. */
  highWaterMark: number;
}

/**
 * The typed FIFO inbox of one actor.
 *
 * Bounded: at most `capacity` messages are queued; `tryPush` returns `false` beyond that, and
 * refs turn it into a `BackpressureError` the sender sees (never a silent drop). The queue is a
 * growable circular buffer, so memory is O(high-water mark), at most `capacity` slots.
 *
 * States: `held` (created; queues messages but does not deliver: the actor is starting or
 * stopping), `open` (delivers), `closed` (refuses pushes with `PeerClosedError`, discards what
 * was queued). Only the owning thread touches a mailbox.
 */
export class Mailbox<T> implements Runnable {
  readonly name: string;
  readonly capacity: number;
  readonly counters: MailboxCounters = {
    received: 0,
    processed: 0,
    rejectedFull: 0,
    handlerErrors: 0,
    discardedOnClose: 0,
    highWaterMark: 0,
  };
  scheduled = false;
  readonly #deps: MailboxDeps<T>;
  #state: 'held' | 'open' | 'closed' = 'held';
  #slots: (T | undefined)[] = new Array(16);
  #head = 0;
  #length = 0;
  #writableWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(deps: MailboxDeps<T>, name: string, capacity: number) {
    this.#deps = deps;
    this.name = name;
    this.capacity = capacity;
  }

  /** Messages queued. */
  get length(): number {
    return this.#length;
  }

  get state(): 'held' | 'open' | 'closed' {
    return this.#state;
  }

  /** Whether a push would be refused for lack of room. */
  get full(): boolean {
    return this.#length >= this.capacity;
  }

  get runnable(): boolean {
    return this.#state === 'open' && this.#length > 0;
  }

  /**
   * Queues `msg`; `false` when full (nothing queued).
   * @throws PeerClosedError when closed.
   */
  tryPush(msg: T): boolean {
    if (this.#state === 'closed') throw new PeerClosedError(`actor "${this.name}" is stopped`);
    if (this.#length >= this.capacity) {
      this.counters.rejectedFull++;
      return false;
    }
    if (this.#length === this.#slots.length) this.#grow();
    this.#slots[(this.#head + this.#length) & (this.#slots.length - 1)] = msg;
    this.#length++;
    this.counters.received++;
    if (this.#length > this.counters.highWaterMark) this.counters.highWaterMark = this.#length;
    if (this.#state === 'open' && !this.scheduled) this.#deps.dispatcher.schedule(this);
    return true;
  }

  /**
   * Queues `msg`.
   * @throws BackpressureError when full; PeerClosedError when closed.
   */
  push(msg: T): void {
    if (!this.tryPush(msg)) {
      throw new BackpressureError(`the mailbox of actor "${this.name}" is full (${this.capacity} messages)`);
    }
  }

  /**
   * Resolves once the mailbox has room.
   * @throws PeerClosedError (rejects) when the mailbox is or gets closed.
   */
  whenWritable(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(new PeerClosedError(`actor "${this.name}" is stopped`));
    if (this.#length < this.capacity) return Promise.resolve();
    return new Promise((resolve, reject) => this.#writableWaiters.push({ resolve, reject }));
  }

  /** Starts delivering (after the actor's `start`). */
  open(): void {
    if (this.#state !== 'held') return;
    this.#state = 'open';
    if (this.#length > 0) this.#deps.dispatcher.schedule(this);
  }

  /** Stops delivering but keeps accepting messages (the actor is stopping). */
  hold(): void {
    if (this.#state === 'open') this.#state = 'held';
  }

  /** Refuses further messages and discards the queued ones (counted). */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.counters.discardedOnClose += this.#length;
    this.#slots = [];
    this.#head = 0;
    this.#length = 0;
    const waiters = this.#writableWaiters;
    this.#writableWaiters = [];
    for (const w of waiters) w.reject(new PeerClosedError(`actor "${this.name}" is stopped`));
  }

  runSlice(max: number): number {
    // Only the messages queued when the slice began: an actor sending to itself yields its turn.
    const n = Math.min(max, this.#length);
    let done = 0;
    while (done < n && this.#state === 'open') {
      const slots = this.#slots;
      const msg = slots[this.#head] as T;
      slots[this.#head] = undefined;
      this.#head = (this.#head + 1) & (slots.length - 1);
      this.#length--;
      done++;
      this.counters.processed++;
      try {
        this.#deps.handler(msg);
      } catch (err) {
        this.counters.handlerErrors++;
        this.#deps.onError(err);
      }
    }
    if (this.#writableWaiters.length > 0 && this.#length < this.capacity) {
      const waiters = this.#writableWaiters;
      this.#writableWaiters = [];
      for (const w of waiters) w.resolve();
    }
    return done;
  }

  #grow(): void {
    const old = this.#slots;
    const next: (T | undefined)[] = new Array(Math.max(16, old.length * 2));
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
    this.#slots = next;
    this.#head = 0;
  }
}
