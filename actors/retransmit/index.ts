/**
 * The retransmit actor's pure cores: the reliable-unicast channel that carries NAKs and
 * RETRANSMIT frames between two peers, and the planner that answers NAKs on the sender side.
 *
 * Ownership: every object here belongs to the retransmit actor and is touched by its thread
 * only. One {@link OutboundChannel} and one {@link InboundChannel} exist per remote peer
 * incarnation (`peerKey`); one {@link RetransmitPlanner} exists per local sender. None of them
 * does I/O, reads a clock or keeps a timer: the shell passes `nowMs`, owns one timer set to the
 * earliest `nextDeadlineMs()` of its cores, and turns sink calls into frames.
 *
 * Inputs and outputs:
 * - {@link OutboundChannel}: `send(item)` (a NAK frame to send, or a RETRANSMIT frame built from
 *   the planner's `unicast`), `onAck` (from an ACK frame addressed to us) → `sink.transmit`
 *   (the frame with its `channelSeq`, first sending and each retransmission: after the RTO, or
 *   sooner when the ACK of a frame sent later shows it lost, RFC 9002's time threshold) and `sink.gaveUp`
 *   (turned into a `ChannelGaveUpError` event naming the peer).
 * - {@link InboundChannel}: `onFrame(channelSeq)` for every NAK or unicast RETRANSMIT frame
 *   received (`'new'` → process it, anything else → drop it) → `sink.sendAck` (an ACK frame,
 *   to which the owner adds stream positions). Multicast RETRANSMIT frames (`channelSeq` 0)
 *   do not go through a channel.
 * - {@link RetransmitPlanner}: `onNak` for every new NAK frame → `sink.unicast` (to send through
 *   the asker's outbound channel) and `sink.multicast` (sent once, `channelSeq` 0); it reads the
 *   sender window through `RetransmitWindow.serve`.
 *
 * Invariants:
 * - An item handed to an outbound channel is transmitted until acknowledged or until the channel
 *   gives up (then every item in flight is dropped and reported once).
 * - An inbound channel reports each channel sequence `'new'` at most once per remote incarnation.
 * - A sequence NAKed by several askers within `coalesceMs` goes out once by multicast; a served
 *   sequence is not served again within `repeatSuppressMs` to whoever it reached. A subject only
 *   one asker NAKed (for `SHARED_SUBJECT_MS`) is served without the `coalesceMs` wait.
 * - NAK service stays within its budgets ({@link NakBudget}: bytes resent per asker and in
 *   total, token buckets); what a bucket refuses is not served now, not suppressed, and counted.
 * - Every structure is bounded by an option (see {@link RetransmitOptions}); input from the wire
 *   never makes a core loop over a range's span.
 * - On a remote's new incarnation the owner calls `reset()` on both halves of its channel.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_RETRANSMIT_OPTIONS,
  resolveRetransmitOptions,
} from './options.js';
export type { RetransmitOptions, ResolvedRetransmitOptions } from './options.js';
export { RtoEstimator } from './rto-estimator.js';
export type { RtoEstimatorOptions } from './rto-estimator.js';
export { OutboundChannel } from './outbound-channel.js';
export type {
  OutboundChannelCounters,
  OutboundChannelDeps,
  OutboundChannelOptions,
  OutboundChannelSink,
} from './outbound-channel.js';
export { InboundChannel } from './inbound-channel.js';
export type {
  AckState,
  InboundChannelCounters,
  InboundChannelDeps,
  InboundChannelOptions,
  InboundChannelSink,
  InboundVerdict,
} from './inbound-channel.js';
export { RetransmitPlanner } from './retransmit-planner.js';
export type {
  RetransmitPlannerCounters,
  RetransmitPlannerDeps,
  RetransmitPlannerOptions,
  RetransmitPlannerSink,
  RetransmitServeResult,
  RetransmitWindow,
} from './retransmit-planner.js';
export { RemoteAdmission } from './remote-admission.js';
export type { RemoteAdmissionResult, RemoteStanding } from './remote-admission.js';
export { RepeatSuppressor } from './repeat-suppressor.js';
export { NakBudget } from './nak-budget.js';
export type { BudgetVerdict, NakBudgetOptions } from './nak-budget.js';
export {
  countSeqs,
  intersectRanges,
  isValidRange,
  normalizeRanges,
  rangesFromSeqs,
  rangesInAtLeast,
  subtractRanges,
  truncateRanges,
  unionRanges,
} from './seq-ranges.js';
export type { NormalizedRanges } from './seq-ranges.js';
