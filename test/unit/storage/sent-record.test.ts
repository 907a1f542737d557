import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSentRecord, encodeSentRecord, sentRecordBytes, sentRecordTime } from '../../../storage/sent-record.js';

describe('sent record', () => {
  it('round-trips any message and its stored size is what retention counts', () => {
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          flags: fc.integer({ min: 0, max: 255 }),
          replyTo: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
          payload: fc.uint8Array({ maxLength: 300 }),
          sentAtMs: fc.double({ noNaN: true, noDefaultInfinity: true }),
        }),
        (m) => {
          const msg = m.replyTo === undefined ? { seq: m.seq, flags: m.flags, payload: m.payload, sentAtMs: m.sentAtMs } : m;
          const buf = encodeSentRecord(msg);
          expect(buf.byteLength).toBe(sentRecordBytes(msg));
          const back = decodeSentRecord(m.seq, buf);
          expect(back).toBeDefined();
          expect(back?.flags).toBe(m.flags);
          expect(back?.replyTo).toBe(m.replyTo);
          expect(Object.is(back?.sentAtMs, m.sentAtMs)).toBe(true);
          expect(Object.is(sentRecordTime(buf), m.sentAtMs)).toBe(true);
          expect([...(back?.payload ?? [])]).toEqual([...m.payload]);
        },
      ),
    );
  });

  it('stores a message sent as fragments whole, with its fragment size (record version 2)', () => {
    const m = { seq: 9, flags: 1, replyTo: 'r', payload: new Uint8Array(20).fill(3), sentAtMs: 5, fragmentBytes: 8 };
    const buf = encodeSentRecord(m);
    expect(buf[0]).toBe(2);
    expect(buf.byteLength).toBe(sentRecordBytes(m));
    const back = decodeSentRecord(9, buf);
    expect(back).toMatchObject({ seq: 9, flags: 1, replyTo: 'r', sentAtMs: 5, fragmentBytes: 8 });
    expect([...(back?.payload ?? [])]).toEqual([...m.payload]);
    expect(sentRecordTime(buf)).toBe(5);
  });

  it('returns undefined for a record of another version or too short', () => {
    expect(decodeSentRecord(1, new Uint8Array([1, 0, 0]))).toBeUndefined();
    const buf = encodeSentRecord({ seq: 1, flags: 0, payload: new Uint8Array(2), sentAtMs: 0 });
    buf[0] = 2;
    expect(decodeSentRecord(1, buf)).toBeUndefined();
    const lying = encodeSentRecord({ seq: 1, flags: 0, replyTo: 'ab', payload: new Uint8Array(0), sentAtMs: 0 });
    lying.writeUInt16LE(500, 2);
    expect(decodeSentRecord(1, lying)).toBeUndefined();
  });
});
