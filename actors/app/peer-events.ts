/**
 * The public events of a `Peer` and their payloads. {@link PeerEvents} is the event map the
 * `Peer`'s `EventEmitter` is typed with: `peer.on('dataLoss', (e) => …)` gets a
 * {@link DataLossEvent}, and an unknown event name or payload field does not compile.
 *
 * Every `reason` is a string-literal union listing exactly what the code emits.
 */
import type { DataLossReason as ReceiverDataLossReason } from '../receiver/receiver-sink.js';
import type { PeerLeftReason as ListPeerLeftReason } from '../membership/receiver-list-types.js';

/**
 * Why a range of a stream will never be delivered:
 * - `'timeout'`: NAKed repeatedly while the sender was heard from, never answered;
 * - `'unavailable'`: the sender no longer holds the range (its retransmission window moved on);
 * - `'senderLeft'`: the sender left (BYE or expiry) or restarted without its ledger while the range was missing;
 * - `'tooLarge'`: the message is larger than this peer's `maxMessageBytes`;
 * - `'subscriberOverflow'`: delivered, but an iterator subscription's queue (or a durable one's
 *   unconfirmed messages) was full (`maxQueuedPerSubscription`): dropped for that subscription;
 * - `'expired'`: (messages of another zone, `zone` set) gone from that zone's JetStream stream before they crossed;
 * - `'fragmentLost'`, `'bufferFull'`: no longer emitted (kept so that old handlers still compile).
 */
export type DataLossReason = ReceiverDataLossReason | 'subscriberOverflow' | 'expired';

/** Why a peer left: it said BYE (`'bye'`), went silent for `peerExpiryMs` (`'expired'`), or a newer incarnation of it appeared (`'restarted'`). */
export type PeerLeftReason = ListPeerLeftReason;

/** A data-loss event: messages of a stream that can no longer be recovered. */
export interface DataLossEvent {
  /**
   * The sending peer's name. With `zone` set, the peer in that zone that published the
   * messages (their origin), and `fromSeq`/`toSeq` are seqs of its stream there.
   */
  readonly sender: string;
  /** The sending peer's incarnation (with `zone`: the origin's). */
  readonly senderIncarnation?: number;
  /**
   * Set when a zone bridge reports that messages published in another zone will never cross
   * (docs/ZONES.md): that zone. `reason` is then what that zone's bridge said (`'unavailable'`,
   * `'subscriberOverflow'`, …), or `'expired'` (gone from the zone's JetStream stream).
   */
  readonly zone?: string;
  /** The stream's subject. */
  readonly subject: string;
  /** The first and last sequence numbers lost (inclusive). */
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly reason: DataLossReason;
  /**
   * Set when durable subscriptions of the subject on this peer (re)opened behind the range:
   * messages `fromSeq..unconfirmedToSeq` may have been handed to them before (the ones that
   * would have come again marked `redelivered`: handed, or waiting for their mark, never
   * confirmed). Some, or none, were processed: check them against your own records. The ones
   * after it were never handed (with `durableConfirmDelayMs` 0, the default). With several
   * durable subscriptions of the subject, the lowest.
   */
  readonly unconfirmedToSeq?: number;
  /**
   * Set when the sender restarted and went on numbering the stream above these numbers, and this
   * peer never heard of a message under any of them before (neither the message nor the sender's
   * heartbeats named it). A sender whose `'async'` ledger stopped uncleanly (SIGKILL, a crash)
   * skips `maxUnflushedPerStream` numbers per stream when it starts again, so that no number is
   * ever used twice: most of them never carried a message. Those it published in its last moments,
   * after this peer last heard from it, are among them, and lost. Count them apart from the rest
   * (`stats().actors.receiver.dataLossSkipped`).
   */
  readonly skipped?: true;
}

/** A peer seen joining (from its first advertisement). */
export interface PeerJoinedEvent {
  readonly name: string;
  readonly incarnation: number;
  /** Its unicast listener. */
  readonly host: string;
  readonly port: number;
  /**
   * The patterns it subscribes to, as its first advertisement said: often `[]` (a peer
   * advertises itself as it starts, before its application subscribed). The complete set
   * arrives as a `'peerUpdated'` event, usually within milliseconds (a peer advertises again
   * as soon as its subscriptions change); `peer.peers()` always holds the latest.
   */
  readonly patterns: readonly string[];
}

/**
 * A known peer's advertised patterns changed (it subscribed or unsubscribed), or its address did.
 * The first one after `'peerJoined'` usually brings the peer's first complete pattern set.
 */
export interface PeerUpdatedEvent extends PeerJoinedEvent {
  /** The patterns before this change. */
  readonly previousPatterns: readonly string[];
}

/** A peer that left. */
export interface PeerLeftEvent {
  readonly name: string;
  readonly incarnation: number;
  readonly reason: PeerLeftReason;
}

/** A peer that advertises multicast but whose multicast never reaches us: it is sent DATA by unicast from now on. */
export interface MulticastUnreachableEvent {
  readonly name: string;
  readonly incarnation: number;
}

/**
 * A receiver of ours (`flowPolicy: 'min'`) that made no progress for the stall bound while it
 * held the stream back: it is no longer waited for (it recovers from the window or gets `dataLoss`).
 */
export interface SlowConsumerEvent {
  /** The slow receiver's peer name and incarnation. */
  readonly name: string;
  readonly incarnation: number;
  /** The stream (ours) it held back. */
  readonly subject: string;
  /** How many messages it was behind. */
  readonly lagMessages: number;
}

/**
 * A stream this peer receives is numbered again from `fromSeq`, below what was already
 * received: its sender restarted without its ledger. The following deliveries follow the new
 * numbering; what was missing of the old one was reported (`dataLoss`, `'senderLeft'`) before.
 */
export interface StreamResetEvent {
  readonly sender: string;
  /** The sender's new incarnation. */
  readonly senderIncarnation: number;
  readonly subject: string;
  readonly fromSeq: number;
}

/**
 * Every event a `Peer` emits, with its listener's arguments. `'error'` gets an `Error`: a
 * `HandlerError` when a subscription handler failed, an actor's error, a reply that could not
 * be published (without an `'error'` listener it is printed as one process warning, never thrown).
 */
export interface PeerEvents {
  dataLoss: [event: DataLossEvent];
  peerJoined: [event: PeerJoinedEvent];
  peerUpdated: [event: PeerUpdatedEvent];
  peerLeft: [event: PeerLeftEvent];
  multicastUnreachable: [event: MulticastUnreachableEvent];
  slowConsumer: [event: SlowConsumerEvent];
  streamReset: [event: StreamResetEvent];
  error: [error: Error];
}
