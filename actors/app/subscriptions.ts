/**
 * The subscriptions of a `Peer`: each from `subscribe` until it ends. A subscription takes
 * messages once it is active: in the delivery matcher, and its interest sent to the subjects actor
 * (a durable one only once the receiver applied its positions, `durableReady`). Subscribes and
 * unsubscribes go to the subjects actor in one message per microtask, in order.
 *
 * Ownership: owned by the `Peer`, on the application thread; the `Peer` checks the arguments of
 * `subscribe` before {@link Subscriptions.open}.
 */
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { SubjectsChange, SubjectsInbox } from '../subjects/messages.js';
import type { Codec } from './codec.js';
import type { Delivery } from './delivery.js';
import type { Durables, DurableSpec } from './durables.js';
import type { Message } from './message.js';
import { IteratorPacing } from './iterator-pacing.js';
import { Subscription } from './subscription.js';

/** What the subscriptions need of the peer. */
export interface SubscriptionsDeps {
  readonly delivery: Delivery;
  readonly durables: Durables;
  readonly subjects: ActorRef<SubjectsInbox>;
  /** Whether the peer is open (the subjects actor is told nothing once it is closing). */
  isOpen(): boolean;
  /** A handler failed: the error goes to the peer's `'error'` event. */
  onError(err: Error): void;
  /** A subscription ended: what a durable one held for its marks was dropped (events waiting behind it may go). */
  ended?(): void;
}

/** The open subscriptions of one peer. */
export class Subscriptions {
  private readonly open = new Set<Subscription<any>>();
  private nextId = 1;
  private changes: SubjectsChange[] = [];

  /**
   * @param maxQueued `maxQueuedPerSubscription`.
   * @param echo whether subscriptions take this peer's own publishes (the `echo` option).
   */
  constructor(
    private readonly deps: SubscriptionsDeps,
    private readonly maxQueued: number,
    private readonly echo: boolean,
  ) {}

  /** Subscriptions open now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Opens a subscription to `pattern` (validated): active at once, or, with `durable`, once the
   * receiver applied its positions ({@link activate}). `signal` ends it when aborted (checked:
   * an AbortSignal not aborted yet).
   * @throws what opening the durable subscription throws (nothing is left open then).
   */
  subscribe<T>(
    pattern: string,
    handler: ((msg: Message<T>) => void) | undefined,
    codec: Codec,
    durable: DurableSpec | undefined,
    signal: AbortSignal | undefined,
  ): Subscription<T> {
    const sub = new Subscription<T>(
      this.nextId++,
      pattern,
      handler,
      this.maxQueued,
      (s) => this.onUnsubscribe(s),
      (err) => this.deps.onError(err instanceof Error ? err : new Error(String(err))),
      durable?.ack === 'auto' ? (msg) => msg.ack() : undefined,
      codec,
      this.echo,
    );
    this.open.add(sub);
    if (signal !== undefined) {
      const onAbort = (): void => sub.unsubscribe();
      signal.addEventListener('abort', onAbort, { once: true });
      sub.onEnd(() => signal.removeEventListener('abort', onAbort));
    }
    if (durable === undefined) {
      // Iterated: what waits in its queue paces the senders (iterator-pacing.ts).
      if (handler === undefined) sub.watchQueue(new IteratorPacing(sub.id, this.deps.durables));
      this.activate(sub);
      return sub;
    }
    // It takes messages once the receiver applied its positions (`durableReady`).
    try {
      this.deps.durables.open(sub, durable);
    } catch (err) {
      sub.unsubscribe();
      throw err;
    }
    return sub;
  }

  /** `sub` takes messages from now on: it joins the matcher, and its interest goes to the subjects actor. */
  activate(sub: Subscription<any>): void {
    this.deps.delivery.add(sub);
    // The call's time on the runtime's clock (this thread's `performance.now()`: the runtime was
    // made here): streams that begin after it are received from their first message.
    this.toSubjects({ kind: 'subscribed', id: sub.id, pattern: sub.pattern, atMs: performance.now() });
  }

  /** Ends every subscription (the peer closed). */
  unsubscribeAll(): void {
    for (const s of [...this.open]) s.unsubscribe();
  }

  private onUnsubscribe(sub: Subscription<any>): void {
    if (!this.open.delete(sub)) return;
    const ready = this.deps.durables.release(sub.id);
    this.deps.ended?.();
    if (!ready) return; // a durable one not ready yet: never in the matcher nor announced
    this.deps.delivery.remove(sub);
    if (this.deps.isOpen()) this.toSubjects({ kind: 'unsubscribed', id: sub.id });
  }

  /**
   * One message per microtask: an application that subscribes 100,000 times in a loop sends one
   * message, not 100,000 (which would overflow the actor's mailbox, and make it send the pattern
   * set on 100,000 times).
   */
  private toSubjects(op: SubjectsChange): void {
    if (this.changes.length === 0) queueMicrotask(this.flushChanges);
    this.changes.push(op);
  }

  private readonly flushChanges = (): void => {
    const changes = this.changes;
    this.changes = [];
    if (changes.length > 0 && this.deps.isOpen()) this.deps.subjects.trySend({ kind: 'changes', changes });
  };
}
