/**
 * ADVERT: a peer's subscription patterns and unicast address (discovery and the receiver list).
 * Layout: docs/PROTOCOL.md "ADVERT".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    4 host          IPv4 address, one byte per dotted-quad part, in written order
 *      4    2 port          u16 1..65535
 *      6    1 flags         u8 ADVERT_FLAGS bits only
 *      7    1 reserved      u8 must be 0
 *      8    2 patternCount  u16 (0 allowed: a peer that only publishes, or a set sent apart)
 *     10    4 setVersion    u32 version of the peer's pattern set (0: unversioned, see below)
 *     14    4 setSize       u32 patterns in the set
 *     18    4 setDigest     u32 patternSetDigest of the set
 *     22    4 fromIndex     u32 index in the sorted set of the first pattern carried here
 *     26      patternCount entries of { patternLength u8 1..255, pattern ASCII }, unique
 * ```
 * fromIndex + patternCount <= setSize. An unversioned advert (setVersion 0) carries its whole
 * set: setSize = patternCount, setDigest = 0, fromIndex = 0; it decodes without the set fields.
 *
 * @packageDocumentation
 */

import { ADVERT_FLAGS, type AdvertFrame } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { assertU32, assertWireSubject } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';
import { readPatternList, writePatternList } from './pattern-list.js';

export const ADVERT_HOST_OFFSET = 0;
export const ADVERT_PORT_OFFSET = 4;
export const ADVERT_FLAGS_OFFSET = 6;
export const ADVERT_RESERVED_OFFSET = 7;
export const ADVERT_PATTERN_COUNT_OFFSET = 8;
export const ADVERT_SET_VERSION_OFFSET = 10;
export const ADVERT_SET_SIZE_OFFSET = 14;
export const ADVERT_SET_DIGEST_OFFSET = 18;
export const ADVERT_FROM_INDEX_OFFSET = 22;
export const ADVERT_PATTERNS_OFFSET = 26;
/** Fixed part of the ADVERT body (the patterns follow it). */
export const ADVERT_HEADER_LENGTH = 26;

/** The set fields of `frame`, its defaults applied (see {@link AdvertFrame}). */
function setFieldsOf(frame: AdvertFrame): { setVersion: number; setSize: number; setDigest: number; fromIndex: number } {
  return {
    setVersion: frame.setVersion ?? 0,
    setSize: frame.setSize ?? frame.patterns.length,
    setDigest: frame.setDigest ?? 0,
    fromIndex: frame.fromIndex ?? 0,
  };
}

/** Whether the set fields are consistent with `patternCount` (the decoder's rule, also the encoder's). */
function setFieldsValid(f: { setVersion: number; setSize: number; setDigest: number; fromIndex: number }, patternCount: number): boolean {
  if (f.setVersion === 0) return f.setSize === patternCount && f.setDigest === 0 && f.fromIndex === 0;
  return f.fromIndex + patternCount <= f.setSize;
}

/** Mask of every defined {@link ADVERT_FLAGS} bit; a decoder rejects any other bit. */
export const ADVERT_FLAGS_MASK: number = Object.values(ADVERT_FLAGS).reduce((mask, bit) => mask | bit, 0);

// Canonical dotted quad: no leading zeros, so that decode(encode(host)) === host.
const DOTTED_QUAD = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

/** The four bytes of a canonical IPv4 dotted quad, or `undefined`. */
export function parseIpv4(host: string): [number, number, number, number] | undefined {
  const match = typeof host === 'string' ? DOTTED_QUAD.exec(host) : null;
  if (match === null) return undefined;
  const parts: [number, number, number, number] = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])];
  return parts.every((p) => p <= 255) ? parts : undefined;
}

/** Size in bytes of the whole ADVERT frame; throws a RangeError when it cannot be encoded. */
export function advertEncodedSize(frame: AdvertFrame): number {
  if (parseIpv4(frame.host) === undefined) {
    throw new RangeError(`advert.host must be a canonical IPv4 dotted quad, got ${JSON.stringify(frame.host)}`);
  }
  if (!Number.isInteger(frame.port) || frame.port < 1 || frame.port > 0xffff) {
    throw new RangeError(`advert.port must be an integer in 1..65535, got ${frame.port}`);
  }
  if (!Number.isInteger(frame.flags) || (frame.flags & ~ADVERT_FLAGS_MASK) !== 0 || frame.flags < 0) {
    throw new RangeError(`advert.flags 0x${Number(frame.flags).toString(16)} has bits outside ADVERT_FLAGS`);
  }
  const { patterns } = frame;
  if (patterns.length > 0xffff) throw new RangeError('advert has over 65535 patterns');
  const set = setFieldsOf(frame);
  for (const [field, value] of Object.entries(set)) assertU32(value, `advert.${field}`);
  if (!setFieldsValid(set, patterns.length)) {
    throw new RangeError(`advert set fields ${JSON.stringify(set)} do not fit ${patterns.length} patterns`);
  }
  let size = measureHeader(frame.sender) + ADVERT_HEADER_LENGTH;
  const seen = new Set<string>();
  for (let i = 0; i < patterns.length; i++) {
    assertWireSubject(patterns[i], true, `advert.patterns[${i}]`);
    if (seen.has(patterns[i])) throw new RangeError(`advert.patterns[${i}]: ${patterns[i]} appears twice`);
    seen.add(patterns[i]);
    size += 1 + patterns[i].length;
  }
  return size;
}

/** Writes an ADVERT frame validated by {@link advertEncodedSize}; returns the end offset. */
export function writeAdvert(view: DataView, bytes: Uint8Array, offset: number, frame: AdvertFrame, size: number): number {
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.advert, frame.sender, size);
  bytes.set(parseIpv4(frame.host) as number[], body + ADVERT_HOST_OFFSET);
  view.setUint16(body + ADVERT_PORT_OFFSET, frame.port, true);
  view.setUint8(body + ADVERT_FLAGS_OFFSET, frame.flags);
  view.setUint8(body + ADVERT_RESERVED_OFFSET, 0);
  view.setUint16(body + ADVERT_PATTERN_COUNT_OFFSET, frame.patterns.length, true);
  const set = setFieldsOf(frame);
  view.setUint32(body + ADVERT_SET_VERSION_OFFSET, set.setVersion, true);
  view.setUint32(body + ADVERT_SET_SIZE_OFFSET, set.setSize, true);
  view.setUint32(body + ADVERT_SET_DIGEST_OFFSET, set.setDigest, true);
  view.setUint32(body + ADVERT_FROM_INDEX_OFFSET, set.fromIndex, true);
  return writePatternList(view, bytes, body + ADVERT_PATTERNS_OFFSET, frame.patterns);
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeAdvert(view: DataView, offset: number, frame: AdvertFrame): number {
  const size = advertEncodedSize(frame);
  assertFits(view, offset, size, 'advert');
  return writeAdvert(view, bytesOf(view), offset, frame, size);
}

/** Decodes the ADVERT frame in `view[offset .. offset + length)`. Never throws. */
export function decodeAdvert(view: DataView, offset: number, length: number): FrameDecodeResult<AdvertFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.advert);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < ADVERT_HEADER_LENGTH) return decodeFailure('tooShort');
  const port = view.getUint16(body + ADVERT_PORT_OFFSET, true);
  if (port === 0) return decodeFailure('badAddress');
  const flags = view.getUint8(body + ADVERT_FLAGS_OFFSET);
  if ((flags & ~ADVERT_FLAGS_MASK) !== 0) return decodeFailure('badFlags');
  if (view.getUint8(body + ADVERT_RESERVED_OFFSET) !== 0) return decodeFailure('badReserved');
  const count = view.getUint16(body + ADVERT_PATTERN_COUNT_OFFSET, true);
  const set = {
    setVersion: view.getUint32(body + ADVERT_SET_VERSION_OFFSET, true),
    setSize: view.getUint32(body + ADVERT_SET_SIZE_OFFSET, true),
    setDigest: view.getUint32(body + ADVERT_SET_DIGEST_OFFSET, true),
    fromIndex: view.getUint32(body + ADVERT_FROM_INDEX_OFFSET, true),
  };
  if (!setFieldsValid(set, count)) return decodeFailure('badCount');
  const cursor = { offset: body + ADVERT_PATTERNS_OFFSET };
  if (count * 2 > bodyEnd - cursor.offset) return decodeFailure('tooShort');
  const patterns: string[] = [];
  const refusal = readPatternList(view, bytes, cursor, bodyEnd, count, new Set<string>(), patterns);
  if (refusal !== undefined) return decodeFailure(refusal);
  if (cursor.offset !== bodyEnd) return decodeFailure('trailingBytes');
  const h = body + ADVERT_HOST_OFFSET;
  const host = `${bytes[h]}.${bytes[h + 1]}.${bytes[h + 2]}.${bytes[h + 3]}`;
  const frame: AdvertFrame = { kind: 'advert', sender: head.header.sender, host, port, flags, patterns };
  // Canonical form (one meaning per bytes): an unversioned advert decodes without the set fields.
  return { ok: true, frame: set.setVersion === 0 ? frame : { ...frame, ...set } };
}

/**
 * The digest of a pattern set as ADVERT carries it (`setDigest`): FNV-1a (32-bit) over the
 * patterns in sorted order (JavaScript string order; patterns are ASCII), each followed by a
 * 0x0a byte. 0 for the empty set and never 0 for another (0 becomes 1). Wire contract.
 */
export function patternSetDigest(sorted: readonly string[]): number {
  if (sorted.length === 0) return 0;
  let h = 0x811c9dc5;
  for (const p of sorted) {
    for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x0a, 0x01000193);
  }
  h >>>= 0;
  return h === 0 ? 1 : h;
}
