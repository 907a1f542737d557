/**
 * The stored form of one sent message (the value under key `[subject, seq]`): always the whole
 * application message, also when it went on the wire as fragments.
 *
 * Layout, little-endian (record version 1, a message sent unfragmented):
 *
 *     offset size field
 *          0    1 recordVersion   1
 *          1    1 flags           MESSAGE_FLAGS bits (the ledger actor stores no fragment bits)
 *          2    2 replyToBytes    u16, 0 = no reply subject
 *          4    8 sentAtMs        f64, wall clock of the sender
 *         12    n replyTo         UTF-8
 *       12+n    … payload         the rest of the value
 *
 * Record version 2, a message sent as fragments, adds after `sentAtMs`:
 *
 *         12    4 fragmentBytes   u32 >= 1: payload of every fragment but the last
 *         16    n replyTo, then the payload
 *
 * so the ledger serves exactly the fragments the receivers saw (same size, same indexes).
 * A version-1 record with a fragment bit was written by a release that gave each fragment its
 * own seq: the ledger actor does not serve it (`serveFromLedger` reports it unavailable).
 *
 * The payload is opaque bytes, so it is stored raw (lmdb `encoding: 'binary'`) rather than
 * wrapped in msgpack: no encode or decode step on append and retransmit, the stored length is
 * the exact byte count retention accounts for, and the recovery scan reads lengths only.
 */

/** A message as the sender appends it and as the ledger returns it. */
export interface LedgerMessage {
  readonly seq: number;
  /** `MESSAGE_FLAGS` bits (0..255). */
  readonly flags: number;
  readonly replyTo?: string;
  readonly payload: Uint8Array;
  /** Wall-clock time of sending, as passed by the caller; retention by age compares it to `nowMs`. */
  readonly sentAtMs: number;
  /** Set when the message went on the wire as fragments: the payload of each fragment but the last. */
  readonly fragmentBytes?: number;
}

export const SENT_RECORD_VERSION = 1;
export const SENT_RECORD_HEADER_BYTES = 12;
/** The record version of a message sent as fragments, and its header. */
export const FRAGMENTED_RECORD_VERSION = 2;
export const FRAGMENTED_RECORD_HEADER_BYTES = 16;

/** Header bytes of a record of `version`; 0 for an unknown version. */
function headerBytes(version: number): number {
  return version === SENT_RECORD_VERSION ? SENT_RECORD_HEADER_BYTES : version === FRAGMENTED_RECORD_VERSION ? FRAGMENTED_RECORD_HEADER_BYTES : 0;
}

/** Whether `value` starts with a known record header (what the recovery scan checks). */
export function isSentRecordHeader(value: Uint8Array): boolean {
  const h = value.byteLength > 0 ? headerBytes(value[0]) : 0;
  return h > 0 && value.byteLength >= h;
}
const REPLY_TO_MAX_BYTES = 0xffff;

/** Stored bytes of `m` (what retention by bytes counts). */
export function sentRecordBytes(m: LedgerMessage): number {
  const replyBytes = m.replyTo === undefined ? 0 : Buffer.byteLength(m.replyTo, 'utf8');
  const header = m.fragmentBytes === undefined ? SENT_RECORD_HEADER_BYTES : FRAGMENTED_RECORD_HEADER_BYTES;
  return header + replyBytes + m.payload.byteLength;
}

/** Encodes `m` into a new buffer; throws `RangeError` on a reply subject over 65535 bytes. */
export function encodeSentRecord(m: LedgerMessage): Buffer {
  const reply = m.replyTo === undefined ? undefined : Buffer.from(m.replyTo, 'utf8');
  const replyBytes = reply === undefined ? 0 : reply.byteLength;
  if (replyBytes > REPLY_TO_MAX_BYTES) throw new RangeError(`replyTo is ${replyBytes} bytes, at most ${REPLY_TO_MAX_BYTES}`);
  const f = m.fragmentBytes;
  if (f !== undefined && (!Number.isInteger(f) || f < 1 || f > 0xffff_ffff)) throw new RangeError(`fragmentBytes ${f} is not a u32 >= 1`);
  const header = f === undefined ? SENT_RECORD_HEADER_BYTES : FRAGMENTED_RECORD_HEADER_BYTES;
  const out = Buffer.allocUnsafe(header + replyBytes + m.payload.byteLength);
  out.writeUInt8(f === undefined ? SENT_RECORD_VERSION : FRAGMENTED_RECORD_VERSION, 0);
  out.writeUInt8(m.flags, 1);
  out.writeUInt16LE(replyBytes, 2);
  out.writeDoubleLE(m.sentAtMs, 4);
  if (f !== undefined) out.writeUInt32LE(f, 12);
  if (reply !== undefined) reply.copy(out, header);
  out.set(m.payload, header + replyBytes);
  return out;
}

/**
 * Decodes a stored record; `undefined` when it is not a valid version-1 record (a damaged
 * ledger). The payload is a view of `value`, which lmdb hands out as a fresh copy per entry.
 */
export function decodeSentRecord(seq: number, value: Uint8Array): LedgerMessage | undefined {
  if (!isSentRecordHeader(value)) return undefined;
  const header = headerBytes(value[0]);
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const flags = buf.readUInt8(1);
  const replyBytes = buf.readUInt16LE(2);
  const sentAtMs = buf.readDoubleLE(4);
  const fragmentBytes = header === FRAGMENTED_RECORD_HEADER_BYTES ? buf.readUInt32LE(12) : undefined;
  if (fragmentBytes === 0) return undefined;
  const payloadStart = header + replyBytes;
  if (payloadStart > buf.byteLength) return undefined;
  const payload = buf.subarray(payloadStart);
  const m: { seq: number; flags: number; replyTo?: string; payload: Uint8Array; sentAtMs: number; fragmentBytes?: number } = {
    seq,
    flags,
    payload,
    sentAtMs,
  };
  if (replyBytes !== 0) m.replyTo = buf.toString('utf8', header, payloadStart);
  if (fragmentBytes !== undefined) m.fragmentBytes = fragmentBytes;
  return m;
}

/** `sentAtMs` of a stored record without decoding the rest; `NaN` if the record is too short. */
export function sentRecordTime(value: Uint8Array): number {
  if (value.byteLength < SENT_RECORD_HEADER_BYTES) return Number.NaN;
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(4, true);
}
