/**
 * A message as a subscriber sees it.
 */
import { decodePayload } from '../../codecs/payload-codec.js';
import { MESSAGE_FLAGS } from '../../codecs/frame.js';

/** A delivered message. `data` is decoded lazily: raw bytes stay bytes, msgpack becomes a value. */
export class Message {
  /** The subject it was published on. */
  readonly subject: string;
  /** The sending peer's name. */
  readonly sender: string;
  /** The sending peer's incarnation (changes when it restarts). */
  readonly senderIncarnation: number;
  /** Its sequence number in the (sender, subject) stream: 1, 2, 3, … per message, whatever its size. */
  readonly seq: number;
  /** Where a reply goes, for requests. */
  readonly replyTo: string | undefined;
  /** The payload exactly as sent on the wire. */
  readonly raw: Uint8Array;
  /** True when the payload was a msgpack-encoded value (else raw bytes). */
  readonly isValue: boolean;
  private readonly replyVia: ((subject: string, data: unknown) => Promise<boolean>) | undefined;
  private ackVia: (() => void) | undefined;
  private decoded: { value: unknown } | undefined;

  /**
   * Made by the peer for each delivery; applications receive messages, they do not build them.
   * Positional, so that a delivery allocates the message and nothing around it.
   * @internal
   */
  constructor(
    subject: string,
    sender: string,
    senderIncarnation: number,
    seq: number,
    replyTo: string | undefined,
    raw: Uint8Array,
    flags: number,
    replyVia?: (subject: string, data: unknown) => Promise<boolean>,
    ackVia?: () => void,
  ) {
    this.subject = subject;
    this.sender = sender;
    this.senderIncarnation = senderIncarnation;
    this.seq = seq;
    this.replyTo = replyTo;
    this.raw = raw;
    this.isValue = (flags & MESSAGE_FLAGS.msgpack) !== 0;
    this.replyVia = replyVia;
    this.ackVia = ackVia;
    this.decoded = undefined;
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

  /** The payload: a `Uint8Array` for raw bytes, else the decoded value. */
  get data(): unknown {
    if (!this.isValue) return this.raw;
    if (!this.decoded) {
      const r = decodePayload(MESSAGE_FLAGS.msgpack, this.raw);
      this.decoded = { value: r.ok ? r.value : undefined };
    }
    return this.decoded.value;
  }

  /**
   * Publishes `data` to this message's `replyTo` (request/reply). Resolves `true` when the reply
   * was sent (accepted as `peer.publish` resolves), `false` when it was not: the message has no
   * `replyTo` (it was published, not requested: nothing to do, no error), or publishing the
   * reply failed (the peer closed, the reply is over `maxMessageBytes`, …), in which case that
   * error goes to the peer's `'error'` event. Never throws and never rejects, so a handler
   * such as `(msg) => void msg.respond(value)` is safe.
   */
  respond(data: unknown): Promise<boolean> {
    if (this.replyTo === undefined || this.replyVia === undefined) return Promise.resolve(false);
    return this.replyVia(this.replyTo, data);
  }

  /** A plain summary (JSON-friendly). */
  toJSON(): { subject: string; sender: string; seq: number; replyTo?: string; data: unknown } {
    return { subject: this.subject, sender: this.sender, seq: this.seq, ...(this.replyTo ? { replyTo: this.replyTo } : {}), data: this.data };
  }
}
