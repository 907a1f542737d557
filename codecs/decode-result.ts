/**
 * What a decoder returns: a frame, or the reason the datagram was dropped.
 *
 * Decoders never throw on wire input (STYLE rule 15): the socket actor counts drops per
 * {@link DecodeErrorReason} (pre-seed its counters from {@link DECODE_ERROR_REASONS}) and moves on.
 *
 * @packageDocumentation
 */

import type { Frame } from './frame.js';

/**
 * Every reason a datagram can be refused, in the order the decoder checks them.
 * docs/PROTOCOL.md "Validation" says which rule yields which reason.
 */
export const DECODE_ERROR_REASONS = [
  /** The datagram (or a field it declares) ends before the bytes it needs. */
  'tooShort',
  /** Longer than {@link MAX_FRAME_BYTES}. */
  'tooLong',
  'badMagic',
  'badVersion',
  /** A frame type this version does not know. */
  'unknownType',
  /** Unknown header flags, message flags or advert flags, or inconsistent fragment bits. */
  'badFlags',
  /** A reserved field is not zero. */
  'badReserved',
  /** `bodyLength` differs from the bytes that follow the header and the sender name. */
  'badLength',
  /** A peer name of length 0. */
  'badName',
  /** A peer name that is not well-formed UTF-8. */
  'badUtf8',
  /** A subject or pattern that breaks the subject grammar (or has length 0). */
  'badSubject',
  /** A sequence number above 2^53 - 1, below its minimum, or breaking a stream invariant. */
  'badSeq',
  /** A range with `from > to`, ranges out of order or overlapping, or selective acks out of order. */
  'badRange',
  /**
   * A fragment record whose extension is not a valid address: `fragCount` outside
   * 2..MAX_FRAGMENT_COUNT, `fragIndex >= fragCount`, edge flags that disagree with the index, or
   * an empty payload.
   */
  'badFragment',
  /** A count of 0 where at least one item is required. */
  'badCount',
  /** A count above its protocol bound (NAK ranges, selective acks). */
  'tooMany',
  /** A subject index outside the table, or not in first-use order (RETRANSMIT). */
  'badIndex',
  /** A subject-table entry that no message (or unavailable range) uses. */
  'unusedSubject',
  /** The same subject twice in a table or list. */
  'duplicateSubject',
  /** An ADVERT with port 0. */
  'badAddress',
  /** Bytes left in the body after its last field. */
  'trailingBytes',
] as const;

/** Why a datagram was refused. */
export type DecodeErrorReason = (typeof DECODE_ERROR_REASONS)[number];

/** Result of decoding one frame of type `F`. */
export type FrameDecodeResult<F> =
  | { readonly ok: true; readonly frame: F }
  | { readonly ok: false; readonly reason: DecodeErrorReason };

/** Result of {@link decodeFrame}. */
export type DecodeResult = FrameDecodeResult<Frame>;

/** Builds a failed result (one allocation, on the error path only). */
export function decodeFailure(reason: DecodeErrorReason): { readonly ok: false; readonly reason: DecodeErrorReason } {
  return { ok: false, reason };
}
