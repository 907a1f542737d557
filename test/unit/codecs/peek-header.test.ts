import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, namesSender, peekHeader } from '../../../codecs/index.js';
import { anyFrameArb } from './frame-arbitraries.js';

/** A valid frame with one byte changed (header bytes most of the time), or cut short. */
const damagedArb = fc
  .tuple(anyFrameArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean())
  .map(([frame, at, value, cut]) => {
    const bytes = encodeFrame(frame);
    const i = at % Math.min(bytes.length, 24);
    if (cut) return bytes.subarray(0, i);
    const copy = bytes.slice();
    copy[i] = value;
    return copy;
  });

describe('peekHeader', () => {
  it('returns the kind and sender of every valid frame', () => {
    fc.assert(
      fc.property(anyFrameArb, (frame) => {
        expect(peekHeader(encodeFrame(frame))).toEqual({ ok: true, kind: frame.kind, sender: frame.sender });
      }),
    );
  });

  it('never throws, accepts whatever decodeFrame accepts, and refuses a bad header for the reason decodeFrame gives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), damagedArb), (bytes) => {
        const peek = peekHeader(bytes);
        const full = decodeFrame(bytes);
        if (full.ok) expect(peek).toEqual({ ok: true, kind: full.frame.kind, sender: full.frame.sender });
        if (!peek.ok) expect(full).toEqual(peek);
      }),
      { numRuns: 2000 },
    );
  });

  it('looks at a view with an offset into a larger buffer, not at the buffer start', () => {
    const bytes = encodeFrame({ kind: 'bye', sender: { name: 'p', incarnation: 3 } });
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 7);
    expect(peekHeader(big.subarray(7, 7 + bytes.length))).toEqual({ ok: true, kind: 'bye', sender: { name: 'p', incarnation: 3 } });
  });
});

describe('namesSender', () => {
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('says whether a valid frame names exactly the given sender, as peekHeader reads it', () => {
    fc.assert(
      fc.property(anyFrameArb, fc.string({ minLength: 1, maxLength: 12 }), (frame, other) => {
        const bytes = encodeFrame(frame);
        expect(namesSender(bytes, utf8(frame.sender.name))).toBe(true);
        expect(namesSender(bytes, utf8(other))).toBe(other === frame.sender.name);
      }),
    );
  });

  it('does not take a longer or shorter name with the same first bytes, nor a datagram shorter than the name', () => {
    const bytes = encodeFrame({ kind: 'bye', sender: { name: 'pub-1', incarnation: 1 } });
    expect(namesSender(bytes, utf8('pub-'))).toBe(false);
    expect(namesSender(bytes, utf8('pub-12'))).toBe(false);
    expect(namesSender(bytes.subarray(0, 18), utf8('pub-1'))).toBe(false);
  });
});
