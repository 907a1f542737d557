/**
 * What the receiver core emits: delivered messages, NAK requests, data-loss and stream-reset
 * events. The actor shell implements {@link ReceiverSink}; tests use a recording fake.
 */
import type { FragmentRange, PeerId, SeqRange, WireMessage } from '../../codecs/frame.js';

/** Why a range of a stream will never be delivered. */
export type DataLossReason =
  /** NAKed `nakMaxRetries + 1` times while the sender was heard from, never answered. */
  | 'timeout'
  /** The sender said it no longer holds the range (RETRANSMIT `unavailable`, or heartbeat `lowSeq`). */
  | 'unavailable'
  /** The sender left (BYE or expiry) or restarted without its ledger while the range was missing. */
  | 'senderLeft'
  /** The message the range belongs to is larger than `maxMessageBytes`. */
  | 'tooLarge'
  /**
   * A durable subscription opened (again) on this peer after the range, which other
   * subscriptions here had already received: it is not handed to the durable one (a stream is
   * not rewound for one subscription). Opened where nothing else here wants the subject, the
   * stream is rewound instead and nothing is lost.
   */
  | 'durableBehind'
  /** Kept for compatibility: no longer emitted (a message missing fragments is NAKed by fragment, then `'timeout'`). */
  | 'fragmentLost'
  /** Kept for compatibility: no longer emitted (a fragment without room is dropped and NAKed again). */
  | 'bufferFull';

/** Every {@link DataLossReason}. */
export const DATA_LOSS_REASONS: readonly DataLossReason[] = Object.freeze([
  'timeout',
  'unavailable',
  'senderLeft',
  'tooLarge',
  'durableBehind',
  'fragmentLost',
  'bufferFull',
] as const);

/** A message handed to the application (as tests and the simulator record what `deliver` gave): reassembled, in stream order, exactly once. */
export interface DeliveredMessage {
  /** The sender incarnation whose numbering the stream follows. */
  readonly sender: PeerId;
  readonly subject: string;
  /** Sequence of the message in its stream (1, 2, 3, … whatever the message sizes). */
  readonly seq: number;
  /**
   * Always `seq`: fragments share their message's seq (kept for code written when each fragment
   * had its own). A durable subscriber resumes with `startAt(sender, subject, seq + 1)`.
   */
  readonly lastSeq: number;
  /** Message flags without the fragment bits (so only `MESSAGE_FLAGS.msgpack` may be set). */
  readonly flags: number;
  readonly replyTo?: string;
  readonly payload: Uint8Array;
}

/** Sequences `from..to` of a stream that will never be delivered, in stream order with deliveries. */
export interface DataLoss {
  readonly sender: PeerId;
  readonly subject: string;
  readonly from: number;
  readonly to: number;
  readonly reason: DataLossReason;
  /**
   * Set when the sender's next incarnation numbered the stream above these numbers and nothing
   * was ever heard of a message under them from the one before: numbers a restarted sender
   * skipped (its `'async'` ledger's `maxUnflushedPerStream`, after an unclean stop), most of
   * which never carried a message (StreamState.unheardFrom).
   */
  readonly skipped?: true;
}

/** Where the {@link Receiver} puts its outputs. Calls happen synchronously inside its inputs. */
export interface ReceiverSink {
  /**
   * The next message of a stream, from `sender` (the incarnation whose numbering the stream
   * follows). `msg` is whole (reassembled: no fragment flags or fields) and not changed after.
   */
  deliver(sender: PeerId, msg: WireMessage): void;
  /**
   * Ask `target` (always the sender's current incarnation) for `ranges` of `subject`: ascending,
   * disjoint, at most `maxNakRanges` ranges and `maxNakSeqs` sequences in all; and, for messages
   * held in part, only their missing `fragments` (ascending by seq, at most `maxNakRanges`,
   * none inside `ranges`; absent when there are none).
   */
  requestNak(target: PeerId, subject: string, ranges: SeqRange[], fragments?: FragmentRange[]): void;
  /** A range lost for good (also emitted in stream order, between deliveries). */
  dataLoss(loss: DataLoss): void;
  /**
   * The sender restarted without its ledger and numbers `subject` again from `fromSeq`, below
   * what was already received: the following deliveries start a new numbering. Everything
   * missing of the old numbering was reported (`'senderLeft'`) before this event.
   */
  streamReset(sender: PeerId, subject: string, fromSeq: number): void;
  /**
   * A new stream was refused because a table limit was met (the first time for that limit only;
   * every refusal is counted): `maxStreams` in all, or `maxStreamsPerSender` for one listed
   * sender. Refusals of senders that never advertised (`maxUnlistedStreams`) are not said: forged
   * names make them.
   */
  limitMet?(limit: 'maxStreams' | 'maxStreamsPerSender', sender: PeerId, subject: string): void;
}
