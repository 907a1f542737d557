/**
 * PATTERNS_DELTA: the change of a peer's pattern set from one version to a later one. Pushed when
 * the set changes (to the base group and the unicast peers, beside the ADVERT naming the new
 * version), and sent by unicast in answer to a PATTERNS_DELTA_REQUEST. Layout: docs/PROTOCOL.md
 * "PATTERNS_DELTA".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    4 fromVersion   u32 >= 1
 *      4    4 toVersion     u32 > fromVersion
 *      8    4 setSize       u32 patterns in the set at toVersion (>= addedCount)
 *     12    4 setDigest     u32 patternSetDigest of the set at toVersion (0 iff setSize = 0)
 *     16    2 addedCount    u16
 *     18    2 removedCount  u16
 *     20      addedCount then removedCount entries of { patternLength u8 1..255, pattern ASCII };
 *             no pattern twice in the frame
 * ```
 *
 * @packageDocumentation
 */

import type { PatternsDeltaFrame } from '../frame.js';
import { decodeFailure, type DecodeErrorReason, type FrameDecodeResult } from '../decode-result.js';
import { assertU32, assertWireSubject } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';
import { readPatternList, writePatternList } from './pattern-list.js';

export const PATTERNS_DELTA_FROM_OFFSET = 0;
export const PATTERNS_DELTA_TO_OFFSET = 4;
export const PATTERNS_DELTA_SET_SIZE_OFFSET = 8;
export const PATTERNS_DELTA_SET_DIGEST_OFFSET = 12;
export const PATTERNS_DELTA_ADDED_COUNT_OFFSET = 16;
export const PATTERNS_DELTA_REMOVED_COUNT_OFFSET = 18;
export const PATTERNS_DELTA_PATTERNS_OFFSET = 20;
/** Fixed part of the PATTERNS_DELTA body (the patterns follow it). */
export const PATTERNS_DELTA_HEADER_LENGTH = 20;

/** The decoder's rule on the fixed fields, also the encoder's: the reason they are refused, if any. */
function fixedFieldsRefusal(f: { fromVersion: number; toVersion: number; setSize: number; setDigest: number }, addedCount: number): DecodeErrorReason | undefined {
  if (f.fromVersion === 0) return 'badCount';
  if (f.toVersion <= f.fromVersion) return 'badRange';
  if (f.setSize < addedCount || (f.setSize === 0) !== (f.setDigest === 0)) return 'badCount';
  return undefined;
}

/** Size in bytes of the whole frame; throws a RangeError when it cannot be encoded. */
export function patternsDeltaEncodedSize(frame: PatternsDeltaFrame): number {
  for (const field of ['fromVersion', 'toVersion', 'setSize', 'setDigest'] as const) assertU32(frame[field], `patternsDelta.${field}`);
  const { added, removed } = frame;
  if (added.length > 0xffff || removed.length > 0xffff) throw new RangeError('patternsDelta has over 65535 added or removed patterns');
  const refusal = fixedFieldsRefusal(frame, added.length);
  if (refusal !== undefined) throw new RangeError(`patternsDelta fields are refused (${refusal}): from ${frame.fromVersion} to ${frame.toVersion}, ${frame.setSize} patterns, ${added.length} added`);
  let size = measureHeader(frame.sender) + PATTERNS_DELTA_HEADER_LENGTH;
  const seen = new Set<string>();
  for (const [what, list] of [['added', added], ['removed', removed]] as const) {
    for (let i = 0; i < list.length; i++) {
      assertWireSubject(list[i], true, `patternsDelta.${what}[${i}]`);
      if (seen.has(list[i])) throw new RangeError(`patternsDelta.${what}[${i}]: ${list[i]} appears twice`);
      seen.add(list[i]);
      size += 1 + list[i].length;
    }
  }
  return size;
}

/** Writes a frame validated by {@link patternsDeltaEncodedSize}; returns the end offset. */
export function writePatternsDelta(view: DataView, bytes: Uint8Array, offset: number, frame: PatternsDeltaFrame, size: number): number {
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.patternsDelta, frame.sender, size);
  view.setUint32(body + PATTERNS_DELTA_FROM_OFFSET, frame.fromVersion, true);
  view.setUint32(body + PATTERNS_DELTA_TO_OFFSET, frame.toVersion, true);
  view.setUint32(body + PATTERNS_DELTA_SET_SIZE_OFFSET, frame.setSize, true);
  view.setUint32(body + PATTERNS_DELTA_SET_DIGEST_OFFSET, frame.setDigest, true);
  view.setUint16(body + PATTERNS_DELTA_ADDED_COUNT_OFFSET, frame.added.length, true);
  view.setUint16(body + PATTERNS_DELTA_REMOVED_COUNT_OFFSET, frame.removed.length, true);
  const o = writePatternList(view, bytes, body + PATTERNS_DELTA_PATTERNS_OFFSET, frame.added);
  return writePatternList(view, bytes, o, frame.removed);
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodePatternsDelta(view: DataView, offset: number, frame: PatternsDeltaFrame): number {
  const size = patternsDeltaEncodedSize(frame);
  assertFits(view, offset, size, 'patternsDelta');
  return writePatternsDelta(view, bytesOf(view), offset, frame, size);
}

/** Decodes the frame in `view[offset .. offset + length)`. Never throws. */
export function decodePatternsDelta(view: DataView, offset: number, length: number): FrameDecodeResult<PatternsDeltaFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.patternsDelta);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < PATTERNS_DELTA_HEADER_LENGTH) return decodeFailure('tooShort');
  const fixed = {
    fromVersion: view.getUint32(body + PATTERNS_DELTA_FROM_OFFSET, true),
    toVersion: view.getUint32(body + PATTERNS_DELTA_TO_OFFSET, true),
    setSize: view.getUint32(body + PATTERNS_DELTA_SET_SIZE_OFFSET, true),
    setDigest: view.getUint32(body + PATTERNS_DELTA_SET_DIGEST_OFFSET, true),
  };
  const addedCount = view.getUint16(body + PATTERNS_DELTA_ADDED_COUNT_OFFSET, true);
  const removedCount = view.getUint16(body + PATTERNS_DELTA_REMOVED_COUNT_OFFSET, true);
  const refusal = fixedFieldsRefusal(fixed, addedCount);
  if (refusal !== undefined) return decodeFailure(refusal);
  const cursor = { offset: body + PATTERNS_DELTA_PATTERNS_OFFSET };
  // Each pattern takes at least 2 bytes: checked before anything is read or allocated.
  if ((addedCount + removedCount) * 2 > bodyEnd - cursor.offset) return decodeFailure('tooShort');
  // One `seen` for both lists: a pattern may not be both added and removed.
  const seen = new Set<string>();
  const added: string[] = [];
  const removed: string[] = [];
  const badList =
    readPatternList(view, bytes, cursor, bodyEnd, addedCount, seen, added) ?? readPatternList(view, bytes, cursor, bodyEnd, removedCount, seen, removed);
  if (badList !== undefined) return decodeFailure(badList);
  if (cursor.offset !== bodyEnd) return decodeFailure('trailingBytes');
  return { ok: true, frame: { kind: 'patternsDelta', sender: head.header.sender, ...fixed, added, removed } };
}
