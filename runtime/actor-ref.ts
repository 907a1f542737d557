import { BackpressureError } from '../errors.js';
import type { Mailbox } from './mailbox.js';
import type { OutboundChannel } from './ring-channel.js';

/**
 * The address of one actor, hiding where it runs. Obtain it from `ctx.ref(name)` or
 * `system.ref(name)`; it is only valid on the thread that obtained it.
 *
 * Delivery is asynchronous, FIFO per (sender thread, target) and never re-entrant: `send`
 * returns before the target's `receive` runs.
 */
export interface ActorRef<In> {
  /** The target actor's name. */
  readonly name: string;
  /** The thread the target runs on. */
  readonly thread: string;
  /**
   * Queues `msg` for the target.
   * @throws BackpressureError when the target's mailbox (same thread) or the outbound queue
   *   to the target's thread is full; nothing was queued. Wait with {@link whenWritable}.
   * @throws PeerClosedError when the target or the runtime is stopped.
   */
  send(msg: In): void;
  /** Like {@link send} but returns `false` instead of throwing `BackpressureError`. */
  trySend(msg: In): boolean;
  /** Resolves when `send` would accept a message again (immediately if it would now). */
  whenWritable(): Promise<void>;
}

/**
 * A ref to an actor on the same thread: `send` pushes the object itself into the target's
 * mailbox (no structured clone, no encoding).
 */
export class LocalActorRef<In> implements ActorRef<In> {
  readonly name: string;
  readonly thread: string;
  readonly #mailbox: Mailbox<In>;

  constructor(mailbox: Mailbox<In>, thread: string) {
    this.name = mailbox.name;
    this.thread = thread;
    this.#mailbox = mailbox;
  }

  send(msg: In): void {
    if (!this.#mailbox.tryPush(msg)) throw fullError(this.name, `its mailbox holds ${this.#mailbox.capacity} messages`);
  }

  trySend(msg: In): boolean {
    return this.#mailbox.tryPush(msg);
  }

  whenWritable(): Promise<void> {
    return this.#mailbox.whenWritable();
  }
}

/**
 * A ref to an actor on another thread: `send` encodes an envelope into the ring towards that
 * thread. The ring is published (made visible to the other thread) once per event-loop turn,
 * so many sends cost one wake-up.
 */
export class RemoteActorRef<In> implements ActorRef<In> {
  readonly name: string;
  readonly thread: string;
  readonly #channel: OutboundChannel;
  readonly #targetIndex: number;

  constructor(name: string, targetIndex: number, channel: OutboundChannel) {
    this.name = name;
    this.thread = channel.toThread;
    this.#channel = channel;
    this.#targetIndex = targetIndex;
  }

  send(msg: In): void {
    if (!this.#channel.trySend(this.#targetIndex, msg)) {
      throw fullError(this.name, `the queue to thread "${this.thread}" is full`);
    }
  }

  trySend(msg: In): boolean {
    return this.#channel.trySend(this.#targetIndex, msg);
  }

  whenWritable(): Promise<void> {
    return this.#channel.whenWritable();
  }
}

function fullError(name: string, why: string): BackpressureError {
  return new BackpressureError(`cannot send to actor "${name}": ${why}; await ref.whenWritable()`);
}
