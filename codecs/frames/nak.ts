/**
 * NAK: a receiver asks `target` for missing sequences of one stream, over reliable unicast.
 * Layout: docs/PROTOCOL.md "NAK".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    8 channelSeq         u64 >= 1
 *      8    4 targetIncarnation  u32
 *     12    2 rangeCount         u16 0..MAX_NAK_RANGES
 *     14    1 targetNameLength   u8 1..255
 *     15    1 subjectLength      u8 1..255
 *     16    2 fragmentRangeCount u16 0..MAX_NAK_RANGES (rangeCount + fragmentRangeCount >= 1)
 *     18    t targetName         UTF-8
 *   18+t    s subject            ASCII
 * 18+t+s      rangeCount ranges of { from u64, to u64 }: 1 <= from <= to, ascending, disjoint
 *    …        fragmentRangeCount entries of { seq u64, fromFrag u32, toFrag u32 }:
 *             seq >= 1, fromFrag <= toFrag < MAX_FRAGMENT_COUNT, ascending by (seq, fromFrag),
 *             disjoint, no seq inside a range above
 * ```
 *
 * A range asks for whole messages; a fragment range asks for some fragments of one message the
 * receiver holds part of, so a lost fragment costs one fragment's resend.
 *
 * @packageDocumentation
 */

import { MAX_FRAGMENT_COUNT, type FragmentRange, type NakFrame, type SeqRange } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import {
  assertSeq,
  assertU32,
  assertWireSubject,
  nameLength,
  readSubject,
  readU64,
  readUtf8,
  writeAscii,
  writeU64,
  writeUtf8,
} from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';

export const NAK_CHANNEL_SEQ_OFFSET = 0;
export const NAK_TARGET_INCARNATION_OFFSET = 8;
export const NAK_RANGE_COUNT_OFFSET = 12;
export const NAK_TARGET_NAME_LENGTH_OFFSET = 14;
export const NAK_SUBJECT_LENGTH_OFFSET = 15;
export const NAK_FRAGMENT_RANGE_COUNT_OFFSET = 16;
export const NAK_TARGET_NAME_OFFSET = 18;
/** Fixed part of the NAK body (target name, subject and ranges follow it). */
export const NAK_HEADER_LENGTH = 18;
/** Bytes of one range: `from` u64 then `to` u64. */
export const SEQ_RANGE_LENGTH = 16;
/** Bytes of one fragment range: `seq` u64, `fromFrag` u32, `toFrag` u32. */
export const FRAGMENT_RANGE_LENGTH = 16;
/** Most ranges one NAK may carry, and, separately, most fragment ranges. */
export const MAX_NAK_RANGES = 256;

/**
 * Whether fragment ranges are well formed (fields already known to be safe integers):
 * `seq >= 1`, `0 <= fromFrag <= toFrag < MAX_FRAGMENT_COUNT`, ascending by (seq, fromFrag),
 * disjoint, and no `seq` inside one of `ranges` (checked ascending, so O(n + m)).
 */
export function checkFragmentRanges(fragments: readonly FragmentRange[], ranges: readonly SeqRange[]): boolean {
  let prevSeq = 0;
  let prevTo = -1;
  let r = 0;
  for (const f of fragments) {
    if (f.fromFrag < 0 || f.fromFrag > f.toFrag || f.toFrag >= MAX_FRAGMENT_COUNT) return false;
    if (f.seq < prevSeq || (f.seq === prevSeq && f.fromFrag <= prevTo)) return false;
    if (f.seq !== prevSeq) prevTo = -1;
    prevSeq = f.seq;
    prevTo = f.toFrag;
    while (r < ranges.length && ranges[r].to < f.seq) r++;
    if (r < ranges.length && ranges[r].from <= f.seq) return false;
  }
  return true;
}

/**
 * Whether `ranges` are each `1 <= from <= to`, ascending and disjoint (values already known to
 * be safe integers). Also used for RETRANSMIT's per-subject unavailable ranges.
 */
export function checkRanges(ranges: readonly SeqRange[]): boolean {
  let previousTo = 0;
  for (const r of ranges) {
    if (r.from <= previousTo || r.from > r.to) return false;
    previousTo = r.to;
  }
  return true;
}

/** Size in bytes of the whole NAK frame; throws a RangeError when it cannot be encoded. */
export function nakEncodedSize(frame: NakFrame): number {
  assertSeq(frame.channelSeq, 1, 'nak.channelSeq');
  assertU32(frame.target.incarnation, 'nak.target.incarnation');
  assertWireSubject(frame.subject, false, 'nak.subject');
  const { ranges } = frame;
  const fragments = frame.fragments ?? [];
  if (ranges.length > MAX_NAK_RANGES || fragments.length > MAX_NAK_RANGES || ranges.length + fragments.length < 1) {
    throw new RangeError(
      `nak must hold 0..${MAX_NAK_RANGES} ranges and 0..${MAX_NAK_RANGES} fragment ranges, at least one in all; ` +
        `got ${ranges.length} and ${fragments.length}`,
    );
  }
  for (let i = 0; i < ranges.length; i++) {
    assertSeq(ranges[i].from, 1, `nak.ranges[${i}].from`);
    assertSeq(ranges[i].to, 1, `nak.ranges[${i}].to`);
  }
  if (!checkRanges(ranges)) throw new RangeError('nak.ranges must be ascending, disjoint, each from <= to');
  for (let i = 0; i < fragments.length; i++) {
    assertSeq(fragments[i].seq, 1, `nak.fragments[${i}].seq`);
    assertU32(fragments[i].fromFrag, `nak.fragments[${i}].fromFrag`);
    assertU32(fragments[i].toFrag, `nak.fragments[${i}].toFrag`);
  }
  if (!checkFragmentRanges(fragments, ranges)) {
    throw new RangeError(
      'nak.fragments must be ascending by (seq, fromFrag), disjoint, each fromFrag <= toFrag < MAX_FRAGMENT_COUNT, outside nak.ranges',
    );
  }
  return (
    measureHeader(frame.sender) +
    NAK_HEADER_LENGTH +
    nameLength(frame.target.name, 'nak.target.name') +
    frame.subject.length +
    ranges.length * SEQ_RANGE_LENGTH +
    fragments.length * FRAGMENT_RANGE_LENGTH
  );
}

/** Writes a NAK frame validated by {@link nakEncodedSize}; returns the end offset. */
export function writeNak(view: DataView, bytes: Uint8Array, offset: number, frame: NakFrame, size: number): number {
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.nak, frame.sender, size);
  writeU64(view, body + NAK_CHANNEL_SEQ_OFFSET, frame.channelSeq);
  view.setUint32(body + NAK_TARGET_INCARNATION_OFFSET, frame.target.incarnation, true);
  view.setUint16(body + NAK_RANGE_COUNT_OFFSET, frame.ranges.length, true);
  const nameEnd = writeUtf8(bytes, body + NAK_TARGET_NAME_OFFSET, frame.target.name);
  view.setUint8(body + NAK_TARGET_NAME_LENGTH_OFFSET, nameEnd - body - NAK_TARGET_NAME_OFFSET);
  view.setUint8(body + NAK_SUBJECT_LENGTH_OFFSET, frame.subject.length);
  const fragments = frame.fragments ?? [];
  view.setUint16(body + NAK_FRAGMENT_RANGE_COUNT_OFFSET, fragments.length, true);
  let o = writeAscii(bytes, nameEnd, frame.subject);
  for (const r of frame.ranges) {
    writeU64(view, o, r.from);
    writeU64(view, o + 8, r.to);
    o += SEQ_RANGE_LENGTH;
  }
  for (const f of fragments) {
    writeU64(view, o, f.seq);
    view.setUint32(o + 8, f.fromFrag, true);
    view.setUint32(o + 12, f.toFrag, true);
    o += FRAGMENT_RANGE_LENGTH;
  }
  return o;
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeNak(view: DataView, offset: number, frame: NakFrame): number {
  const size = nakEncodedSize(frame);
  assertFits(view, offset, size, 'nak');
  return writeNak(view, bytesOf(view), offset, frame, size);
}

/** Decodes the NAK frame in `view[offset .. offset + length)`. Never throws. */
export function decodeNak(view: DataView, offset: number, length: number): FrameDecodeResult<NakFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.nak);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < NAK_HEADER_LENGTH) return decodeFailure('tooShort');
  const channelSeq = readU64(view, body + NAK_CHANNEL_SEQ_OFFSET);
  if (channelSeq < 1) return decodeFailure('badSeq');
  const rangeCount = view.getUint16(body + NAK_RANGE_COUNT_OFFSET, true);
  const fragmentCount = view.getUint16(body + NAK_FRAGMENT_RANGE_COUNT_OFFSET, true);
  if (rangeCount === 0 && fragmentCount === 0) return decodeFailure('badCount');
  if (rangeCount > MAX_NAK_RANGES || fragmentCount > MAX_NAK_RANGES) return decodeFailure('tooMany');
  const nameBytes = view.getUint8(body + NAK_TARGET_NAME_LENGTH_OFFSET);
  if (nameBytes === 0) return decodeFailure('badName');
  const subjectBytes = view.getUint8(body + NAK_SUBJECT_LENGTH_OFFSET);
  if (subjectBytes === 0) return decodeFailure('badSubject');
  const subjectAt = body + NAK_TARGET_NAME_OFFSET + nameBytes;
  const rangesAt = subjectAt + subjectBytes;
  const rangesEnd = rangesAt + rangeCount * SEQ_RANGE_LENGTH;
  const fragmentsEnd = rangesEnd + fragmentCount * FRAGMENT_RANGE_LENGTH;
  if (fragmentsEnd > bodyEnd) return decodeFailure('tooShort');
  if (fragmentsEnd < bodyEnd) return decodeFailure('trailingBytes');
  const name = readUtf8(bytes, body + NAK_TARGET_NAME_OFFSET, nameBytes);
  if (name === undefined) return decodeFailure('badUtf8');
  const subject = readSubject(bytes, subjectAt, subjectBytes, false);
  if (subject === undefined) return decodeFailure('badSubject');
  const ranges: SeqRange[] = [];
  let previousTo = 0;
  for (let o = rangesAt; o < rangesEnd; o += SEQ_RANGE_LENGTH) {
    const from = readU64(view, o);
    const to = readU64(view, o + 8);
    if (from < 0 || to < 0) return decodeFailure('badSeq');
    if (from <= previousTo || from > to) return decodeFailure('badRange');
    previousTo = to;
    ranges.push({ from, to });
  }
  const target = { name, incarnation: view.getUint32(body + NAK_TARGET_INCARNATION_OFFSET, true) };
  if (fragmentCount === 0) {
    return { ok: true, frame: { kind: 'nak', sender: head.header.sender, channelSeq, target, subject, ranges } };
  }
  const fragments: FragmentRange[] = [];
  for (let o = rangesEnd; o < fragmentsEnd; o += FRAGMENT_RANGE_LENGTH) {
    const seq = readU64(view, o);
    if (seq < 1) return decodeFailure('badSeq');
    fragments.push({ seq, fromFrag: view.getUint32(o + 8, true), toFrag: view.getUint32(o + 12, true) });
  }
  if (!checkFragmentRanges(fragments, ranges)) return decodeFailure('badRange');
  return { ok: true, frame: { kind: 'nak', sender: head.header.sender, channelSeq, target, subject, ranges, fragments } };
}
