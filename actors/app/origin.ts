/**
 * Messages that a zone bridge (`bridge/`) brought in from another zone: how their origin rides
 * on the wire, and the per-origin-stream filter that keeps a receiving peer from delivering one
 * of them twice (a bridge that restarts republishes what it had not yet confirmed to JetStream).
 *
 * The origin travels in the record's `replyTo` field, as the reserved subject
 * `_LC_ORIGIN.<zone>.<sender, base64url>.<incarnation>.<seq>`: no frame or actor changes, and an
 * imported message is never a request. The receiving side turns it back into `msg.origin` and
 * gives the message no `replyTo`.
 *
 * Requests across zones (bridge/request-relay.ts) use two more reserved `replyTo` subjects: the
 * inboxes of a bridge relaying a request from another zone (`_LC_RELAY.…`, never relayed again),
 * and the reply a bridge sends when no zone has a responder (`_LC_STATUS.noResponders`). Every
 * reserved subject starts with `_LC_`.
 *
 * Pure: no clock, no I/O.
 */

/** Where an imported message was first published. */
export interface MessageOrigin {
  /** The zone it was published in. */
  readonly zone: string;
  /** The publishing peer's name in that zone. */
  readonly sender: string;
  /** The publishing peer's incarnation. */
  readonly incarnation: number;
  /** Its seq in the origin stream (origin sender, subject). */
  readonly seq: number;
}

/** The first characters of every reserved `replyTo` subject. */
export const RESERVED_PREFIX = '_LC_';

/** The `replyTo` of a reply that says no zone has a responder (sent by the requester's zone bridge). */
export const NO_RESPONDERS_MARKER = '_LC_STATUS.noResponders';

/** The first token of the inboxes a bridge uses for requests it relays from other zones. */
export const RELAY_INBOX_PREFIX = '_LC_RELAY.';

/** Per-request inboxes a reply is routed for: `_INBOX.<name>.<incarnation>.<n>` (requests) and `_LC_RELAY.<token>.<n>` (a bridge's relayed requests). */
const PER_REQUEST_INBOX = /^(_INBOX\.[^.]+\.[^.]+|_LC_RELAY\.[^.]+)\.\d+$/;
/** The last token of a requester's one reply subject. */
const REPLY_SUBJECT_TOKEN = '.r';

/**
 * Where `msg.respond()` publishes a reply to `replyTo`. To a per-request inbox it goes on its
 * requester's one reply subject (`<inbox prefix>.r`), carrying the inbox as its `replyTo`: a
 * responder then keeps one stream per requester, not one per request. Before (7 December) each
 * reply was a stream of its own, never forgotten: after 100,000 replies (`maxStreams`) every
 * reply of that responder failed, and its memory grew all the way. Any other `replyTo` as it is.
 */
export function replyRoute(replyTo: string): { readonly subject: string; readonly replyTo: string | undefined } {
  const m = PER_REQUEST_INBOX.exec(replyTo);
  return m === null ? { subject: replyTo, replyTo: undefined } : { subject: m[1] + REPLY_SUBJECT_TOKEN, replyTo };
}

/** The per-request inbox a message received under an inbox prefix answers: its `replyTo` when it came on the reply subject of that inbox ({@link replyRoute}), else its subject. */
export function inboxOf(msg: { readonly subject: string; readonly replyTo: string | undefined }): string {
  const r = msg.replyTo;
  if (r === undefined || !msg.subject.endsWith(REPLY_SUBJECT_TOKEN)) return msg.subject;
  const prefix = msg.subject.slice(0, -1); // '<inbox prefix>.'
  return r.startsWith(prefix) && PER_REQUEST_INBOX.test(r) ? r : msg.subject;
}

/**
 * The pattern a zone bridge's peer subscribes to (`_LC_BRIDGE.<zone>`): it tells the zone's
 * peers that this peer is a bridge (its other patterns are relays, not responders).
 */
export const BRIDGE_MARKER_PREFIX = '_LC_BRIDGE.';

/** Whether a peer advertising `patterns` is a zone bridge. */
export function isBridgePeer(patterns: Iterable<string>): boolean {
  for (const p of patterns) if (p.startsWith(BRIDGE_MARKER_PREFIX)) return true;
  return false;
}

/** The pattern a zone bridge's peer subscribes to for each zone it imports from (`_LC_ZONE.<zone>`): the other zones show in every peer's list. */
export const ZONE_MARKER_PREFIX = '_LC_ZONE.';

/** What a peer's patterns say of it as a zone bridge: its zone and the zones it imports from, or undefined when it is not one. */
export function bridgeRole(patterns: Iterable<string>): { readonly zone: string; readonly zones: string[] } | undefined {
  let zone: string | undefined;
  const zones: string[] = [];
  for (const p of patterns) {
    if (p.startsWith(BRIDGE_MARKER_PREFIX)) zone = p.slice(BRIDGE_MARKER_PREFIX.length);
    else if (p.startsWith(ZONE_MARKER_PREFIX)) zones.push(p.slice(ZONE_MARKER_PREFIX.length));
  }
  return zone === undefined ? undefined : { zone, zones: zones.sort() };
}

/** Whether a message with this `replyTo` is a request that a zone bridge may relay to other zones. */
export function isRelayableRequest(replyTo: string | undefined): replyTo is string {
  return replyTo !== undefined && !replyTo.startsWith(RESERVED_PREFIX);
}

/** The first token of every loss marker. */
export const LOSS_PREFIX = '_LC_LOSS.';

/** Messages of an origin stream that will never cross: what a loss marker carries. */
export interface OriginLoss {
  /** The zone the messages were published in. */
  readonly zone: string;
  readonly sender: string;
  readonly incarnation: number;
  /** The first and last origin seqs lost (inclusive). */
  readonly fromSeq: number;
  readonly toSeq: number;
  /** Why, as the origin zone's bridge said (a `dataLoss` reason, or `'expired'`: gone from the zone's JetStream stream). */
  readonly reason: string;
}

/**
 * The `replyTo` of a message that a zone bridge publishes in place of messages of another zone
 * that will never cross: receivers turn it into one `dataLoss` event naming the origin.
 * `_LC_LOSS.<zone>.<sender, base64url>.<incarnation>.<fromSeq>.<toSeq>.<reason>`.
 */
export function encodeLossMarker(l: OriginLoss): string {
  return `${LOSS_PREFIX}${l.zone}.${Buffer.from(l.sender, 'utf8').toString('base64url')}.${l.incarnation}.${l.fromSeq}.${l.toSeq}.${l.reason}`;
}

/** The loss a `replyTo` carries, or undefined when it is not a (well-formed) loss marker. */
export function decodeLossMarker(replyTo: string | undefined): OriginLoss | undefined {
  if (replyTo === undefined || !replyTo.startsWith(LOSS_PREFIX)) return undefined;
  const parts = replyTo.slice(LOSS_PREFIX.length).split('.');
  if (parts.length !== 6) return undefined;
  const [zone, sender64, inc, from, to, reason] = parts;
  const incarnation = Number(inc);
  const fromSeq = Number(from);
  const toSeq = Number(to);
  if (zone === '' || sender64 === '' || !/^[A-Za-z]{1,32}$/.test(reason)) return undefined;
  if (!Number.isSafeInteger(incarnation) || !Number.isSafeInteger(fromSeq) || !Number.isSafeInteger(toSeq) || fromSeq < 1 || toSeq < fromSeq) return undefined;
  return { zone, sender: Buffer.from(sender64, 'base64url').toString('utf8'), incarnation, fromSeq, toSeq, reason };
}

/** The first token of every origin marker. */
export const ORIGIN_PREFIX = '_LC_ORIGIN.';

/** The `replyTo` subject that carries `origin` (zone: a valid subject token). */
export function encodeOriginMarker(origin: MessageOrigin): string {
  return `${originMarkerPrefix(origin.zone, origin.sender, origin.incarnation)}${origin.seq}`;
}

/**
 * The origin marker of origin stream (zone, sender, incarnation) up to its seq
 * (`_LC_ORIGIN.<zone>.<sender, base64url>.<incarnation>.`): an importer makes it once per origin
 * sender and appends each message's seq.
 */
export function originMarkerPrefix(zone: string, sender: string, incarnation: number): string {
  return `${ORIGIN_PREFIX}${zone}.${Buffer.from(sender, 'utf8').toString('base64url')}.${incarnation}.`;
}

/** The origin a `replyTo` carries, or undefined when it is not an origin marker (or is malformed). */
export function decodeOriginMarker(replyTo: string | undefined): MessageOrigin | undefined {
  if (replyTo === undefined || !replyTo.startsWith(ORIGIN_PREFIX)) return undefined;
  const parts = replyTo.slice(ORIGIN_PREFIX.length).split('.');
  if (parts.length !== 4) return undefined;
  const [zone, sender64, inc, seq] = parts;
  const incarnation = Number(inc);
  const n = Number(seq);
  if (zone === '' || sender64 === '' || !Number.isSafeInteger(incarnation) || !Number.isSafeInteger(n) || n < 1) return undefined;
  return { zone, sender: Buffer.from(sender64, 'base64url').toString('utf8'), incarnation, seq: n };
}

interface SeenSeqs {
  /** Every seq at or below it was delivered (or given up on). */
  floor: number;
  /** Delivered seqs above `floor` (out of order, or beyond a gap). */
  readonly above: Set<number>;
}

/**
 * Remembers, per origin stream (zone, sender, incarnation, subject), which seqs were delivered,
 * so that a republished one is recognised. A seq arriving after a higher one (JetStream stored
 * them out of order after a failed publish was retried) is still delivered once: only seqs seen
 * before are refused. Bounded: at most `maxStreams` streams (the oldest forgotten first) and
 * `maxAbove` seqs above a stream's floor (then the floor moves up to the lowest of them).
 */
export class OriginDedup {
  /** Records refused because their origin seq was delivered before. */
  duplicates = 0;
  private readonly streams = new Map<string, SeenSeqs>();

  constructor(
    private readonly maxStreams = 65536,
    private readonly maxAbove = 1024,
  ) {}

  /** True the first time (origin stream, seq) is offered; false for a repeat. */
  accept(origin: MessageOrigin, subject: string): boolean {
    const key = `${origin.zone}\u0000${origin.sender}\u0000${origin.incarnation}\u0000${subject}`;
    let s = this.streams.get(key);
    if (s === undefined) {
      if (this.streams.size >= this.maxStreams) this.streams.delete(this.streams.keys().next().value as string);
      this.streams.set(key, { floor: origin.seq, above: new Set() });
      return true;
    }
    const seq = origin.seq;
    if (seq <= s.floor || s.above.has(seq)) {
      this.duplicates++;
      return false;
    }
    if (seq === s.floor + 1) {
      s.floor = seq;
      while (s.above.delete(s.floor + 1)) s.floor++;
      return true;
    }
    s.above.add(seq);
    if (s.above.size > this.maxAbove) {
      const lowest = Math.min(...s.above);
      s.floor = lowest;
      s.above.delete(lowest);
      while (s.above.delete(s.floor + 1)) s.floor++;
    }
    return true;
  }
}
