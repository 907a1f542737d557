import type { ActorRef } from './actor-ref.js';

/**
 * Something an actor reports to the application thread: plain data (it may cross threads,
 * encoded with msgpackr), discriminated by `kind`.
 */
export interface ActorEvent {
  readonly kind: string;
  readonly [key: string]: unknown;
}

/**
 * What the runtime gives an actor. One context per actor; it is only valid on the actor's thread.
 */
export interface ActorContext {
  /** The name the actor is registered under (its key in the registry and the topology). */
  readonly name: string;
  /** The thread the actor runs on; `'main'` is the application thread. */
  readonly thread: string;
  /**
   * The reference to another actor (or to this one), wherever it is placed. Cheap: refs are
   * cached. `In` is the target's inbox type; the caller asserts it.
   * @throws InvalidOptionError when no actor has that name.
   */
  ref<In = unknown>(name: string): ActorRef<In>;
  /**
   * Monotonic milliseconds (`performance.now()`), shifted so that every thread of one actor
   * system shares the main thread's origin: a time read on one thread means the same on another.
   */
  clock(): number;
  /**
   * Arms the actor's single timer to call `onTimer` once `clock() >= atMs`. Re-arming replaces
   * the previous timer. The timer never fires during `receive` and does not keep the process
   * alive (it is unref'd: sockets and workers are what keep a peer running).
   */
  setTimer(atMs: number, onTimer: () => void): void;
  /** Cancels the actor's timer, if armed. */
  clearTimer(): void;
  /**
   * Sends an event to the application thread (the actor system's `onEvent`). Delivered
   * asynchronously; events of one actor arrive in order.
   */
  emit(event: ActorEvent): void;
}

/**
 * A component that owns its state and reacts to typed messages, one at a time.
 *
 * Lifecycle: the module's factory builds it, then `start` runs (messages sent to the actor
 * meanwhile wait in its mailbox), then `receive` is called once per message in FIFO order per
 * sender and never re-entrantly, then `stop` runs (no `receive` after `stop` has been called;
 * messages still queued are discarded and counted).
 *
 * A message sent to an actor on the same thread is the very object the sender passed (no
 * copy): neither side may mutate it after `send`. Messages crossing threads are copied.
 */
export interface Actor<In> {
  /** Must equal the name it is registered under. */
  readonly name: string;
  /** Handles one message. A throw is reported to the application (`onError`) and the next message is delivered. */
  receive(msg: In): void;
  /** Called once before the first `receive`. */
  start?(ctx: ActorContext): void | Promise<void>;
  /** Called once at shutdown; release resources here. */
  stop?(): void | Promise<void>;
  /** Counters for `system.stats()`: plain data (they may cross threads). */
  stats?(): Record<string, unknown>;
  /**
   * Applies new options at run time (`system.configure(name, options)`).
   * @throws InvalidOptionError on a bad option; actors without this method reject `configure`.
   */
  configure?(options: unknown): void | Promise<void>;
}

/**
 * The factory an actor module exports. `options` is the plain data given in the registry
 * (structured-cloned when the actor runs on a worker).
 */
export type CreateActor<In = never, Options = never> = (
  options: Options,
  ctx: ActorContext,
) => Actor<In> | Promise<Actor<In>>;

/**
 * The contract of an actor module: an ES module, compiled to JavaScript (workers load compiled
 * code), exporting `createActor` by name. A default export that is a factory is accepted too.
 * The module is referred to by an absolute specifier (a `file:` URL or a package path).
 */
export interface ActorModule {
  // `any` here so that modules typed with their own In/Options satisfy the contract.
  readonly createActor?: CreateActor<any, any>;
  readonly default?: CreateActor<any, any>;
}
