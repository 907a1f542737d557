/**
 * HEARTBEAT: the newest sequence of each recently active stream, so tail loss shows.
 * Layout: docs/PROTOCOL.md "HEARTBEAT".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    2 streamCount  u16 (0 allowed: a liveness-only heartbeat)
 *      2      streamCount entries of
 *               0 8 startSeq       u64 >= 1
 *               8 8 lowSeq         u64 >= 1, <= highSeq + 1
 *              16 8 highSeq        u64 >= startSeq - 1
 *              24 4 ageMs          u32 ms since the stream's first message; 0xFFFFFFFF unknown
 *              28 1 flags          bit 0 resumed; other bits 0 (stream-entry-flags.ts)
 *              29 1 subjectLength  u8 1..255
 *              30 s subject        ASCII, unique within the frame
 *            30+s 12 resumed       resumedSeq u64, resumedAgeMs u32 (with flag resumed only)
 * ```
 *
 * This body, the stream list, is also the BYE body (each stream's final entry): BYE encodes
 * and decodes it with {@link streamListLength}, {@link writeStreamList} and
 * {@link readStreamList}, so both frames validate their entries alike.
 *
 * @packageDocumentation
 */

import { UNKNOWN_STREAM_AGE, wireStreamAge, type HeartbeatFrame, type StreamInfo } from '../frame.js';
import { decodeFailure, type DecodeErrorReason, type FrameDecodeResult } from '../decode-result.js';
import { isSubjectBytes } from '../subject-syntax.js';
import { assertSeq, assertWireSubject, readAscii, readU64, writeAscii, writeU64 } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';
import { assertResumed, readResumed, RESUMED_LENGTH, resumedLength, streamEntryFlags, writeResumed } from './stream-entry-flags.js';

export const HEARTBEAT_STREAM_COUNT_OFFSET = 0;
export const HEARTBEAT_STREAMS_OFFSET = 2;
/** Fixed part of the HEARTBEAT body (the stream entries follow it). */
export const HEARTBEAT_HEADER_LENGTH = 2;

export const HEARTBEAT_ENTRY_START_SEQ_OFFSET = 0;
export const HEARTBEAT_ENTRY_LOW_SEQ_OFFSET = 8;
export const HEARTBEAT_ENTRY_HIGH_SEQ_OFFSET = 16;
export const HEARTBEAT_ENTRY_AGE_OFFSET = 24;
export const HEARTBEAT_ENTRY_FLAGS_OFFSET = 28;
export const HEARTBEAT_ENTRY_SUBJECT_LENGTH_OFFSET = 29;
export const HEARTBEAT_ENTRY_SUBJECT_OFFSET = 30;
/** Fixed part of a HEARTBEAT stream entry (the subject, then the optional resumed part, follow it). */
export const HEARTBEAT_ENTRY_HEADER_LENGTH = 30;

/** Whether the three sequence numbers of a stream are consistent (all already >= 0 and safe). */
function isStreamInfoSeqs(startSeq: number, lowSeq: number, highSeq: number): boolean {
  return startSeq >= 1 && lowSeq >= 1 && highSeq >= startSeq - 1 && lowSeq <= highSeq + 1;
}

/**
 * Bytes of a stream list (`streams` as a HEARTBEAT or BYE body); throws a RangeError naming
 * `what` (`'heartbeat'`, `'bye'`) when an entry cannot be encoded.
 */
export function streamListLength(streams: readonly StreamInfo[], what: string): number {
  if (streams.length > 0xffff) throw new RangeError(`${what} has over 65535 streams`);
  let size = HEARTBEAT_HEADER_LENGTH;
  const seen = new Set<string>();
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i];
    assertWireSubject(s.subject, false, `${what}.streams[${i}].subject`);
    assertSeq(s.startSeq, 1, `${what}.streams[${i}].startSeq`);
    assertSeq(s.lowSeq, 1, `${what}.streams[${i}].lowSeq`);
    assertSeq(s.highSeq, 0, `${what}.streams[${i}].highSeq`);
    if (!isStreamInfoSeqs(s.startSeq, s.lowSeq, s.highSeq)) {
      throw new RangeError(
        `${what}.streams[${i}] needs highSeq >= startSeq - 1 and lowSeq <= highSeq + 1, got ` +
          `startSeq ${s.startSeq}, lowSeq ${s.lowSeq}, highSeq ${s.highSeq}`,
      );
    }
    assertResumed(s.resumed, s.startSeq, `${what}.streams[${i}]`);
    if (seen.has(s.subject)) throw new RangeError(`${what}.streams[${i}]: subject ${s.subject} appears twice`);
    seen.add(s.subject);
    size += streamEntryLength(s);
  }
  return size;
}

/**
 * Bytes one stream entry adds to a stream list (the subject is ASCII: one byte a character).
 * Packing uses it to cut lists into datagrams; the frame's encoding validates the entries.
 */
export function streamEntryLength(s: StreamInfo): number {
  return HEARTBEAT_ENTRY_HEADER_LENGTH + s.subject.length + resumedLength(s.resumed);
}

/** Writes a stream list validated by {@link streamListLength} at `offset`; returns the end offset. */
export function writeStreamList(view: DataView, bytes: Uint8Array, offset: number, streams: readonly StreamInfo[]): number {
  view.setUint16(offset + HEARTBEAT_STREAM_COUNT_OFFSET, streams.length, true);
  let o = offset + HEARTBEAT_HEADER_LENGTH;
  for (const s of streams) {
    writeU64(view, o + HEARTBEAT_ENTRY_START_SEQ_OFFSET, s.startSeq);
    writeU64(view, o + HEARTBEAT_ENTRY_LOW_SEQ_OFFSET, s.lowSeq);
    writeU64(view, o + HEARTBEAT_ENTRY_HIGH_SEQ_OFFSET, s.highSeq);
    view.setUint32(o + HEARTBEAT_ENTRY_AGE_OFFSET, wireStreamAge(s.ageMs), true);
    view.setUint8(o + HEARTBEAT_ENTRY_FLAGS_OFFSET, streamEntryFlags(s.resumed));
    view.setUint8(o + HEARTBEAT_ENTRY_SUBJECT_LENGTH_OFFSET, s.subject.length);
    o = writeResumed(view, writeAscii(bytes, o + HEARTBEAT_ENTRY_SUBJECT_OFFSET, s.subject), s.resumed);
  }
  return o;
}

/**
 * Reads the stream list that fills exactly `view[offset .. end)` (a HEARTBEAT or BYE body).
 * Never throws; the first broken rule gives the reason.
 */
export function readStreamList(
  view: DataView,
  bytes: Uint8Array,
  offset: number,
  end: number,
): { readonly ok: true; readonly streams: StreamInfo[] } | { readonly ok: false; readonly reason: DecodeErrorReason } {
  if (end - offset < HEARTBEAT_HEADER_LENGTH) return decodeFailure('tooShort');
  const count = view.getUint16(offset + HEARTBEAT_STREAM_COUNT_OFFSET, true);
  let o = offset + HEARTBEAT_HEADER_LENGTH;
  if (count * (HEARTBEAT_ENTRY_HEADER_LENGTH + 1) > end - o) return decodeFailure('tooShort');
  const streams: StreamInfo[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    if (o + HEARTBEAT_ENTRY_HEADER_LENGTH > end) return decodeFailure('tooShort');
    const startSeq = readU64(view, o + HEARTBEAT_ENTRY_START_SEQ_OFFSET);
    const lowSeq = readU64(view, o + HEARTBEAT_ENTRY_LOW_SEQ_OFFSET);
    const highSeq = readU64(view, o + HEARTBEAT_ENTRY_HIGH_SEQ_OFFSET);
    const age = view.getUint32(o + HEARTBEAT_ENTRY_AGE_OFFSET, true);
    if (startSeq < 0 || lowSeq < 0 || highSeq < 0 || !isStreamInfoSeqs(startSeq, lowSeq, highSeq)) {
      return decodeFailure('badSeq');
    }
    const flags = view.getUint8(o + HEARTBEAT_ENTRY_FLAGS_OFFSET);
    const subjectLength = view.getUint8(o + HEARTBEAT_ENTRY_SUBJECT_LENGTH_OFFSET);
    o += HEARTBEAT_ENTRY_SUBJECT_OFFSET;
    if (subjectLength > end - o) return decodeFailure('tooShort');
    if (!isSubjectBytes(bytes, o, subjectLength, false)) return decodeFailure('badSubject');
    const subject = readAscii(bytes, o, subjectLength);
    o += subjectLength;
    const resumed = readResumed(view, o, end, flags, startSeq);
    if (typeof resumed === 'string') return decodeFailure(resumed);
    if (resumed !== undefined) o += RESUMED_LENGTH;
    if (seen.has(subject)) return decodeFailure('duplicateSubject');
    seen.add(subject);
    const ageMs = age === UNKNOWN_STREAM_AGE ? undefined : age;
    if (resumed !== undefined) streams.push(ageMs === undefined ? { subject, startSeq, lowSeq, highSeq, resumed } : { subject, startSeq, lowSeq, highSeq, ageMs, resumed });
    else streams.push(ageMs === undefined ? { subject, startSeq, lowSeq, highSeq } : { subject, startSeq, lowSeq, highSeq, ageMs });
  }
  if (o !== end) return decodeFailure('trailingBytes');
  return { ok: true, streams };
}

/** Size in bytes of the whole HEARTBEAT frame; throws a RangeError when it cannot be encoded. */
export function heartbeatEncodedSize(frame: HeartbeatFrame): number {
  return measureHeader(frame.sender) + streamListLength(frame.streams, 'heartbeat');
}

/** Writes a HEARTBEAT frame validated by {@link heartbeatEncodedSize}; returns the end offset. */
export function writeHeartbeat(
  view: DataView,
  bytes: Uint8Array,
  offset: number,
  frame: HeartbeatFrame,
  size: number,
): number {
  const o = writeHeader(view, bytes, offset, FRAME_TYPE.heartbeat, frame.sender, size);
  return writeStreamList(view, bytes, o, frame.streams);
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeHeartbeat(view: DataView, offset: number, frame: HeartbeatFrame): number {
  const size = heartbeatEncodedSize(frame);
  assertFits(view, offset, size, 'heartbeat');
  return writeHeartbeat(view, bytesOf(view), offset, frame, size);
}

/** Decodes the HEARTBEAT frame in `view[offset .. offset + length)`. Never throws. */
export function decodeHeartbeat(view: DataView, offset: number, length: number): FrameDecodeResult<HeartbeatFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.heartbeat);
  if (!head.ok) return head;
  const list = readStreamList(view, bytes, head.header.bodyOffset, head.header.bodyEnd);
  if (!list.ok) return list;
  return { ok: true, frame: { kind: 'heartbeat', sender: head.header.sender, streams: list.streams } };
}
