/**
 * The actors of one simulated peer on one simulated thread: what `runtime/thread-runtime.ts` does
 * for the `single` placement, on the simulator's clock and event queue instead of
 * `performance.now`, microtasks and `setTimeout`.
 *
 * - Mailboxes are the runtime's own {@link Mailbox} (bounded: `mailboxCapacity`), reached through
 *   the runtime's {@link LocalActorRef}, run by a {@link SimScheduler}: FIFO per target, never
 *   re-entrant, delivered at the virtual time of the send (in a later event).
 * - `setTimer(atMs)` pushes an event at `atMs` (at once when it is past); one timer per actor,
 *   re-arming replaces it, `clearTimer` cancels it. A timer never fires during a `receive`.
 * - `emit` hands the event to `onEvent` at once (the application side only records).
 * - A throw out of `receive` or a timer callback is recorded in `errors` (the runtime reports it
 *   to the application) and the next message is delivered.
 * - Start-up as the runtime's: every mailbox exists first (factories may take refs), then each
 *   actor is built, then started in registry order, its mailbox opening once its `start` resolved.
 */
import type { Actor, ActorContext, ActorEvent, CreateActor } from '../../../runtime/actor.js';
import { LocalActorRef, type ActorRef } from '../../../runtime/actor-ref.js';
import { Mailbox } from '../../../runtime/mailbox.js';
import { resolveRuntimeOptions } from '../../../runtime/options.js';
import type { EventQueue } from '../event-queue.js';
import { SimScheduler } from './sim-scheduler.js';

/** How to build one actor of the peer. */
export interface SimActorSpec<Options> {
  readonly name: string;
  readonly create: CreateActor<unknown, Options>;
}

/** A throw out of an actor's `receive` or timer. */
export interface ActorError {
  readonly actor: string;
  readonly atMs: number;
  readonly message: string;
}

/** Times one actor's timer may fire at one virtual instant before the simulator calls it a spin. */
const MAX_FIRES_PER_INSTANT = 1000;

interface SimActor {
  readonly name: string;
  readonly mailbox: Mailbox<unknown>;
  actor?: Actor<unknown>;
  ctx?: ActorContext;
  /** The armed timer (the event pushed for it checks it is still this one). */
  timer: { atMs: number; onTimer: () => void } | undefined;
  lastFireMs: number;
  firesThisInstant: number;
}

export interface SimActorSystemDeps {
  readonly queue: EventQueue;
  readonly now: () => number;
  readonly onEvent: (actor: string, event: ActorEvent) => void;
  /** Called before each message is handed to its actor (the simulator's observation point). */
  readonly onReceive?: (actor: string, msg: unknown) => void;
}

export class SimActorSystem {
  readonly scheduler: SimScheduler;
  readonly errors: ActorError[] = [];
  /** Timers that fired at one instant more than {@link MAX_FIRES_PER_INSTANT} times, per actor (then pushed 1 ms on). */
  readonly timerSpins = new Map<string, number>();
  /** `setTimer` calls with a time that is not a number. */
  badTimers = 0;
  readonly #deps: SimActorSystemDeps;
  readonly #actors = new Map<string, SimActor>();
  readonly #refs = new Map<string, ActorRef<unknown>>();

  constructor(deps: SimActorSystemDeps, names: readonly string[]) {
    this.#deps = deps;
    const { mailboxCapacity, maxMessagesPerTurn } = resolveRuntimeOptions({});
    this.scheduler = new SimScheduler(deps.queue, deps.now, maxMessagesPerTurn);
    for (const name of names) {
      const mailbox = new Mailbox<unknown>(
        {
          dispatcher: this.scheduler,
          handler: (msg) => {
            deps.onReceive?.(name, msg);
            sa.actor!.receive(msg);
          },
          onError: (err) => this.#recordError(name, err),
        },
        name,
        mailboxCapacity,
      );
      const sa: SimActor = { name, mailbox, timer: undefined, lastFireMs: Number.NaN, firesThisInstant: 0 };
      this.#actors.set(name, sa);
    }
  }

  /** Builds every actor with `options`, then starts them in order (as `ThreadRuntime.start`). */
  async start<Options>(specs: readonly SimActorSpec<Options>[], options: Options): Promise<void> {
    for (const spec of specs) {
      const sa = this.#actors.get(spec.name);
      if (sa === undefined) throw new Error(`no mailbox for actor ${spec.name}`);
      sa.ctx = this.#context(sa);
      const actor = await spec.create(options, sa.ctx);
      if (actor.name !== spec.name) throw new Error(`the actor registered as "${spec.name}" calls itself "${actor.name}"`);
      sa.actor = actor;
    }
    for (const spec of specs) {
      const sa = this.#actors.get(spec.name)!;
      await sa.actor!.start?.(sa.ctx!);
      sa.mailbox.open();
    }
  }

  /** The ref to actor `name` (as the application thread gets it). */
  ref<In>(name: string): ActorRef<In> {
    let ref = this.#refs.get(name);
    if (ref === undefined) {
      const sa = this.#actors.get(name);
      if (sa === undefined) throw new Error(`no actor is named "${name}"`);
      ref = new LocalActorRef(sa.mailbox, 'main');
      this.#refs.set(name, ref);
    }
    return ref as ActorRef<In>;
  }

  /** Actor `name`'s counters (its `stats()`), with its mailbox's. */
  stats(name: string): { actor: Record<string, unknown>; mailbox: Mailbox<unknown>['counters'] & { length: number } } {
    const sa = this.#actors.get(name)!;
    return { actor: sa.actor?.stats?.() ?? {}, mailbox: { ...sa.mailbox.counters, length: sa.mailbox.length } };
  }

  get names(): readonly string[] {
    return [...this.#actors.keys()];
  }

  #context(sa: SimActor): ActorContext {
    const { queue, now } = this.#deps;
    return {
      name: sa.name,
      thread: 'main',
      ref: (name) => this.ref(name),
      clock: now,
      setTimer: (atMs, onTimer) => {
        if (Number.isNaN(atMs)) this.badTimers++;
        const at = Number.isNaN(atMs) ? now() : Math.max(atMs, now());
        // Re-armed for the instant already queued: keep that event, call the newest callback.
        if (sa.timer !== undefined && sa.timer.atMs === at) {
          sa.timer.onTimer = onTimer;
          return;
        }
        const timer = { atMs: at, onTimer };
        sa.timer = timer;
        if (at === Number.POSITIVE_INFINITY) return;
        queue.push(at, () => {
          if (sa.timer !== timer) return;
          sa.timer = undefined;
          this.#fire(sa, timer);
        });
      },
      clearTimer: () => {
        sa.timer = undefined;
      },
      emit: (event) => this.#deps.onEvent(sa.name, event),
    };
  }

  #fire(sa: SimActor, timer: { atMs: number; onTimer: () => void }): void {
    const t = this.#deps.now();
    if (t === sa.lastFireMs) sa.firesThisInstant++;
    else {
      sa.lastFireMs = t;
      sa.firesThisInstant = 0;
    }
    if (sa.firesThisInstant > MAX_FIRES_PER_INSTANT) {
      // A core whose deadline stays in the past would hold virtual time still: count it, move on.
      this.timerSpins.set(sa.name, (this.timerSpins.get(sa.name) ?? 0) + 1);
      sa.firesThisInstant = 0;
      sa.timer = { atMs: t + 1, onTimer: timer.onTimer };
      const next = sa.timer;
      this.#deps.queue.push(t + 1, () => {
        if (sa.timer !== next) return;
        sa.timer = undefined;
        this.#fire(sa, next);
      });
      return;
    }
    try {
      timer.onTimer();
    } catch (err) {
      this.#recordError(sa.name, err);
    }
  }

  #recordError(actor: string, err: unknown): void {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.errors.push({ actor, atMs: this.#deps.now(), message });
  }
}
