/**
 * BYE: the peer is leaving; receivers release its streams' state. Layout: docs/PROTOCOL.md "BYE".
 *
 * A BYE is the common header alone: its body is empty (`bodyLength` 0).
 *
 * @packageDocumentation
 */

import type { ByeFrame } from '../frame.js';
import { decodeFailure, type FrameDecodeResult } from '../decode-result.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';

/** A BYE body has no field. */
export const BYE_HEADER_LENGTH = 0;

/** Size in bytes of the whole BYE frame; throws a RangeError when the sender cannot be encoded. */
export function byeEncodedSize(frame: ByeFrame): number {
  return measureHeader(frame.sender) + BYE_HEADER_LENGTH;
}

/** Writes a BYE frame validated by {@link byeEncodedSize}; returns the end offset. */
export function writeBye(view: DataView, bytes: Uint8Array, offset: number, frame: ByeFrame, size: number): number {
  return writeHeader(view, bytes, offset, FRAME_TYPE.bye, frame.sender, size);
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeBye(view: DataView, offset: number, frame: ByeFrame): number {
  const size = byeEncodedSize(frame);
  assertFits(view, offset, size, 'bye');
  return writeBye(view, bytesOf(view), offset, frame, size);
}

/** Decodes the BYE frame in `view[offset .. offset + length)`. Never throws. */
export function decodeBye(view: DataView, offset: number, length: number): FrameDecodeResult<ByeFrame> {
  const head = decodeHeader(view, bytesOf(view), offset, length, FRAME_TYPE.bye);
  if (!head.ok) return head;
  // decodeHeader already checked bodyLength against the datagram; a BYE carries no body.
  if (head.header.bodyEnd !== head.header.bodyOffset) return decodeFailure('trailingBytes');
  return { ok: true, frame: { kind: 'bye', sender: head.header.sender } };
}
