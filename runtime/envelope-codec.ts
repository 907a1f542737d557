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
 * - `packedEvent` (255): an actor's event for the application (`{ kind: 'event', actor, event }`,
 *   to {@link APP_TARGET_INDEX}) whose `event` has a packer, as deliveries do:
 *   `u8 actor name length, actor name (UTF-8), u8 the event's packer id`, then the event as that
 *   packer writes it. Before, such a notice went as msgpack around the packed bytes: a copy more
 *   and a string extraction per notice (msgpackr's native `extractStrings`: 20 % of a
 *   subscriber's application thread in the `shared` preset at 10,000 messages a second).
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
export const PAYLOAD_CODECS = Object.freeze({ msgpack: 0, bytes: 1, packedEvent: 255 } as const);

/** A payload encoded for a ring, kept while waiting for room. */
export interface EncodedEnvelope {
  readonly target: number;
  readonly codec: number;
  /** The bytes to write (when a packer writes `message`: what comes before it, often nothing). */
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
  /** Per actor name, per packer id: the bytes a packed event starts with (see `packedEvent`). */
  readonly #eventPrefixes = new Map<string, (Uint8Array | undefined)[]>();
  /** The actor name last read from a packed event, and its bytes. */
  #lastActor = '';
  #lastActorBytes: Uint8Array = NO_BODY;

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
      if (target === APP_TARGET_INDEX && message.kind === 'event') {
        const { actor, event } = payload as { readonly actor?: unknown; readonly event?: { readonly kind: string } | null };
        const inner = typeof event === 'object' && event !== null ? packerOfKind(event.kind) : undefined;
        const prefix = inner !== undefined && typeof actor === 'string' ? this.#eventPrefix(actor, inner.id) : undefined;
        if (prefix !== undefined) return { target, codec: PAYLOAD_CODECS.packedEvent, body: prefix, size: prefix.length + inner!.size(event!), message: event!, packer: inner };
      }
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
      for (let i = 0; i < body.length; i++) bytes[off + ENVELOPE_HEADER_BYTES + i] = body[i];
      env.packer.write(env.message!, bytes, off + ENVELOPE_HEADER_BYTES + body.length);
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
    if (codec === PAYLOAD_CODECS.packedEvent) return this.#readPackedEvent(bytes, offset + ENVELOPE_HEADER_BYTES, offset + length);
    const packer = packerOfId(codec);
    if (packer === undefined) throw new RangeError(`no payload packer ${codec} on this thread`);
    return packer.read(bytes, offset + ENVELOPE_HEADER_BYTES, length - ENVELOPE_HEADER_BYTES);
  }

  /** `u8 name length, name, u8 packer id` for an event of `actor` packed by packer `id`; undefined for a name over 255 bytes (msgpack then). */
  #eventPrefix(actor: string, id: number): Uint8Array | undefined {
    let byId = this.#eventPrefixes.get(actor);
    let prefix = byId?.[id];
    if (prefix !== undefined) return prefix;
    const name = TEXT_ENCODER.encode(actor);
    if (name.length > 255) return undefined;
    prefix = new Uint8Array(name.length + 2);
    prefix[0] = name.length;
    prefix.set(name, 1);
    prefix[name.length + 1] = id;
    if (byId === undefined) this.#eventPrefixes.set(actor, (byId = []));
    byId[id] = prefix;
    return prefix;
  }

  /** Reads a `packedEvent` payload from `start` to `end`: `{ kind: 'event', actor, event }`. */
  #readPackedEvent(bytes: Uint8Array, start: number, end: number): { kind: 'event'; actor: string; event: unknown } {
    const n = bytes[start];
    const at = start + 1 + n;
    if (at + 1 > end) throw new RangeError('packed event: truncated');
    const packer = packerOfId(bytes[at]);
    if (packer === undefined) throw new RangeError(`no payload packer ${bytes[at]} on this thread`);
    return { kind: 'event', actor: this.#actorName(bytes, start + 1, n), event: packer.read(bytes, at + 1, end - at - 1) };
  }

  /** The actor name of `n` bytes at `at` (actors' events come in runs: the last one is kept). */
  #actorName(bytes: Uint8Array, at: number, n: number): string {
    const last = this.#lastActorBytes;
    if (last.length === n) {
      let i = 0;
      while (i < n && last[i] === bytes[at + i]) i++;
      if (i === n) return this.#lastActor;
    }
    this.#lastActorBytes = bytes.slice(at, at + n);
    this.#lastActor = TEXT_DECODER.decode(this.#lastActorBytes);
    return this.#lastActor;
  }
}

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder('utf-8', { fatal: true });
