/**
 * The wire codec: every frame's binary layout, the DATA batch builder and the payload codec.
 *
 * What it owns: the bytes on the wire and nothing else. It holds no protocol state, reads no
 * clock and does no I/O; every function is synchronous and may run on any thread (the
 * builder and the scratch used while decoding are not shared across threads: a module
 * instance lives in one thread).
 *
 * Inputs and outputs:
 * - `encodeFrame` / `encodeFrameInto` / `encodedSize` turn a {@link Frame} (codecs/frame.ts)
 *   into one datagram. They throw a RangeError on a frame that could not be decoded back
 *   (a caller bug): invalid subject, sequence above 2^53 - 1, unknown flag, and so on.
 * - `decodeFrame` turns any byte string into `{ ok: true, frame }` or `{ ok: false, reason }`
 *   ({@link DECODE_ERROR_REASONS}); it never throws, never reads outside the given bytes and
 *   never allocates more than the datagram's size implies. Decoded payloads are views into
 *   the datagram (no copies). `peekHeader` checks only the common header (kind and sender),
 *   for routing a datagram to the actor that decodes it.
 * - {@link DataBatchBuilder} is the publishing hot path: it packs messages of one or more
 *   subjects into DATA datagrams up to a byte budget without per-message allocation.
 * - `encodePayload` / `decodePayload` map application values to payload bytes (raw bytes
 *   or one msgpackr value) and back.
 *
 * Invariants:
 * - Canonical form: a decoded frame re-encodes to exactly the bytes it came from, so a byte
 *   string has at most one meaning and `decode(encode(f))` deep-equals `f` for every valid `f`.
 * - Numeric frame type ids exist only in `frames/header.ts`; the rest of the code uses `kind`.
 * - Layouts and validation rules are documented byte by byte in docs/PROTOCOL.md; a change
 *   of layout changes {@link PROTOCOL_VERSION}.
 *
 * @example
 * ```ts
 * const bytes = encodeFrame({ kind: 'bye', sender: { name: 'pub-1', incarnation: 7 } });
 * const result = decodeFrame(bytes);
 * if (result.ok) handle(result.frame); else counters[result.reason]++;
 * ```
 *
 * @packageDocumentation
 */

export { ADVERT_FLAGS, MAX_FRAGMENT_COUNT, MESSAGE_FLAGS, MESSAGE_FLAGS_MASK, peerKey, samePeer, streamKey } from './frame.js';
export { decodeFrame, encodedSize, encodeFrame, encodeFrameInto } from './frame-codec.js';
export { DECODE_ERROR_REASONS } from './decode-result.js';
export { frameKindOf, FRAME_TYPE, HEADER_LENGTH, MAGIC, MAX_FRAME_BYTES, incarnationIn, namesSender, peekHeader, PROTOCOL_VERSION } from './frames/header.js';
export { ackEncodedSize, decodeAck, encodeAck, MAX_ACK_SELECTIVE } from './frames/ack.js';
export { ADVERT_FLAGS_MASK, advertEncodedSize, decodeAdvert, encodeAdvert, patternSetDigest } from './frames/advert.js';
export { decodePatternsRequest, encodePatternsRequest, patternsRequestEncodedSize } from './frames/patterns-request.js';
export { decodePatternsDelta, encodePatternsDelta, patternsDeltaEncodedSize } from './frames/patterns-delta.js';
export { decodePatternsDeltaRequest, encodePatternsDeltaRequest, patternsDeltaRequestEncodedSize } from './frames/patterns-delta-request.js';
export { byeEncodedSize, decodeBye, encodeBye } from './frames/bye.js';
export { dataEncodedSize, decodeData, encodeData } from './frames/data.js';
export { decodeHeartbeat, encodeHeartbeat, heartbeatEncodedSize } from './frames/heartbeat.js';
export { FRAGMENT_EXTENSION_LENGTH, MESSAGE_HEADER_LENGTH } from './frames/message-record.js';
export { decodeNak, encodeNak, MAX_NAK_RANGES, nakEncodedSize } from './frames/nak.js';
export { decodeRetransmit, encodeRetransmit, retransmitEncodedSize } from './frames/retransmit.js';
export { DataBatchBuilder, maxFragmentPerDatagram, maxPayloadPerDatagram, SUBJECT_CACHE_MAX_ENTRIES } from './data-batch.js';
export { decodePayload, encodePayload } from './payload-codec.js';
export { isWirePattern, isWireSubject, MAX_SUBJECT_BYTES } from './subject-syntax.js';
export { MAX_NAME_BYTES } from './wire-primitives.js';

export type {
  AckFrame,
  AdvertFrame,
  ByeFrame,
  PatternsRequestFrame,
  PatternsDeltaFrame,
  PatternsDeltaRequestFrame,
  DataFrame,
  Frame,
  FragmentRange,
  FrameKind,
  HeartbeatFrame,
  NakFrame,
  PeerId,
  RetransmitFrame,
  SeqRange,
  StreamInfo,
  StreamPosition,
  StreamStart,
  ResumedFrom,
  UnavailableRange,
  WireMessage,
} from './frame.js';
export type { DecodeErrorReason, DecodeResult, FrameDecodeResult } from './decode-result.js';
export type { FrameTypeId, PeekResult } from './frames/header.js';
export type { DataBatchBuilderOptions } from './data-batch.js';
export type { EncodedPayload, PayloadDecodeResult } from './payload-codec.js';
