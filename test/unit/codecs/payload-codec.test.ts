import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_FLAGS } from '../../../codecs/frame.js';
import { decodePayload, encodePayload } from '../../../codecs/payload-codec.js';

describe('payload codec', () => {
  it('passes Uint8Array and Buffer through as raw bytes with flags 0, without copying', () => {
    const raw = new Uint8Array([1, 2, 3]);
    expect(encodePayload(raw)).toEqual({ flags: 0, payload: raw });
    expect(encodePayload(raw).payload).toBe(raw);
    const buf = Buffer.from('hello');
    expect(encodePayload(buf).flags).toBe(0);
    expect(encodePayload(buf).payload).toBe(buf);
    expect(decodePayload(0, raw)).toEqual({ ok: true, value: raw });
  });

  it('msgpack-encodes every other value and sets the msgpack flag', () => {
    for (const value of [null, undefined, 0, -1.5, 'text', true, [1, 'a'], { a: 1 }, 2n ** 60n]) {
      const { flags, payload } = encodePayload(value);
      expect(flags).toBe(MESSAGE_FLAGS.msgpack);
      expect(decodePayload(flags, payload)).toEqual({ ok: true, value });
    }
  });

  it('round-trips nested values, dates and byte arrays inside values', () => {
    const value = {
      id: 7,
      when: new Date(1_700_000_000_000),
      tags: ['a', 'b', { deep: [1, [2, [3, { x: null }]]] }],
      bytes: new Uint8Array([9, 8, 7]),
      unicode: 'Zürich 😀',
    };
    const { flags, payload } = encodePayload(value);
    const result = decodePayload(flags, payload);
    expect(result.ok).toBe(true);
    if (result.ok) {
      const v = result.value as typeof value;
      expect(v.when).toEqual(value.when);
      expect(v.tags).toEqual(value.tags);
      expect(Array.from(v.bytes)).toEqual([9, 8, 7]);
      expect(v.unicode).toBe(value.unicode);
    }
  });

  it('round-trips any JSON value (as JSON sees it: -0 comes back as 0)', () => {
    // msgpackr renames an own "__proto__" key (prototype-pollution guard): tested below.
    const jsonArb = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('"__proto__"'));
    fc.assert(
      fc.property(jsonArb, (value) => {
        const { flags, payload } = encodePayload(value);
        const result = decodePayload(flags, payload);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.value).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('never lets a decoded "__proto__" key reach the prototype', () => {
    const hostile = new Uint8Array([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]);
    const result = decodePayload(MESSAGE_FLAGS.msgpack, hostile);
    expect(result.ok).toBe(true);
    if (result.ok) expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('encodes each payload on its own: decoding one never depends on an earlier one', () => {
    const a = encodePayload({ price: 1, size: 2 });
    const b = encodePayload({ price: 3, size: 4 });
    expect(decodePayload(b.flags, b.payload)).toEqual({ ok: true, value: { price: 3, size: 4 } });
    expect(decodePayload(a.flags, a.payload)).toEqual({ ok: true, value: { price: 1, size: 2 } });
    expect(Array.from(a.payload)).toEqual(Array.from(encodePayload({ price: 1, size: 2 }).payload));
  });

  it('refuses truncated, trailing and reserved msgpack bytes without throwing', () => {
    const { payload } = encodePayload({ a: [1, 2, 3], b: 'xyz' });
    for (let n = 0; n < payload.length; n++) {
      expect(decodePayload(MESSAGE_FLAGS.msgpack, payload.subarray(0, n)).ok).toBe(false);
    }
    expect(decodePayload(MESSAGE_FLAGS.msgpack, new Uint8Array([...payload, 0x01])).ok).toBe(false);
    expect(decodePayload(MESSAGE_FLAGS.msgpack, new Uint8Array([0xc1])).ok).toBe(false);
    expect(decodePayload(MESSAGE_FLAGS.msgpack, new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])).ok).toBe(false);
  });

  it('never throws on random msgpack-flagged bytes, and cannot be poisoned by a record definition', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodePayload(MESSAGE_FLAGS.msgpack, bytes);
      }),
      { numRuns: 5000 },
    );
    // A hostile record definition (fixext1 'r') must not change how later payloads decode.
    decodePayload(MESSAGE_FLAGS.msgpack, new Uint8Array([0xd4, 0x72, 0x40, 0x91, 0xa1, 0x78, 0x01]));
    const plain = encodePayload({ x: 1 });
    expect(decodePayload(plain.flags, plain.payload)).toEqual({ ok: true, value: { x: 1 } });
    expect(decodePayload(MESSAGE_FLAGS.msgpack, new Uint8Array([0x40])).ok).toBe(true);
  });

  it('decodes fragment-flagged payloads by their msgpack bit alone', () => {
    const { payload } = encodePayload('whole');
    expect(decodePayload(MESSAGE_FLAGS.msgpack | MESSAGE_FLAGS.fragment | MESSAGE_FLAGS.lastFragment, payload)).toEqual({
      ok: true,
      value: 'whole',
    });
    expect(decodePayload(MESSAGE_FLAGS.fragment, payload)).toEqual({ ok: true, value: payload });
  });
});
