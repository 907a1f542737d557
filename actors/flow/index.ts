/**
 * The flow folder (flow control): turns receivers' positions on our streams into credit for the
 * sender, and finds slow consumers. The core, {@link FlowControl}, is pure (no I/O, no clock, no
 * randomness: `nowMs` is passed in); the actor shell, `flow-actor.ts` (`flow`, a module of its own
 * loaded by the runtime, not exported here), feeds it `sentUpTo`, `blocked`, `positions`,
 * `receiverJoined`/`receiverLeft` and `drainRequested` (`messages.ts`), and sends the sender
 * `credit` per stream and the application `slowConsumer`.
 *
 * **Invariants.** The tracked receiver positions are bounded (`maxTrackedPositions`); no
 * position, forged or creeping, holds a stream for longer than `stallTimeoutMs` without the
 * window moving 1/16 of itself; input from the wire is counted and ignored when invalid, never
 * thrown on.
 *
 * @packageDocumentation
 */
export { FlowControl } from './flow-control.js';
