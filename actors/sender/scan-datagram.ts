/**
 * Reads the record headers of a DATA datagram the sender window is given (see {@link scanDatagram}).
 */
import { MESSAGE_FLAGS } from '../../codecs/frame.js';
import {
  DATA_HEADER_LENGTH,
  DATA_MESSAGE_COUNT_OFFSET,
  DATA_STREAM_COUNT_OFFSET,
  dataStreamEntryLength,
  STREAM_ENTRY_HEADER_LENGTH,
  STREAM_ENTRY_SUBJECT_LENGTH_OFFSET,
  STREAM_ENTRY_SUBJECT_OFFSET,
} from '../../codecs/frames/data.js';
import { HEADER_LENGTH, SENDER_NAME_LENGTH_OFFSET } from '../../codecs/frames/header.js';
import {
  FRAGMENT_EXTENSION_LENGTH,
  MESSAGE_FLAGS_OFFSET,
  MESSAGE_FRAG_INDEX_OFFSET,
  MESSAGE_HEADER_LENGTH,
  MESSAGE_PAYLOAD_LENGTH_OFFSET,
  MESSAGE_REPLY_TO_LENGTH_OFFSET,
  MESSAGE_SEQ_OFFSET,
  MESSAGE_SUBJECT_INDEX_OFFSET,
} from '../../codecs/frames/message-record.js';
import { readAscii, readU64 } from '../../codecs/wire-primitives.js';
import { ERROR_CODES, LedgecastError } from '../../errors.js';

/** Records one DATA datagram may hold at most (a record takes at least 16 bytes). */
const MAX_RECORDS = 4096;
// Scratch of addDatagram (synchronous, so shared): each record's table index, seq, offset, fragment index.
export const scratchIndex = new Int32Array(MAX_RECORDS);
export const scratchSeq = new Float64Array(MAX_RECORDS);
export const scratchOffset = new Int32Array(MAX_RECORDS);
export const scratchFrag = new Int32Array(MAX_RECORDS);

/**
 * Reads the stream table and the record headers of a DATA datagram this peer built into the
 * scratch arrays (table index, seq, offset, fragment index per record); returns the table's
 * subjects and the record count. Throws a `LedgecastError` when the datagram is not well formed.
 */
export function scanDatagram(view: DataView, bytes: Uint8Array): { subjects: string[]; count: number } {
  const malformed = (why: string): LedgecastError => new LedgecastError(ERROR_CODES.internal, `sender window: not a DATA datagram of ours (${why})`);
  const end = bytes.byteLength;
  if (end < HEADER_LENGTH) throw malformed('too short');
  let o = HEADER_LENGTH + view.getUint8(SENDER_NAME_LENGTH_OFFSET);
  if (o + DATA_HEADER_LENGTH > end) throw malformed('too short');
  const streamCount = view.getUint16(o + DATA_STREAM_COUNT_OFFSET, true);
  const count = view.getUint16(o + DATA_MESSAGE_COUNT_OFFSET, true);
  if (count > MAX_RECORDS) throw malformed(`${count} records`);
  o += DATA_HEADER_LENGTH;
  const subjects: string[] = [];
  for (let i = 0; i < streamCount; i++) {
    if (o + STREAM_ENTRY_HEADER_LENGTH > end) throw malformed('stream table');
    const length = view.getUint8(o + STREAM_ENTRY_SUBJECT_LENGTH_OFFSET);
    subjects.push(readAscii(bytes, o + STREAM_ENTRY_SUBJECT_OFFSET, length));
    o += dataStreamEntryLength(view, o);
  }
  for (let r = 0; r < count; r++) {
    if (o + MESSAGE_HEADER_LENGTH > end) throw malformed('records');
    const index = view.getUint16(o + MESSAGE_SUBJECT_INDEX_OFFSET, true);
    const flags = view.getUint8(o + MESSAGE_FLAGS_OFFSET);
    const seq = readU64(view, o + MESSAGE_SEQ_OFFSET);
    if (index >= streamCount || seq < 1) throw malformed('record header');
    scratchIndex[r] = index;
    scratchSeq[r] = seq;
    scratchOffset[r] = o;
    const fragmented = (flags & MESSAGE_FLAGS.fragment) !== 0;
    scratchFrag[r] = fragmented ? view.getUint32(o + MESSAGE_FRAG_INDEX_OFFSET, true) : -1;
    o +=
      MESSAGE_HEADER_LENGTH +
      (fragmented ? FRAGMENT_EXTENSION_LENGTH : 0) +
      view.getUint8(o + MESSAGE_REPLY_TO_LENGTH_OFFSET) +
      view.getUint32(o + MESSAGE_PAYLOAD_LENGTH_OFFSET, true);
  }
  if (o !== end) throw malformed('length');
  return { subjects, count };
}
