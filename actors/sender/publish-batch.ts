/**
 * A batch of publishes packed into one byte array, for the hop from the application thread to a
 * sender actor on a worker thread. The runtime copies a `Uint8Array` payload into its ring as
 * it is; an array of `{ subject, flags, payload }` objects would be msgpack-encoded key by key
 * and rebuilt object by object on the far side. Same thread: the items go as they are.
 *
 * Layout (little-endian), trusted input (written by this module, on this machine), checked
 * for bounds all the same:
 *
 * ```
 * u32 count of items
 * string table (codecs/packed-batch.ts): subjects and reply subjects, once each
 * per item: u16 subject index, u8 flags, u16 reply index (0xFFFF: none), u32 payload length, payload
 * ```
 *
 * @packageDocumentation
 */
import { NO_STRING, StringTable, beginPackedBatch, packOwn, readStringTable, stringAt } from '../../codecs/packed-batch.js';
import type { PublishItem } from './messages.js';
import { publishItem } from './unit.js';

const ITEM_HEADER_BYTES = 2 + 1 + 2 + 4;

/** A batch measured for packing ({@link preparePublishItems}), written later, where it goes, by {@link writePublishItems}. */
export interface PreparedPublish {
  /** Bytes {@link writePublishItems} writes. */
  readonly size: number;
  readonly items: readonly PublishItem[];
  readonly table: StringTable;
  readonly subjectIdx: Uint16Array;
  readonly replyIdx: Uint16Array;
}

/**
 * Measures `items` (subjects already validated: at most 255 UTF-8 bytes) for packing. Their
 * payloads are read when written, as a sender on the application thread reads them when it
 * takes the batch: the application leaves a payload as it is until its publish resolved.
 */
export function preparePublishItems(items: readonly PublishItem[]): PreparedPublish {
  const table = new StringTable();
  const subjectIdx = new Uint16Array(items.length);
  const replyIdx = new Uint16Array(items.length);
  let size = 4;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    subjectIdx[i] = table.indexOf(it.subject);
    replyIdx[i] = it.replyTo === undefined ? NO_STRING : table.indexOf(it.replyTo);
    size += ITEM_HEADER_BYTES + it.payload.byteLength;
  }
  return { size: size + table.byteLength, items, table, subjectIdx, replyIdx };
}

/** Packs `items` into a byte array of their own. */
export function packPublishItems(items: readonly PublishItem[]): Uint8Array {
  return packOwn(preparePublishItems(items), writePublishItems);
}

/** Writes the batch {@link preparePublishItems} measured at `offset` of `out` (exactly `p.size` bytes: a ring record's). */
export function writePublishItems(p: PreparedPublish, out: Uint8Array, offset: number): void {
  const { items, table, subjectIdx, replyIdx } = p;
  const { view, bytes, at } = beginPackedBatch(out, offset, p.size, items.length, table);
  let off = at;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    view.setUint16(off, subjectIdx[i], true);
    bytes[off + 2] = it.flags;
    view.setUint16(off + 3, replyIdx[i], true);
    view.setUint32(off + 5, it.payload.byteLength, true);
    off += ITEM_HEADER_BYTES;
    bytes.set(it.payload, off);
    off += it.payload.byteLength;
  }
}

/**
 * Unpacks what {@link packPublishItems} wrote. Each payload is a copy that owns its bytes (the
 * sender window keeps payloads: a view would keep the whole batch alive).
 * @throws RangeError when the bytes are not such a batch (a bug: only this module writes them).
 */
export function unpackPublishItems(bytes: Uint8Array): PublishItem[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new RangeError('not a packed publish batch: too short');
  const count = view.getUint32(0, true);
  const table = readStringTable(bytes, view, 4);
  const strings = table.strings;
  let off = table.offset;
  const items: PublishItem[] = new Array(count);
  for (let i = 0; i < count; i++) {
    if (off + ITEM_HEADER_BYTES > bytes.byteLength) throw new RangeError('not a packed publish batch: item past the end');
    const subject = stringAt(strings, view.getUint16(off, true), 'subject');
    const flags = bytes[off + 2];
    const r = view.getUint16(off + 3, true);
    const replyTo = r === NO_STRING ? undefined : stringAt(strings, r, 'reply subject');
    const len = view.getUint32(off + 5, true);
    off += ITEM_HEADER_BYTES;
    if (off + len > bytes.byteLength) throw new RangeError('not a packed publish batch: payload past the end');
    items[i] = publishItem(subject, flags, bytes.slice(off, off + len), replyTo);
    off += len;
  }
  if (off !== bytes.byteLength) throw new RangeError('not a packed publish batch: trailing bytes');
  return items;
}
