import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readU64, writeU64 } from '../../../codecs/wire-primitives.js';

describe('u64 sequence fields', () => {
  const view = new DataView(new ArrayBuffer(16));

  it('reads back every safe integer it wrote, small ones and those past 32 bits alike', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.maxSafeNat()), fc.integer({ min: 0, max: 8 }), (value, offset) => {
        writeU64(view, offset, value);
        expect(readU64(view, offset)).toBe(value);
      }),
    );
  });

  it('refuses (-1) a value above Number.MAX_SAFE_INTEGER, whatever its low half', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x20_0000, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff }), (high, low) => {
        view.setUint32(0, low, true);
        view.setUint32(4, high, true);
        expect(readU64(view, 0)).toBe(-1);
      }),
    );
  });
});
