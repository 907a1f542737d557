/**
 * Inboxes of the sender actor (sequencing, fragmentation, rate limit, credit) and of the
 * flow actor (receivers' positions → credit per stream, slow consumers).
 */
import type { PeerId, StreamPosition } from '../../codecs/frame.js';
import type { SerializedError } from '../../errors.js';
import type { CommittedStream, ResumedStream } from '../ledger/messages.js';

/** One application message to publish. `payload` is already encoded (raw or msgpackr). */
export interface PublishItem {
  readonly subject: string;
  readonly flags: number;
  readonly replyTo?: string;
  readonly payload: Uint8Array;
}

/** A unicast-only peer and the patterns it subscribes to (DATA goes to it by unicast). */
export interface UnicastTarget {
  readonly peer: PeerId;
  readonly patterns: readonly string[];
}

export type SenderInbox =
  /**
   * Messages published by the application, in order; `batchId` identifies the batch in
   * `accepted`. `echo`: the application delivers some of them to its own subscriptions, so the
   * batch's `accepted` carries the seq of each item.
   */
  | { readonly kind: 'published'; readonly batchId: number; readonly items: readonly PublishItem[]; readonly echo?: boolean }
  /**
   * The same, packed into one byte array (`publish-batch.ts`): how the application hands a batch
   * to a sender on another thread (a few copies instead of an object per message each way).
   */
  | { readonly kind: 'publishedPacked'; readonly batchId: number; readonly bytes: Uint8Array; readonly echo?: boolean }
  /** The flow actor's credit: the stream may send up to and including `maxSeq`. */
  | { readonly kind: 'credit'; readonly subject: string; readonly maxSeq: number }
  /** The full list of peers that must get DATA by unicast. */
  | { readonly kind: 'unicastTargets'; readonly targets: readonly UnicastTarget[] }
  /** Flush and stop accepting (closing). */
  | { readonly kind: 'draining' }
  /**
   * The ledger opened (only with `options.ledger`; publishes wait for it): each stream continues
   * above `max(its seq here, seqFloor)`, a stream not listed above `seqFloor`.
   */
  | { readonly kind: 'resumed'; readonly streams: readonly ResumedStream[]; readonly seqFloor: number }
  /** The ledger holds these streams up to `seq`: committed and flushed (`'sync'`) or flushed (`'async'`). */
  | { readonly kind: 'committed'; readonly streams: readonly CommittedStream[] }
  /** The ledger can no longer write: refuse what waits and every later publish with `error`. */
  | { readonly kind: 'ledgerFailed'; readonly error: SerializedError }
  /**
   * The window or the socket (on this thread) is done with these datagrams, one buffer each
   * (their slab's shared memory, `codecs/slab-pool.ts`): one hold each is given back.
   */
  | { readonly kind: 'datagramsReleased'; readonly buffers: readonly SharedArrayBuffer[] };

export type FlowInbox =
  /**
   * The sender sent up to `seq` on `subject` (`bytes` payload bytes since its previous report).
   * `fromSeq`, the first seq of this report, tells flow control where a stream starts in this
   * incarnation (absent: `seq`).
   */
  | { readonly kind: 'sentUpTo'; readonly subject: string; readonly seq: number; readonly bytes: number; readonly fromSeq?: number }
  /**
   * The sender holds `seq` of `subject` back for lack of credit: flow control starts the stall
   * clock of the receivers that hold the window (policy `'min'`), as a refused `canSend` would.
   */
  | { readonly kind: 'blocked'; readonly subject: string; readonly seq: number }
  /**
   * The peer is closing: emit `drained { token }` once every live receiver has reported the
   * newest seq of every stream of ours (checked at each input and every 20 ms).
   */
  | { readonly kind: 'drainRequested'; readonly token: number }
  /** A receiver reported how far it has consumed streams of ours (from its ACK). */
  | { readonly kind: 'positions'; readonly peer: PeerId; readonly positions: readonly StreamPosition[] }
  /** A peer joined with these patterns (it will report positions for matching streams). */
  | { readonly kind: 'receiverJoined'; readonly peer: PeerId; readonly patterns: readonly string[] }
  /** A peer left: forget its positions. */
  | { readonly kind: 'receiverLeft'; readonly peer: PeerId };
