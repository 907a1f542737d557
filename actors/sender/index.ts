/**
 * The sender actor's pure cores: everything a peer decides when it publishes, without I/O.
 *
 * **What it owns.** For one sender incarnation: the sequence numbers of every stream
 * ({@link SequenceGenerator}), the recent messages kept to serve retransmissions
 * ({@link SenderWindow}), the rate limit ({@link TokenBucket}) and the schedule of
 * heartbeats ({@link HeartbeatScheduler}); {@link fragmentPayload} splits large payloads. The
 * credit each stream may send up to comes from the flow actor (`actors/flow/`).
 * All of this state belongs to the sender actor alone and is touched only on the thread the
 * actor is placed on; nothing here is shared or read by another actor. The ledger receives
 * copies (the generator's `snapshot()`, the window's `onEvict` hook) and hands back the
 * `resume` map after a restart.
 *
 * **Inputs and outputs.** The shell (`sender-actor.ts`) reads the clock once per message and
 * drives the cores (the flow-control steps below run in the flow actor, on the positions and
 * `sentUpTo` reports it gets):
 * - publish: `assertMessageSize` → `fragmentPayload` → `SequenceGenerator.nextRange` (one seq per
 *   message: its fragments share it, addressed by `fragIndex`/`fragCount`) → per message `FlowControl.canSend` (queue it on `{ ok: false }`) → DATA with
 *   `StreamStart { subject, startSeq: generator.startSeq(subject) }` → `SenderWindow.add`,
 *   `FlowControl.onSent`, `HeartbeatScheduler.onSent`;
 * - ACK positions from receivers → `FlowControl.onPosition`; receiver list changes →
 *   `addReceiver` / `removeReceiver`; NAKs (via the retransmit actor) → `SenderWindow.serve`;
 * - timers: the shell's one timer fires at the earliest of the cores' `nextDeadlineMs()`;
 *   `HeartbeatScheduler.onTimer` returns the subjects of a HEARTBEAT (each turned into a
 *   `StreamInfo` by `SenderWindow.streamInfo(subject, generator.startSeq(subject))`);
 *   `FlowControl.onTimer` is followed by a retry of the queued sends.
 * - outputs: `FlowControlSink.slowConsumer(peer, subject, lag)` and `windowOpened(subject)`;
 *   every core also keeps a live `counters` record for `peer.stats()`.
 *
 * **Invariants.** A sequence number is handed out once per stream, ever (resume from the
 * ledger after a restart); seqs reach the window in increasing order per stream; the window,
 * the tracked receiver positions and the active-stream set are each bounded (see
 * {@link SenderOptions}); no core reads a clock, a timer or randomness, and none throws on
 * input from the wire (positions, NAK ranges): bad input is counted and ignored. No receiver
 * position, forged or creeping, holds a stream for longer than `stallTimeoutMs` without the
 * window moving 1/16 of itself (one block episode per such move; `FlowControl.setWindow` gives
 * the core the credit's window, by bytes for large messages).
 *
 * **Idle streams.** A stream is never forgotten (its numbering goes on), but an idle one costs
 * little: the generator keeps it as a map entry to an index and numbers in arrays (the shell's
 * credit and first-sent time are arrays by that index); the window parks a stream that holds
 * nothing as its `highSeq` alone; the heartbeat scheduler drops it after `activeStreamTtlMs`
 * (and tells the retransmit actor, which drops its start seq and age until the next `sent`);
 * flow control parks it when nothing is in flight. Each is made whole by the stream's next
 * message (docs/SCALE.md "Streams → memory").
 *
 * @packageDocumentation
 */
export {
  DEFAULT_SENDER_OPTIONS,
  FLOW_POLICIES,
  resolveSenderOptions,
} from './options.js';
export type { FlowPolicy, ResolvedSenderOptions, SenderOptions } from './options.js';
export { SequenceGenerator } from './sequence-generator.js';
export type { SequenceGeneratorOptions } from './sequence-generator.js';
export { SenderWindow } from './sender-window.js';
export type { SenderWindowCounters, SenderWindowDeps, SenderWindowOptions, ServeResult } from './sender-window.js';
export { assertMessageSize, fragmentCount, fragmentPayload } from './fragmenter.js';
export type { Fragment } from './fragmenter.js';
export type {
  FlowControlCounters,
  FlowControlDeps,
  FlowControlOptions,
  FlowControlSink,
  SendVerdict,
} from '../flow/flow-control.js';
export { HeartbeatScheduler } from './heartbeat-scheduler.js';
export { CreditWindow, firstWindow } from './credit-window.js';
export { TokenBucket } from './token-bucket.js';
export type { HeartbeatSchedulerCounters, HeartbeatSchedulerOptions } from './heartbeat-scheduler.js';
export { RingDeque } from './ring-deque.js';
