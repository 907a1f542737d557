/**
 * RETRANSMIT: messages resent for NAKs, plus ranges the sender can no longer serve.
 * Layout: docs/PROTOCOL.md "RETRANSMIT".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    8 channelSeq        u64 (0: sent once by multicast, else reliable-unicast channel seq)
 *      8    2 subjectCount      u16
 *     10    2 messageCount      u16
 *     12    2 unavailableCount  u16
 *     14      subject table: subjectCount entries of { subjectLength u8 1..255, subject ASCII }
 *             messages: messageCount message records (message-record.ts)
 *             unavailable: unavailableCount entries of
 *               0 2 subjectIndex u16
 *               2 8 from         u64 >= 1
 *              10 8 to           u64 >= from
 * ```
 * The table lists each subject once, in order of first use by the messages and then the
 * unavailable ranges, and every entry is used: the frame's bytes follow from its fields.
 *
 * @packageDocumentation
 */

import type { RetransmitFrame, UnavailableRange, WireMessage } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { isSubjectBytes } from '../subject-syntax.js';
import { assertSeq, assertWireSubject, readAscii, readU64, writeAscii, writeU64 } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';
import { decodeMessageRecords, measureMessage, writeMessageRecord, type RecordCursor } from './message-record.js';

export const RETRANSMIT_CHANNEL_SEQ_OFFSET = 0;
export const RETRANSMIT_SUBJECT_COUNT_OFFSET = 8;
export const RETRANSMIT_MESSAGE_COUNT_OFFSET = 10;
export const RETRANSMIT_UNAVAILABLE_COUNT_OFFSET = 12;
export const RETRANSMIT_SUBJECT_TABLE_OFFSET = 14;
/** Fixed part of the RETRANSMIT body (the subject table follows it). */
export const RETRANSMIT_HEADER_LENGTH = 14;

export const UNAVAILABLE_SUBJECT_INDEX_OFFSET = 0;
export const UNAVAILABLE_FROM_OFFSET = 2;
export const UNAVAILABLE_TO_OFFSET = 10;
/** Bytes of one unavailable-range entry. */
export const UNAVAILABLE_ENTRY_LENGTH = 18;

/** The subject table of `frame`: subjects in order of first use (messages, then unavailable). */
function subjectTable(frame: RetransmitFrame): Map<string, number> {
  const table = new Map<string, number>();
  for (const m of frame.messages) if (!table.has(m.subject)) table.set(m.subject, table.size);
  for (const u of frame.unavailable) if (!table.has(u.subject)) table.set(u.subject, table.size);
  return table;
}

/** Size in bytes of the whole RETRANSMIT frame; throws a RangeError when it cannot be encoded. */
export function retransmitEncodedSize(frame: RetransmitFrame): number {
  assertSeq(frame.channelSeq, 0, 'retransmit.channelSeq');
  const { messages, unavailable } = frame;
  if (messages.length > 0xffff || unavailable.length > 0xffff) {
    throw new RangeError('retransmit has over 65535 messages or unavailable ranges');
  }
  let size = measureHeader(frame.sender) + RETRANSMIT_HEADER_LENGTH;
  for (let i = 0; i < messages.length; i++) size += measureMessage(messages[i], i, 'retransmit');
  for (let i = 0; i < unavailable.length; i++) {
    const u = unavailable[i];
    assertSeq(u.from, 1, `retransmit.unavailable[${i}].from`);
    assertSeq(u.to, u.from, `retransmit.unavailable[${i}].to`);
  }
  size += unavailable.length * UNAVAILABLE_ENTRY_LENGTH;
  const table = subjectTable(frame);
  for (const subject of table.keys()) {
    assertWireSubject(subject, false, 'retransmit subject');
    size += 1 + subject.length;
  }
  return size;
}

/** Writes a RETRANSMIT frame validated by {@link retransmitEncodedSize}; returns the end offset. */
export function writeRetransmit(
  view: DataView,
  bytes: Uint8Array,
  offset: number,
  frame: RetransmitFrame,
  size: number,
): number {
  const table = subjectTable(frame);
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.retransmit, frame.sender, size);
  writeU64(view, body + RETRANSMIT_CHANNEL_SEQ_OFFSET, frame.channelSeq);
  view.setUint16(body + RETRANSMIT_SUBJECT_COUNT_OFFSET, table.size, true);
  view.setUint16(body + RETRANSMIT_MESSAGE_COUNT_OFFSET, frame.messages.length, true);
  view.setUint16(body + RETRANSMIT_UNAVAILABLE_COUNT_OFFSET, frame.unavailable.length, true);
  let o = body + RETRANSMIT_HEADER_LENGTH;
  for (const subject of table.keys()) {
    view.setUint8(o, subject.length);
    o = writeAscii(bytes, o + 1, subject);
  }
  for (const m of frame.messages) {
    o = writeMessageRecord(view, bytes, o, m.seq, m.flags, table.get(m.subject) as number, m.replyTo, m.payload, m.fragIndex, m.fragCount);
  }
  for (const u of frame.unavailable) {
    view.setUint16(o + UNAVAILABLE_SUBJECT_INDEX_OFFSET, table.get(u.subject) as number, true);
    writeU64(view, o + UNAVAILABLE_FROM_OFFSET, u.from);
    writeU64(view, o + UNAVAILABLE_TO_OFFSET, u.to);
    o += UNAVAILABLE_ENTRY_LENGTH;
  }
  return o;
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeRetransmit(view: DataView, offset: number, frame: RetransmitFrame): number {
  const size = retransmitEncodedSize(frame);
  assertFits(view, offset, size, 'retransmit');
  return writeRetransmit(view, bytesOf(view), offset, frame, size);
}

/**
 * Decodes the RETRANSMIT frame in `view[offset .. offset + length)`. Payloads are views into
 * the same memory. Never throws.
 */
export function decodeRetransmit(view: DataView, offset: number, length: number): FrameDecodeResult<RetransmitFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.retransmit);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < RETRANSMIT_HEADER_LENGTH) return decodeFailure('tooShort');
  const channelSeq = readU64(view, body + RETRANSMIT_CHANNEL_SEQ_OFFSET);
  if (channelSeq < 0) return decodeFailure('badSeq');
  const subjectCount = view.getUint16(body + RETRANSMIT_SUBJECT_COUNT_OFFSET, true);
  const messageCount = view.getUint16(body + RETRANSMIT_MESSAGE_COUNT_OFFSET, true);
  const unavailableCount = view.getUint16(body + RETRANSMIT_UNAVAILABLE_COUNT_OFFSET, true);
  let o = body + RETRANSMIT_HEADER_LENGTH;
  if (subjectCount * 2 + unavailableCount * UNAVAILABLE_ENTRY_LENGTH > bodyEnd - o) return decodeFailure('tooShort');

  const subjects: string[] = [];
  let seen: Set<string> | undefined;
  for (let i = 0; i < subjectCount; i++) {
    if (o + 1 > bodyEnd) return decodeFailure('tooShort');
    const subjectLength = view.getUint8(o);
    o += 1;
    if (subjectLength > bodyEnd - o) return decodeFailure('tooShort');
    if (!isSubjectBytes(bytes, o, subjectLength, false)) return decodeFailure('badSubject');
    const subject = readAscii(bytes, o, subjectLength);
    o += subjectLength;
    if (i > 0) {
      seen ??= new Set(subjects);
      if (seen.has(subject)) return decodeFailure('duplicateSubject');
      seen.add(subject);
    }
    subjects.push(subject);
  }

  const messages: WireMessage[] = [];
  const cursor: RecordCursor = { offset: o, usedSubjects: 0 };
  const failure = decodeMessageRecords(view, bytes, cursor, bodyEnd, messageCount, subjects, undefined, true, messages);
  if (failure !== undefined) return decodeFailure(failure);
  o = cursor.offset;

  const unavailableEnd = o + unavailableCount * UNAVAILABLE_ENTRY_LENGTH;
  if (unavailableEnd > bodyEnd) return decodeFailure('tooShort');
  const unavailable: UnavailableRange[] = [];
  let usedSubjects = cursor.usedSubjects;
  for (; o < unavailableEnd; o += UNAVAILABLE_ENTRY_LENGTH) {
    const index = view.getUint16(o + UNAVAILABLE_SUBJECT_INDEX_OFFSET, true);
    if (index >= subjectCount || index > usedSubjects) return decodeFailure('badIndex');
    if (index === usedSubjects) usedSubjects++;
    const from = readU64(view, o + UNAVAILABLE_FROM_OFFSET);
    const to = readU64(view, o + UNAVAILABLE_TO_OFFSET);
    if (from < 1 || to < 1) return decodeFailure('badSeq');
    if (from > to) return decodeFailure('badRange');
    unavailable.push({ subject: subjects[index], from, to });
  }
  if (usedSubjects !== subjectCount) return decodeFailure('unusedSubject');
  if (o !== bodyEnd) return decodeFailure('trailingBytes');
  return { ok: true, frame: { kind: 'retransmit', sender: head.header.sender, channelSeq, messages, unavailable } };
}
