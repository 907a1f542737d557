/**
 * What the receiver counts, for `peer.stats()` and for tests that assert recovery.
 */
import type { ReassemblerCounters } from './reassembler.js';

/** What a `Receiver` counts (a live record: read it, do not write it). */
export interface ReceiverCounters extends ReassemblerCounters {
  /** Messages handed to `sink.deliver`. */
  messagesDelivered: number;
  /** Messages kept out of order. */
  messagesBuffered: number;
  /** Messages already buffered. */
  duplicates: number;
  /** Messages below a stream's next expected sequence (duplicates of delivered ones, mostly). */
  oldMessages: number;
  /** Messages above a stream's reorder window (asked for again later). */
  beyondWindowDrops: number;
  /** Out-of-order messages dropped for want of memory (asked for again later). */
  bufferFullDrops: number;
  /** Messages more than `maxGapMessages` ahead, dropped. */
  implausibleSeqs: number;
  /**
   * Heartbeat (and BYE) stream entries refused: their `lowSeq` or `highSeq` lies more than
   * `maxGapMessages` above the stream's next expected sequence (a stream never skips or NAKs
   * that far on one frame's word).
   */
  implausibleHeartbeats: number;
  /**
   * Far-ahead heartbeat entries applied after all a stream heard for `maxGapConfirmMs` was that
   * far ahead (a sender really that far ahead: what it no longer holds is reported lost).
   */
  farAheadFollowed: number;
  /** Malformed inputs ignored (bad seq, bad stream info, bad range, bad peer). */
  invalidInputs: number;
  /** Messages and heartbeat entries of subjects no local subscription wants. */
  uninterested: number;
  /** RETRANSMIT messages of an unknown stream, or of a stream not yet resynchronized after a restart. */
  retransmitsIgnored: number;
  /** Frames of a retired incarnation (one that said BYE, or was replaced by a newer one). */
  staleIncarnationFrames: number;
  /** New incarnations of known senders adopted (each on an ADVERT of it). */
  incarnationChanges: number;
  /**
   * Messages and heartbeat entries of an incarnation not advertised yet (another incarnation of
   * a known sender, of a name that advertised another one, or, in a peer, of a name that never
   * advertised), held back until its ADVERT: never taken for a restart, nor for a new sender. Each is later counted as replayed, unproven or dropped.
   */
  unadvertisedHeld: number;
  /**
   * Frames of a name the receiver list listed before and no longer lists, with no state here
   * (its entry forgotten): held until its ADVERT as `unadvertisedHeld` frames are, instead of
   * being taken as first contact from any address (a core that takes first contact only; in a
   * peer such frames are among `unadvertisedHeld`).
   */
  unlistedKnownHeld: number;
  /** Of `unadvertisedHeld`, applied when the incarnation's ADVERT arrived. */
  unadvertisedReplayed: number;
  /**
   * Of `unadvertisedHeld`, refused when the ADVERT arrived: they came from an address the
   * advert did not prove the incarnation sends from (forged in its name before it advertised).
   */
  unadvertisedUnproven: number;
  /**
   * Of `unadvertisedHeld`, dropped: no ADVERT within `resyncGraceMs` of the incarnation's first
   * frame, or no room in the hold; plus unavailable ranges of such incarnations (never held).
   */
  unadvertisedDropped: number;
  /**
   * Current incarnations retired by a BYE that advertised again (past the receiver list's
   * tombstone): taken back (the BYE was forged).
   */
  incarnationsRevived: number;
  /**
   * Streams an incarnation taken back (adopted again after another one numbered them again)
   * resumed where it had left them, instead of from their start.
   */
  streamsTakenBack: number;
  /** Streams reset because a restarted sender numbers them again (`sink.streamReset`). */
  streamResets: number;
  /**
   * Durable resumes whose position counted in an earlier incarnation's numbering, where the
   * stream's current incarnation numbers again from at or below it (restarted without a ledger):
   * begun at that numbering's start instead, with a `streamReset`.
   */
  resumedRenumbered: number;
  /** Seqs a durable subscription opened after other subscriptions here had received them (`dataLoss` `'durableBehind'`). */
  durableBehind: number;
  streamsCreated: number;
  /**
   * Of `streamsCreated`, streams begun at the first message (or heartbeat) heard, after their
   * start: the matching subscription was made after the stream began (a late joiner), so what
   * came before is neither asked for nor reported lost.
   */
  lateJoins: number;
  /** Streams parked after `idleStreamMs` with nothing pending (only their next sequence kept). */
  streamsParked: number;
  /** Parked streams made whole again by a frame (or a durable resume, or a new incarnation). */
  streamsUnparked: number;
  /** New streams ignored because `maxStreams` streams are tracked. */
  streamsRefused: number;
  /** Remembered streams of departed senders forgotten to make room. */
  streamsEvicted: number;
  /** New streams ignored because their sender holds `maxStreamsPerSender`. */
  streamsRefusedSenderQuota: number;
  /** New streams of senders not listed (no advert) ignored because `maxUnlistedStreams` are held. */
  streamsRefusedUnlisted: number;
  /** Streams of senders not listed forgotten to make room for a listed sender's. */
  streamsEvictedUnlisted: number;
  /** Senders not listed within `unlistedSenderExpiryMs` of their first stream, settled as departed. */
  unlistedSendersExpired: number;
  /** Senders never listed forgotten (still departed one expiry period after they were settled). */
  unlistedSendersForgotten: number;
  /** `sink.requestNak` calls. */
  naksSent: number;
  nakRangesSent: number;
  /** Sequences asked for, summed over every NAK (first asks and retries). */
  nakSeqsRequested: number;
  /** Fragment ranges NAKed (missing fragments of messages held in part). */
  nakFragmentRangesSent: number;
  /** Fragments NAKed, summed. */
  nakFragmentsRequested: number;
  /** Of `nakSeqsRequested`, sequences asked for again (a later retry round of the same gap). */
  nakSeqsRetried: number;
  /**
   * Sequences found missing the first time a stream reached past them (first-time gaps): lost on
   * the wire, dropped here (window, memory), or late. Each sequence counts once, however often it
   * is NAKed; compare with `nakSeqsRequested` for the NAK amplification.
   */
  gapSeqsOpened: number;
  /** Of `gapSeqsOpened`, sequences that arrived before their first NAK was sent (late, not lost). */
  gapSeqsFilledBeforeNak: number;
  /** `onUnavailable` calls applied to a tracked stream. */
  unavailableReports: number;
  /** `sink.dataLoss` calls. */
  dataLossEvents: number;
  /** Sequences reported lost, summed. */
  dataLossMessages: number;
  /** Of `dataLossMessages`, numbers a restarted sender skipped, never heard of here (`dataLoss` with `skipped`). */
  dataLossSkipped: number;
  /** `onSenderLeft` calls that released a sender. */
  sendersLeft: number;
}

/** A counters record with every count at zero. */
export function newReceiverCounters(): ReceiverCounters {
  return {
    messagesDelivered: 0,
    messagesBuffered: 0,
    messagesReassembled: 0,
    fragmentsReceived: 0,
    duplicateFragments: 0,
    inconsistentFragments: 0,
    fragmentsBufferFull: 0,
    duplicates: 0,
    oldMessages: 0,
    beyondWindowDrops: 0,
    bufferFullDrops: 0,
    implausibleSeqs: 0,
    implausibleHeartbeats: 0,
    farAheadFollowed: 0,
    invalidInputs: 0,
    uninterested: 0,
    retransmitsIgnored: 0,
    staleIncarnationFrames: 0,
    incarnationChanges: 0,
    unadvertisedHeld: 0,
    unlistedKnownHeld: 0,
    unadvertisedReplayed: 0,
    unadvertisedUnproven: 0,
    incarnationsRevived: 0,
    streamsTakenBack: 0,
    unadvertisedDropped: 0,
    streamResets: 0,
    resumedRenumbered: 0,
    durableBehind: 0,
    streamsCreated: 0,
    lateJoins: 0,
    streamsParked: 0,
    streamsUnparked: 0,
    streamsRefused: 0,
    streamsEvicted: 0,
    streamsRefusedSenderQuota: 0,
    streamsRefusedUnlisted: 0,
    streamsEvictedUnlisted: 0,
    unlistedSendersExpired: 0,
    unlistedSendersForgotten: 0,
    naksSent: 0,
    nakRangesSent: 0,
    nakSeqsRequested: 0,
    nakFragmentRangesSent: 0,
    nakFragmentsRequested: 0,
    nakSeqsRetried: 0,
    gapSeqsOpened: 0,
    gapSeqsFilledBeforeNak: 0,
    unavailableReports: 0,
    dataLossEvents: 0,
    dataLossMessages: 0,
    dataLossSkipped: 0,
    sendersLeft: 0,
  };
}
