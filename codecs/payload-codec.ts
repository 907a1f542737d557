/**
 * The payload codec: what an application publishes becomes message bytes plus flag bits.
 *
 * - A `Uint8Array` (so also a Node `Buffer`) travels as raw bytes, flags 0.
 * - Any other value is one msgpackr-encoded value, flag {@link MESSAGE_FLAGS.msgpack}.
 *
 * msgpackr runs with `useRecords: false` and never `sequential` (STYLE rule 17): record
 * structures refer to earlier messages, and datagrams get lost and reordered, so each payload
 * must decode on its own. Decoding state (record definitions a hostile payload might carry)
 * lives only for one `unpack` call, so one payload cannot change how the next one decodes.
 *
 * Value mapping is msgpackr's: plain objects and arrays round trip; a `Map` decodes as a plain
 * object; other typed arrays decode as bytes; `Date`, `bigint` (64-bit), `undefined` round trip.
 *
 * @packageDocumentation
 */

import { C1, Packr, Unpackr } from 'msgpackr';
import { MESSAGE_FLAGS } from './frame.js';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false });

/** A payload ready for a message: its bytes and the {@link MESSAGE_FLAGS} bits that describe them. */
export interface EncodedPayload {
  /** `MESSAGE_FLAGS.msgpack` or 0 (raw). */
  readonly flags: number;
  readonly payload: Uint8Array;
}

/** Result of {@link decodePayload}. */
export type PayloadDecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string };

/**
 * Encodes an application value. A `Uint8Array` is passed through as is (not copied); anything
 * else is msgpackr-encoded (the result may share memory with other encoded payloads, never
 * overlapping them). Throws whatever msgpackr throws for a value it cannot encode, and a
 * TypeError for a function (msgpackr would pack it as nil).
 */
export function encodePayload(value: unknown): EncodedPayload {
  if (value instanceof Uint8Array) return { flags: 0, payload: value };
  // msgpackr packs a function as nil: the subscriber would get `undefined`, silently.
  if (typeof value === 'function') throw new TypeError('msgpack cannot encode a function');
  return { flags: MESSAGE_FLAGS.msgpack, payload: packr.pack(value) };
}

/**
 * Decodes a (reassembled) payload given its message flags: raw bytes come back as they are,
 * msgpack bytes as the one value they hold. Never throws: malformed msgpack, trailing bytes
 * or the reserved byte 0xC1 give `{ ok: false }`.
 */
export function decodePayload(flags: number, bytes: Uint8Array): PayloadDecodeResult {
  if ((flags & MESSAGE_FLAGS.msgpack) === 0) return { ok: true, value: bytes };
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (err) {
    return { ok: false, reason: `invalid msgpack payload: ${err instanceof Error ? err.message : 'decoder failed'}` };
  }
  if (value === C1) return { ok: false, reason: 'invalid msgpack payload: reserved byte 0xc1' };
  return { ok: true, value };
}
