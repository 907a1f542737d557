/**
 * The options of the `Peer`'s calls: `publish` / `tryPublish`, `subscribe` and `request`. The
 * `Peer` checks them at each call; `createPeer`'s options are in peer-options.ts.
 */
import { show } from '../option-checks.js';
import { InvalidOptionError } from '../../errors.js';
import type { CodecOption } from './codec.js';
import type { PeerOptions } from './peer-options.js';

/** The keys `publish`/`tryPublish` and `request` accept (a misspelt one is refused, not ignored). */
export const PUBLISH_OPTION_KEYS: readonly string[] = ['replyTo', 'codec'];
export const REQUEST_OPTION_KEYS: readonly string[] = ['timeoutMs', 'signal', 'codec'];
export const SUBSCRIBE_OPTION_KEYS: readonly string[] = ['durable', 'ack', 'signal', 'codec', 'resumeFrom'];

/**
 * Refuses call options that are not an object, or that name an option the call does not know
 * (`{ timeout: 200 }` for `timeoutMs` would otherwise wait the default 5 s). Undefined passes.
 */
export function checkCallOptions(call: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError(`${call} options must be an object, got ${show(options)}`);
  for (const key in options) {
    if (!known.includes(key)) throw new InvalidOptionError(`${call} options.${key} is not a known option (known: ${known.join(', ')})`);
  }
}

/** Options of `peer.publish`. */
export interface PublishOptions {
  /** The subject a reply should be published on. */
  replyTo?: string;
  /** Encodes `data` (see `codec` in {@link PeerOptions}). @default the peer's `codec` */
  codec?: CodecOption;
}

/** Options of `peer.subscribe`. */
export interface SubscribeOptions {
  /**
   * Makes the subscription durable under this name (needs `options.ledger`): the peer keeps, per
   * stream (sender name + subject), the last message confirmed, and a subscription opened again
   * under the same name after a restart (same peer name and ledger path) first receives what
   * it missed, exactly once and in order per stream, from where it stopped, then new messages.
   * Messages delivered but not confirmed when the process died are delivered again.
   * One live subscription per name at a time. Open durable subscriptions before non-durable
   * ones on the same subjects: a stream the peer already follows cannot go back.
   * @default undefined
   */
  durable?: string;
  /**
   * When a durable subscription's message counts as confirmed. `'auto'`: once the handler
   * returned or, when it returns a promise (an async handler), once that promise fulfilled;
   * when iterating, once the loop asks for the next message. A handler that throws or rejects
   * leaves its message unconfirmed, as an unacknowledged one with `'manual'` (the error goes to
   * the `'error'` event). `'manual'`: when `msg.ack()` is called; a stream's position
   * moves only over a run of acknowledged messages, so an unacknowledged one (and everything
   * after it in its stream) is delivered again after a restart.
   * @default 'auto'
   */
  ack?: 'auto' | 'manual';
  /**
   * Durable only: where to resume, per stream (sender name + subject: the last seq already
   * handled; the stream resumes at `seq + 1`), for a subscription whose positions are kept
   * elsewhere too (a zone bridge's export positions, checkpointed in NATS JetStream, so that a
   * replacement on another host with an empty ledger resumes). For each stream the later of
   * this and the ledger's position counts. Given (even empty), every stream it does not list is
   * wanted from its start, as for a durable subscription that existed before (it was only
   * down), not by the late-join rule. At most the receiver's `maxStreams` positions are used.
   * `incarnation` (optional): the sender incarnation that numbered `seq`; a later incarnation
   * that numbers the stream again from at or below `seq` (a sender restarted without a ledger)
   * is then taken from its start instead of being skipped up to `seq`.
   * @default undefined
   */
  resumeFrom?: readonly { readonly sender: string; readonly subject: string; readonly seq: number; readonly incarnation?: number }[];
  /**
   * Ends the subscription when aborted (as `unsubscribe()`): a `for await` loop over it ends.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * Decodes `msg.data` of this subscription's messages: `'msgpack'`, `'json'`, `'raw'` or
   * `{ encode, decode }` (see `codec` in {@link PeerOptions}). `subscribe<T>` types `data` as
   * `T`; nothing checks it unless this codec's `decode` validates.
   * @default the peer's `codec`
   */
  codec?: CodecOption;
}

/** Options of `peer.request`. */
export interface RequestOptions {
  /** How long to wait for the first reply. @default 5000 */
  timeoutMs?: number;
  /** Rejects the request at once with an `AbortError` (`cause`: the signal's reason) when aborted. @default undefined */
  signal?: AbortSignal;
  /** Encodes the request and decodes the reply (`request<T>` types `reply.data` as `T`, unchecked). @default the peer's `codec` */
  codec?: CodecOption;
}
