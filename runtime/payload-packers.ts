/**
 * Messages that cross threads in a byte layout of their own instead of msgpack.
 *
 * The data path's messages (built DATA datagrams, received datagrams, packed publish and delivery
 * batches) are mostly one or a few large byte arrays. msgpack copies them into its own buffer,
 * which it replaces as it fills, so every such message left a large buffer behind for the garbage
 * collector (35 % of a publisher's main thread in `sharedNetwork`, measured). A packer writes the
 * message straight into the ring record and reads it back with one copy of its bytes.
 *
 * A packer is registered once per message `kind`, with a payload codec id that is the same on
 * every thread (module-level constants, registered when their module loads: every module that
 * sends or receives such a message imports it). A message whose kind has no packer goes as
 * msgpack. Messages handed to a packer are not changed afterwards by their sender (as for any
 * message sent to an actor on the same thread, which gets the object itself).
 *
 * @packageDocumentation
 */

/** Writes and reads one message kind as bytes (see the module comment). */
export interface PayloadPacker<T extends { readonly kind: string }> {
  /** The payload codec id in the ring record: 2..254, unique, the same on every thread. */
  readonly id: number;
  /** The `kind` of the messages it packs. */
  readonly kind: T['kind'];
  /** The bytes {@link write} takes for `msg`. Throws (a RangeError) for a message it cannot write. */
  size(msg: T): number;
  /** Writes `msg` (exactly `size(msg)` bytes) at `offset`; never throws for a message `size` accepted (the record is claimed). */
  write(msg: T, bytes: Uint8Array, offset: number): void;
  /**
   * Rebuilds a message from `length` bytes at `offset`, into memory of its own (the bytes are a
   * ring's, soon reused). Throws on bytes no `write` produced (a bug: only packers write rings).
   */
  read(bytes: Uint8Array, offset: number, length: number): T;
}

/** The lowest packer id (0 and 1 are msgpack and raw bytes, `envelope-codec.ts`). */
export const FIRST_PACKER_ID = 2;
/** The highest packer id (255 is an actor's event for the application wrapping a packed message, `envelope-codec.ts`). */
export const LAST_PACKER_ID = 254;

const byId: (PayloadPacker<any> | undefined)[] = [];
const byKind = new Map<string, PayloadPacker<any>>();

/**
 * Registers `packer` (once per module load; registering the same packer again does nothing).
 * @throws RangeError for an id outside 2..254, or an id or kind another packer holds.
 */
export function registerPayloadPacker<T extends { readonly kind: string }>(packer: PayloadPacker<T>): PayloadPacker<T> {
  const { id, kind } = packer;
  if (!Number.isInteger(id) || id < FIRST_PACKER_ID || id > LAST_PACKER_ID) throw new RangeError(`a payload packer id must be an integer in ${FIRST_PACKER_ID}..${LAST_PACKER_ID}, got ${id}`);
  const sameId = byId[id];
  const sameKind = byKind.get(kind);
  if (sameId === packer && sameKind === packer) return packer;
  if (sameId !== undefined) throw new RangeError(`payload packer id ${id} is taken by kind "${sameId.kind}"`);
  if (sameKind !== undefined) throw new RangeError(`kind "${kind}" already has payload packer ${sameKind.id}`);
  byId[id] = packer;
  byKind.set(kind, packer);
  return packer;
}

/** The packer of messages of `kind`, if one is registered. */
export function packerOfKind(kind: unknown): PayloadPacker<any> | undefined {
  return typeof kind === 'string' ? byKind.get(kind) : undefined;
}

/** The packer registered with payload codec `id`, if any. */
export function packerOfId(id: number): PayloadPacker<any> | undefined {
  return byId[id];
}

// Little-endian helpers over a plain Uint8Array (no DataView per message).

/** Writes `v` (0..2^32-1) at `o`; returns the offset after it. */
export function putU32(b: Uint8Array, o: number, v: number): number {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = v >>> 24;
  return o + 4;
}

/** Reads a u32 at `o`. */
export function getU32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** Writes a float64 at `o` (any number: seqs, ids); returns the offset after it. */
export function putF64(b: Uint8Array, o: number, v: number): number {
  f64[0] = v;
  b.set(f64Bytes, o);
  return o + 8;
}

/** Reads a float64 at `o`. */
export function getF64(b: Uint8Array, o: number): number {
  for (let i = 0; i < 8; i++) f64Bytes[i] = b[o + i];
  return f64[0];
}
