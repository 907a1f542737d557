import { Packr } from 'msgpackr';
import { packerOfId, packerOfKind, type PayloadPacker } from './payload-packers.js';
import type { Ring } from './ring.js';

/**
 * How an {@link Envelope} (`wire-messages.ts`) is laid out in a ring record:
 *
 * ```
 * offset 0  u16 LE  target: index of the actor in the sorted actor names, or APP_TARGET_INDEX
 * offset 2  u8      payload codec (PAYLOAD_CODECS)
 * offset 3  ...     payload
 * ```
 *
 * Payload codecs:
 * - `bytes`: the payload is a `Uint8Array` (a `Buffer` included), copied as is. This is the fast
 *   path for datagrams and frames, the bulk of cross-thread traffic; it arrives as a plain
 *   `Uint8Array` that owns its memory.
 * - a packer's id (2..255): a message whose `kind` has a registered packer
 *   (`payload-packers.ts`): written straight into the record in its own layout, read back with
 *   one copy of its bytes. The data path's messages go this way.
 * - `msgpack`: anything else, with `new Packr({ useRecords: false, copyBuffers: true })`.
 *   No records: every record decodes on its own, with no structure state shared between threads.
 *   `copyBuffers` matters: without it msgpackr returns binary values as views into its input,
 *   which here is the ring, soon overwritten. A `Uint8Array` (or `Buffer`) inside a message
 *   arrives as a `Uint8Array`; other typed arrays arrive as their bytes in a `Uint8Array`.
 *   (`moreTypes: true` would keep their classes but made decoding 2-3x slower when measured, for
 *   types protocol messages do not carry.)
 *
 * @packageDocumentation
 */

/** Bytes before the payload in a record. */
export const ENVELOPE_HEADER_BYTES = 3;
/** The target index meaning "the application thread" (events and errors of actors). */
export const APP_TARGET_INDEX = 0xffff;
/** The largest actor index (so the number of actors is at most this + 1). */
export const MAX_TARGET_INDEX = 0xfffe;
/** Payload codec ids (byte 2 of a record). */
export const PAYLOAD_CODECS = Object.freeze({ msgpack: 0, bytes: 1 } as const);

/** A payload encoded for a ring, kept while waiting for room. */
export interface EncodedEnvelope {
  readonly target: number;
  readonly codec: number;
  /** The bytes to write (empty when a packer writes `message`). */
  readonly body: Uint8Array;
  /** The record's payload size in bytes. */
  readonly size: number;
  /** The message a packer writes (codec >= 2); undefined otherwise. */
  readonly message?: { readonly kind: string };
  readonly packer?: PayloadPacker<any>;
}

const NO_BODY = new Uint8Array(0);

/** Encodes and decodes envelopes. One per thread (msgpackr's Packr keeps a reusable buffer). */
export class EnvelopeCodec {
  readonly #packr = new Packr({ useRecords: false, copyBuffers: true });

  /**
   * Encodes `payload` for `target`. For a `Uint8Array` payload the body *is* the payload (no
   * copy yet): write it before the caller may mutate it, or copy it.
   */
  encode(target: number, payload: unknown): EncodedEnvelope {
    if (payload instanceof Uint8Array) return { target, codec: PAYLOAD_CODECS.bytes, body: payload, size: payload.length };
    if (typeof payload === 'object' && payload !== null) {
      const message = payload as { readonly kind: string };
      const packer = packerOfKind(message.kind);
      if (packer !== undefined) return { target, codec: packer.id, body: NO_BODY, size: packer.size(message), message, packer };
    }
    // msgpackr's result stays valid after later packs (it moves on in, or replaces, its buffer).
    const body = this.#packr.pack(payload);
    return { target, codec: PAYLOAD_CODECS.msgpack, body, size: body.length };
  }

  /** Writes `env` into `ring` as one record; `false` when the ring lacks room (nothing written). */
  tryWrite(ring: Ring, env: EncodedEnvelope): boolean {
    const body = env.body;
    const off = ring.tryClaim(ENVELOPE_HEADER_BYTES + env.size);
    if (off < 0) return false;
    const bytes = ring.bytes;
    bytes[off] = env.target & 0xff;
    bytes[off + 1] = env.target >>> 8;
    bytes[off + 2] = env.codec;
    if (env.packer !== undefined) {
      env.packer.write(env.message!, bytes, off + ENVELOPE_HEADER_BYTES);
    } else if (body.length <= 32) {
      // TypedArray.prototype.set costs more than a short loop for the small messages that dominate.
      for (let i = 0; i < body.length; i++) bytes[off + ENVELOPE_HEADER_BYTES + i] = body[i];
    } else {
      bytes.set(body, off + ENVELOPE_HEADER_BYTES);
    }
    return true;
  }

  /** The target index of the record at `offset`. */
  targetOf(bytes: Uint8Array, offset: number): number {
    return bytes[offset] | (bytes[offset + 1] << 8);
  }

  /**
   * Decodes the payload of the record at `offset` into memory that does not alias the ring.
   * @throws on a corrupt payload (a bug: only this codec writes rings).
   */
  decodePayload(bytes: Uint8Array, offset: number, length: number): unknown {
    const codec = bytes[offset + 2];
    if (codec === PAYLOAD_CODECS.bytes) return bytes.slice(offset + ENVELOPE_HEADER_BYTES, offset + length);
    if (codec === PAYLOAD_CODECS.msgpack) return this.#packr.unpack(bytes.subarray(offset + ENVELOPE_HEADER_BYTES, offset + length));
    const packer = packerOfId(codec);
    if (packer === undefined) throw new RangeError(`no payload packer ${codec} on this thread`);
    return packer.read(bytes, offset + ENVELOPE_HEADER_BYTES, length - ENVELOPE_HEADER_BYTES);
  }
}
