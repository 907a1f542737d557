/**
 * A DATA datagram checked whole but kept as bytes: its records are read one at a time, when the
 * receiver needs them, instead of a decoded message object per record up front.
 *
 * Why: under loss most messages wait in a receiver's reorder buffer (5 % loss at 64 B: 95 % of
 * them), and a decoded object per waiting message outlived the young generation, so the
 * collector copied and promoted it (docs/PROFILE.md, Step 10: the subscriber's reorder path and
 * GC). A waiting record is now the datagram (one object, shared by its records) plus an offset.
 *
 * Checks: {@link decodeDataRecords} refuses exactly what `decodeData` refuses, for the same
 * reason (the same table decode, and the same record checks without building anything), so the
 * readers below read trusted bytes and check nothing again.
 *
 * @packageDocumentation
 */

import { MESSAGE_FLAGS, type PeerId, type StreamStart, type WireMessage } from './frame.js';
import type { FrameDecodeResult } from './decode-result.js';
import { decodeFailure } from './decode-result.js';
import { decodeDataTable } from './frames/data.js';
import {
  decodeMessageRecords,
  FRAGMENT_EXTENSION_LENGTH,
  MESSAGE_FLAGS_OFFSET,
  MESSAGE_HEADER_LENGTH,
  MESSAGE_PAYLOAD_LENGTH_OFFSET,
  MESSAGE_REPLY_TO_LENGTH_OFFSET,
  MESSAGE_SEQ_OFFSET,
  MESSAGE_SUBJECT_INDEX_OFFSET,
} from './frames/message-record.js';
import { readAscii, readU64 } from './wire-primitives.js';

/**
 * A checked DATA datagram. `firstRecord` is the offset of its first record; the others follow,
 * each at the {@link recordEnd} of the one before, `count` in all.
 *
 * Lifetime: the datagram's memory is its own (a receive buffer is never reused: node's `dgram`
 * hands each datagram in its own memory, and a datagram crossing threads is copied out of the
 * ring), so a record read at any time sees the bytes that were checked, and a payload view of a
 * delivered message stays valid for as long as the application keeps it. `held` counts the records
 * of the datagram that receivers keep (their reorder buffers): the memory budget charges the
 * datagram's bytes once, from the first record held to the last one released.
 */
export class DataRecords {
  /** Records of this datagram held out of order, by every stream of the receiver. */
  held = 0;
  /** `bytes`' memory, for the payload views. */
  private readonly buffer: ArrayBufferLike;
  private readonly byteOffset: number;

  constructor(
    readonly sender: PeerId,
    /** The stream table, in wire order: a record's subject index points here. */
    readonly streams: readonly StreamStart[],
    readonly bytes: Uint8Array,
    private readonly view: DataView,
    readonly firstRecord: number,
    readonly count: number,
  ) {
    this.buffer = bytes.buffer;
    this.byteOffset = bytes.byteOffset;
  }

  /** Bytes of the datagram (what holding any of its records keeps in memory). */
  get byteLength(): number {
    return this.bytes.byteLength;
  }

  seqAt(o: number): number {
    return readU64(this.view, o + MESSAGE_SEQ_OFFSET);
  }

  /** The record's entry of {@link streams}. */
  streamAt(o: number): StreamStart {
    return this.streams[this.view.getUint16(o + MESSAGE_SUBJECT_INDEX_OFFSET, true)];
  }

  flagsAt(o: number): number {
    return this.view.getUint8(o + MESSAGE_FLAGS_OFFSET);
  }

  /** The offset just past the record at `o` (the next record's). */
  recordEnd(o: number): number {
    const flags = this.view.getUint8(o + MESSAGE_FLAGS_OFFSET);
    const ext = (flags & MESSAGE_FLAGS.fragment) === 0 ? 0 : FRAGMENT_EXTENSION_LENGTH;
    return (
      o +
      MESSAGE_HEADER_LENGTH +
      ext +
      this.view.getUint8(o + MESSAGE_REPLY_TO_LENGTH_OFFSET) +
      this.view.getUint32(o + MESSAGE_PAYLOAD_LENGTH_OFFSET, true)
    );
  }

  /** The record at `o` as a message, of the shape `decodeData` makes; its payload is a view into the datagram. */
  messageAt(o: number): WireMessage {
    const view = this.view;
    const subject = this.streamAt(o).subject;
    const seq = readU64(view, o + MESSAGE_SEQ_OFFSET);
    const payloadLength = view.getUint32(o + MESSAGE_PAYLOAD_LENGTH_OFFSET, true);
    const flags = view.getUint8(o + MESSAGE_FLAGS_OFFSET);
    const replyToLength = view.getUint8(o + MESSAGE_REPLY_TO_LENGTH_OFFSET);
    let p = o + MESSAGE_HEADER_LENGTH;
    let fragIndex = -1;
    let fragCount = 0;
    if ((flags & MESSAGE_FLAGS.fragment) !== 0) {
      fragIndex = view.getUint32(p, true);
      fragCount = view.getUint32(p + 4, true);
      p += FRAGMENT_EXTENSION_LENGTH;
    }
    const replyTo = replyToLength === 0 ? undefined : readAscii(this.bytes, p, replyToLength);
    p += replyToLength;
    // A view made by the constructor: `subarray` (species lookup, then the same constructor)
    // took 45 ns per call against 26 (node 20), the largest single cost of reading a record.
    const payload = new Uint8Array(this.buffer, this.byteOffset + p, payloadLength);
    if (fragIndex >= 0) {
      return replyTo === undefined
        ? { subject, seq, flags, payload, fragIndex, fragCount }
        : { subject, seq, flags, replyTo, payload, fragIndex, fragCount };
    }
    return replyTo === undefined ? { subject, seq, flags, payload } : { subject, seq, flags, replyTo, payload };
  }
}

/**
 * Checks the DATA frame in `view[offset .. offset + length)` as `decodeData` does (same
 * refusals, same reasons) and returns it as {@link DataRecords}, with no object per record.
 * Never throws.
 */
export function decodeDataRecords(view: DataView, bytes: Uint8Array, offset: number, length: number): FrameDecodeResult<DataRecords> {
  const t = decodeDataTable(view, bytes, offset, length);
  if (!t.ok) return t;
  const { sender, streams, subjects, startSeqs, cursor, bodyEnd, messageCount } = t.frame;
  const first = cursor.offset;
  const failure = decodeMessageRecords(view, bytes, cursor, bodyEnd, messageCount, subjects, startSeqs, false, undefined);
  if (failure !== undefined) return decodeFailure(failure);
  if (cursor.usedSubjects !== streams.length) return decodeFailure('unusedSubject');
  if (cursor.offset !== bodyEnd) return decodeFailure('trailingBytes');
  return { ok: true, frame: new DataRecords(sender, streams, bytes, view, first, messageCount) };
}
