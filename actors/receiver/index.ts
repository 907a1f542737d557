/**
 * The receiver actor's pure cores: per stream, release messages in order exactly once, buffer
 * what arrives early (a {@link ReorderRing} per stream; a DATA message waits there as its datagram
 * and an offset, decoded when released), NAK what is missing (randomized first
 * delay while another peer may share the loss, `nakDelayMinMs` otherwise; retries paced by the repair
 * time measured per sender, with backoff), reassemble fragments, and report what can no longer
 * be had as data loss. A seq numbers one application message: fragments carry their message's
 * seq, the {@link Reassembler} collects them by index, and the stream sees only whole messages.
 *
 * Ownership: one {@link Receiver} per local peer, touched only by the receiver actor's thread.
 * It owns every {@link StreamReceiver} and {@link Reassembler} (one each per stream, a stream
 * being a sender *name* and a subject), the {@link SenderTable} of incarnations, the
 * {@link UnadvertisedHold} of frames waiting for their incarnation's ADVERT, the
 * {@link DeadlineQueue} of stream timers and the {@link BufferBudget} they all share. Nothing
 * here does I/O, reads a clock or keeps a timer: the shell passes `nowMs`, sets one timer to
 * `nextDeadlineMs()`, and turns sink calls into frames and application events.
 *
 * Inputs (all untrusted, from the wire): `onDataRecord` (each record of a DATA frame checked by
 * `decodeFrameRecords`), `onData` (a decoded message: of a RETRANSMIT frame, `startSeq` 0, or of
 * DATA with the stream's `startSeq` from its subject table), `onHeartbeat`
 * (the entries of a HEARTBEAT, or of a BYE: its streams' final state), `onUnavailable` (each
 * `unavailable` range of a RETRANSMIT), `onAdvert` (an incarnation the receivers actor listed on
 * its ADVERT), `onSenderLeft` (BYE or expiry), `onTimer`; from the receiver list, `setListed` (a
 * sender advertised, or left); from the application, `startAt`
 * (durable resume). Outputs ({@link ReceiverSink}): `deliver`,
 * `requestNak` (always to the sender's current incarnation; a message held in part is asked for
 * by its missing fragments only), `dataLoss`,
 * `streamReset`. Reads: `positions(name)` and `senders()` for ACKs, counters, buffer levels.
 *
 * Invariants:
 * - Per stream, outputs form one ordered sequence: every sequence from where the stream began is
 *   delivered or reported lost, once, in order; a loss is reported when
 *   the stream reaches it, between the deliveries around it. A sequence is reported lost only
 *   when the sender said it no longer holds it (`'unavailable'`), left or restarted without it
 *   (`'senderLeft'`), failed to answer `nakMaxRetries + 1` NAKs while it was heard from
 *   (`'timeout'`: NAKs sent while it is silent, e.g. during a partition, do not count), or it
 *   belongs to a message larger than `maxMessageBytes` (`'tooLarge'`).
 *   Messages dropped for the window or memory bounds are not lost: they stay missing and are
 *   NAKed again.
 * - Only streams whose subject `isInterested` are tracked (asked once per new stream).
 * - Quotas (issue 11: invented names must not lock a real sender out, nor grow memory): at most
 *   `maxStreamsPerSender` streams per sender name; senders the receiver list has not listed (no
 *   advert heard: forged DATA or HEARTBEAT needs nothing but a name) share `maxUnlistedStreams`
 *   streams ({@link UnlistedSenders}), are settled as departed `unlistedSenderExpiryMs` after
 *   their first stream unless listed meanwhile, and forgotten a period later if not heard since.
 *   When `maxStreams` are tracked, departed senders are forgotten first, then (for a listed
 *   sender's new stream only) unlisted ones; a listed sender's live streams never are.
 * - Bounds: `maxStreams` streams; per stream `maxBufferedMessages` out-of-order messages and as
 *   many gap ranges; `maxBufferedBytes` for all held payloads, fragments included (reassembly
 *   only within the reorder window; the next message's fragments may evict later ones); NAKs of at most `maxNakRanges` ranges and `maxNakSeqs`
 *   sequences; only the window is NAKed at a time, whatever a hostile sequence says; frames of
 *   unadvertised incarnations: {@link UNADVERTISED_HOLD_ITEMS} items and
 *   {@link UNADVERTISED_HOLD_BYTES} bytes, each held at most `resyncGraceMs`. No input
 *   makes a core loop over the width of a range.
 * - State changes need evidence (issue 11): no single frame, whoever sent it, retires a sender's
 *   incarnation, makes a stream skip or report lost more than `maxGapMessages` beyond where it
 *   is, or puts its message in the place of a real one beyond that bound. What is refused is
 *   counted (`unadvertisedHeld`, `implausibleSeqs`, `implausibleHeartbeats`); what would skip
 *   real data is a `dataLoss`, never silent.
 *
 * Rules where the wire leaves a choice:
 * - Late join: a stream first seen at `s` with start `s0` begins at `s0` when
 *   `s - s0 <= lateJoinMaxMessages`, else at `s`; from a heartbeat, at `startSeq` when
 *   `highSeq - startSeq <= lateJoinMaxMessages`, else at `highSeq + 1`. Beginning at the start
 *   means what the sender no longer holds (below `lowSeq`) is reported lost, never skipped
 *   silently, however the stream was first seen. A stream begun mid-stream at a fragment of
 *   message `s` asks for the fragments of `s` it missed.
 * - Implausible sequences: a message more than `maxGapMessages` ahead is dropped and changes
 *   nothing (no gap, no skip), and so is a heartbeat (or BYE) entry whose `lowSeq` or `highSeq`
 *   is that far ahead: a forged datagram can neither open a huge gap nor make the stream jump
 *   past real data. A sender really that far ahead is followed once all the stream heard for
 *   `maxGapConfirmMs` was that far (the sender's own heartbeats agreeing; any nearer frame
 *   restarts that wait): its next such heartbeat is applied (`highSeq` NAKed window by window,
 *   `lowSeq` reporting what it no longer holds in one range).
 * - Incarnations: streams belong to the sender name. Incarnation numbers are random per start,
 *   so nothing in a frame tells a restart from a forgery or a late frame of an older one: a new
 *   incarnation of a known sender is adopted on its ADVERT (`onAdvert`, the receivers actor
 *   having listed it), never on a DATA or HEARTBEAT. Then it becomes current and the previous
 *   one is retired (its late frames ignored). Frames of an incarnation not advertised (another
 *   incarnation of a known sender, or of a name that advertised another one) are held back,
 *   bounded, and applied in arrival order if its ADVERT comes within `resyncGraceMs`, else
 *   dropped (counted), so a restart whose first DATA beats its ADVERT loses nothing and a forged
 *   one changes nothing. The first incarnation of a name with no tracked stream and no advert is
 *   taken as it comes (first contact). Each
 *   stream keeps the old numbering until the new incarnation describes it (DATA `startSeq` or
 *   heartbeat): when `startSeq` is above every sequence known to exist, it continues (what is
 *   missing is NAKed to the new incarnation); else the sender renumbers: pending old sequences
 *   are settled (`'senderLeft'`), `streamReset` is emitted and the stream begins at `startSeq`.
 *   This is stricter than comparing with the next expected sequence: reusing a number the old
 *   incarnation is known to have sent is a renumbering too. Until described (at most
 *   `resyncGraceMs`) a stream neither NAKs nor accepts retransmissions.
 * - Departure keeps positions: after `onSenderLeft` the streams hold nothing but their position,
 *   so a sender coming back (same incarnation after expiry, or a new one once advertised)
 *   continues without redelivery. Departed senders are forgotten first when `maxStreams` is
 *   reached.
 *
 * @packageDocumentation
 */
export { BufferBudget } from './buffer-budget.js';
export { DeadlineQueue } from './deadline-queue.js';
export { GapList } from './gap-list.js';
export type { Gap, LostRange } from './gap-list.js';
export { DEFAULT_RECEIVER_OPTIONS, resolveReceiverOptions } from './options.js';
export type { ReceiverOptions, ResolvedReceiverOptions } from './options.js';
export { Reassembler } from './reassembler.js';
export { ReorderRing } from './reorder-ring.js';
export type { FragmentOutcome, ReassemblerCounters, ReassemblerDeps } from './reassembler.js';
export { Receiver } from './receiver.js';
export type { ReceiverDeps } from './receiver-deps.js';
export { newReceiverCounters } from './receiver-counters.js';
export type { ReceiverCounters } from './receiver-counters.js';
export { DATA_LOSS_REASONS } from './receiver-sink.js';
export type { DataLoss, DataLossReason, DeliveredMessage, ReceiverSink } from './receiver-sink.js';
export { MAX_RETIRED_INCARNATIONS, SenderTable } from './sender-table.js';
export type { Admission, SenderEntry } from './sender-table.js';
export { StreamReceiver } from './stream-receiver.js';
export { UnlistedSenders } from './unlisted-senders.js';
export type { UnlistedSendersOptions } from './unlisted-senders.js';
export type {
  MessageOutcome,
  StreamInfoOutcome,
  StreamReceiverDeps,
  StreamReceiverOptions,
  StreamReceiverOutput,
} from './stream-receiver.js';
export { UNADVERTISED_HOLD_BYTES, UNADVERTISED_HOLD_ITEMS, UnadvertisedHold } from './unadvertised-hold.js';
export type { HeldFrame, UnadvertisedHoldCounters } from './unadvertised-hold.js';
