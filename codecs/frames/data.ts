/**
 * DATA: a batch of messages, possibly of several subjects, sent once by multicast (or unicast
 * in fallback mode). Layout: docs/PROTOCOL.md "DATA".
 *
 * Body (offsets relative to the body start, right after the sender name):
 * ```
 * offset size field
 *      0    2 streamCount   u16 >= 1: entries in the subject table
 *      2    2 messageCount  u16 >= 1
 *      4      stream table: streamCount entries of
 *               0 8 startSeq       u64 >= 1
 *               8 4 ageMs          u32 ms since the stream's first message; 0xFFFFFFFF unknown
 *              12 1 flags          bit 0 resumed; other bits 0 (stream-entry-flags.ts)
 *              13 1 subjectLength  u8 1..255
 *              14 s subject        ASCII
 *            14+s 12 resumed       resumedSeq u64, resumedAgeMs u32 (with flag resumed only)
 *             messages: messageCount message records (message-record.ts)
 * ```
 * Every table entry is used by at least one message, subjects are unique, and each message's
 * seq is at least its stream's `startSeq`. The table keeps the order of `frame.streams`.
 *
 * @packageDocumentation
 */

import { UNKNOWN_STREAM_AGE, wireStreamAge, type DataFrame, type PeerId, type StreamStart, type WireMessage } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { isSubjectBytes } from '../subject-syntax.js';
import { assertSeq, assertWireSubject, readAscii, readU64, writeAscii, writeU64 } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';
import {
  assertResumed,
  readResumed,
  RESUMED_LENGTH,
  resumedLength,
  STREAM_ENTRY_RESUMED,
  streamEntryFlags,
  writeResumed,
} from './stream-entry-flags.js';
import {
  clearUsedMarks,
  decodeMessageRecords,
  measureMessage,
  writeMessageRecord,
  type RecordCursor,
} from './message-record.js';

export const DATA_STREAM_COUNT_OFFSET = 0;
export const DATA_MESSAGE_COUNT_OFFSET = 2;
export const DATA_STREAM_TABLE_OFFSET = 4;
/** Fixed part of the DATA body (the stream table follows it). */
export const DATA_HEADER_LENGTH = 4;

export const STREAM_ENTRY_START_SEQ_OFFSET = 0;
export const STREAM_ENTRY_AGE_OFFSET = 8;
export const STREAM_ENTRY_FLAGS_OFFSET = 12;
export const STREAM_ENTRY_SUBJECT_LENGTH_OFFSET = 13;
export const STREAM_ENTRY_SUBJECT_OFFSET = 14;
/** Fixed part of a DATA stream-table entry (the subject, then the optional resumed part, follow it). */
export const STREAM_ENTRY_HEADER_LENGTH = 14;

/** Bytes of the DATA stream-table entry at `o` (fixed part, subject, optional resumed part). */
export function dataStreamEntryLength(view: DataView, o: number): number {
  const flags = view.getUint8(o + STREAM_ENTRY_FLAGS_OFFSET);
  return STREAM_ENTRY_SUBJECT_OFFSET + view.getUint8(o + STREAM_ENTRY_SUBJECT_LENGTH_OFFSET) + ((flags & STREAM_ENTRY_RESUMED) === 0 ? 0 : RESUMED_LENGTH);
}

/** Index of each subject in `frame.streams`; throws on a duplicate or invalid entry. */
function streamIndex(streams: readonly StreamStart[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < streams.length; i++) {
    const { subject, startSeq, resumed } = streams[i];
    assertWireSubject(subject, false, `data.streams[${i}].subject`);
    assertSeq(startSeq, 1, `data.streams[${i}].startSeq`);
    assertResumed(resumed, startSeq, `data.streams[${i}]`);
    if (index.has(subject)) throw new RangeError(`data.streams[${i}]: subject ${subject} appears twice`);
    index.set(subject, i);
  }
  return index;
}

/**
 * Size in bytes of the whole DATA frame; throws a RangeError when `frame` cannot be encoded
 * (invalid field, a message whose subject is not in `streams`, an unused stream, a message
 * below its stream's `startSeq`, no message).
 */
export function dataEncodedSize(frame: DataFrame): number {
  const { streams, messages } = frame;
  if (streams.length < 1 || messages.length < 1) throw new RangeError('data frame needs at least one message');
  if (streams.length > 0xffff || messages.length > 0xffff) throw new RangeError('data frame has over 65535 entries');
  const index = streamIndex(streams);
  let size = measureHeader(frame.sender) + DATA_HEADER_LENGTH;
  for (let i = 0; i < streams.length; i++) size += STREAM_ENTRY_HEADER_LENGTH + streams[i].subject.length + resumedLength(streams[i].resumed);
  const used = new Uint8Array(streams.length);
  let usedCount = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const streamAt = index.get(message.subject);
    if (streamAt === undefined) {
      throw new RangeError(`data.messages[${i}].subject ${String(message.subject)} is not in data.streams`);
    }
    size += measureMessage(message, i, 'data');
    if (message.seq < streams[streamAt].startSeq) {
      throw new RangeError(`data.messages[${i}].seq ${message.seq} is below its stream's startSeq`);
    }
    if (used[streamAt] === 0) {
      used[streamAt] = 1;
      usedCount++;
    }
  }
  if (usedCount !== streams.length) throw new RangeError('data.streams holds a subject no message uses');
  return size;
}

/** Writes a DATA frame validated by {@link dataEncodedSize} of `size` bytes; returns the end offset. */
export function writeData(view: DataView, bytes: Uint8Array, offset: number, frame: DataFrame, size: number): number {
  const { streams, messages } = frame;
  let o = writeHeader(view, bytes, offset, FRAME_TYPE.data, frame.sender, size);
  view.setUint16(o + DATA_STREAM_COUNT_OFFSET, streams.length, true);
  view.setUint16(o + DATA_MESSAGE_COUNT_OFFSET, messages.length, true);
  o += DATA_HEADER_LENGTH;
  const index = new Map<string, number>();
  for (let i = 0; i < streams.length; i++) {
    const { subject, startSeq, ageMs, resumed } = streams[i];
    index.set(subject, i);
    writeU64(view, o + STREAM_ENTRY_START_SEQ_OFFSET, startSeq);
    view.setUint32(o + STREAM_ENTRY_AGE_OFFSET, wireStreamAge(ageMs), true);
    view.setUint8(o + STREAM_ENTRY_FLAGS_OFFSET, streamEntryFlags(resumed));
    view.setUint8(o + STREAM_ENTRY_SUBJECT_LENGTH_OFFSET, subject.length);
    o = writeResumed(view, writeAscii(bytes, o + STREAM_ENTRY_SUBJECT_OFFSET, subject), resumed);
  }
  let lastSubject = '';
  let lastIndex = -1;
  for (let i = 0; i < messages.length; i++) {
    const m: WireMessage = messages[i];
    if (m.subject !== lastSubject) {
      lastSubject = m.subject;
      lastIndex = index.get(m.subject) as number;
    }
    o = writeMessageRecord(view, bytes, o, m.seq, m.flags, lastIndex, m.replyTo, m.payload, m.fragIndex, m.fragCount);
  }
  return o;
}

/**
 * Encodes `frame` at `offset` of `view`; returns the end offset. Throws a RangeError when the
 * frame is invalid (see {@link dataEncodedSize}) or does not fit.
 */
export function encodeData(view: DataView, offset: number, frame: DataFrame): number {
  const size = dataEncodedSize(frame);
  assertFits(view, offset, size, 'data');
  return writeData(view, bytesOf(view), offset, frame, size);
}

/**
 * Decodes the DATA frame in `view[offset .. offset + length)`. Payloads are views into the
 * same memory (no copies). Never throws.
 */
export function decodeData(view: DataView, offset: number, length: number): FrameDecodeResult<DataFrame> {
  const bytes = bytesOf(view);
  const t = decodeDataTable(view, bytes, offset, length);
  if (!t.ok) return t;
  const { sender, streams, subjects, startSeqs, cursor, bodyEnd, messageCount } = t.frame;
  const messages: WireMessage[] = [];
  const failure = decodeMessageRecords(view, bytes, cursor, bodyEnd, messageCount, subjects, startSeqs, false, messages);
  if (failure !== undefined) return decodeFailure(failure);
  if (cursor.usedSubjects !== streams.length) return decodeFailure('unusedSubject');
  if (cursor.offset !== bodyEnd) return decodeFailure('trailingBytes');
  return { ok: true, frame: { kind: 'data', sender, streams, messages } };
}

/**
 * What {@link decodeDataTable} read: the header and stream table of a DATA frame, and where its
 * records begin (`cursor`, table marks cleared) and end.
 */
export interface DataTable {
  readonly sender: PeerId;
  readonly streams: StreamStart[];
  readonly subjects: string[];
  readonly startSeqs: number[];
  readonly cursor: RecordCursor;
  readonly bodyEnd: number;
  readonly messageCount: number;
}

/**
 * Decodes the header and stream table of the DATA frame in `view[offset .. offset + length)`,
 * checking everything but the records, which the caller decodes from `cursor` (as
 * {@link decodeData} does, or {@link decodeDataRecords} without a message object per record).
 * Never throws.
 */
export function decodeDataTable(view: DataView, bytes: Uint8Array, offset: number, length: number): FrameDecodeResult<DataTable> {
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.data);
  if (!head.ok) return head;
  const { bodyOffset, bodyEnd } = head.header;
  if (bodyEnd - bodyOffset < DATA_HEADER_LENGTH) return decodeFailure('tooShort');
  const streamCount = view.getUint16(bodyOffset + DATA_STREAM_COUNT_OFFSET, true);
  const messageCount = view.getUint16(bodyOffset + DATA_MESSAGE_COUNT_OFFSET, true);
  if (streamCount === 0 || messageCount === 0) return decodeFailure('badCount');
  let o = bodyOffset + DATA_HEADER_LENGTH;
  if (streamCount * (STREAM_ENTRY_HEADER_LENGTH + 1) > bodyEnd - o) return decodeFailure('tooShort');

  const streams: StreamStart[] = [];
  const subjects: string[] = [];
  const startSeqs: number[] = [];
  let seen: Set<string> | undefined;
  for (let i = 0; i < streamCount; i++) {
    if (o + STREAM_ENTRY_HEADER_LENGTH > bodyEnd) return decodeFailure('tooShort');
    const startSeq = readU64(view, o + STREAM_ENTRY_START_SEQ_OFFSET);
    if (startSeq < 1) return decodeFailure('badSeq');
    const age = view.getUint32(o + STREAM_ENTRY_AGE_OFFSET, true);
    const flags = view.getUint8(o + STREAM_ENTRY_FLAGS_OFFSET);
    const subjectLength = view.getUint8(o + STREAM_ENTRY_SUBJECT_LENGTH_OFFSET);
    o += STREAM_ENTRY_SUBJECT_OFFSET;
    if (subjectLength > bodyEnd - o) return decodeFailure('tooShort');
    if (!isSubjectBytes(bytes, o, subjectLength, false)) return decodeFailure('badSubject');
    const subject = readAscii(bytes, o, subjectLength);
    o += subjectLength;
    const resumed = readResumed(view, o, bodyEnd, flags, startSeq);
    if (typeof resumed === 'string') return decodeFailure(resumed);
    if (resumed !== undefined) o += RESUMED_LENGTH;
    if (i > 0) {
      seen ??= new Set(subjects);
      if (seen.has(subject)) return decodeFailure('duplicateSubject');
      seen.add(subject);
    }
    subjects.push(subject);
    startSeqs.push(startSeq);
    if (resumed !== undefined) streams.push(age === UNKNOWN_STREAM_AGE ? { subject, startSeq, resumed } : { subject, startSeq, ageMs: age, resumed });
    else streams.push(age === UNKNOWN_STREAM_AGE ? { subject, startSeq } : { subject, startSeq, ageMs: age });
  }
  clearUsedMarks(streamCount);
  const cursor: RecordCursor = { offset: o, usedSubjects: 0 };
  return { ok: true, frame: { sender: head.header.sender, streams, subjects, startSeqs, cursor, bodyEnd, messageCount } };
}
