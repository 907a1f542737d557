/**
 * Helpers for batches packed into one byte array to cross between threads of one peer (publish
 * batches to a sender on a worker, deliveries from a receiver on a worker): a table of strings
 * written once each (u8 length + UTF-8; subjects and peer names are at most 255 bytes), then
 * fixed-size little-endian fields. Trusted input (written by this process), checked for bounds
 * all the same: a reader throws a RangeError on anything it did not write.
 *
 * @packageDocumentation
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Index meaning "no string" (an absent reply subject). */
export const NO_STRING = 0xffff;

/** Collects distinct strings (each written once) and their indexes. */
export class StringTable {
  readonly #index = new Map<string, number>();
  readonly #bytes: Uint8Array[] = [];
  /** Bytes the table takes when written (count + entries). */
  byteLength = 2;

  /** The index of `s`, added if new. @throws RangeError over 255 UTF-8 bytes or 65,535 strings. */
  indexOf(s: string): number {
    let i = this.#index.get(s);
    if (i === undefined) {
      const bytes = encoder.encode(s);
      if (bytes.byteLength > 255) throw new RangeError(`a string of ${bytes.byteLength} bytes cannot be packed`);
      i = this.#bytes.length;
      if (i >= NO_STRING) throw new RangeError('too many distinct strings in one packed batch');
      this.#index.set(s, i);
      this.#bytes.push(bytes);
      this.byteLength += 1 + bytes.byteLength;
    }
    return i;
  }

  /** Writes the table at `offset`; returns the offset after it. */
  writeTo(out: Uint8Array, view: DataView, offset: number): number {
    view.setUint16(offset, this.#bytes.length, true);
    let off = offset + 2;
    for (const b of this.#bytes) {
      out[off++] = b.byteLength;
      out.set(b, off);
      off += b.byteLength;
    }
    return off;
  }
}

/** A batch measured for packing, written into an array of its own by its `write`. */
export function packOwn<P extends { readonly size: number }>(prepared: P, write: (p: P, out: Uint8Array, offset: number) => void): Uint8Array {
  const out = new Uint8Array(prepared.size);
  write(prepared, out, 0);
  return out;
}

/**
 * Starts a packed batch of `count` records in the `size` bytes at `offset` of `out` (a ring
 * record, or an array of its own): writes the count (u32) and `table`. Returns views of those
 * bytes to write the records with, and the offset after the table.
 */
export function beginPackedBatch(out: Uint8Array, offset: number, size: number, count: number, table: StringTable): { view: DataView; bytes: Uint8Array; at: number } {
  const view = new DataView(out.buffer, out.byteOffset + offset, size);
  const bytes = offset === 0 && out.byteLength === size ? out : out.subarray(offset, offset + size);
  view.setUint32(0, count, true);
  return { view, bytes, at: table.writeTo(bytes, view, 4) };
}

/** Reads a table written by {@link StringTable.writeTo}; returns the strings and the offset after it. */
export function readStringTable(bytes: Uint8Array, view: DataView, offset: number): { strings: string[]; offset: number } {
  if (offset + 2 > bytes.byteLength) throw new RangeError('not a packed batch: no string table');
  const count = view.getUint16(offset, true);
  let off = offset + 2;
  const strings: string[] = [];
  for (let i = 0; i < count; i++) {
    if (off + 1 > bytes.byteLength) throw new RangeError('not a packed batch: string table past the end');
    const len = bytes[off++];
    if (off + len > bytes.byteLength) throw new RangeError('not a packed batch: string past the end');
    strings.push(decoder.decode(bytes.subarray(off, off + len)));
    off += len;
  }
  return { strings, offset: off };
}

/** `strings[i]`, or a RangeError naming `what`. */
export function stringAt(strings: readonly string[], i: number, what: string): string {
  const s = strings[i];
  if (s === undefined) throw new RangeError(`not a packed batch: bad ${what} index ${i}`);
  return s;
}
