/**
 * A subscription: a pattern with either a handler or an async-iterator queue.
 */
import { BackpressureError, HandlerError } from '../../errors.js';
import { MSGPACK_CODEC, type Codec } from './codec.js';
import type { Message } from './message.js';

/** Told what waits in an iterated subscription's queue (iterator-pacing.ts). @internal */
export interface QueueWatch {
  /** `msg` waits in the queue. */
  queued(msg: Message<any>): void;
  /** `msg` left the queue for the consumer. */
  taken(msg: Message<any>): void;
  /** The subscription ended: nothing waits any more. */
  ended(): void;
}

/**
 * One subscription of a peer (from `peer.subscribe`). Without a handler, iterate it:
 * `for await (const msg of sub)`. `T` is the type of `msg.data` the application declared
 * (`peer.subscribe<T>(…)`, not checked: see the `codec` option). `using sub = peer.subscribe(…)`
 * unsubscribes at the end of the block (`Symbol.dispose`).
 */
export class Subscription<T = unknown> implements AsyncIterable<Message<T>> {
  /** Messages handed to this subscription. */
  received = 0;
  /** Messages that did not fit the iterator queue (reported by the peer as data loss). */
  overflowed = 0;
  private readonly queue: Message<T>[] = [];
  private head = 0;
  /** A `next()` waiting for a message: resolved with one, or with the end, or rejected with the failure. */
  private waiter: { resolve: (r: IteratorResult<Message<T>>) => void; reject: (err: Error) => void } | undefined;
  private closed = false;
  private failed: Error | undefined;
  /** Iterator mode: the message last handed to the consumer, settled when it asks for the next. */
  private yielded: Message<T> | undefined;
  private readonly endListeners: (() => void)[] = [];
  private watch: QueueWatch | undefined;
  private dropWatch: ((subject: string, sender: string, seq: number) => void) | undefined;

  /**
   * @param onHandlerError receives a {@link HandlerError} (cause: what the handler threw or its
   *   promise rejected with); the peer emits it as `'error'`.
   * @param onSettled called once the application is done with a message: after the handler
   *   returned, or, when it returned a promise, after that promise fulfilled; when iterating,
   *   when the consumer asks for the next message (the loop body finished). Not called for a
   *   message whose handler threw or rejected. Durable subscriptions confirm there (`ack: 'auto'`).
   * @param codec decodes `msg.data` of the messages delivered to this subscription.
   * @param echo whether this peer's own publishes are delivered to it (`echo` option).
   * @internal Made by `peer.subscribe`.
   */
  constructor(
    readonly id: number,
    readonly pattern: string,
    private readonly handler: ((msg: Message<T>) => void) | undefined,
    private readonly maxQueued: number,
    private readonly onClose: (sub: Subscription<any>) => void,
    private readonly onHandlerError: (err: unknown) => void,
    private readonly onSettled?: (msg: Message<T>) => void,
    /** @internal */
    readonly codec: Codec = MSGPACK_CODEC,
    /** @internal */
    readonly echo: boolean = true,
  ) {}

  /** @internal Tells `watch` what waits in the iterator queue (the peer paces the senders by it). */
  watchQueue(watch: QueueWatch): void {
    this.watch = watch;
  }

  /**
   * @internal Tells `f` of each message dropped for this subscription, at the drop: before any
   * later message of its stream is handed (the `subscriberOverflow` dataLoss event comes up to
   * ~100 ms later, gathered into runs: actors/app/overflow-losses.ts).
   */
  watchDrops(f: (subject: string, sender: string, seq: number) => void): void {
    this.dropWatch = f;
  }

  /** @internal The peer dropped `msg` for this subscription (full). */
  dropped(subject: string, sender: string, seq: number): void {
    this.dropWatch?.(subject, sender, seq);
  }

  /** Stops delivery; a waiting iterator ends. Idempotent. */
  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.watch?.ended();
    this.onClose(this);
    for (const f of this.endListeners.splice(0)) f();
    this.wake();
  }

  /** Unsubscribes (`using sub = peer.subscribe(…)`). */
  [Symbol.dispose](): void {
    this.unsubscribe();
  }

  /** @internal Runs `f` once the subscription has ended. */
  onEnd(f: () => void): void {
    if (this.closed) f();
    else this.endListeners.push(f);
  }

  /** True once the subscription ended (unsubscribed, aborted, failed, or the peer closed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal Called by the peer for each matching message; false when the iterator queue is full. */
  push(msg: Message<T>): boolean {
    if (this.closed) return true;
    this.received++;
    if (this.handler) {
      let result: unknown;
      try {
        result = this.handler(msg);
      } catch (err) {
        this.handlerFailed(msg, err);
        return true;
      }
      // An async handler's message is done when its promise settles; the next messages do not
      // wait for it (handlers of one subscription may run concurrently).
      if (isPromiseLike(result)) result.then(() => this.onSettled?.(msg), (err: unknown) => this.handlerFailed(msg, err));
      else this.onSettled?.(msg);
      return true;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.yielded = msg;
      w.resolve({ value: msg, done: false });
      return true;
    }
    if (this.queue.length - this.head >= this.maxQueued) {
      this.overflowed++;
      this.dropped(msg.subject, msg.sender, msg.seq);
      this.failed ??= new BackpressureError(
        `subscription ${this.pattern} fell more than ${this.maxQueued} messages behind (maxQueuedPerSubscription): what no longer fits its queue is dropped, each run told as dataLoss 'subscriberOverflow'`,
      );
      return false;
    }
    this.queue.push(msg);
    this.watch?.queued(msg);
    return true;
  }

  private handlerFailed(msg: Message<T>, err: unknown): void {
    const at = { pattern: this.pattern, subscriptionId: this.id, subject: msg.subject, sender: msg.sender, seq: msg.seq };
    this.onHandlerError(new HandlerError(at, { cause: err }));
  }

  /**
   * Ends the iterator with an error (e.g. the peer failed or closed with one): a waiting
   * `next()` rejects with it at once; otherwise the next `next()` does, after the messages
   * already queued. Every later `next()` resolves `{ done: true }`.
   * @internal Called by the peer.
   */
  fail(err: Error): void {
    this.failed ??= err;
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    return {
      next: () => this.next(),
      return: async () => {
        this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<Message<T>>> {
    const done = this.yielded;
    if (done !== undefined) {
      this.yielded = undefined;
      this.onSettled?.(done);
    }
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      this.yielded = value;
      this.watch?.taken(value);
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failed) {
      const err = this.failed;
      this.failed = undefined;
      this.unsubscribe();
      return Promise.reject(err);
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Settles a waiting `next()`: rejected with the failure if there is one, else ended. */
  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = undefined;
    if (this.failed) {
      const err = this.failed;
      this.failed = undefined;
      this.unsubscribe(); // every later next() ends
      w.reject(err);
      return;
    }
    w.resolve({ value: undefined, done: true });
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
