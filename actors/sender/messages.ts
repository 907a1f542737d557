/** The sender actor's inbox (sequencing, fragmentation, rate limit, credit). The flow actor's: `actors/flow/messages.ts`. */
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
export type { UnicastTarget } from '../subjects/route-table.js';
import type { UnicastTarget } from '../subjects/route-table.js';

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
  /**
   * The flow actor: all our streams together have more unconfirmed than the retransmission window
   * may hold (`on`: send no new data, whatever the credit), or no longer (`on: false`).
   */
  | { readonly kind: 'hold'; readonly on: boolean }
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
  | { readonly kind: 'datagramsReleased'; readonly buffers: readonly ArrayBufferLike[] };
