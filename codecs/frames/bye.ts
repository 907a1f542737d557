/**
 * BYE: the peer is leaving; receivers release its streams' state. Layout: docs/PROTOCOL.md "BYE".
 *
 * A BYE body is a stream list, byte for byte the HEARTBEAT body (encoded and checked by the same
 * code in `heartbeat.ts`): each entry is a stream's final state, so a receiver that missed every
 * last heartbeat still learns the tail it will never get. The list may be empty.
 * ```
 * offset size field
 *      0    2 streamCount  u16 (0 allowed)
 *      2      streamCount HEARTBEAT stream entries (startSeq, lowSeq, highSeq, ageMs, subject)
 * ```
 * An empty list decodes to a frame without `streams` (canonical form: one meaning per bytes).
 *
 * @packageDocumentation
 */

import type { ByeFrame } from '../frame.js';
import type { FrameDecodeResult } from '../decode-result.js';
import { assertFits, bytesOf, decodeHeader, FRAME_TYPE, measureHeader, writeHeader } from './header.js';
import { HEARTBEAT_HEADER_LENGTH, readStreamList, streamListLength, writeStreamList } from './heartbeat.js';

/** Fixed part of the BYE body (the stream entries follow it): the HEARTBEAT body's. */
export const BYE_HEADER_LENGTH = HEARTBEAT_HEADER_LENGTH;

/** Size in bytes of the whole BYE frame; throws a RangeError when it cannot be encoded. */
export function byeEncodedSize(frame: ByeFrame): number {
  return measureHeader(frame.sender) + streamListLength(frame.streams ?? [], 'bye');
}

/** Writes a BYE frame validated by {@link byeEncodedSize}; returns the end offset. */
export function writeBye(view: DataView, bytes: Uint8Array, offset: number, frame: ByeFrame, size: number): number {
  const o = writeHeader(view, bytes, offset, FRAME_TYPE.bye, frame.sender, size);
  return writeStreamList(view, bytes, o, frame.streams ?? []);
}

/** Encodes `frame` at `offset`; returns the end offset. Throws a RangeError when invalid or too big. */
export function encodeBye(view: DataView, offset: number, frame: ByeFrame): number {
  const size = byeEncodedSize(frame);
  assertFits(view, offset, size, 'bye');
  return writeBye(view, bytesOf(view), offset, frame, size);
}

/** Decodes the BYE frame in `view[offset .. offset + length)`. Never throws. */
export function decodeBye(view: DataView, offset: number, length: number): FrameDecodeResult<ByeFrame> {
  const bytes = bytesOf(view);
  const head = decodeHeader(view, bytes, offset, length, FRAME_TYPE.bye);
  if (!head.ok) return head;
  const list = readStreamList(view, bytes, head.header.bodyOffset, head.header.bodyEnd);
  if (!list.ok) return list;
  const sender = head.header.sender;
  return { ok: true, frame: list.streams.length === 0 ? { kind: 'bye', sender } : { kind: 'bye', sender, streams: list.streams } };
}
