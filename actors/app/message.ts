/**
 * A message as a subscriber sees it.
 */
import { MESSAGE_FLAGS, type PeerId } from '../../codecs/frame.js';
import { MSGPACK_CODEC, type Codec } from './codec.js';
import type { MessageOrigin } from './origin.js';
import { DecodeError } from '../../errors.js';

/** Publishes a reply; never rejects (false when it failed, the failure having been reported). */
export type ReplyPublisher = (subject: string, data: unknown) => Promise<boolean>;

/**
 * A delivered message. `data` is decoded lazily, once, by the subscription's codec (see
 * `codec` in {@link PeerOptions}; by default raw bytes stay bytes and msgpack becomes a value).
 *
 * `T` is what the application says `data` is (`peer.subscribe<Quote>(…)`): it is not checked,
 * unless the application's own codec's `decode` validates (a schema parser). It defaults to
 * `unknown`.
 */
export class Message<T = unknown> {
  /** The subject it was published on. */
  readonly subject: string;
  /** Its sequence number in the (sender, subject) stream: 1, 2, 3, … per message, whatever its size. */
  readonly seq: number;
  /** Where a reply goes, for requests. */
  readonly replyTo: string | undefined;
  /** The payload exactly as sent on the wire. */
  readonly raw: Uint8Array;
  /** True when the payload was a msgpack-encoded value (else raw bytes). */
  readonly isValue: boolean;
  /**
   * Where the message was first published when a zone bridge brought it in from another zone
   * (`createBridge`, docs/ZONES.md): that zone, the sender there, its incarnation and its seq in
   * the origin stream. `sender` and `seq` are then the bridge's own. Undefined for a message
   * published in this zone.
   */
  readonly origin: MessageOrigin | undefined;
  /**
   * True when this message may have been delivered before: a durable subscription may have
   * delivered it before the process restarted (or the subscription was closed) and it was not
   * confirmed, so it comes again (at-least-once). Use it to skip or check work already done.
   * False: never handed to this durable subscription before, as a durable subscription hands a
   * message only once the ledger committed its mark; after a crash, up to 8,192 messages a
   * stream that waited for their mark come marked without having been handed. With the peer's
   * `durableConfirmDelayMs` above 0 messages do not wait, and one handed within that delay
   * before a crash may come again unmarked (README, durable subscriptions).
   */
  readonly redelivered: boolean;
  /**
   * The sending peer (name and incarnation), shared by every message of its streams: a field of
   * its own for the incarnation, a 32-bit random number most often outside V8's small integers,
   * was one more heap object per delivered message.
   */
  readonly #from: PeerId;
  private readonly replyVia: ReplyPublisher | undefined;
  private ackVia: (() => void) | undefined;
  /** @internal What decodes `data`. */
  readonly codec: Codec;
  private decoded: { value: T } | undefined;

  /**
   * Made by the peer for each delivery; applications receive messages, they do not build them.
   * Positional, so that a delivery allocates the message and nothing around it.
   * @internal
   */
  constructor(
    subject: string,
    from: PeerId,
    seq: number,
    replyTo: string | undefined,
    raw: Uint8Array,
    flags: number,
    replyVia?: ReplyPublisher,
    ackVia?: () => void,
    codec: Codec = MSGPACK_CODEC,
    origin?: MessageOrigin,
    redelivered = false,
  ) {
    this.subject = subject;
    this.#from = from;
    this.seq = seq;
    this.replyTo = replyTo;
    this.raw = raw;
    this.isValue = (flags & MESSAGE_FLAGS.msgpack) !== 0;
    this.replyVia = replyVia;
    this.ackVia = ackVia;
    this.codec = codec;
    this.decoded = undefined;
    this.redelivered = redelivered;
    this.origin = origin;
  }

  /** The sending peer's name. */
  get sender(): string {
    return this.#from.name;
  }

  /** The sending peer's incarnation (changes when it restarts). */
  get senderIncarnation(): number {
    return this.#from.incarnation;
  }

  /** @internal The same message decoded by `codec` (a request's own codec for its reply). */
  withCodec<U>(codec: Codec): Message<U> {
    if (codec === this.codec) return this as unknown as Message<U>;
    const flags = this.isValue ? MESSAGE_FLAGS.msgpack : 0;
    return new Message<U>(this.subject, this.#from, this.seq, this.replyTo, this.raw, flags, this.replyVia, this.ackVia, codec, this.origin, this.redelivered);
  }

  /**
   * Acknowledges the message to its durable subscription (`ack: 'manual'`): once it and every
   * message of its stream delivered before it are acknowledged, the subscription's position
   * moves past it, and a restart no longer delivers it. Unacknowledged messages (and those after
   * them in their stream) are delivered again after a restart. Idempotent; a no-op for messages
   * of other subscriptions (non-durable, or `ack: 'auto'`, which confirms by itself).
   */
  ack(): void {
    const ack = this.ackVia;
    this.ackVia = undefined;
    ack?.();
  }

  /**
   * The payload decoded by the subscription's codec (decoded on first access, then kept). With
   * the default `'msgpack'` codec: a `Uint8Array` for raw bytes, else the decoded value
   * (`undefined` for malformed msgpack). With `'json'` or an application codec, a payload it
   * cannot decode throws a `DecodeError` here (`ERR_DECODE`, naming the message, the codec's
   * error as `cause`; in a handler: a `HandlerError` on `'error'`).
   * @throws DecodeError
   */
  get data(): T {
    if (!this.isValue && this.codec === MSGPACK_CODEC) return this.raw as T;
    if (!this.decoded) {
      let value: T;
      try {
        value = this.codec.decode(this.isValue ? MESSAGE_FLAGS.msgpack : 0, this.raw) as T;
      } catch (err) {
        throw new DecodeError(
          `message ${this.seq} of ${JSON.stringify(this.subject)} from ${this.sender}: the ${this.codec.name} codec cannot decode its payload (${(err as Error)?.message ?? String(err)})`,
          { cause: err },
        );
      }
      this.decoded = { value };
    }
    return this.decoded.value;
  }

  /**
   * Publishes `data` to this message's `replyTo` (request/reply). Resolves `true` when the reply
   * was sent (accepted as `peer.publish` resolves), `false` when it was not: the message has no
   * `replyTo` (it was published, not requested: nothing to do, no error), or publishing the
   * reply failed (the reply is over `maxMessageBytes`, …), in which case that error goes to the
   * peer's `'error'` event, or this peer is closing (no error: a request delivered while
   * `close()` drains). Never throws and never rejects, so a handler
   * such as `(msg) => void msg.respond(value)` is safe.
   */
  respond(data: unknown): Promise<boolean> {
    if (this.replyTo === undefined || this.replyVia === undefined) return Promise.resolve(false);
    return this.replyVia(this.replyTo, data);
  }

  /** A plain summary (JSON-friendly). */
  toJSON(): { subject: string; sender: string; seq: number; replyTo?: string; origin?: MessageOrigin; redelivered?: true; data: T } {
    return {
      subject: this.subject,
      sender: this.sender,
      seq: this.seq,
      ...(this.replyTo ? { replyTo: this.replyTo } : {}),
      ...(this.origin ? { origin: this.origin } : {}),
      ...(this.redelivered ? { redelivered: true as const } : {}),
      data: this.data,
    };
  }
}
