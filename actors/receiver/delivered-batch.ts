/**
 * Deliveries packed into one byte array, for the hop from a receiver actor on a worker thread to
 * the application thread. The runtime copies a byte array into its ring as it is; an array of
 * delivery records would be msgpack-encoded key by key and rebuilt object by object. On the
 * application thread the records go as they are.
 *
 * Layout (little-endian), trusted input checked for bounds:
 *
 * ```
 * u32 count of records
 * string table (codecs/packed-batch.ts): sender names, subjects and reply subjects, once each
 * per record: u16 sender name index, u32 sender incarnation, u16 subject index, u64 seq (two u32 halves, low first),
 *             u8 flags, u16 reply index (0xFFFF: none), u32 payload length, payload
 * ```
 *
 * @packageDocumentation
 */
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import { NO_STRING, StringTable, beginPackedBatch, packOwn, readStringTable, stringAt } from '../../codecs/packed-batch.js';
import { readU64, writeU64 } from '../../codecs/wire-primitives.js';
import type { DeliveredBatch } from '../app/events.js';

const RECORD_HEADER_BYTES = 2 + 4 + 2 + 8 + 1 + 2 + 4;

/** A batch measured for packing ({@link prepareDelivered}): written later, where it goes, by {@link writeDelivered}. */
export interface PreparedDelivered {
  /** Bytes {@link writeDelivered} writes. */
  readonly size: number;
  readonly senders: readonly PeerId[];
  readonly messages: readonly WireMessage[];
  readonly table: StringTable;
  /** Per record: sender name, subject and reply subject indexes in `table`. */
  readonly idx: Uint16Array;
}

/**
 * Measures `messages` (from `senders`, index for index; names and subjects at most 255 UTF-8
 * bytes, as the wire allows) for packing. The payloads must stay as they are until written.
 */
export function prepareDelivered(senders: readonly PeerId[], messages: readonly WireMessage[]): PreparedDelivered {
  const table = new StringTable();
  const idx = new Uint16Array(messages.length * 3);
  let size = 4;
  for (let i = 0; i < messages.length; i++) {
    const r = messages[i];
    idx[3 * i] = table.indexOf(senders[i].name);
    idx[3 * i + 1] = table.indexOf(r.subject);
    idx[3 * i + 2] = r.replyTo === undefined ? NO_STRING : table.indexOf(r.replyTo);
    size += RECORD_HEADER_BYTES + r.payload.byteLength;
  }
  return { size: size + table.byteLength, senders, messages, table, idx };
}

/** Packs `messages` (from `senders`) into a byte array of their own. */
export function packDelivered(senders: readonly PeerId[], messages: readonly WireMessage[]): Uint8Array {
  return packOwn(prepareDelivered(senders, messages), writeDelivered);
}

/**
 * Writes the batch {@link prepareDelivered} measured at `offset` of `out` (exactly `p.size`
 * bytes): into a ring record, the payloads are copied once on their way to the application.
 */
export function writeDelivered(p: PreparedDelivered, out: Uint8Array, offset: number): void {
  const { senders, messages, table, idx } = p;
  const { view, bytes, at } = beginPackedBatch(out, offset, p.size, messages.length, table);
  let off = at;
  for (let i = 0; i < messages.length; i++) {
    const r = messages[i];
    view.setUint16(off, idx[3 * i], true);
    view.setUint32(off + 2, senders[i].incarnation, true);
    view.setUint16(off + 6, idx[3 * i + 1], true);
    writeU64(view, off + 8, r.seq);
    bytes[off + 16] = r.flags;
    view.setUint16(off + 17, idx[3 * i + 2], true);
    view.setUint32(off + 19, r.payload.byteLength, true);
    off += RECORD_HEADER_BYTES;
    bytes.set(r.payload, off);
    off += r.payload.byteLength;
  }
}

/**
 * Unpacks what {@link packDelivered} wrote. Each payload is a copy that owns its bytes (an
 * application may keep a message's `raw`: a view would keep the whole batch alive); records of
 * one sender incarnation share one `PeerId`.
 * @throws RangeError when the bytes are not such a batch (a bug: only this module writes them).
 */
export function unpackDelivered(bytes: Uint8Array): DeliveredBatch {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new RangeError('not a packed delivery batch: too short');
  const count = view.getUint32(0, true);
  const table = readStringTable(bytes, view, 4);
  const strings = table.strings;
  let off = table.offset;
  const peers = new Map<string, PeerId>();
  let sender: PeerId | undefined;
  let senderIdx = -1;
  const senders: PeerId[] = new Array(count);
  const messages: WireMessage[] = new Array(count);
  for (let i = 0; i < count; i++) {
    if (off + RECORD_HEADER_BYTES > bytes.byteLength) throw new RangeError('not a packed delivery batch: record past the end');
    const nameIdx = view.getUint16(off, true);
    const incarnation = view.getUint32(off + 2, true);
    // Runs of one sender are the rule: look the PeerId up only when the sender changes.
    if (sender === undefined || nameIdx !== senderIdx || incarnation !== sender.incarnation) {
      const name = stringAt(strings, nameIdx, 'sender');
      const key = `${incarnation} ${name}`;
      sender = peers.get(key);
      if (sender === undefined) peers.set(key, (sender = { name, incarnation }));
      senderIdx = nameIdx;
    }
    const subject = stringAt(strings, view.getUint16(off + 6, true), 'subject');
    // As a u64 (not a float64, which V8 would keep boxed in the record's field: an object per record).
    const seq = readU64(view, off + 8);
    const flags = bytes[off + 16];
    const r = view.getUint16(off + 17, true);
    const replyTo = r === NO_STRING ? undefined : stringAt(strings, r, 'reply subject');
    const len = view.getUint32(off + 19, true);
    off += RECORD_HEADER_BYTES;
    if (off + len > bytes.byteLength) throw new RangeError('not a packed delivery batch: payload past the end');
    senders[i] = sender;
    messages[i] = { subject, seq, flags, replyTo, payload: bytes.slice(off, off + len) };
    off += len;
  }
  if (off !== bytes.byteLength) throw new RangeError('not a packed delivery batch: trailing bytes');
  return { senders, messages };
}
