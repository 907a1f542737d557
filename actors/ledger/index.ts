/**
 * The ledger actor: the bridge between the actors and `storage/` (the LMDB {@link LedgerStore}),
 * and the small cores the other actors use to honour its durability contract.
 *
 * ## What it owns
 *
 * The `ledger` actor exists only when `options.ledger` is given (placed per topology preset:
 * `main`, `io` or its own `ledger` thread). It opens the peer's store in `start()` (a
 * `LedgerError` there, e.g. the lock held by another live process or a damaged file, rejects
 * `createPeer`) and is the only code that touches it afterwards, on its own thread. The other
 * actors keep copies of what they need: the sender a {@link LedgerGate} (what is committed),
 * the retransmit actor {@link LedgerStreams} (what the ledger holds per stream), the
 * application a {@link AckTracker} per durable subscription (what may be confirmed).
 *
 * ## Messages
 *
 * In ({@link LedgerInbox}): `sequenced` (sender: messages to append before they go on the
 * wire), `serveRequested` (retransmit: NAK ranges the window does not hold), `durableOpened`
 * and `confirmed` (application: durable subscriptions), `flushRequested` (application, closing).
 *
 * Out: to the sender `resumed { streams, seqFloor }` once at start (publishes wait for it),
 * `committed { streams }` per flush, `ledgerFailed`; to the retransmit actor `ledgerResumed`
 * (before the sender's `resumed`), `ledgerStreams` (oldest held message moved) and `served`;
 * to the receiver `durableResumed` (which answers the application with `durableReady`); to the
 * application `ledgerFlushed` and `error`.
 *
 * ## Invariants
 *
 * - A sequence number is never handed out twice for a stream, across crashes: the sender numbers
 *   nothing before `resumed`, and continues every stream above `max(highSeq, seqFloor)`.
 * - `'sync'`: nothing goes on the wire before the ledger reported it committed, and `publish()`
 *   resolves only after that. Commits are grouped ({@link GroupCommit}): at most one in flight,
 *   and what is sequenced meanwhile goes in the next one. `'async'`: nothing goes on the wire more than
 *   `maxUnflushedPerStream` ahead of the last flush the ledger reported (the skip the store
 *   applies after an unclean shutdown). See {@link LedgerOptions.durability} for what each mode
 *   can lose on a process crash and on a power loss.
 * - Every NAKed sequence the window does not hold is answered from the ledger: sent, or
 *   reported unavailable (so receivers report data loss, never a silent gap); a sequence is
 *   left unanswered only when one answer reached `retransmit.maxMessagesPerNak` (NAKed again).
 * - A durable subscription's position only moves over messages the application is done with
 *   (`ack: 'auto'`) or acknowledged in a run (`'manual'`); after a restart it resumes at
 *   position + 1 per stream, and drops anything at or below its position.
 * - Bounded: the store by its retention; the gate and stream maps by `maxStreams`; an answer by
 *   `retransmit.maxMessagesPerNak`; unconfirmed messages per durable subscription by
 *   `maxQueuedPerSubscription`.
 *
 * @packageDocumentation
 */
export { AckTracker } from './ack-tracker.js';
export { GroupCommit } from './group-commit.js';
export { createActor } from './ledger-actor.js';
export type { LedgerActorCounters } from './ledger-actor.js';
export { LedgerGate } from './ledger-gate.js';
export { serveFromLedger } from './ledger-serve.js';
export type { LedgerServeResult, SentReader } from './ledger-serve.js';
export { LedgerStreams } from './ledger-streams.js';
export type { WindowView } from './ledger-streams.js';
export type { CommittedStream, DurablePosition, LedgerInbox, LedgerStreamInfo, StreamResume } from './messages.js';
export { DEFAULT_LEDGER_OPTIONS, resolveLedgerOptions } from './options.js';
export type { LedgerOptions, ResolvedLedgerOptions } from './options.js';
