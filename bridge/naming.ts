/**
 * How ledgecast messages are named in NATS JetStream: the per-zone stream, its subjects, the
 * `Nats-Msg-Id` and the headers that carry a message's identity across, and the matching of
 * subjects against the bridge's patterns. Pure: no I/O.
 *
 * - Zone `Z` has one stream, `LC_Z`, holding subjects `lc.Z.>`; a message published on `s` in
 *   zone `Z` is stored on `lc.Z.s` (ledgecast and NATS share the `*`/`>` subject syntax).
 * - `Nats-Msg-Id: Z.<incarnation>.<seq>.<sender, base64url>.<subject>`: (zone, sender,
 *   incarnation, subject, seq), unique per message. JetStream de-duplicates stream-wide, so the
 *   subject is part of it.
 * - Headers `Lc-Sender`, `Lc-Incarnation`, `Lc-Seq`, `Lc-Value` (`1`: the payload is one msgpack
 *   value, else raw bytes).
 */
import { isValidPattern, isValidSubject, patternMatches } from '../actors/subjects/subject.js';

/** Zone names: letters, digits, `_` and `-` (valid in NATS stream names and as a subject token). */
const ZONE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Why `zone` is not a valid zone name, or undefined when it is. */
export function zoneNameProblem(zone: unknown): string | undefined {
  if (typeof zone !== 'string' || !ZONE_NAME.test(zone)) {
    return `must be 1-64 letters, digits, '_' or '-' (it names a JetStream stream and a subject token), got ${JSON.stringify(zone)}`;
  }
  return undefined;
}

/** The JetStream stream of zone `zone`'s exported messages. */
export function streamName(zone: string): string {
  return `LC_${zone}`;
}

/** The NATS subject prefix of zone `zone` (with the trailing dot). */
export function zonePrefix(zone: string): string {
  return `lc.${zone}.`;
}

/** The NATS subject a message published on `subject` in `zone` is stored on. */
export function natsSubject(zone: string, subject: string): string {
  return `${zonePrefix(zone)}${subject}`;
}

/** The ledgecast subject of a message stored on `stored` in zone `zone`'s stream, or undefined. */
export function ledgecastSubject(zone: string, stored: string): string | undefined {
  const prefix = zonePrefix(zone);
  if (!stored.startsWith(prefix)) return undefined;
  const subject = stored.slice(prefix.length);
  return isValidSubject(subject) ? subject : undefined;
}

/** A ledgecast message's identity in its own zone. */
export interface ExportedIdentity {
  readonly zone: string;
  readonly sender: string;
  readonly incarnation: number;
  readonly subject: string;
  readonly seq: number;
}

/** The `Nats-Msg-Id` of a message: the same for every retry and every bridge of the zone. */
export function messageId(m: ExportedIdentity): string {
  return `${m.zone}.${m.incarnation}.${m.seq}.${Buffer.from(m.sender, 'utf8').toString('base64url')}.${m.subject}`;
}

/** The `Nats-Msg-Id` of a loss record (the same for every retry and every bridge of the zone). */
export function lossRecordId(zone: string, sender: string, incarnation: number, subject: string, fromSeq: number, toSeq: number): string {
  return `${zone}.${incarnation}.loss-${fromSeq}-${toSeq}.${Buffer.from(sender, 'utf8').toString('base64url')}.${subject}`;
}

/** The identity a `Nats-Msg-Id` encodes, or undefined when it is not one of ours. */
export function parseMessageId(id: string): ExportedIdentity | undefined {
  const parts = id.split('.');
  if (parts.length < 5) return undefined;
  const [zone, inc, seq, sender64] = parts;
  const subject = parts.slice(4).join('.');
  const incarnation = Number(inc);
  const n = Number(seq);
  if (zoneNameProblem(zone) !== undefined || !Number.isSafeInteger(incarnation) || !Number.isSafeInteger(n) || n < 1 || !isValidSubject(subject)) {
    return undefined;
  }
  return { zone, sender: Buffer.from(sender64, 'base64url').toString('utf8'), incarnation, subject, seq: n };
}

/** Header names. */
export const HEADERS = {
  sender: 'Lc-Sender',
  incarnation: 'Lc-Incarnation',
  seq: 'Lc-Seq',
  value: 'Lc-Value',
  /** On a relayed request: the zone it comes from. */
  zone: 'Lc-Zone',
  /** On a loss record: the origin seqs that will never cross, `from-to`. */
  loss: 'Lc-Loss',
  /** On a loss record: why (a `dataLoss` reason). */
  reason: 'Lc-Reason',
  /** Core NATS: the newest seq of a stream exported so far (an announcement, no payload). */
  high: 'Lc-High',
} as const;

/** What a loss record's headers say: the origin seqs lost and why. */
export interface LossRange {
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly reason: string;
}

/**
 * The range of a loss record (`Lc-Loss: from-to`, `Lc-Reason`), validated: `1 <= from <= to`, a
 * reason of letters (it travels inside a `replyTo` subject). Undefined when malformed; an absent
 * reason reads `'unavailable'`.
 */
export function parseLossRange(range: string, reason: string | undefined): LossRange | undefined {
  const m = /^(\d{1,15})-(\d{1,15})$/.exec(range);
  if (m === null) return undefined;
  const fromSeq = Number(m[1]);
  const toSeq = Number(m[2]);
  const why = reason === undefined || reason === '' ? 'unavailable' : reason;
  if (fromSeq < 1 || toSeq < fromSeq || !/^[A-Za-z]{1,32}$/.test(why)) return undefined;
  return { fromSeq, toSeq, reason: why };
}

/** The core-NATS subject a request on ledgecast subject `subject` is relayed on (any zone). */
export function requestSubject(subject: string): string {
  return `lcr.${subject}`;
}

/** The ledgecast subject of a relayed request's NATS subject, or undefined. */
export function subjectOfRequest(natsSubject: string): string | undefined {
  if (!natsSubject.startsWith('lcr.')) return undefined;
  const subject = natsSubject.slice(4);
  return isValidSubject(subject) ? subject : undefined;
}

/** Whether some subject matches both patterns `a` and `b` (`*` one token, `>` one or more at the end). */
export function patternsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined || q === undefined) return p === q;
    // '>' takes one token or more: the other pattern needs a token here, which it has.
    if (p === '>' || q === '>') return true;
    if (p !== '*' && q !== '*' && p !== q) return false;
  }
}

/** Whether `subject` matches one of `patterns`. */
export function matchesAny(patterns: readonly string[], subject: string): boolean {
  for (const p of patterns) if (patternMatches(p, subject)) return true;
  return false;
}

/** Why `p` is not a valid pattern, or undefined. */
export function patternProblem(p: unknown): string | undefined {
  return isValidPattern(p) ? undefined : `must be a subject pattern (tokens of A-Z a-z 0-9 _ - :, '*' and a last '>'), got ${JSON.stringify(p)}`;
}
