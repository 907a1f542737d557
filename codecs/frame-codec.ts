/**
 * Whole-frame encode and decode: dispatches on the frame kind (encode) or the wire type byte
 * (decode) to the per-frame files in `frames/`. Layouts: docs/PROTOCOL.md.
 *
 * Encoding validates the frame and throws a RangeError (TypeError for a payload that is not a
 * Uint8Array) on a frame that could not be decoded back: that is a bug in the caller. Decoding
 * never throws: any byte string yields a valid frame or `{ ok: false, reason }`, reads only
 * inside the given bytes, and sizes every array from bytes actually present.
 *
 * @packageDocumentation
 */

import type { Frame } from './frame.js';
import { decodeFailure, type DecodeResult, type FrameDecodeResult } from './decode-result.js';
import { decodeDataRecords, type DataRecords } from './data-records.js';
import { decodeAck, ackEncodedSize, writeAck } from './frames/ack.js';
import { advertEncodedSize, decodeAdvert, writeAdvert } from './frames/advert.js';
import { byeEncodedSize, decodeBye, writeBye } from './frames/bye.js';
import { dataEncodedSize, decodeData, writeData } from './frames/data.js';
import {
  FRAME_TYPE,
  HEADER_LENGTH,
  MAGIC,
  MAGIC_OFFSET,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  TYPE_OFFSET,
  VERSION_OFFSET,
} from './frames/header.js';
import { decodeHeartbeat, heartbeatEncodedSize, writeHeartbeat } from './frames/heartbeat.js';
import { decodeNak, nakEncodedSize, writeNak } from './frames/nak.js';
import { decodePatternsDelta, patternsDeltaEncodedSize, writePatternsDelta } from './frames/patterns-delta.js';
import { decodePatternsDeltaRequest, patternsDeltaRequestEncodedSize, writePatternsDeltaRequest } from './frames/patterns-delta-request.js';
import { decodePatternsRequest, patternsRequestEncodedSize, writePatternsRequest } from './frames/patterns-request.js';
import { decodeRetransmit, retransmitEncodedSize, writeRetransmit } from './frames/retransmit.js';

function unknownKind(frame: never): never {
  throw new RangeError(`unknown frame kind ${JSON.stringify((frame as { kind?: unknown }).kind)}`);
}

/**
 * Bytes `frame` takes on the wire. Validates the frame: throws a RangeError when it cannot be
 * encoded (same checks as {@link encodeFrame}, except the {@link MAX_FRAME_BYTES} bound).
 */
export function encodedSize(frame: Frame): number {
  switch (frame.kind) {
    case 'data':
      return dataEncodedSize(frame);
    case 'heartbeat':
      return heartbeatEncodedSize(frame);
    case 'nak':
      return nakEncodedSize(frame);
    case 'retransmit':
      return retransmitEncodedSize(frame);
    case 'ack':
      return ackEncodedSize(frame);
    case 'advert':
      return advertEncodedSize(frame);
    case 'bye':
      return byeEncodedSize(frame);
    case 'patternsRequest':
      return patternsRequestEncodedSize(frame);
    case 'patternsDelta':
      return patternsDeltaEncodedSize(frame);
    case 'patternsDeltaRequest':
      return patternsDeltaRequestEncodedSize(frame);
    default:
      return unknownKind(frame);
  }
}

function write(view: DataView, bytes: Uint8Array, offset: number, frame: Frame, size: number): number {
  switch (frame.kind) {
    case 'data':
      return writeData(view, bytes, offset, frame, size);
    case 'heartbeat':
      return writeHeartbeat(view, bytes, offset, frame, size);
    case 'nak':
      return writeNak(view, bytes, offset, frame, size);
    case 'retransmit':
      return writeRetransmit(view, bytes, offset, frame, size);
    case 'ack':
      return writeAck(view, bytes, offset, frame, size);
    case 'advert':
      return writeAdvert(view, bytes, offset, frame, size);
    case 'bye':
      return writeBye(view, bytes, offset, frame, size);
    case 'patternsRequest':
      return writePatternsRequest(view, bytes, offset, frame, size);
    case 'patternsDelta':
      return writePatternsDelta(view, bytes, offset, frame, size);
    case 'patternsDeltaRequest':
      return writePatternsDeltaRequest(view, bytes, offset, frame, size);
    default:
      return unknownKind(frame);
  }
}

function checkedSize(frame: Frame): number {
  const size = encodedSize(frame);
  if (size > MAX_FRAME_BYTES) {
    throw new RangeError(`${frame.kind} frame of ${size} bytes exceeds the ${MAX_FRAME_BYTES}-byte datagram limit`);
  }
  return size;
}

/**
 * Encodes `frame` into `target` at `offset`; returns the number of bytes written. Throws a
 * RangeError when the frame is invalid, exceeds {@link MAX_FRAME_BYTES}, or does not fit in
 * `target` from `offset` (nothing is written then).
 */
export function encodeFrameInto(target: Uint8Array, offset: number, frame: Frame): number {
  const size = checkedSize(frame);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
    throw new RangeError(
      `${frame.kind} frame of ${size} bytes does not fit at offset ${offset} of a ${target.length}-byte buffer`,
    );
  }
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const end = write(view, target, offset, frame, size);
  return end - offset;
}

/** Encodes `frame` into a new buffer of exactly {@link encodedSize} bytes. Throws like {@link encodeFrameInto}. */
export function encodeFrame(frame: Frame): Uint8Array {
  const size = checkedSize(frame);
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer), bytes, 0, frame, size);
  return bytes;
}

/**
 * {@link decodeFrame}, except that a DATA frame comes as {@link DataRecords} (checked the same,
 * its records read later, no object per record). Every other frame, and every refusal, is
 * {@link decodeFrame}'s.
 */
export function decodeFrameRecords(bytes: Uint8Array): FrameDecodeResult<Frame | DataRecords> {
  const length = bytes.length;
  if (length < HEADER_LENGTH || length > MAX_FRAME_BYTES || bytes[TYPE_OFFSET] !== FRAME_TYPE.data) return decodeFrame(bytes);
  // decodeHeader checks magic, version and type in decodeFrame's order. A plain Uint8Array over
  // the datagram, as decodeFrame reads it: payload views are Uint8Arrays whatever the caller's
  // class (a node Buffer's `subarray` makes Buffers, and more slowly).
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, length);
  return decodeDataRecords(new DataView(bytes.buffer, bytes.byteOffset, length), plain, 0, length);
}

/**
 * Decodes one datagram. Returns the frame, whose payloads are views into `bytes` (no copies:
 * copy them before reusing the receive buffer), or the reason it was refused. Never throws.
 * A decoded frame re-encodes to exactly `bytes`.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult {
  const length = bytes.length;
  if (length > MAX_FRAME_BYTES) return decodeFailure('tooLong');
  if (length < HEADER_LENGTH) return decodeFailure('tooShort');
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  if (view.getUint16(MAGIC_OFFSET, true) !== MAGIC) return decodeFailure('badMagic');
  if (view.getUint8(VERSION_OFFSET) !== PROTOCOL_VERSION) return decodeFailure('badVersion');
  switch (view.getUint8(TYPE_OFFSET)) {
    case FRAME_TYPE.data:
      return decodeData(view, 0, length);
    case FRAME_TYPE.heartbeat:
      return decodeHeartbeat(view, 0, length);
    case FRAME_TYPE.nak:
      return decodeNak(view, 0, length);
    case FRAME_TYPE.retransmit:
      return decodeRetransmit(view, 0, length);
    case FRAME_TYPE.ack:
      return decodeAck(view, 0, length);
    case FRAME_TYPE.advert:
      return decodeAdvert(view, 0, length);
    case FRAME_TYPE.bye:
      return decodeBye(view, 0, length);
    case FRAME_TYPE.patternsRequest:
      return decodePatternsRequest(view, 0, length);
    case FRAME_TYPE.patternsDelta:
      return decodePatternsDelta(view, 0, length);
    case FRAME_TYPE.patternsDeltaRequest:
      return decodePatternsDeltaRequest(view, 0, length);
    default:
      return decodeFailure('unknownType');
  }
}
