import { deserializeError, serializeError, type SerializedError } from '../errors.js';
import type { MailboxCounters } from './mailbox.js';

/** Counters of one thread, gathered by `system.stats()`. Plain data. */
export interface ThreadStats {
  readonly thread: string;
  readonly dispatcher: { readonly turns: number; readonly yields: number };
  readonly actors: Record<string, { readonly mailbox: MailboxCounters & { readonly length: number }; readonly actor?: Record<string, unknown> }>;
  /** Per destination thread: the outbound channel's and the ring's producer counters. */
  readonly outbound: Record<string, Record<string, number>>;
  /** Per source thread: the inbound channel's and the ring's consumer counters. */
  readonly inbound: Record<string, Record<string, number>>;
  /** Events or errors lost because the ring to the main thread was closed (shutdown only). */
  readonly noticesDropped: number;
  /** Times a notice had to wait for room in the channel to the main thread. */
  readonly noticesWaited: number;
  /** Notices waiting now for room in the channel to the main thread. */
  readonly noticeBacklog: number;
}

/**
 * The control surface of one thread: what the main thread may ask of the actors on a thread
 * (directly for 'main', over comlink for a worker). Not for data: data goes through rings.
 */
export interface ThreadControl {
  /** Counters of the thread's runtime and of each of its actors (`actor.stats()`). */
  stats(): Promise<ThreadStats>;
  /**
   * Applies options to actors of this thread: `{ [actorName]: options }`, each passed to that
   * actor's `configure`.
   * @throws InvalidOptionError for an actor not on this thread or without `configure`.
   */
  configure(patch: Readonly<Record<string, unknown>>): Promise<void>;
  /** Stops these actors, in this order (used by the actor system to stop in reverse start order). */
  stop(actors: readonly string[]): Promise<void>;
  /** Stops the remaining actors and the thread's rings. Idempotent. */
  close(): Promise<void>;
}

/** A control call's outcome as plain data: comlink keeps only an error's message, not its class or code. */
export type ControlResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SerializedError };

/** {@link ThreadControl} as a worker exposes it over comlink: every call resolves to a {@link ControlResult}. */
export type ExposedControl = {
  [K in keyof ThreadControl]: (
    ...args: Parameters<ThreadControl[K]>
  ) => Promise<ControlResult<Awaited<ReturnType<ThreadControl[K]>>>>;
};

/** Worker side: wraps `control` so that errors travel as {@link SerializedError} data. */
export function exposeControl(control: ThreadControl): ExposedControl {
  const wrap =
    <A extends unknown[], T>(fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<ControlResult<T>> => {
      try {
        return { ok: true, value: await fn(...args) };
      } catch (err) {
        return { ok: false, error: serializeError(err) };
      }
    };
  return {
    stats: wrap(() => control.stats()),
    configure: wrap((patch: Readonly<Record<string, unknown>>) => control.configure(patch)),
    stop: wrap((actors: readonly string[]) => control.stop(actors)),
    close: wrap(() => control.close()),
  };
}

/** Main side: turns an {@link ExposedControl} proxy back into a {@link ThreadControl} that throws rebuilt errors. */
export function unwrapControl(remote: ExposedControl): ThreadControl {
  const unwrap = async <T>(result: Promise<ControlResult<T>>): Promise<T> => {
    const r = await result;
    if (r.ok) return r.value;
    throw deserializeError(r.error);
  };
  return {
    stats: () => unwrap(remote.stats()),
    configure: (patch) => unwrap(remote.configure(patch)),
    stop: (actors) => unwrap(remote.stop(actors)),
    close: () => unwrap(remote.close()),
  };
}
