/**
 * Payload codecs: how an application value becomes message bytes (publish, request, respond)
 * and how a delivered message's bytes become `msg.data`.
 *
 * - `'msgpack'` (the default, and the only behaviour before codecs existed): a `Uint8Array`
 *   goes as raw bytes, any other value as one msgpack value (flagged as such on the wire);
 *   `msg.data` is the raw bytes or the decoded value, by that flag.
 * - `'json'`: `JSON.stringify` to UTF-8 bytes (a `Uint8Array` still goes raw); `msg.data` is
 *   `JSON.parse` of the bytes (throws on bytes that are not JSON).
 * - `'raw'`: bytes only: publishing anything but a `Uint8Array` throws `InvalidOptionError`;
 *   `msg.data` is always the bytes as sent.
 * - `{ encode, decode }`: the application's own (e.g. protobuf, or a schema validator).
 *
 * Whatever the codec, a published `Uint8Array` goes as it is (taken as already encoded).
 *
 * A subscription's codec decodes whatever arrives on its pattern: `msg.data` is typed `T`
 * because the application says so, not because anything checked it, unless its own `decode`
 * validates. `msg.raw` and `msg.isValue` are always available.
 */
import { decodePayload, encodePayload, type EncodedPayload } from '../../codecs/payload-codec.js';
import { MESSAGE_FLAGS } from '../../codecs/frame.js';
import { InvalidOptionError } from '../../errors.js';

/** An application codec: `encode` what is published, `decode` what is delivered. */
export interface PayloadCodec<T = unknown> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** A codec option: a built-in codec's name or the application's own. */
export type CodecOption = 'msgpack' | 'json' | 'raw' | PayloadCodec<any>;

/** A resolved codec: the same interface for the built-ins and the application's. */
export interface Codec {
  readonly name: string;
  encode(value: unknown): EncodedPayload;
  /** Throws what the codec throws (msgpack: never; undecodable msgpack gives `undefined`). */
  decode(flags: number, bytes: Uint8Array): unknown;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export const MSGPACK_CODEC: Codec = Object.freeze({
  name: 'msgpack',
  encode: encodePayload,
  decode(flags: number, bytes: Uint8Array): unknown {
    if ((flags & MESSAGE_FLAGS.msgpack) === 0) return bytes;
    const r = decodePayload(flags, bytes);
    return r.ok ? r.value : undefined;
  },
});

const JSON_CODEC: Codec = Object.freeze({
  name: 'json',
  encode(value: unknown): EncodedPayload {
    if (value instanceof Uint8Array) return { flags: 0, payload: value };
    const text = JSON.stringify(value);
    if (text === undefined) throw new InvalidOptionError(`the json codec cannot encode ${typeof value}`);
    return { flags: 0, payload: utf8.encode(text) };
  },
  decode(_flags: number, bytes: Uint8Array): unknown {
    return JSON.parse(fromUtf8.decode(bytes));
  },
});

const RAW_CODEC: Codec = Object.freeze({
  name: 'raw',
  encode(value: unknown): EncodedPayload {
    if (!(value instanceof Uint8Array)) throw new InvalidOptionError(`the raw codec publishes Uint8Array only, got ${typeof value}`);
    return { flags: 0, payload: value };
  },
  decode(_flags: number, bytes: Uint8Array): unknown {
    return bytes;
  },
});

/**
 * Resolves a codec option (`path` names it in errors): undefined gives `fallback`.
 * @throws InvalidOptionError for an unknown name or an object without `encode` and `decode`.
 */
export function resolveCodec(path: string, option: unknown, fallback: Codec = MSGPACK_CODEC): Codec {
  if (option === undefined) return fallback;
  if (option === 'msgpack') return MSGPACK_CODEC;
  if (option === 'json') return JSON_CODEC;
  if (option === 'raw') return RAW_CODEC;
  if (typeof option === 'object' && option !== null) {
    const c = option as Partial<PayloadCodec>;
    if (typeof c.encode !== 'function' || typeof c.decode !== 'function') {
      throw new InvalidOptionError(`${path} must have encode(value) and decode(bytes) functions`);
    }
    const encode = c.encode.bind(c);
    const decode = c.decode.bind(c);
    return Object.freeze({
      name: 'custom',
      encode(value: unknown): EncodedPayload {
        const payload = encode(value);
        if (!(payload instanceof Uint8Array)) throw new InvalidOptionError(`${path}.encode must return a Uint8Array`);
        return { flags: 0, payload };
      },
      decode: (_flags: number, bytes: Uint8Array): unknown => decode(bytes),
    });
  }
  throw new InvalidOptionError(`${path} must be 'msgpack', 'json', 'raw' or { encode, decode }, got ${JSON.stringify(option)}`);
}
