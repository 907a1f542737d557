import { isAbsolute } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { InvalidOptionError, PeerClosedError } from '../errors.js';
import type { ActorEvent } from './actor.js';
import type { ActorRef } from './actor-ref.js';
import { resolveRuntimeOptions, type RuntimeOptions } from './options.js';
import { Ring } from './ring.js';
import type { ThreadControl } from './thread-control.js';
import type { ThreadStats } from './thread-control.js';
import { ThreadRuntime, type ThreadRuntimeConfig } from './thread-runtime.js';
import { MAIN_THREAD, resolveTopology, threadsOf, type Topology, type TopologyPreset } from './topology.js';
import { WorkerHost } from './worker-host.js';

/** How to build one actor: its module and the options handed to its `createActor`. */
export interface ActorSpec {
  /**
   * The actor module (see `ActorModule`): compiled JavaScript, named by a `file:` URL, an
   * absolute path, or a package specifier (`'ledgecast/dist/actors/...'`). Not relative: the
   * module is imported from the runtime's own files, on whichever thread the actor is placed.
   */
  readonly module: string;
  /** Plain data (structured-cloned to workers). */
  readonly options?: unknown;
}

/**
 * Actor name → how to build it. Key order is the start order within each thread (threads start in
 * parallel); `close()` stops all actors in exactly the reverse order, across threads.
 */
export type ActorRegistry = Readonly<Record<string, ActorSpec>>;

/** Options of an {@link ActorSystem}: plain data. */
export interface ActorSystemOptions extends RuntimeOptions {
  /** Every actor of the system. */
  readonly registry: ActorRegistry;
  /**
   * Where each actor of `registry` runs: a placement map, or a preset name (presets place the
   * peer's actors, `PEER_ACTOR_NAMES`).
   * @default 'single'
   */
  readonly topology?: Topology | TopologyPreset;
}

/** Callbacks of an {@link ActorSystem}, called on the main thread. */
export interface ActorSystemDeps {
  /** An event an actor emitted (`ctx.emit`), from any thread. */
  readonly onEvent?: (actor: string, event: ActorEvent) => void;
  /**
   * An actor's `receive` or timer threw, or a worker crashed. Errors from workers are rebuilt
   * from data: test `err.code` / `err.name`, not `instanceof`. Without this callback the error
   * is rethrown as an uncaught exception.
   */
  readonly onError?: (source: string, err: Error) => void;
}

/** Counters of every thread, by thread name. */
export interface SystemStats {
  readonly threads: Readonly<Record<string, ThreadStats>>;
}

/**
 * The actors of one peer on their threads: the main thread's {@link ThreadRuntime}, one
 * {@link WorkerHost} per worker thread of the topology, and one ring per ordered pair of threads.
 *
 * Lifecycle: `new` validates the options (throws `InvalidOptionError`); {@link start} starts the
 * workers and the main thread's actors in parallel; {@link close} stops every actor in reverse
 * registry order, then the workers and rings, leaving no worker, port or timer behind. Both are
 * idempotent.
 */
export class ActorSystem {
  readonly topology: Topology;
  /** `'main'` first, then the worker threads. */
  readonly threads: readonly string[];
  readonly #deps: ActorSystemDeps;
  readonly #options: Required<RuntimeOptions>;
  readonly #registry: ActorRegistry;
  readonly #main: ThreadRuntime;
  readonly #workerStartups: Map<string, ThreadRuntimeConfig>;
  readonly #hosts = new Map<string, WorkerHost>();
  #started: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(deps: ActorSystemDeps, options: ActorSystemOptions) {
    const { registry, topology, ...runtime } = options;
    this.#deps = deps;
    this.#options = resolveRuntimeOptions(runtime);
    this.#registry = resolveRegistry(registry);
    this.topology = resolveTopology(topology, Object.keys(this.#registry));
    this.threads = threadsOf(this.topology);

    const rings: { from: string; to: string; buffer: SharedArrayBuffer }[] = [];
    for (const from of this.threads) {
      for (const to of this.threads) if (from !== to) rings.push({ from, to, buffer: Ring.create(this.#options.ringBytes).buffer });
    }
    const timeOriginMs = performance.timeOrigin;
    const configFor = (thread: string): ThreadRuntimeConfig => ({
      thread,
      actors: Object.entries(this.#registry)
        .filter(([name]) => this.topology[name] === thread)
        .map(([name, spec]) => ({ name, module: spec.module, options: spec.options })),
      placement: this.topology,
      rings: rings.filter((r) => r.from === thread || r.to === thread),
      mailboxCapacity: this.#options.mailboxCapacity,
      maxMessagesPerTurn: this.#options.maxMessagesPerTurn,
      timeOriginMs,
    });
    this.#main = new ThreadRuntime(
      { onEvent: (actor, event) => this.#onEvent(actor, event), onError: (source, err) => this.#onError(source, err) },
      configFor(MAIN_THREAD),
    );
    this.#workerStartups = new Map(this.threads.filter((t) => t !== MAIN_THREAD).map((t) => [t, configFor(t)]));
  }

  /**
   * Starts every thread and actor. On failure everything started is closed and the first error
   * is thrown (a worker's error is rebuilt from data, its message naming the thread).
   */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    if (this.#closed !== undefined) throw new PeerClosedError('the actor system is closed');
    const hostOptions = { startTimeoutMs: this.#options.startTimeoutMs, closeTimeoutMs: this.#options.closeTimeoutMs };
    const results = await Promise.allSettled([
      this.#main.start(),
      ...[...this.#workerStartups].map(async ([thread, startup]) => {
        const onError = (t: string, err: Error, exited: boolean): void => {
          if (exited) this.#main.disconnect(t);
          this.#onError(t, err);
        };
        const host = await WorkerHost.start({ onError }, startup, hostOptions);
        this.#hosts.set(thread, host);
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await this.#shutdownOnce().catch(() => undefined);
      throw failed.reason;
    }
  }

  /**
   * The ref to actor `name`, for the application (main thread).
   * @throws InvalidOptionError when no actor has that name.
   */
  ref<In = unknown>(name: string): ActorRef<In> {
    return this.#main.ref<In>(name);
  }

  /** Counters of every thread, gathered over the control channels. */
  async stats(): Promise<SystemStats> {
    const entries = await Promise.all(this.threads.map(async (t) => [t, await this.#control(t).stats()] as const));
    return { threads: Object.fromEntries(entries) };
  }

  /**
   * Passes `options` to actor `name`'s `configure`, on its thread.
   * @throws InvalidOptionError for an unknown actor, one without `configure`, or bad options.
   */
  async configure(name: string, options: unknown): Promise<void> {
    const thread = this.topology[name];
    if (thread === undefined || !Object.hasOwn(this.topology, name)) throw new InvalidOptionError(`no actor is named "${name}"`);
    await this.#control(thread).configure({ [name]: options });
  }

  /**
   * Stops every actor in reverse registry order (consecutive actors of one thread in one call),
   * then closes the workers (awaiting their exit) and the rings. Idempotent; rethrows the first
   * error of an actor's `stop` once everything is closed.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#started?.catch(() => undefined);
      await this.#shutdownOnce();
    })();
    return this.#closed;
  }

  // Shared by close() and a failed start(), which must not wait for itself through close().
  #shutdownOnce(): Promise<void> {
    this.#shutdown ??= this.#stopAll();
    return this.#shutdown;
  }

  async #stopAll(): Promise<void> {
    let first: unknown;
    const order = Object.keys(this.#registry).reverse();
    for (let i = 0; i < order.length; ) {
      const thread = this.topology[order[i]];
      const group: string[] = [];
      while (i < order.length && this.topology[order[i]] === thread) group.push(order[i++]);
      const host = this.#hosts.get(thread);
      if (thread !== MAIN_THREAD && !host?.running) continue; // never started, or crashed (reported)
      try {
        await (host?.control ?? this.#main).stop(group);
      } catch (err) {
        first ??= err;
      }
    }
    const results = await Promise.allSettled([...[...this.#hosts.values()].map((h) => h.close()), this.#main.close()]);
    for (const r of results) if (r.status === 'rejected') first ??= r.reason;
    if (first !== undefined) throw first;
  }

  #control(thread: string): ThreadControl {
    if (thread === MAIN_THREAD) return this.#main;
    const host = this.#hosts.get(thread);
    if (host === undefined) throw new PeerClosedError(`worker thread "${thread}" is not running`);
    return host.control;
  }

  #onEvent(actor: string, event: ActorEvent): void {
    this.#deps.onEvent?.(actor, event);
  }

  #onError(source: string, err: Error): void {
    if (this.#deps.onError === undefined) throw err;
    this.#deps.onError(source, err);
  }
}

function resolveRegistry(registry: ActorRegistry): ActorRegistry {
  if (typeof registry !== 'object' || registry === null || Object.keys(registry).length === 0) {
    throw new InvalidOptionError('options.registry must map at least one actor name to { module, options }');
  }
  const out: Record<string, ActorSpec> = {};
  for (const [name, spec] of Object.entries(registry)) {
    if (typeof spec !== 'object' || spec === null || typeof spec.module !== 'string' || spec.module === '') {
      throw new InvalidOptionError(`options.registry.${name}.module must be a module specifier`);
    }
    let module = spec.module;
    if (module.startsWith('./') || module.startsWith('../')) {
      throw new InvalidOptionError(
        `options.registry.${name}.module must be absolute (e.g. new URL('./x.js', import.meta.url).href), got "${module}"`,
      );
    }
    if (isAbsolute(module)) module = pathToFileURL(module).href;
    out[name] = { module, options: spec.options };
  }
  return Object.freeze(out);
}
