/**
 * PATTERNS_DELTA_REQUEST: asks a peer, by unicast to its advertised listener, for the change of its
 * pattern set from `fromVersion` (the version the asker holds) to its current version. Answered by
 * unicast to where the request came from: a PATTERNS_DELTA, or the first ADVERT page of the whole
 * set when the peer no longer has that change. Layout: docs/PROTOCOL.md "PATTERNS_DELTA_REQUEST".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    4 targetIncarnation u32 the incarnation of the peer asked
 *      4    4 fromVersion       u32 >= 1, the version the asker holds
 *      8    4 toVersion         u32 > fromVersion, the version the asker saw advertised
 * ```
 *
 * @packageDocumentation
 */

import type { PatternsDeltaRequestFrame } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { assertU32 } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';

export const PATTERNS_DELTA_REQUEST_TARGET_OFFSET = 0;
export const PATTERNS_DELTA_REQUEST_FROM_OFFSET = 4;
export const PATTERNS_DELTA_REQUEST_TO_OFFSET = 8;
/** The whole PATTERNS_DELTA_REQUEST body. */
export const PATTERNS_DELTA_REQUEST_BODY_LENGTH = 12;

/** Size in bytes of the whole frame; throws a RangeError when it cannot be encoded. */
export function patternsDeltaRequestEncodedSize(frame: PatternsDeltaRequestFrame): number {
  assertU32(frame.targetIncarnation, 'patternsDeltaRequest.targetIncarnation');
  assertU32(frame.fromVersion, 'patternsDeltaRequest.fromVersion');
  assertU32(frame.toVersion, 'patternsDeltaRequest.toVersion');
  if (frame.fromVersion === 0) throw new RangeError('patternsDeltaRequest.fromVersion must be >= 1');
  if (frame.toVersion <= frame.fromVersion) throw new RangeError('patternsDeltaRequest.toVersion must be above fromVersion');
  return measureHeader(frame.sender) + PATTERNS_DELTA_REQUEST_BODY_LENGTH;
}

/** Writes a frame validated by {@link patternsDeltaRequestEncodedSize}; returns the end offset. */
export function writePatternsDeltaRequest(view: DataView, bytes: Uint8Array, offset: number, frame: PatternsDeltaRequestFrame, size: number): number {
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.patternsDeltaRequest, frame.sender, size);
  view.setUint32(body + PATTERNS_DELTA_REQUEST_TARGET_OFFSET, frame.targetIncarnation, true);
  view.setUint32(body + PATTERNS_DELTA_REQUEST_FROM_OFFSET, frame.fromVersion, true);
  view.setUint32(body + PATTERNS_DELTA_REQUEST_TO_OFFSET, frame.toVersion, true);
  return body + PATTERNS_DELTA_REQUEST_BODY_LENGTH;
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodePatternsDeltaRequest(view: DataView, offset: number, frame: PatternsDeltaRequestFrame): number {
  const size = patternsDeltaRequestEncodedSize(frame);
  assertFits(view, offset, size, 'patternsDeltaRequest');
  return writePatternsDeltaRequest(view, bytesOf(view), offset, frame, size);
}

/** Decodes the frame in `view[offset .. offset + length)`. Never throws. */
export function decodePatternsDeltaRequest(view: DataView, offset: number, length: number): FrameDecodeResult<PatternsDeltaRequestFrame> {
  const head = decodeHeader(view, bytesOf(view), offset, length, FRAME_TYPE.patternsDeltaRequest);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < PATTERNS_DELTA_REQUEST_BODY_LENGTH) return decodeFailure('tooShort');
  if (bodyEnd - body > PATTERNS_DELTA_REQUEST_BODY_LENGTH) return decodeFailure('trailingBytes');
  const fromVersion = view.getUint32(body + PATTERNS_DELTA_REQUEST_FROM_OFFSET, true);
  const toVersion = view.getUint32(body + PATTERNS_DELTA_REQUEST_TO_OFFSET, true);
  if (fromVersion === 0) return decodeFailure('badCount');
  if (toVersion <= fromVersion) return decodeFailure('badRange');
  return {
    ok: true,
    frame: {
      kind: 'patternsDeltaRequest',
      sender: head.header.sender,
      targetIncarnation: view.getUint32(body + PATTERNS_DELTA_REQUEST_TARGET_OFFSET, true),
      fromVersion,
      toVersion,
    },
  };
}
