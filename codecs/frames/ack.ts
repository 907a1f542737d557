/**
 * ACK: acknowledges reliable-unicast frames of `target` and reports stream positions for flow
 * control. Layout: docs/PROTOCOL.md "ACK".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    8 cumulativeSeq      u64 (0: nothing received yet)
 *      8    4 targetIncarnation  u32
 *     12    2 selectiveCount     u16 0..MAX_ACK_SELECTIVE
 *     14    2 positionCount      u16
 *     16    1 targetNameLength   u8 1..255
 *     17    t targetName         UTF-8
 *   17+t      selective: selectiveCount u64, strictly ascending, each > cumulativeSeq
 *             positions: positionCount entries of
 *               0 8 seq            u64 (0 allowed: nothing delivered yet)
 *               8 1 subjectLength  u8 1..255
 *               9 s subject        ASCII, unique within the frame
 * ```
 *
 * @packageDocumentation
 */

import type { AckFrame, StreamPosition } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { isSubjectBytes } from '../subject-syntax.js';
import {
  assertSeq,
  assertU32,
  assertWireSubject,
  nameLength,
  readAscii,
  readU64,
  readUtf8,
  writeAscii,
  writeU64,
  writeUtf8,
} from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';

export const ACK_CUMULATIVE_SEQ_OFFSET = 0;
export const ACK_TARGET_INCARNATION_OFFSET = 8;
export const ACK_SELECTIVE_COUNT_OFFSET = 12;
export const ACK_POSITION_COUNT_OFFSET = 14;
export const ACK_TARGET_NAME_LENGTH_OFFSET = 16;
export const ACK_TARGET_NAME_OFFSET = 17;
/** Fixed part of the ACK body (target name, selective acks and positions follow it). */
export const ACK_HEADER_LENGTH = 17;
/** Bytes of one selective ack. */
export const ACK_SELECTIVE_LENGTH = 8;

export const POSITION_SEQ_OFFSET = 0;
export const POSITION_SUBJECT_LENGTH_OFFSET = 8;
export const POSITION_SUBJECT_OFFSET = 9;
/** Fixed part of a position entry (the subject follows it). */
export const POSITION_HEADER_LENGTH = 9;
/** Most selective acks one ACK may carry. */
export const MAX_ACK_SELECTIVE = 256;

/** Size in bytes of the whole ACK frame; throws a RangeError when it cannot be encoded. */
export function ackEncodedSize(frame: AckFrame): number {
  assertSeq(frame.cumulativeSeq, 0, 'ack.cumulativeSeq');
  assertU32(frame.target.incarnation, 'ack.target.incarnation');
  const { selective, positions } = frame;
  if (selective.length > MAX_ACK_SELECTIVE) {
    throw new RangeError(`ack.selective holds at most ${MAX_ACK_SELECTIVE} entries, got ${selective.length}`);
  }
  let previous = frame.cumulativeSeq;
  for (let i = 0; i < selective.length; i++) {
    assertSeq(selective[i], previous + 1, `ack.selective[${i}] (ascending, above cumulativeSeq)`);
    previous = selective[i];
  }
  if (positions.length > 0xffff) throw new RangeError('ack has over 65535 positions');
  let size =
    measureHeader(frame.sender) +
    ACK_HEADER_LENGTH +
    nameLength(frame.target.name, 'ack.target.name') +
    selective.length * ACK_SELECTIVE_LENGTH;
  const seen = new Set<string>();
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    assertWireSubject(p.subject, false, `ack.positions[${i}].subject`);
    assertSeq(p.seq, 0, `ack.positions[${i}].seq`);
    if (seen.has(p.subject)) throw new RangeError(`ack.positions[${i}]: subject ${p.subject} appears twice`);
    seen.add(p.subject);
    size += POSITION_HEADER_LENGTH + p.subject.length;
  }
  return size;
}

/** Writes an ACK frame validated by {@link ackEncodedSize}; returns the end offset. */
export function writeAck(view: DataView, bytes: Uint8Array, offset: number, frame: AckFrame, size: number): number {
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.ack, frame.sender, size);
  writeU64(view, body + ACK_CUMULATIVE_SEQ_OFFSET, frame.cumulativeSeq);
  view.setUint32(body + ACK_TARGET_INCARNATION_OFFSET, frame.target.incarnation, true);
  view.setUint16(body + ACK_SELECTIVE_COUNT_OFFSET, frame.selective.length, true);
  view.setUint16(body + ACK_POSITION_COUNT_OFFSET, frame.positions.length, true);
  let o = writeUtf8(bytes, body + ACK_TARGET_NAME_OFFSET, frame.target.name);
  view.setUint8(body + ACK_TARGET_NAME_LENGTH_OFFSET, o - body - ACK_TARGET_NAME_OFFSET);
  for (const seq of frame.selective) {
    writeU64(view, o, seq);
    o += ACK_SELECTIVE_LENGTH;
  }
  for (const p of frame.positions) {
    writeU64(view, o + POSITION_SEQ_OFFSET, p.seq);
    view.setUint8(o + POSITION_SUBJECT_LENGTH_OFFSET, p.subject.length);
    o = writeAscii(bytes, o + POSITION_SUBJECT_OFFSET, p.subject);
  }
  return o;
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeAck(view: DataView, offset: number, frame: AckFrame): number {
  const size = ackEncodedSize(frame);
  assertFits(view, offset, size, 'ack');
  return writeAck(view, bytesOf(view), offset, frame, size);
}

/** Decodes the ACK frame in `view[offset .. offset + length)`. Never throws. */
export function decodeAck(view: DataView, offset: number, length: number): FrameDecodeResult<AckFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.ack);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < ACK_HEADER_LENGTH) return decodeFailure('tooShort');
  const cumulativeSeq = readU64(view, body + ACK_CUMULATIVE_SEQ_OFFSET);
  if (cumulativeSeq < 0) return decodeFailure('badSeq');
  const selectiveCount = view.getUint16(body + ACK_SELECTIVE_COUNT_OFFSET, true);
  if (selectiveCount > MAX_ACK_SELECTIVE) return decodeFailure('tooMany');
  const positionCount = view.getUint16(body + ACK_POSITION_COUNT_OFFSET, true);
  const nameBytes = view.getUint8(body + ACK_TARGET_NAME_LENGTH_OFFSET);
  if (nameBytes === 0) return decodeFailure('badName');
  let o = body + ACK_TARGET_NAME_OFFSET + nameBytes;
  const selectiveEnd = o + selectiveCount * ACK_SELECTIVE_LENGTH;
  if (selectiveEnd + positionCount * (POSITION_HEADER_LENGTH + 1) > bodyEnd) return decodeFailure('tooShort');
  const name = readUtf8(bytes, body + ACK_TARGET_NAME_OFFSET, nameBytes);
  if (name === undefined) return decodeFailure('badUtf8');

  const selective: number[] = [];
  let previous = cumulativeSeq;
  for (; o < selectiveEnd; o += ACK_SELECTIVE_LENGTH) {
    const seq = readU64(view, o);
    if (seq < 0) return decodeFailure('badSeq');
    if (seq <= previous) return decodeFailure('badRange');
    previous = seq;
    selective.push(seq);
  }

  const positions: StreamPosition[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < positionCount; i++) {
    if (o + POSITION_HEADER_LENGTH > bodyEnd) return decodeFailure('tooShort');
    const seq = readU64(view, o + POSITION_SEQ_OFFSET);
    if (seq < 0) return decodeFailure('badSeq');
    const subjectLength = view.getUint8(o + POSITION_SUBJECT_LENGTH_OFFSET);
    o += POSITION_SUBJECT_OFFSET;
    if (subjectLength > bodyEnd - o) return decodeFailure('tooShort');
    if (!isSubjectBytes(bytes, o, subjectLength, false)) return decodeFailure('badSubject');
    const subject = readAscii(bytes, o, subjectLength);
    o += subjectLength;
    if (seen.has(subject)) return decodeFailure('duplicateSubject');
    seen.add(subject);
    positions.push({ subject, seq });
  }
  if (o !== bodyEnd) return decodeFailure('trailingBytes');
  const target = { name, incarnation: view.getUint32(body + ACK_TARGET_INCARNATION_OFFSET, true) };
  return {
    ok: true,
    frame: { kind: 'ack', sender: head.header.sender, target, cumulativeSeq, selective, positions },
  };
}
