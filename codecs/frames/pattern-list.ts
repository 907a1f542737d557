/**
 * The pattern lists of ADVERT and PATTERNS_DELTA: each pattern a u8 length then its ASCII bytes,
 * distinct within one frame.
 */
import type { DecodeErrorReason } from '../decode-result.js';
import { isSubjectBytes } from '../subject-syntax.js';
import { readAscii, writeAscii } from '../wire-primitives.js';

/** Writes `patterns` (validated by the caller) from `o`; returns the end offset. */
export function writePatternList(view: DataView, bytes: Uint8Array, o: number, patterns: readonly string[]): number {
  for (const pattern of patterns) {
    view.setUint8(o, pattern.length);
    o = writeAscii(bytes, o + 1, pattern);
  }
  return o;
}

/**
 * Reads `count` patterns from `cursor.offset` up to `end` into `out`, refusing one already in
 * `seen` (and adding each to it). Returns the refusal's reason, or undefined. Never throws.
 */
export function readPatternList(
  view: DataView,
  bytes: Uint8Array,
  cursor: { offset: number },
  end: number,
  count: number,
  seen: Set<string>,
  out: string[],
): DecodeErrorReason | undefined {
  let o = cursor.offset;
  for (let i = 0; i < count; i++) {
    if (o + 1 > end) return 'tooShort';
    const patternLength = view.getUint8(o);
    o += 1;
    if (patternLength > end - o) return 'tooShort';
    if (!isSubjectBytes(bytes, o, patternLength, true)) return 'badSubject';
    const pattern = readAscii(bytes, o, patternLength);
    o += patternLength;
    if (seen.has(pattern)) return 'duplicateSubject';
    seen.add(pattern);
    out.push(pattern);
  }
  cursor.offset = o;
  return undefined;
}
