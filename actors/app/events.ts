/**
 * Events the actors send to the application thread (through `ActorContext.emit`). The
 * `Peer` turns them into deliveries to subscriptions, resolved publishes and public events.
 */
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import type { SerializedError } from '../../errors.js';
import type { StreamResume } from '../ledger/messages.js';
import type { DataLossReason } from '../receiver/receiver-sink.js';
import type { PeerLeftReason } from '../membership/receiver-list-types.js';

/**
 * Messages delivered in order to this peer (reassembled: no fragment flags or fields):
 * `messages[i]` came from `senders[i]`. Two arrays, so that the receiver hands on the message
 * objects it decoded instead of a record per message made to name its sender.
 */
// A type, not an interface: events must be assignable to the runtime's `ActorEvent`.
export type DeliveredBatch = {
  readonly senders: readonly PeerId[];
  readonly messages: readonly WireMessage[];
};

export type AppEvent =
  | { readonly kind: 'delivered'; readonly senders: readonly PeerId[]; readonly messages: readonly WireMessage[] }
  /** The same, packed into one byte array (`receiver/delivered-batch.ts`) by a receiver on a worker thread. */
  | { readonly kind: 'deliveredPacked'; readonly bytes: Uint8Array }
  /** The sender accepted (sequenced and handed to the socket actor) every batch up to `batchId`. */
  /**
   * `seqs` (the seq given to each item of batch `batchId`, in order) only when the batch asked
   * for them (`echo`): the application delivers those publishes to its own subscriptions.
   */
  | { readonly kind: 'accepted'; readonly batchId: number; readonly seqs?: readonly number[] }
  | { readonly kind: 'dataLoss'; readonly sender: PeerId; readonly subject: string; readonly from: number; readonly to: number; readonly reason: DataLossReason; readonly skipped?: true }
  | { readonly kind: 'peerJoined'; readonly peer: PeerId; readonly host: string; readonly port: number; readonly patterns: readonly string[] }
  /** A listed peer's advertised patterns (or address) changed. */
  | { readonly kind: 'peerUpdated'; readonly peer: PeerId; readonly host: string; readonly port: number; readonly patterns: readonly string[] }
  | { readonly kind: 'peerLeft'; readonly peer: PeerId; readonly reason: PeerLeftReason }
  | { readonly kind: 'multicastUnreachable'; readonly peer: PeerId }
  | { readonly kind: 'slowConsumer'; readonly peer: PeerId; readonly subject: string; readonly lagMessages: number }
  | { readonly kind: 'streamReset'; readonly sender: PeerId; readonly subject: string; readonly fromSeq: number }
  | { readonly kind: 'error'; readonly error: SerializedError }
  /** The receiver applied durable subscription `id`'s resume positions: it may take messages now. */
  | { readonly kind: 'durableReady'; readonly id: number; readonly positions: readonly StreamResume[]; readonly handed?: readonly StreamResume[] }
  /** The ledger committed the handed marks of `confirmed { markToken: token }` (or failed: they will not be). */
  | { readonly kind: 'durableMarked'; readonly token: number }
  /** The ledger flushed everything it had received before `flushRequested { token }`. */
  | { readonly kind: 'ledgerFlushed'; readonly token: number }
  /** Every live receiver confirmed the end of every stream of ours (answer to `drainRequested { token }`). */
  | { readonly kind: 'drained'; readonly token: number };

