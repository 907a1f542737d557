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
 * u16 count of strings, then each: u8 byte length, UTF-8 bytes   (subjects and reply subjects, once each)
 * per item: u16 subject index, u8 flags, u16 reply index (0xFFFF: none), u32 payload length, payload
 * ```
 *
 * @packageDocumentation
 */
import type { PublishItem } from './messages.js';

const NO_REPLY = 0xffff;
const ITEM_HEADER_BYTES = 2 + 1 + 2 + 4;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Packs `items` (subjects already validated: at most 255 UTF-8 bytes, so a u8 length). */
export function packPublishItems(items: readonly PublishItem[]): Uint8Array {
  const index = new Map<string, number>();
  const strings: Uint8Array[] = [];
  let size = 4 + 2;
  const indexOf = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      const bytes = encoder.encode(s);
      if (bytes.byteLength > 255) throw new RangeError(`subject of ${bytes.byteLength} bytes cannot be packed`);
      i = strings.length;
      if (i >= NO_REPLY) throw new RangeError('too many distinct subjects in one publish batch');
      index.set(s, i);
      strings.push(bytes);
      size += 1 + bytes.byteLength;
    }
    return i;
  };
  const subjectIdx = new Uint16Array(items.length);
  const replyIdx = new Uint16Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    subjectIdx[i] = indexOf(it.subject);
    replyIdx[i] = it.replyTo === undefined ? NO_REPLY : indexOf(it.replyTo);
    size += ITEM_HEADER_BYTES + it.payload.byteLength;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let off = 0;
  view.setUint32(off, items.length, true);
  off += 4;
  view.setUint16(off, strings.length, true);
  off += 2;
  for (const s of strings) {
    out[off++] = s.byteLength;
    out.set(s, off);
    off += s.byteLength;
  }
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    view.setUint16(off, subjectIdx[i], true);
    out[off + 2] = it.flags;
    view.setUint16(off + 3, replyIdx[i], true);
    view.setUint32(off + 5, it.payload.byteLength, true);
    off += ITEM_HEADER_BYTES;
    out.set(it.payload, off);
    off += it.payload.byteLength;
  }
  return out;
}

/**
 * Unpacks what {@link packPublishItems} wrote. Each payload is a copy that owns its bytes (the
 * sender window keeps payloads: a view would keep the whole batch alive).
 * @throws RangeError when the bytes are not such a batch (a bug: only this module writes them).
 */
export function unpackPublishItems(bytes: Uint8Array): PublishItem[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new RangeError(`not a packed publish batch: ${what}`);
  };
  if (bytes.byteLength < 6) fail('too short');
  const count = view.getUint32(0, true);
  const stringCount = view.getUint16(4, true);
  let off = 6;
  const strings: string[] = [];
  for (let i = 0; i < stringCount; i++) {
    if (off + 1 > bytes.byteLength) fail('string table past the end');
    const len = bytes[off++];
    if (off + len > bytes.byteLength) fail('string past the end');
    strings.push(decoder.decode(bytes.subarray(off, off + len)));
    off += len;
  }
  const items: PublishItem[] = new Array(count);
  for (let i = 0; i < count; i++) {
    if (off + ITEM_HEADER_BYTES > bytes.byteLength) fail('item header past the end');
    const subject = strings[view.getUint16(off, true)] ?? fail('subject index');
    const flags = bytes[off + 2];
    const r = view.getUint16(off + 3, true);
    const replyTo = r === NO_REPLY ? undefined : (strings[r] ?? fail('reply index'));
    const len = view.getUint32(off + 5, true);
    off += ITEM_HEADER_BYTES;
    if (off + len > bytes.byteLength) fail('payload past the end');
    items[i] = { subject, flags, payload: bytes.slice(off, off + len), replyTo };
    off += len;
  }
  if (off !== bytes.byteLength) fail('trailing bytes');
  return items;
}
