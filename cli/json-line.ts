/**
 * What `ledgecast sub` prints: one JSON object per line. Pure.
 *
 * A raw payload (a `Uint8Array` published as is) prints as base64 with `"encoding":"base64"`;
 * a msgpack value prints as JSON, with the values JSON lacks mapped so a line never fails to
 * print: bigint → number when safe, else a decimal string; bytes inside a value → base64
 * string; Map → object; Set → array; Date → ISO string (its own `toJSON`).
 */
import type { Message } from '../actors/app/message.js';
import type { DataLossEvent } from '../actors/app/peer.js';

/** The fields of one printed message. */
export interface MessageLine {
  readonly subject: string;
  readonly sender: string;
  readonly seq: number;
  readonly data: unknown;
  /** Present (`'base64'`) when `data` is a raw payload in base64. */
  readonly encoding?: 'base64';
  /** Present when the message is a request. */
  readonly replyTo?: string;
  /** Present when a zone bridge imported the message (`msg.origin`). */
  readonly origin?: Message['origin'];
  /** Present (true) when a durable subscription may have delivered it before (`msg.redelivered`). */
  readonly redelivered?: true;
}

/** The printable form of a delivered message. */
export function messageLine(
  msg: Pick<Message, 'subject' | 'sender' | 'seq' | 'replyTo' | 'isValue' | 'raw' | 'data'> & { readonly origin?: Message['origin']; readonly redelivered?: boolean },
): MessageLine {
  const head = { subject: msg.subject, sender: msg.sender, seq: msg.seq };
  const tail = {
    ...(msg.replyTo !== undefined ? { replyTo: msg.replyTo } : {}),
    ...(msg.origin !== undefined ? { origin: msg.origin } : {}),
    // A user-style check (7 December): `sub --durable` killed and restarted printed 599 lines twice, none marked.
    ...(msg.redelivered === true ? { redelivered: true as const } : {}),
  };
  if (!msg.isValue) return { ...head, data: toBase64(msg.raw), encoding: 'base64', ...tail };
  return { ...head, data: msg.data, ...tail };
}

/** One JSON line (without the newline) for a delivered message. */
export function messageToJsonLine(msg: Parameters<typeof messageLine>[0]): string {
  return toJsonLine(messageLine(msg));
}

/** One JSON line for a data-loss event (printed on stderr). */
export function dataLossToJsonLine(e: DataLossEvent): string {
  const line = { event: 'dataLoss', sender: e.sender, subject: e.subject, fromSeq: e.fromSeq, toSeq: e.toSeq, reason: e.reason };
  return toJsonLine({ ...line, ...(e.unconfirmedToSeq === undefined ? {} : { unconfirmedToSeq: e.unconfirmedToSeq }), ...(e.skipped ? { skipped: true } : {}) });
}

/** JSON.stringify that never throws on a msgpack value (see the module doc for the mapping). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, function replacer(this: Record<string, unknown>, key: string, v: unknown) {
    // `v` has already been through toJSON (Buffer → {type,data}); look at the original.
    const original = key === '' ? value : this[key];
    if (typeof original === 'bigint') return Number.isSafeInteger(Number(original)) ? Number(original) : original.toString();
    if (original instanceof Uint8Array) return toBase64(original);
    if (original instanceof Map) return Object.fromEntries([...original.entries()].map(([k, x]) => [String(k), x]));
    if (original instanceof Set) return [...original];
    return v;
  });
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
