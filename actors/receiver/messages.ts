/**
 * The receiver actor's inbox: DATA and HEARTBEAT datagrams, retransmitted messages (already
 * deduplicated by the retransmit actor's channel), advertised incarnations, BYE stream entries
 * and departures (from the receivers actor), and the local interest.
 */
import type { PeerId, StreamInfo, UnavailableRange, WireMessage } from '../../codecs/frame.js';
import type { DatagramIn } from '../socket/messages.js';
import type { StreamResume } from '../ledger/messages.js';

export type ReceiverInbox =
  /** DATA and HEARTBEAT datagrams, raw (decoded here). */
  | DatagramIn
  /** Messages and unavailable ranges from a RETRANSMIT frame. */
  | {
      readonly kind: 'retransmitted';
      readonly sender: PeerId;
      readonly messages: readonly WireMessage[];
      readonly unavailable: readonly UnavailableRange[];
    }
  /** The local subscription patterns (the full set); `sinceMs[i]`, if given, is when `patterns[i]` was first subscribed. */
  | { readonly kind: 'interest'; readonly patterns: readonly string[]; readonly sinceMs?: readonly number[] }
  /**
   * The stream entries of a BYE from `sender` (each stream's final state), decoded by the
   * receivers actor. Applied exactly as a HEARTBEAT from `sender`; the `senderLeft` that the
   * same BYE causes comes after it.
   */
  | { readonly kind: 'finalStreams'; readonly sender: PeerId; readonly streams: readonly StreamInfo[] }
  /**
   * `peer` advertised itself (the receivers actor listed this incarnation on its ADVERT): its
   * frames are acted on from now on, and a new incarnation of a known sender is adopted here,
   * never on a DATA or HEARTBEAT frame alone.
   */
  | { readonly kind: 'senderAdvertised'; readonly peer: PeerId }
  /**
   * The receiver list listed `peer` (its advert): its streams are no longer held to the pool and
   * expiry of senders that never advertised. Sent by the receivers actor on each `peerJoined`;
   * the `senderLeft` of that incarnation ends it.
   */
  | { readonly kind: 'senderListed'; readonly peer: PeerId }
  /**
   * The addresses `peer` is proven to send from (`host:port`: where its adverts came from, its
   * advertised listener), sent by the receivers actor whenever they change: a HEARTBEAT naming
   * that incarnation counts only from one of them, as a BYE does. (A heartbeat moves a stream's
   * window: one forged heartbeat could make receivers report a range lost and drop the real
   * messages of it as old.)
   */
  | { readonly kind: 'senderSources'; readonly peer: PeerId; readonly sources: readonly string[] }
  /**
   * A sender left: `'closed'` (it said BYE: settled 200 ms later, what is missing then is reported lost),
   * `'bye'` (it restarted: settled after a grace, see the actor overview), `'expired'`.
   */
  | { readonly kind: 'senderLeft'; readonly senderName: string; readonly incarnation?: number; readonly cause?: 'bye' | 'expired' | 'closed' }
  /**
   * Durable subscription `id` resumes these streams after their confirmed `seq` (from the
   * ledger). Applied before the subscription's interest arrives; answered with the application
   * event `durableReady`.
   */
  | {
      readonly kind: 'durableResumed';
      readonly id: number;
      readonly positions: readonly StreamResume[];
      /** The highest seqs handed to the application before this start, above `positions` (passed on in `durableReady`). */
      readonly handed?: readonly StreamResume[];
      /** The durable subscription's pattern. */
      readonly pattern?: string;
      /** The durable existed before this start (the ledger held positions for it). */
      readonly resumed?: boolean;
    }
  /**
   * Caps on the positions reported to senders (from the application's durable subscriptions,
   * actors/app/durable-pacing.ts): each stream's report says at most `maxSeq` (undefined: the
   * cap is lifted), so the sender's flow control paces what a subscription has not confirmed.
   */
  | { readonly kind: 'positionCaps'; readonly caps: readonly PositionCap[] };

/** A cap on the position reported for one stream (see `positionCaps`). */
export interface PositionCap {
  readonly sender: string;
  readonly subject: string;
  readonly maxSeq: number | undefined;
}
