/**
 * The actor runtime: runs the peer's actors on the threads a {@link Topology} names, and carries
 * their messages.
 *
 * Ownership and lifetime:
 * - An {@link ActorSystem} owns one `ThreadRuntime` on the main thread and one {@link WorkerHost}
 *   (a dedicated `node:worker_threads` Worker, itself running a `ThreadRuntime`) per worker
 *   thread, plus one {@link Ring} per ordered pair of threads, created up front and shared as
 *   SharedArrayBuffers. `close()` stops every actor in reverse registry order, then the workers
 *   (awaiting their exit), then the rings; nothing stays open.
 * - An actor's state is touched only by its thread: by `receive` (one message at a time, never
 *   re-entrant, FIFO per sending thread), by its single timer callback, and by `start`/`stop`.
 *   Each thread runs all its mailboxes from one run loop (`Dispatcher`) that yields to the event
 *   loop every `maxMessagesPerTurn` messages.
 *
 * Messages:
 * - Data: `ActorRef.send`. Same thread: the object itself is pushed into the target's
 *   {@link Mailbox} (no clone). Other thread: an `Envelope` is encoded (raw bytes for a
 *   `Uint8Array`, msgpackr otherwise) into the ring to that thread and published once per turn;
 *   the other thread sleeps on the ring with `Atomics.waitAsync` only when it has nothing to do.
 * - Application: `ctx.emit(event)` and actor errors reach `ActorSystemDeps.onEvent/onError` on
 *   the main thread (errors cross threads as data: test `err.code`, never `instanceof`).
 * - Control: `stats`, `configure`, `stop`, `close` ({@link ThreadControl}), over comlink for workers.
 * - Thread protocol: `wire-messages.ts` (`WorkerStartup`, `WorkerReady`, `Envelope`, `Shutdown`).
 *
 * Invariants: every queue is bounded (mailboxes by `mailboxCapacity` messages; a ring by
 * `ringBytes`; the wait queue before a full ring by both); a full one makes `send` throw
 * `BackpressureError`, or stops the reading ring so the pressure reaches the sending thread.
 * Nothing is dropped silently: messages for a stopped actor are counted in `stats()`.
 *
 * Actor modules are compiled ES modules exporting `createActor(options, ctx)`; workers import
 * them, and the worker entry, from `dist/` (build before running tests).
 *
 * @example
 * ```ts
 * const system = new ActorSystem(
 *   { onEvent: (actor, event) => console.log(actor, event) },
 *   { registry: { socket: { module: socketUrl, options: {} }, ... }, topology: 'sharedNetwork' },
 * );
 * await system.start();
 * system.ref<SocketMessage>('socket').send({ kind: 'sendRequested', bytes });
 * await system.close();
 * ```
 *
 * @packageDocumentation
 */
export { LocalActorRef, RemoteActorRef } from './actor-ref.js';
export { ActorSystem } from './actor-system.js';
export { Dispatcher } from './dispatcher.js';
export { APP_TARGET_INDEX, ENVELOPE_HEADER_BYTES, EnvelopeCodec, MAX_TARGET_INDEX, PAYLOAD_CODECS } from './envelope-codec.js';
export { Mailbox } from './mailbox.js';
export { DEFAULT_RUNTIME_OPTIONS, resolveRuntimeOptions } from './options.js';
export { Ring } from './ring.js';
export { InboundChannel, OutboundChannel } from './ring-channel.js';
export { exposeControl, unwrapControl } from './thread-control.js';
export { ThreadRuntime } from './thread-runtime.js';
export { MAIN_THREAD, PEER_ACTOR_NAMES, TOPOLOGY_PRESETS, resolveTopology, threadsOf } from './topology.js';
export { WorkerHost, workerEntryUrl } from './worker-host.js';

export type { Actor, ActorContext, ActorEvent, ActorModule, CreateActor } from './actor.js';
export type { ActorRef } from './actor-ref.js';
export type { ActorRegistry, ActorSpec, ActorSystemDeps, ActorSystemOptions, SystemStats } from './actor-system.js';
export type { Runnable, Scheduler } from './dispatcher.js';
export type { EncodedEnvelope } from './envelope-codec.js';
export type { MailboxCounters, MailboxDeps } from './mailbox.js';
export type { RuntimeOptions } from './options.js';
export type { InboundSink } from './ring-channel.js';
export type { ControlResult, ExposedControl, ThreadControl, ThreadStats } from './thread-control.js';
export type { ThreadRuntimeConfig, ThreadRuntimeDeps } from './thread-runtime.js';
export type { PeerActorName, Topology, TopologyPreset } from './topology.js';
export type { WorkerHostDeps, WorkerHostOptions } from './worker-host.js';
export type { Envelope, Shutdown, WorkerReady, WorkerStartup } from './wire-messages.js';
