/**
 * decodeFrameRecords: DATA checked as decodeData checks it, its records read later; every other
 * frame and every refusal as decodeFrame's.
 */
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { DataRecords } from '../../../codecs/data-records.js';
import type { WireMessage } from '../../../codecs/frame.js';
import { decodeFrame, decodeFrameRecords, encodeFrame } from '../../../codecs/frame-codec.js';
import { anyFrameArb, dataFrameArb } from './frame-arbitraries.js';

function records(d: DataRecords): WireMessage[] {
  const out: WireMessage[] = [];
  for (let i = 0, o = d.firstRecord; i < d.count; i++, o = d.recordEnd(o)) {
    const m = d.messageAt(o);
    expect(d.seqAt(o)).toBe(m.seq);
    expect(d.flagsAt(o)).toBe(m.flags);
    expect(d.streamAt(o).subject).toBe(m.subject);
    out.push(m);
  }
  expect(out.length).toBe(d.count);
  return out;
}

/** What decodeFrameRecords makes of `bytes`, in decodeFrame's shape. */
function viaRecords(bytes: Uint8Array): unknown {
  const r = decodeFrameRecords(bytes);
  if (!r.ok || !(r.frame instanceof DataRecords)) return r;
  const d = r.frame;
  return { ok: true, frame: { kind: 'data', sender: d.sender, streams: d.streams, messages: records(d) } };
}

describe('decodeFrameRecords', () => {
  it('reads every DATA frame back as decodeFrame decodes it', () => {
    fc.assert(
      fc.property(dataFrameArb, (frame) => {
        const bytes = encodeFrame(frame);
        expect(viaRecords(bytes)).toEqual(decodeFrame(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses exactly what decodeFrame refuses, for the same reason, whatever byte is damaged', () => {
    fc.assert(
      fc.property(anyFrameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 3 }), (frame, at, xor, cut) => {
        const bytes = encodeFrame(frame);
        const damaged = bytes.slice(0, bytes.length - (cut === 0 ? 1 : 0));
        damaged[at % damaged.length] ^= xor;
        expect(viaRecords(damaged)).toEqual(decodeFrame(damaged));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads payloads as plain Uint8Array views of the datagram, also from a node Buffer (as dgram hands it)', () => {
    const frame = fc.sample(dataFrameArb, { numRuns: 1, seed: 5 })[0];
    const bytes = Buffer.from(encodeFrame(frame));
    const r = decodeFrameRecords(bytes);
    expect(r.ok && r.frame instanceof DataRecords).toBe(true);
    const d = (r as { frame: DataRecords }).frame;
    for (const m of records(d)) {
      expect(Object.getPrototypeOf(m.payload)).toBe(Uint8Array.prototype);
      expect(m.payload.buffer).toBe(bytes.buffer); // a view, not a copy
    }
  });
});
