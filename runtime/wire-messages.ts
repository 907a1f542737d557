/**
 * The thread protocol: everything the main thread and a worker thread say to each other.
 *
 * - Main → worker: {@link WorkerStartup} (as `workerData`), later {@link Shutdown} (on the
 *   worker's `parentPort`).
 * - Worker → main: {@link WorkerReady} (on `parentPort`), once.
 * - Any thread → any thread: {@link Envelope}s, encoded as records in the cross-thread rings
 *   (`ring.ts`, layout in `envelope-codec.ts`). Never one `postMessage` per message.
 * - Control calls (stats, configure, stop, close) are comlink RPC over `WorkerStartup.controlPort`
 *   (`thread-control.ts`); errors cross as `SerializedError` data.
 *
 * @packageDocumentation
 */
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../errors.js';

/** The first message to a worker, passed as `workerData`. SharedArrayBuffers are shared, not copied. */
export interface WorkerStartup {
  readonly kind: 'workerStartup';
  /** The worker's thread name in the topology. */
  readonly thread: string;
  /** The actors to run on this worker, in start order. `module` is an absolute specifier of compiled JS. */
  readonly actors: readonly { readonly name: string; readonly module: string; readonly options: unknown }[];
  /** Where every actor of the system runs (actor name → thread name), so refs can be routed. */
  readonly placement: Readonly<Record<string, string>>;
  /** One ring per direction between this worker and every other thread. */
  readonly rings: readonly { readonly from: string; readonly to: string; readonly buffer: SharedArrayBuffer }[];
  /** The worker's end of the comlink control channel (transferred). */
  readonly controlPort: MessagePort;
  /** Runtime tuning, already resolved by the main thread. */
  readonly mailboxCapacity: number;
  readonly maxMessagesPerTurn: number;
  /** `performance.timeOrigin` of the main thread, so every thread's `ctx.clock()` shares one origin. */
  readonly timeOriginMs: number;
}

/** The worker's answer once its actors are started (`ok: true`) or failed to (`ok: false`). */
export type WorkerReady =
  | { readonly kind: 'workerReady'; readonly thread: string; readonly ok: true }
  | { readonly kind: 'workerReady'; readonly thread: string; readonly ok: false; readonly error: SerializedError };

/**
 * One message for one actor, as it travels in a ring. `target` is an actor name; in the ring it is
 * encoded as its index in the sorted list of actor names (every thread has the same placement),
 * and `payload` as raw bytes when it is a `Uint8Array`, msgpackr otherwise.
 */
export interface Envelope {
  readonly target: string;
  readonly payload: unknown;
}

/** Tells a worker to release its ports and exit (after `close()` over the control channel). */
export interface Shutdown {
  readonly kind: 'shutdown';
}
