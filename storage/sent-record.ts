/**
 * The stored form of one sent message (the value under key `[subject, seq]`).
 *
 * Layout, little-endian:
 *
 *     offset size field
 *          0    1 recordVersion   1
 *          1    1 flags           MESSAGE_FLAGS bits
 *          2    2 replyToBytes    u16, 0 = no reply subject
 *          4    8 sentAtMs        f64, wall clock of the sender
 *         12    n replyTo         UTF-8
 *       12+n    … payload         the rest of the value
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
}

export const SENT_RECORD_VERSION = 1;
export const SENT_RECORD_HEADER_BYTES = 12;
const REPLY_TO_MAX_BYTES = 0xffff;

/** Stored bytes of `m` (what retention by bytes counts). */
export function sentRecordBytes(m: LedgerMessage): number {
  const replyBytes = m.replyTo === undefined ? 0 : Buffer.byteLength(m.replyTo, 'utf8');
  return SENT_RECORD_HEADER_BYTES + replyBytes + m.payload.byteLength;
}

/** Encodes `m` into a new buffer; throws `RangeError` on a reply subject over 65535 bytes. */
export function encodeSentRecord(m: LedgerMessage): Buffer {
  const reply = m.replyTo === undefined ? undefined : Buffer.from(m.replyTo, 'utf8');
  const replyBytes = reply === undefined ? 0 : reply.byteLength;
  if (replyBytes > REPLY_TO_MAX_BYTES) throw new RangeError(`replyTo is ${replyBytes} bytes, at most ${REPLY_TO_MAX_BYTES}`);
  const out = Buffer.allocUnsafe(SENT_RECORD_HEADER_BYTES + replyBytes + m.payload.byteLength);
  out.writeUInt8(SENT_RECORD_VERSION, 0);
  out.writeUInt8(m.flags, 1);
  out.writeUInt16LE(replyBytes, 2);
  out.writeDoubleLE(m.sentAtMs, 4);
  if (reply !== undefined) reply.copy(out, SENT_RECORD_HEADER_BYTES);
  out.set(m.payload, SENT_RECORD_HEADER_BYTES + replyBytes);
  return out;
}

/**
 * Decodes a stored record; `undefined` when it is not a valid version-1 record (a damaged
 * ledger). The payload is a view of `value`, which lmdb hands out as a fresh copy per entry.
 */
export function decodeSentRecord(seq: number, value: Uint8Array): LedgerMessage | undefined {
  if (value.byteLength < SENT_RECORD_HEADER_BYTES || value[0] !== SENT_RECORD_VERSION) return undefined;
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const flags = buf.readUInt8(1);
  const replyBytes = buf.readUInt16LE(2);
  const sentAtMs = buf.readDoubleLE(4);
  const payloadStart = SENT_RECORD_HEADER_BYTES + replyBytes;
  if (payloadStart > buf.byteLength) return undefined;
  const payload = buf.subarray(payloadStart);
  if (replyBytes === 0) return { seq, flags, payload, sentAtMs };
  const replyTo = buf.toString('utf8', SENT_RECORD_HEADER_BYTES, payloadStart);
  return { seq, flags, replyTo, payload, sentAtMs };
}

/** `sentAtMs` of a stored record without decoding the rest; `NaN` if the record is too short. */
export function sentRecordTime(value: Uint8Array): number {
  if (value.byteLength < SENT_RECORD_HEADER_BYTES) return Number.NaN;
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(4, true);
}
