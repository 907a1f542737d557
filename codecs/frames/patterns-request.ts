/**
 * PATTERNS_REQUEST: asks a peer, by unicast to its advertised listener, for the patterns of its
 * set version `setVersion` from `fromIndex` on. The answer is an ADVERT carrying one page of the
 * set, sent by unicast to where the request came from. Layout: docs/PROTOCOL.md "PATTERNS_REQUEST".
 *
 * Body (offsets relative to the body start):
 * ```
 * offset size field
 *      0    4 targetIncarnation u32 the incarnation of the peer asked
 *      4    4 setVersion        u32 >= 1
 *      8    4 fromIndex         u32
 * ```
 *
 * @packageDocumentation
 */

import type { PatternsRequestFrame } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { assertU32 } from '../wire-primitives.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';

export const PATTERNS_REQUEST_TARGET_OFFSET = 0;
export const PATTERNS_REQUEST_VERSION_OFFSET = 4;
export const PATTERNS_REQUEST_FROM_OFFSET = 8;
/** The whole PATTERNS_REQUEST body. */
export const PATTERNS_REQUEST_BODY_LENGTH = 12;

/** Size in bytes of the whole frame; throws a RangeError when it cannot be encoded. */
export function patternsRequestEncodedSize(frame: PatternsRequestFrame): number {
  assertU32(frame.targetIncarnation, 'patternsRequest.targetIncarnation');
  assertU32(frame.setVersion, 'patternsRequest.setVersion');
  if (frame.setVersion === 0) throw new RangeError('patternsRequest.setVersion must be >= 1');
  assertU32(frame.fromIndex, 'patternsRequest.fromIndex');
  return measureHeader(frame.sender) + PATTERNS_REQUEST_BODY_LENGTH;
}

/** Writes a frame validated by {@link patternsRequestEncodedSize}; returns the end offset. */
export function writePatternsRequest(view: DataView, bytes: Uint8Array, offset: number, frame: PatternsRequestFrame, size: number): number {
  const body = writeHeader(view, bytes, offset, FRAME_TYPE.patternsRequest, frame.sender, size);
  view.setUint32(body + PATTERNS_REQUEST_TARGET_OFFSET, frame.targetIncarnation, true);
  view.setUint32(body + PATTERNS_REQUEST_VERSION_OFFSET, frame.setVersion, true);
  view.setUint32(body + PATTERNS_REQUEST_FROM_OFFSET, frame.fromIndex, true);
  return body + PATTERNS_REQUEST_BODY_LENGTH;
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodePatternsRequest(view: DataView, offset: number, frame: PatternsRequestFrame): number {
  const size = patternsRequestEncodedSize(frame);
  assertFits(view, offset, size, 'patternsRequest');
  return writePatternsRequest(view, bytesOf(view), offset, frame, size);
}

/** Decodes the frame in `view[offset .. offset + length)`. Never throws. */
export function decodePatternsRequest(view: DataView, offset: number, length: number): FrameDecodeResult<PatternsRequestFrame> {
  const head = decodeHeader(view, bytesOf(view), offset, length, FRAME_TYPE.patternsRequest);
  if (!head.ok) return head;
  const { bodyOffset: body, bodyEnd } = head.header;
  if (bodyEnd - body < PATTERNS_REQUEST_BODY_LENGTH) return decodeFailure('tooShort');
  if (bodyEnd - body > PATTERNS_REQUEST_BODY_LENGTH) return decodeFailure('trailingBytes');
  const setVersion = view.getUint32(body + PATTERNS_REQUEST_VERSION_OFFSET, true);
  if (setVersion === 0) return decodeFailure('badCount');
  return {
    ok: true,
    frame: {
      kind: 'patternsRequest',
      sender: head.header.sender,
      targetIncarnation: view.getUint32(body + PATTERNS_REQUEST_TARGET_OFFSET, true),
      setVersion,
      fromIndex: view.getUint32(body + PATTERNS_REQUEST_FROM_OFFSET, true),
    },
  };
}
