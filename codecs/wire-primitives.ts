/**
 * Byte-level helpers every frame file shares: unsigned 64-bit sequence numbers held in JS
 * numbers, strict UTF-8 (names) and ASCII (subjects) strings, and the checks that keep a
 * decoded value re-encodable to the very same bytes.
 *
 * Everything is little-endian. A u64 is two u32 halves, low half first; the decoder refuses
 * a high half above 0x1F_FFFF (a value above `Number.MAX_SAFE_INTEGER`).
 *
 * @packageDocumentation
 */

import { isSubjectBytes, isSubjectString } from './subject-syntax.js';

const TWO_POW_32 = 0x1_0000_0000;
/** Largest high half of a u64 that keeps the value at or below `Number.MAX_SAFE_INTEGER`. */
const MAX_SAFE_HIGH = 0x1f_ffff;

/** Longest peer name on the wire, in UTF-8 bytes (its length is a u8). */
export const MAX_NAME_BYTES = 255;

/** Reads a u64 at `offset`; returns -1 when it is above `Number.MAX_SAFE_INTEGER`. */
export function readU64(view: DataView, offset: number): number {
  const high = view.getUint32(offset + 4, true);
  // The common case returns the low half as it is: a small integer (Smi) where the value allows,
  // never a float sum. A float result, stored into the first decoded records while this code is
  // still interpreted, makes V8 hold that object field as a boxed double ever after: one more
  // heap object per decoded message (measured: seq fields of WireMessage and DeliveredMessage).
  if (high === 0) return view.getUint32(offset, true);
  if (high > MAX_SAFE_HIGH) return -1;
  return high * TWO_POW_32 + view.getUint32(offset, true);
}

/** Writes a u64 (`value` must be a safe non-negative integer; the caller validated it). */
export function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value >>> 0, true);
  view.setUint32(offset + 4, Math.floor(value / TWO_POW_32), true);
}

/** A safe integer >= `min`: what every sequence field must hold before it is written. */
export function isSeq(value: number, min: number): boolean {
  return Number.isSafeInteger(value) && value >= min;
}

/** An unsigned 32-bit integer (incarnations). */
export function isU32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;
}

/**
 * UTF-8 byte length of `value`, or -1 when it holds a lone surrogate (which UTF-8 cannot
 * carry: TextEncoder would silently turn it into U+FFFD and break the round trip).
 */
export function utf8Length(value: string): number {
  let bytes = 0;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : 0;
      if (next < 0xdc00 || next > 0xdfff) return -1;
      bytes += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return -1;
    else bytes += 3;
  }
  return bytes;
}

/** Writes `value` as UTF-8 at `offset` (validated by {@link utf8Length}); returns the end offset. */
export function writeUtf8(bytes: Uint8Array, offset: number, value: string): number {
  let o = offset;
  const length = value.length;
  for (let i = 0; i < length; i++) {
    let c = value.charCodeAt(i);
    if (c < 0x80) {
      bytes[o++] = c;
    } else if (c < 0x800) {
      bytes[o++] = 0xc0 | (c >> 6);
      bytes[o++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (value.charCodeAt(++i) - 0xdc00);
      bytes[o++] = 0xf0 | (c >> 18);
      bytes[o++] = 0x80 | ((c >> 12) & 0x3f);
      bytes[o++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[o++] = 0x80 | (c & 0x3f);
    } else {
      bytes[o++] = 0xe0 | (c >> 12);
      bytes[o++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}

// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a leading U+FEFF is kept, so the
// decoded string re-encodes to the same bytes.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes strict UTF-8; `undefined` when the bytes are not valid UTF-8. */
export function readUtf8(bytes: Uint8Array, offset: number, length: number): string | undefined {
  let ascii = true;
  for (let i = offset, end = offset + length; i < end; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return readAscii(bytes, offset, length);
  try {
    return strictUtf8.decode(bytes.subarray(offset, offset + length));
  } catch {
    return undefined;
  }
}

/** Builds a string from bytes already known to be ASCII (short strings: names and subjects). */
export function readAscii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(offset, offset + length) as unknown as number[]);
}

/** Writes an ASCII string (a validated subject); returns the end offset. */
export function writeAscii(bytes: Uint8Array, offset: number, value: string): number {
  const length = value.length;
  for (let i = 0; i < length; i++) bytes[offset + i] = value.charCodeAt(i);
  return offset + length;
}

/** Reads a subject or pattern; `undefined` when it breaks the grammar. */
export function readSubject(
  bytes: Uint8Array,
  offset: number,
  length: number,
  allowWildcards: boolean,
): string | undefined {
  return isSubjectBytes(bytes, offset, length, allowWildcards) ? readAscii(bytes, offset, length) : undefined;
}

/** Throws a RangeError naming `what` unless `value` is a subject (or a pattern). */
export function assertWireSubject(value: string, allowWildcards: boolean, what: string): void {
  if (typeof value !== 'string' || !isSubjectString(value, allowWildcards)) {
    throw new RangeError(`${what} is not a valid ${allowWildcards ? 'pattern' : 'subject'}: ${JSON.stringify(value)}`);
  }
}

/** UTF-8 length of a peer name; throws a RangeError unless it is 1..255 well-formed bytes. */
export function nameLength(value: string, what: string): number {
  const length = typeof value === 'string' ? utf8Length(value) : -1;
  if (length < 1 || length > MAX_NAME_BYTES) {
    throw new RangeError(`${what} must be 1..${MAX_NAME_BYTES} bytes of well-formed UTF-8, got ${JSON.stringify(value)}`);
  }
  return length;
}

/** Throws a RangeError naming `what` unless `value` is a safe integer >= `min`. */
export function assertSeq(value: number, min: number, what: string): void {
  if (!isSeq(value, min)) throw new RangeError(`${what} must be a safe integer >= ${min}, got ${value}`);
}

/** Throws a RangeError naming `what` unless `value` is an unsigned 32-bit integer. */
export function assertU32(value: number, what: string): void {
  if (!isU32(value)) throw new RangeError(`${what} must be an unsigned 32-bit integer, got ${value}`);
}
