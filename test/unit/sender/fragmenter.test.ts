import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MESSAGE_FLAGS } from '../../../codecs/frame.js';
import { assertMessageSize, fragmentCount, fragmentPayload } from '../../../actors/sender/fragmenter.js';

const { msgpack, fragment, firstFragment, lastFragment } = MESSAGE_FLAGS;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

describe('fragmentPayload', () => {
  it('keeps a payload that fits as one message without fragment bits', () => {
    const p = new Uint8Array([1, 2, 3]);
    expect(fragmentPayload(p, 3, msgpack)).toEqual([{ flags: msgpack, payload: p, fragIndex: 0, fragCount: 1 }]);
    expect(fragmentPayload(new Uint8Array(0), 3, 0)).toEqual([{ flags: 0, payload: new Uint8Array(0), fragIndex: 0, fragCount: 1 }]);
  });

  it('splits a larger payload with first, middle and last fragment flags and the base flags on each', () => {
    const p = Uint8Array.from({ length: 10 }, (_, i) => i);
    const f = fragmentPayload(p, 4, msgpack);
    expect(f.map((x) => x.flags)).toEqual([
      msgpack | fragment | firstFragment,
      msgpack | fragment,
      msgpack | fragment | lastFragment,
    ]);
    expect(f.map((x) => [...x.payload])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it('makes exactly two fragments at one byte over, with the boundaries exact at a multiple', () => {
    expect(fragmentPayload(new Uint8Array(5), 4, 0).map((x) => x.payload.byteLength)).toEqual([4, 1]);
    expect(fragmentPayload(new Uint8Array(8), 4, 0).map((x) => x.payload.byteLength)).toEqual([4, 4]);
    expect(fragmentPayload(new Uint8Array(8), 4, 0).map((x) => x.flags)).toEqual([
      fragment | firstFragment,
      fragment | lastFragment,
    ]);
  });

  it('returns views of the payload, not copies', () => {
    const p = new Uint8Array(10);
    const f = fragmentPayload(p, 4, 0);
    expect(f.every((x) => x.payload.buffer === p.buffer)).toBe(true);
  });

  it('round-trips by concatenation, with the count fragmentCount predicts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), (p, max, packed) => {
        const base = packed ? msgpack : 0;
        const f = fragmentPayload(p, max, base);
        expect(f.length).toBe(fragmentCount(p.byteLength, max));
        expect(concat(f.map((x) => x.payload))).toEqual(p);
        for (const x of f) {
          expect(x.payload.byteLength).toBeLessThanOrEqual(max);
          expect(x.flags & msgpack).toBe(base);
        }
        if (f.length > 1) {
          expect(f.every((x) => (x.flags & fragment) !== 0)).toBe(true);
          expect(f.filter((x) => x.flags & firstFragment).length).toBe(1);
          expect(f.filter((x) => x.flags & lastFragment).length).toBe(1);
          expect(f[0].flags & firstFragment).toBeTruthy();
          expect(f[f.length - 1].flags & lastFragment).toBeTruthy();
        } else {
          expect(f[0].flags).toBe(base);
        }
      }),
    );
  });

  it('rejects fragment bits or unknown bits in the base flags and a bad fragment size', () => {
    expect(() => fragmentPayload(new Uint8Array(1), 4, fragment)).toThrow(/baseFlags/);
    expect(() => fragmentPayload(new Uint8Array(1), 4, 0x10)).toThrow(/baseFlags/);
    expect(() => fragmentPayload(new Uint8Array(1), 0, 0)).toThrow(/maxFragmentBytes/);
    expect(() => fragmentPayload(new Uint8Array(1), 2.5, 0)).toThrow(/maxFragmentBytes/);
  });
});

describe('assertMessageSize', () => {
  it('accepts up to maxMessageBytes and throws PayloadTooLargeError beyond', () => {
    expect(() => assertMessageSize(16, 16)).not.toThrow();
    expect(() => assertMessageSize(17, 16)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_TOO_LARGE', name: 'PayloadTooLargeError' }));
  });
});
