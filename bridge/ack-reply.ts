/**
 * What importing reads of a delivered message's reply subject, the JetStream acknowledgement
 * subject (`$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivery count>.<stream seq>.
 * <delivery seq>.<timestamp>.<pending>[.<token>]`, or the older form without domain and hash).
 * Pure: no I/O.
 *
 * Why not the client's `msg.info`: it splits the subject into 11 or 12 strings and parses each
 * number with `parseInt`, an array and a dozen strings per message (3-4 % of the importing
 * bridge's main thread, and garbage). Here the dots are found and the four numbers importing
 * uses per message are read in place. Same reading as the installed client's `parseInfo` for
 * these fields (test/unit/bridge/ack-reply.test.ts compares both); the importer also compares
 * them on each consumer's first message and keeps to `msg.info` if they differ.
 */

/** The delivery's numbers importing needs for every message. */
export interface AckReplyInfo {
  /** Times JetStream delivered it (1: first delivery). */
  readonly deliveryCount: number;
  /** Its sequence in the stream. */
  readonly streamSequence: number;
  /** Its sequence in the consumer's deliveries. */
  readonly deliverySequence: number;
  /** Messages of the consumer's filter stored after it. */
  readonly pending: number;
}

const PREFIX = '$JS.ACK.';
const DOT = 0x2e;
/** Dot positions of the subject being read (reused: one parse at a time, synchronous). */
const DOTS = new Int32Array(9);

/** Reads the decimal integer in `s` from `from` to `to` (exclusive); NaN if it is not one (or too long to be exact). */
function intAt(s: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return n;
}

/**
 * The numbers of reply subject `reply`, or undefined when it is not an acknowledgement subject
 * of either form (or a number is not a plain integer of up to 15 digits: the caller reads
 * `msg.info` then).
 */
export function parseAckReply(reply: string): AckReplyInfo | undefined {
  if (!reply.startsWith(PREFIX)) return undefined;
  // Positions of the dots after `$JS.ACK.`: 6 in the old form (9 tokens), 8 or 9 in the new.
  const dots = DOTS;
  let n = 0;
  for (let i = PREFIX.length; i < reply.length; i++) {
    if (reply.charCodeAt(i) === DOT) {
      if (n === 9) return undefined;
      dots[n++] = i;
    }
  }
  // The index (in dots) of the dot before the delivery count.
  let first: number;
  if (n === 6) first = 1;
  else if (n === 8 || n === 9) first = 3;
  else return undefined;
  const deliveryCount = intAt(reply, dots[first] + 1, dots[first + 1]);
  const streamSequence = intAt(reply, dots[first + 1] + 1, dots[first + 2]);
  const deliverySequence = intAt(reply, dots[first + 2] + 1, dots[first + 3]);
  const pending = intAt(reply, dots[first + 4] + 1, first + 5 < n ? dots[first + 5] : reply.length);
  if (Number.isNaN(deliveryCount) || Number.isNaN(streamSequence) || Number.isNaN(deliverySequence) || Number.isNaN(pending)) return undefined;
  return { deliveryCount, streamSequence, deliverySequence, pending };
}

/**
 * The acknowledgement subject of delivery `deliverySeq` (stream seq `streamSeq`) of consumer
 * `consumer` on `stream`, in the form nats-server 2.9 writes and listens to
 * (`$JS.ACK.<stream>.<consumer>.<delivery count>.<stream seq>.<delivery seq>.<timestamp>.<pending>`):
 * for acknowledging, with `AckPolicy.All`, deliveries whose messages the importer read from the
 * stream instead (the catch-up), when none of their own reply subjects is at hand.
 */
export function ackSubject(stream: string, consumer: string, streamSeq: number, deliverySeq: number): string {
  return `${PREFIX}${stream}.${consumer}.1.${streamSeq}.${deliverySeq}.0.0`;
}

/** The reply subject of a delivered `JsMsg` (the installed client's has a `reply` getter its type does not declare), or undefined. */
export function replySubjectOf(m: object): string | undefined {
  const reply = (m as { readonly reply?: unknown }).reply;
  return typeof reply === 'string' && reply !== '' ? reply : undefined;
}

/**
 * The numbers of the messages one consumer delivers: read from the reply subject, checked once
 * against the client's own `msg.info` on the first message; if they differ (another client
 * version), `msg.info` from then on.
 */
export class DeliveredInfo {
  private quick = true;
  private checked = false;

  /** The numbers of `m` (a delivered `JsMsg`: the installed client's has a `reply` getter its type does not declare). */
  of(m: { readonly info: AckReplyInfo }): AckReplyInfo {
    const reply = this.quick ? replySubjectOf(m) : undefined;
    const q = reply !== undefined ? parseAckReply(reply) : undefined;
    if (q === undefined) return m.info;
    if (this.checked) return q;
    this.checked = true;
    const i = m.info;
    if (q.deliveryCount === i.deliveryCount && q.streamSequence === i.streamSequence && q.deliverySequence === i.deliverySequence && q.pending === i.pending) return q;
    this.quick = false;
    return i;
  }
}
