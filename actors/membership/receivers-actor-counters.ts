/**
 * What the receivers actor (receivers-actor.ts) counts, for `peer.stats()`.
 */
import type { DecodeErrorReason } from '../../codecs/index.js';
import { DECODE_ERROR_REASONS } from '../../codecs/index.js';

/** Counters of the receivers actor (beside the receiver list's and the pattern server's own). */
export interface ReceiversActorCounters {
  /** ADVERT and BYE datagrams that failed to decode, per reason. */
  readonly dropped: Record<DecodeErrorReason, number>;
  /** Valid frames of another kind than ADVERT or BYE (misrouted). */
  unexpectedFrames: number;
  advertsSentMulticast: number;
  advertsSentUnicast: number;
  /** Adverts sent at once: to a peer first heard by a unicast advert, or to a soliciting peer. */
  advertReplies: number;
  /** Soliciting adverts sent because a peer we do not list was heard from. */
  unlistedSolicits: number;
  /** BYE rounds said (`leaving` messages). */
  byesSent: number;
  /** BYE frames built (a round takes several when its stream entries do not fit one datagram). */
  byeFramesSent: number;
  /** Stream entries of received BYEs handed to the receiver (applied there like a heartbeat's). */
  byeStreamsForwarded: number;
  /** Stream entries of received BYEs dropped because the receiver's mailbox was full. */
  byeStreamsDropped: number;
  unicastTargetsSent: number;
  /** PATTERNS_DELTA of a peer from an address it is not proven to use, or of a peer not listed: ignored. */
  deltasUnproven: number;
}

/** All counters at zero, one per decode error reason. */
export function newReceiversActorCounters(): ReceiversActorCounters {
  const dropped = {} as Record<DecodeErrorReason, number>;
  for (const reason of DECODE_ERROR_REASONS) dropped[reason] = 0;
  return {
    dropped,
    unexpectedFrames: 0,
    advertsSentMulticast: 0,
    advertsSentUnicast: 0,
    advertReplies: 0,
    unlistedSolicits: 0,
    byesSent: 0,
    byeFramesSent: 0,
    byeStreamsForwarded: 0,
    byeStreamsDropped: 0,
    unicastTargetsSent: 0,
    deltasUnproven: 0,
  };
}
