import { performance } from 'node:perf_hooks';
import { deserializeError, InvalidOptionError, LedgecastError, ERROR_CODES, serializeError, type SerializedError } from '../errors.js';
import type { Actor, ActorContext, ActorEvent, ActorModule, CreateActor } from './actor.js';
import { LocalActorRef, RemoteActorRef, type ActorRef } from './actor-ref.js';
import { Dispatcher } from './dispatcher.js';
import { APP_TARGET_INDEX, EnvelopeCodec, MAX_TARGET_INDEX } from './envelope-codec.js';
import { Mailbox } from './mailbox.js';
import { Ring } from './ring.js';
import { InboundChannel, OutboundChannel, type InboundSink } from './ring-channel.js';
import type { ThreadControl, ThreadStats } from './thread-control.js';
import { MAIN_THREAD } from './topology.js';
import type { WorkerStartup } from './wire-messages.js';

/** What one thread runs: the subset of {@link WorkerStartup} that is plain data. */
export type ThreadRuntimeConfig = Omit<WorkerStartup, 'kind' | 'controlPort'>;

/** Where the main thread's runtime reports actors' events and errors (from every thread). */
export interface ThreadRuntimeDeps {
  onEvent(actor: string, event: ActorEvent): void;
  onError(source: string, err: Error): void;
}

/** What a worker sends the main thread for the application. */
type AppNotice =
  | { readonly kind: 'event'; readonly actor: string; readonly event: ActorEvent }
  | { readonly kind: 'error'; readonly actor: string; readonly error: SerializedError };

interface LocalActor {
  readonly name: string;
  readonly module: string;
  readonly options: unknown;
  readonly mailbox: Mailbox<unknown>;
  ctx?: ActorContext;
  actor?: Actor<unknown>;
  timer?: NodeJS.Timeout;
  /** The deadline asked for (`clock()` ms), the one the armed Node timer was set for, and what to call. */
  timerAtMs: number;
  armedAtMs: number;
  onTimer: (() => void) | undefined;
  state: 'new' | 'created' | 'started' | 'stopped';
}

/**
 * The actors of one thread and everything they use: mailboxes, the run loop, the rings to and
 * from the other threads, timers and refs. The main thread and each worker run one.
 *
 * Ownership: everything here is touched by its own thread only; other threads reach it through
 * the rings (data) and {@link ThreadControl} (control).
 */
export class ThreadRuntime implements ThreadControl {
  readonly thread: string;
  readonly #config: ThreadRuntimeConfig;
  readonly #deps: ThreadRuntimeDeps | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #codec = new EnvelopeCodec();
  readonly #names: readonly string[];
  readonly #indexOf: ReadonlyMap<string, number>;
  readonly #local = new Map<string, LocalActor>();
  readonly #mailboxByIndex: (Mailbox<unknown> | undefined)[] = [];
  readonly #outbound = new Map<string, OutboundChannel>();
  readonly #inbound = new Map<string, InboundChannel>();
  readonly #refs = new Map<string, ActorRef<unknown>>();
  readonly #clockOffsetMs: number;
  #noticesDropped = 0;
  /** Notices waiting for room in the channel to main (in order, from `#noticeHead`). */
  #noticeBacklog: AppNotice[] = [];
  #noticeHead = 0;
  #noticeWaiting = false;
  #noticesWaited = 0;
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  /** `deps` is required on the main thread; a worker routes events and errors to the main thread. */
  constructor(deps: ThreadRuntimeDeps | undefined, config: ThreadRuntimeConfig) {
    this.thread = config.thread;
    this.#config = config;
    this.#deps = deps;
    this.#dispatcher = new Dispatcher(config.maxMessagesPerTurn);
    this.#names = Object.keys(config.placement).sort();
    if (this.#names.length > MAX_TARGET_INDEX + 1) throw new InvalidOptionError(`at most ${MAX_TARGET_INDEX + 1} actors`);
    this.#indexOf = new Map(this.#names.map((name, i) => [name, i]));
    this.#clockOffsetMs = performance.timeOrigin - config.timeOriginMs;
    for (const { from, to, buffer } of config.rings) {
      const ring = new Ring(buffer);
      if (from === this.thread) {
        const bounds = { maxPendingMessages: config.mailboxCapacity, maxPendingBytes: ring.capacity };
        this.#outbound.set(to, new OutboundChannel(to, ring, this.#codec, bounds));
      } else if (to === this.thread) {
        this.#inbound.set(from, new InboundChannel(from, ring, this.#codec, this.#sink, config.maxMessagesPerTurn));
      }
    }
    for (const spec of config.actors) {
      const mailbox = new Mailbox<unknown>(
        {
          dispatcher: this.#dispatcher,
          // `la.actor` is set before the mailbox opens; until then messages only queue.
          handler: (msg) => la.actor!.receive(msg),
          onError: (err) => this.#reportError(spec.name, err),
        },
        spec.name,
        config.mailboxCapacity,
      );
      const la: LocalActor = { name: spec.name, module: spec.module, options: spec.options, mailbox, timerAtMs: Infinity, armedAtMs: Infinity, onTimer: undefined, state: 'new' };
      la.ctx = this.#context(la);
      this.#local.set(spec.name, la);
      this.#mailboxByIndex[this.#indexOf.get(spec.name)!] = mailbox;
    }
  }

  /**
   * Imports the actor modules, builds the actors, starts draining the rings, then starts the
   * actors in order (each one's mailbox opens when its `start` resolves). Idempotent. On failure
   * call {@link close} to release what was set up.
   */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    for (const la of this.#local.values()) {
      const create = await loadFactory(la.name, la.module);
      const actor = await create(la.options, la.ctx!);
      if (actor === null || typeof actor !== 'object' || typeof actor.receive !== 'function') {
        throw new InvalidOptionError(`createActor of ${la.module} did not return an actor (an object with receive()) for "${la.name}"`);
      }
      if (actor.name !== la.name) {
        throw new InvalidOptionError(`the actor registered as "${la.name}" calls itself "${actor.name}"`);
      }
      la.actor = actor;
      la.state = 'created';
    }
    for (const inbound of this.#inbound.values()) inbound.start();
    for (const la of this.#local.values()) {
      await la.actor!.start?.(la.ctx!);
      la.state = 'started';
      la.mailbox.open();
    }
  }

  /** The ref to actor `name`, from this thread. */
  ref<In = unknown>(name: string): ActorRef<In> {
    let ref = this.#refs.get(name);
    if (ref === undefined) {
      const thread = this.#config.placement[name];
      if (thread === undefined || !Object.hasOwn(this.#config.placement, name)) {
        throw new InvalidOptionError(`no actor is named "${name}"; actors: ${this.#names.join(', ')}`);
      }
      if (thread === this.thread) {
        ref = new LocalActorRef(this.#local.get(name)!.mailbox, thread);
      } else {
        ref = new RemoteActorRef(name, this.#indexOf.get(name)!, this.#outboundTo(thread));
      }
      this.#refs.set(name, ref);
    }
    return ref as ActorRef<In>;
  }

  async stats(): Promise<ThreadStats> {
    const actors: Record<string, ThreadStats['actors'][string]> = {};
    for (const la of this.#local.values()) {
      const mailbox = { ...la.mailbox.counters, length: la.mailbox.length };
      actors[la.name] = la.actor?.stats ? { mailbox, actor: la.actor.stats() } : { mailbox };
    }
    const outbound: Record<string, Record<string, number>> = {};
    for (const [to, ch] of this.#outbound) outbound[to] = ch.stats();
    const inbound: Record<string, Record<string, number>> = {};
    for (const [from, ch] of this.#inbound) inbound[from] = ch.stats();
    return { thread: this.thread, dispatcher: { ...this.#dispatcher.counters }, actors, outbound, inbound, noticesDropped: this.#noticesDropped, noticesWaited: this.#noticesWaited, noticeBacklog: this.#noticeBacklog.length - this.#noticeHead };
  }

  async configure(patch: Readonly<Record<string, unknown>>): Promise<void> {
    for (const name of Object.keys(patch)) {
      const actor = this.#local.get(name)?.actor;
      if (actor === undefined) throw new InvalidOptionError(`actor "${name}" does not run on thread "${this.thread}"`);
      if (typeof actor.configure !== 'function') throw new InvalidOptionError(`actor "${name}" cannot be configured at run time`);
    }
    for (const [name, options] of Object.entries(patch)) await this.#local.get(name)!.actor!.configure!(options);
  }

  /**
   * Stops these actors in this order: holds the mailbox (no more `receive`), cancels the timer,
   * awaits `stop()`, closes the mailbox. Every listed actor is stopped even if one `stop` throws;
   * the first error is then rethrown.
   */
  async stop(actors: readonly string[]): Promise<void> {
    let first: unknown;
    for (const name of actors) {
      const la = this.#local.get(name);
      if (la === undefined) throw new InvalidOptionError(`actor "${name}" does not run on thread "${this.thread}"`);
      if (la.state === 'stopped') continue;
      const wasCreated = la.state !== 'new';
      la.state = 'stopped';
      la.mailbox.hold();
      clearTimeout(la.timer);
      try {
        if (wasCreated) await la.actor!.stop?.();
      } catch (err) {
        first ??= err;
      }
      la.mailbox.close();
    }
    if (first !== undefined) throw first;
  }

  /** Stops the remaining actors in reverse start order, then the rings. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    let first: unknown;
    try {
      await this.stop([...this.#local.keys()].reverse());
    } catch (err) {
      first = err;
    }
    for (const ch of this.#outbound.values()) ch.close();
    await Promise.all([...this.#inbound.values()].map((ch) => ch.close()));
    if (first !== undefined) throw first;
  }

  /**
   * Closes the rings to and from `thread` (it is gone): sends to its actors then throw
   * `PeerClosedError` instead of filling a ring nobody reads.
   */
  disconnect(thread: string): void {
    this.#outbound.get(thread)?.close();
    void this.#inbound.get(thread)?.close();
  }

  #outboundTo(thread: string): OutboundChannel {
    const ch = this.#outbound.get(thread);
    if (ch === undefined) throw new LedgecastError(ERROR_CODES.internal, `no ring from thread "${this.thread}" to "${thread}"`);
    return ch;
  }

  #context(la: LocalActor): ActorContext {
    const offset = this.#clockOffsetMs;
    const clock = (): number => performance.now() + offset;
    const fire = (): void => {
      la.timer = undefined;
      const onTimer = la.onTimer;
      if (onTimer === undefined || la.state === 'stopped') return;
      // Node's timers run on the event loop's millisecond clock and may fire a little before
      // the deadline by performance.now(); a core told "now < deadline" would do nothing and
      // never be called again, so re-arm for the remainder instead (also when the deadline moved
      // later while this timer was armed).
      if (clock() < la.timerAtMs) {
        arm(la.timerAtMs);
        return;
      }
      la.onTimer = undefined;
      try {
        onTimer();
      } catch (err) {
        this.#reportError(la.name, err);
      }
    };
    const arm = (atMs: number): void => {
      const delayMs = Math.min(Math.max(Math.ceil(atMs - clock()), 0), MAX_TIMEOUT_MS);
      la.armedAtMs = atMs;
      la.timer = setTimeout(fire, delayMs);
      la.timer.unref();
    };
    return {
      name: la.name,
      thread: this.thread,
      ref: (name) => this.ref(name),
      clock,
      setTimer: (atMs, onTimer) => {
        if (la.state === 'stopped') return;
        la.onTimer = onTimer;
        la.timerAtMs = atMs;
        // Actors re-arm after every message, mostly for the same or a later deadline: a timer
        // armed for no later than `atMs` stays (on firing early it re-arms for the rest), since a
        // setTimeout/clearTimeout pair per message was 5-10 % of a lightly loaded peer's CPU.
        if (la.timer !== undefined && la.armedAtMs <= atMs) return;
        clearTimeout(la.timer);
        arm(atMs);
      },
      clearTimer: () => {
        clearTimeout(la.timer);
        la.timer = undefined;
        la.onTimer = undefined;
      },
      emit: (event) => this.#notify({ kind: 'event', actor: la.name, event }),
    };
  }

  #reportError(actor: string, err: unknown): void {
    if (this.#deps !== undefined) {
      const deps = this.#deps;
      const error = err instanceof Error ? err : deserializeError(serializeError(err));
      queueMicrotask(() => deps.onError(actor, error));
    } else {
      this.#notify({ kind: 'error', actor, error: serializeError(err) });
    }
  }

  #notify(notice: AppNotice): void {
    if (this.#deps !== undefined) {
      const deps = this.#deps;
      // Never call the application from inside an actor's turn: a throw there would escape the run loop.
      if (notice.kind === 'event') queueMicrotask(() => deps.onEvent(notice.actor, notice.event));
      else queueMicrotask(() => deps.onError(notice.actor, deserializeError(notice.error)));
      return;
    }
    // Events carry deliveries: they are never dropped for a full ring. They wait here, in
    // order, until the channel to main is writable again; only a closed ring (shutdown) drops.
    this.#noticeBacklog.push(notice);
    this.#drainNotices();
  }

  #drainNotices(): void {
    const toMain = this.#outbound.get(MAIN_THREAD);
    const backlog = this.#noticeBacklog;
    while (this.#noticeHead < backlog.length) {
      let sent = false;
      try {
        sent = toMain !== undefined && toMain.trySend(APP_TARGET_INDEX, backlog[this.#noticeHead]);
      } catch {
        // The ring to main is closed: the system is shutting down.
        this.#noticesDropped += backlog.length - this.#noticeHead;
        this.#noticeBacklog = [];
        this.#noticeHead = 0;
        return;
      }
      if (!sent) {
        if (toMain === undefined) {
          this.#noticesDropped += backlog.length - this.#noticeHead;
          this.#noticeBacklog = [];
          this.#noticeHead = 0;
          return;
        }
        this.#noticesWaited++;
        if (!this.#noticeWaiting) {
          this.#noticeWaiting = true;
          toMain.whenWritable().then(
            () => {
              this.#noticeWaiting = false;
              this.#drainNotices();
            },
            () => {
              this.#noticeWaiting = false;
            },
          );
        }
        return;
      }
      backlog[this.#noticeHead++] = undefined as unknown as AppNotice;
    }
    this.#noticeBacklog = [];
    this.#noticeHead = 0;
  }

  readonly #sink: InboundSink = {
    mailboxAt: (index) => this.#mailboxByIndex[index],
    onAppPayload: (payload) => {
      if (this.#deps === undefined) {
        this.#reportError(this.thread, new LedgecastError(ERROR_CODES.internal, 'an application notice reached a worker'));
      } else {
        this.#notify(payload as AppNotice);
      }
    },
    onDecodeError: (err) => this.#reportError(this.thread, err),
  };
}

/** setTimeout's largest delay; longer timers are re-armed on firing (see `fire`). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

async function loadFactory(name: string, specifier: string): Promise<CreateActor<unknown, unknown>> {
  let mod: ActorModule;
  try {
    mod = (await import(specifier)) as ActorModule;
  } catch (err) {
    throw new InvalidOptionError(
      `cannot load the module of actor "${name}" (${specifier}): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const create = typeof mod.createActor === 'function' ? mod.createActor : mod.default;
  if (typeof create !== 'function') {
    throw new InvalidOptionError(`the module of actor "${name}" (${specifier}) exports no createActor function`);
  }
  return create;
}
