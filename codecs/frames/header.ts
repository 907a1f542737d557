/**
 * The common header every frame starts with: magic, version, frame type, the sender's
 * identity and the body length. Layout: docs/PROTOCOL.md "Common header".
 *
 * ```
 * offset size field
 *      0    2 magic             u16 0x434C (bytes 4C 43, "LC")
 *      2    1 version           u8  = PROTOCOL_VERSION
 *      3    1 type              u8  FRAME_TYPE
 *      4    1 flags             u8  must be 0 in version 1
 *      5    1 senderNameLength  u8  1..255
 *      6    2 reserved          u16 must be 0
 *      8    4 incarnation       u32
 *     12    4 bodyLength        u32 exactly the bytes after the sender name
 *     16    n senderName        UTF-8
 *   16+n      body
 * ```
 *
 * Numeric frame type ids exist only here (STYLE rule 7): the rest of the code uses `Frame['kind']`.
 *
 * @packageDocumentation
 */

import type { FrameKind, PeerId } from '../frame.js';
import { decodeFailure, type DecodeErrorReason } from '../decode-result.js';
import { assertU32, nameLength, readUtf8, writeUtf8 } from '../wire-primitives.js';

/** First two bytes of every frame, read as a little-endian u16 (on the wire: `4C 43`, "LC"). */
export const MAGIC = 0x434c;
/** The protocol version this code speaks. A frame of any other version is refused. */
export const PROTOCOL_VERSION = 4;

/** Wire id of each frame kind. 0 and 11..255 are unassigned. */
export const FRAME_TYPE = {
  data: 1,
  heartbeat: 2,
  nak: 3,
  retransmit: 4,
  ack: 5,
  advert: 6,
  bye: 7,
  patternsRequest: 8,
  patternsDelta: 9,
  patternsDeltaRequest: 10,
} as const satisfies Record<FrameKind, number>;

/** A wire frame type id. */
export type FrameTypeId = (typeof FRAME_TYPE)[FrameKind];

const KIND_BY_TYPE: readonly (FrameKind | undefined)[] = (() => {
  const kinds: (FrameKind | undefined)[] = new Array(256).fill(undefined);
  for (const kind of Object.keys(FRAME_TYPE) as FrameKind[]) kinds[FRAME_TYPE[kind]] = kind;
  return kinds;
})();

/** The frame kind of a wire type id, or `undefined` for an unassigned id. */
export function frameKindOf(typeId: number): FrameKind | undefined {
  return KIND_BY_TYPE[typeId & 0xff];
}

export const MAGIC_OFFSET = 0;
export const VERSION_OFFSET = 2;
export const TYPE_OFFSET = 3;
export const FLAGS_OFFSET = 4;
export const SENDER_NAME_LENGTH_OFFSET = 5;
export const RESERVED_OFFSET = 6;
export const INCARNATION_OFFSET = 8;
export const BODY_LENGTH_OFFSET = 12;
export const SENDER_NAME_OFFSET = 16;
/** Fixed part of the common header (the sender name follows it). */
export const HEADER_LENGTH = 16;

/** Largest frame: the largest IPv4 UDP payload (65535 - 20 IP - 8 UDP). */
export const MAX_FRAME_BYTES = 65_507;

/** A byte view over the same memory as `view`. */
export function bytesOf(view: DataView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Throws a RangeError unless `size` bytes fit in `view` at `offset` and within {@link MAX_FRAME_BYTES}. */
export function assertFits(view: DataView, offset: number, size: number, what: string): void {
  if (size > MAX_FRAME_BYTES) throw new RangeError(`${what} frame of ${size} bytes exceeds ${MAX_FRAME_BYTES} bytes`);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > view.byteLength) {
    throw new RangeError(`${what} frame of ${size} bytes does not fit at offset ${offset} of ${view.byteLength} bytes`);
  }
}

/** Header bytes for `sender`; throws a RangeError when the name or incarnation cannot go on the wire. */
export function measureHeader(sender: PeerId): number {
  assertU32(sender.incarnation, 'sender.incarnation');
  return HEADER_LENGTH + nameLength(sender.name, 'sender.name');
}

/**
 * Writes the common header of a frame of `frameSize` bytes in all (sender validated by
 * {@link measureHeader}); returns the body offset. `bytes` and `view` cover the same memory.
 */
export function writeHeader(
  view: DataView,
  bytes: Uint8Array,
  offset: number,
  type: FrameTypeId,
  sender: PeerId,
  frameSize: number,
): number {
  const nameEnd = writeUtf8(bytes, offset + SENDER_NAME_OFFSET, sender.name);
  const bodyLength = frameSize - (nameEnd - offset);
  view.setUint16(offset + MAGIC_OFFSET, MAGIC, true);
  view.setUint8(offset + VERSION_OFFSET, PROTOCOL_VERSION);
  view.setUint8(offset + TYPE_OFFSET, type);
  view.setUint8(offset + FLAGS_OFFSET, 0);
  view.setUint8(offset + SENDER_NAME_LENGTH_OFFSET, nameEnd - offset - SENDER_NAME_OFFSET);
  view.setUint16(offset + RESERVED_OFFSET, 0, true);
  view.setUint32(offset + INCARNATION_OFFSET, sender.incarnation, true);
  view.setUint32(offset + BODY_LENGTH_OFFSET, bodyLength, true);
  return nameEnd;
}

/** A decoded common header: who sent the frame and where its body lies. */
export interface FrameHeader {
  readonly type: FrameTypeId;
  readonly sender: PeerId;
  /** Absolute offset of the first body byte in the view. */
  readonly bodyOffset: number;
  /** Absolute offset just past the body (= the end of the frame). */
  readonly bodyEnd: number;
}

/**
 * Decodes and checks the common header of the frame in `view[offset .. offset + length)`,
 * expecting type `type`. Checks, in order: size, magic, version, type, flags, reserved,
 * name, body length. Never throws.
 */
export function decodeHeader(
  view: DataView,
  bytes: Uint8Array,
  offset: number,
  length: number,
  type: FrameTypeId,
): { readonly ok: true; readonly header: FrameHeader } | { readonly ok: false; readonly reason: DecodeErrorReason } {
  if (length > MAX_FRAME_BYTES) return decodeFailure('tooLong');
  // A window outside the view is the caller's mistake, but refusing it keeps "never throws".
  if (!(offset >= 0 && length >= HEADER_LENGTH && offset + length <= view.byteLength)) return decodeFailure('tooShort');
  if (view.getUint16(offset + MAGIC_OFFSET, true) !== MAGIC) return decodeFailure('badMagic');
  if (view.getUint8(offset + VERSION_OFFSET) !== PROTOCOL_VERSION) return decodeFailure('badVersion');
  // A known type handed to the wrong decoder is, for that decoder, an unknown type.
  if (view.getUint8(offset + TYPE_OFFSET) !== type) return decodeFailure('unknownType');
  if (view.getUint8(offset + FLAGS_OFFSET) !== 0) return decodeFailure('badFlags');
  if (view.getUint16(offset + RESERVED_OFFSET, true) !== 0) return decodeFailure('badReserved');
  const nameBytes = view.getUint8(offset + SENDER_NAME_LENGTH_OFFSET);
  if (nameBytes === 0) return decodeFailure('badName');
  const bodyOffset = offset + HEADER_LENGTH + nameBytes;
  const end = offset + length;
  if (bodyOffset > end) return decodeFailure('tooShort');
  if (view.getUint32(offset + BODY_LENGTH_OFFSET, true) !== end - bodyOffset) return decodeFailure('badLength');
  const name = readUtf8(bytes, offset + SENDER_NAME_OFFSET, nameBytes);
  if (name === undefined) return decodeFailure('badUtf8');
  const sender: PeerId = { name, incarnation: view.getUint32(offset + INCARNATION_OFFSET, true) };
  return { ok: true, header: { type, sender, bodyOffset, bodyEnd: end } };
}

/**
 * Whether a datagram's common header names `nameBytes` (a UTF-8 sender name) as its sender,
 * reading only the name-length byte and the name: no other check. The socket actor drops a
 * datagram that names the peer itself (its own multicast, looped back) before it spends an
 * authentication check on it: whoever sent it, it would be dropped after the check too.
 */
export function namesSender(bytes: Uint8Array, nameBytes: Uint8Array): boolean {
  const n = nameBytes.length;
  if (bytes.length < HEADER_LENGTH + n || bytes[SENDER_NAME_LENGTH_OFFSET] !== n) return false;
  for (let i = 0; i < n; i++) if (bytes[SENDER_NAME_OFFSET + i] !== nameBytes[i]) return false;
  return true;
}

/** The sender incarnation in a datagram's header (call after {@link namesSender} said the header is long enough). */
export function incarnationIn(bytes: Uint8Array): number {
  return (bytes[INCARNATION_OFFSET] | (bytes[INCARNATION_OFFSET + 1] << 8) | (bytes[INCARNATION_OFFSET + 2] << 16) | (bytes[INCARNATION_OFFSET + 3] << 24)) >>> 0;
}

/** What {@link peekHeader} returns: a datagram's frame kind and sender, or why it is refused. */
export type PeekResult =
  | { readonly ok: true; readonly kind: FrameKind; readonly sender: PeerId }
  | { readonly ok: false; readonly reason: DecodeErrorReason };

/**
 * Checks only the common header of a datagram (size, magic, version, type, flags, reserved,
 * name, body length) and returns its kind and sender, without looking at the body. Reasons come
 * in the same order as `decodeFrame`'s, and whatever `decodeFrame` accepts passes here.
 * Never throws. The socket actor routes datagrams with it; their owners decode the body.
 */
export function peekHeader(bytes: Uint8Array): PeekResult {
  const length = bytes.length;
  if (length > MAX_FRAME_BYTES) return decodeFailure('tooLong');
  if (length < HEADER_LENGTH) return decodeFailure('tooShort');
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const kind = frameKindOf(view.getUint8(TYPE_OFFSET));
  if (kind === undefined) {
    if (view.getUint16(MAGIC_OFFSET, true) !== MAGIC) return decodeFailure('badMagic');
    if (view.getUint8(VERSION_OFFSET) !== PROTOCOL_VERSION) return decodeFailure('badVersion');
    return decodeFailure('unknownType');
  }
  const head = decodeHeader(view, bytes, 0, length, FRAME_TYPE[kind]);
  return head.ok ? { ok: true, kind, sender: head.header.sender } : head;
}
