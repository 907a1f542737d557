import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlabPool } from '../../../codecs/slab-pool.js';
import { DataBatchBuilder, maxPayloadPerDatagram } from '../../../codecs/data-batch.js';
import type { DataFrame, WireMessage } from '../../../codecs/frame.js';
import { decodeFrame, encodeFrame } from '../../../codecs/frame-codec.js';
import { MAX_FRAME_BYTES } from '../../../codecs/frames/header.js';
import { MESSAGE_HEADER_LENGTH } from '../../../codecs/frames/message-record.js';
import { RESUMED_LENGTH } from '../../../codecs/frames/stream-entry-flags.js';
import { messageFlagsArb, payloadArb, seqArb, subjectArb } from './frame-arbitraries.js';

const sender = { name: 'pub-1', incarnation: 42 };

function decodeData(bytes: Uint8Array): DataFrame {
  const result = decodeFrame(bytes);
  if (!result.ok || result.frame.kind !== 'data') throw new Error(`not a DATA frame: ${JSON.stringify(result)}`);
  return result.frame;
}

/** A message; with the fragment flag, a fragment address matching the edge bits (of 3 fragments) and a non-empty payload. */
function msg(subject: string, seq: number, payload: Uint8Array, flags = 0, replyTo?: string): WireMessage {
  const m: WireMessage = replyTo === undefined ? { subject, seq, flags, payload } : { subject, seq, flags, replyTo, payload };
  if ((flags & 0x02) === 0) return m;
  if ((flags & 0x0c) === 0x0c) flags &= ~0x08; // a message has 2 fragments at least: not both edges
  const fragIndex = (flags & 0x04) !== 0 ? 0 : (flags & 0x08) !== 0 ? 2 : 1;
  return { ...m, flags, payload: payload.length === 0 ? new Uint8Array([7]) : payload, fragIndex, fragCount: 3 };
}

describe('DataBatchBuilder', () => {
  it('starts empty and produces a DATA frame holding the added messages in order', () => {
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 1400 });
    expect(b.isEmpty).toBe(true);
    const added = [
      msg('a.b', 1, new Uint8Array([1])),
      msg('c', 10, new Uint8Array([2, 3]), 0x01, 'reply.here'),
      msg('a.b', 2, new Uint8Array([]), 0x02 | 0x04),
    ];
    expect(b.tryAdd(added[0], 1)).toBe(true);
    expect(b.tryAdd(added[1], 7)).toBe(true);
    expect(b.tryAdd(added[2], 1)).toBe(true);
    expect(b.isEmpty).toBe(false);
    expect(b.messageCount).toBe(3);
    const bytes = b.finish();
    expect(bytes.length).toBe(encodeFrame(decodeData(bytes)).length);
    expect(decodeData(bytes)).toEqual({
      kind: 'data',
      sender,
      streams: [
        { subject: 'a.b', startSeq: 1 },
        { subject: 'c', startSeq: 7 },
      ],
      messages: added,
    });
  });

  it('reports byteLength equal to the datagram finish returns, and empties itself on finish', () => {
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 1400 });
    b.tryAdd(msg('x', 1, new Uint8Array(64)), 1);
    b.tryAdd(msg('y', 1, new Uint8Array(3)), 1);
    const expected = b.byteLength;
    expect(b.finish().length).toBe(expected);
    expect(b.isEmpty).toBe(true);
    expect(b.messageCount).toBe(0);
    b.tryAdd(msg('z', 5, new Uint8Array(1)), 5);
    expect(decodeData(b.finish()).streams).toEqual([{ subject: 'z', startSeq: 5 }]);
  });

  it('refuses the message that would overflow maxDatagramBytes and never exceeds it', () => {
    const max = 1000;
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: max });
    let seq = 1;
    while (b.tryAdd(msg(seq % 3 === 0 ? 'other' : 'md.x', seq, new Uint8Array(50)), 1)) seq++;
    const before = b.messageCount;
    const length = b.byteLength;
    expect(length).toBeLessThanOrEqual(max);
    expect(length + 16 + 50).toBeGreaterThan(max);
    expect(b.tryAdd(msg('md.x', seq, new Uint8Array(50)), 1)).toBe(false);
    expect(b.messageCount).toBe(before);
    const frame = decodeData(b.finish());
    expect(frame.messages.length).toBe(before);
    expect(b.tryAdd(msg('md.x', seq, new Uint8Array(50)), 1)).toBe(true);
  });

  it('fills a datagram exactly to the byte when the last message fits exactly', () => {
    const max = 500;
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: max });
    b.tryAdd(msg('s', 1, new Uint8Array(10)), 1);
    const room = max - b.byteLength - 16;
    expect(b.tryAdd(msg('s', 2, new Uint8Array(room + 1)), 1)).toBe(false);
    expect(b.tryAdd(msg('s', 2, new Uint8Array(room)), 1)).toBe(true);
    expect(b.finish().length).toBe(max);
  });

  it('throws when a single message cannot fit even an empty datagram, and for invalid messages', () => {
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 200 });
    expect(() => b.tryAdd(msg('a', 1, new Uint8Array(200)), 1)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a..b', 1, new Uint8Array(1)), 1)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a.*', 1, new Uint8Array(1)), 1)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a', 0, new Uint8Array(1)), 0)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a', 4, new Uint8Array(1)), 5)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a', 2 ** 53, new Uint8Array(1)), 1)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a', 1, new Uint8Array(1), 0x10), 1)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a', 1, new Uint8Array(1), 0x04), 1)).toThrow(RangeError);
    expect(() => b.tryAdd(msg('a', 1, new Uint8Array(1), 0, 'r.>'), 1)).toThrow(RangeError);
    expect(b.isEmpty).toBe(true);
    b.tryAdd(msg('a', 3, new Uint8Array(1)), 1);
    expect(() => b.tryAdd(msg('a', 4, new Uint8Array(1)), 2)).toThrow(RangeError);
    expect(b.messageCount).toBe(1);
    expect(() => new DataBatchBuilder({ sender, maxDatagramBytes: 20 })).toThrow(RangeError);
    expect(() => new DataBatchBuilder({ sender, maxDatagramBytes: MAX_FRAME_BYTES + 1 })).toThrow(RangeError);
    expect(() => new DataBatchBuilder({ sender: { name: '', incarnation: 1 }, maxDatagramBytes: 1400 })).toThrow(RangeError);
    expect(() => new DataBatchBuilder({ sender, maxDatagramBytes: 1400 }).finish()).toThrow(RangeError);
  });

  it('finishInto writes the same datagram into caller memory, and keeps the batch when it does not fit', () => {
    const a = new DataBatchBuilder({ sender, maxDatagramBytes: 1400 });
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 1400 });
    for (const builder of [a, b]) {
      builder.tryAdd(msg('a.b', 1, new Uint8Array([1, 2])), 1);
      builder.tryAdd(msg('c', 4, new Uint8Array([3])), 4);
    }
    const expected = a.finish();
    const ring = new Uint8Array(new SharedArrayBuffer(2048));
    expect(() => b.finishInto(ring, 2048 - expected.length + 1)).toThrow(RangeError);
    expect(b.messageCount).toBe(2);
    expect(b.finishInto(ring, 100)).toBe(expected.length);
    expect(ring.subarray(100, 100 + expected.length)).toEqual(expected);
    expect(b.isEmpty).toBe(true);
    expect(() => b.finishInto(ring, 0)).toThrow(RangeError);
  });

  it('reset discards the batch so the next datagram starts clean', () => {
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 1400 });
    b.tryAdd(msg('gone', 1, new Uint8Array(5)), 1);
    b.reset();
    expect(b.isEmpty).toBe(true);
    b.tryAdd(msg('kept', 9, new Uint8Array(5)), 9);
    const frame = decodeData(b.finish());
    expect(frame.streams.map((s) => s.subject)).toEqual(['kept']);
  });

  it('returns a fresh buffer per datagram that later batches do not overwrite', () => {
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 1400 });
    b.tryAdd(msg('a', 1, new Uint8Array([1, 1, 1])), 1);
    const first = b.finish();
    const copy = first.slice();
    b.tryAdd(msg('b', 1, new Uint8Array([2, 2, 2])), 1);
    b.finish();
    expect(first).toEqual(copy);
  });

  it('writes records straight into its slab: a datagram ends where its slab does, and a table that outgrows the room left for it moves the records up, or into a new slab', () => {
    const pool = new SlabPool(3000, 4);
    const b = new DataBatchBuilder({ sender, maxDatagramBytes: 2000 });
    b.useSlabPool(pool);
    const payload = (seq: number) => new Uint8Array(100).fill(seq);
    const kept: Uint8Array[] = [];
    const added: WireMessage[][] = [];
    let seq = 0;
    const add = (subject: string): boolean => {
      const m = msg(subject, ++seq, payload(seq));
      if (!b.tryAdd(m, 1)) return false;
      added[kept.length] ??= [];
      added[kept.length].push(m);
      return true;
    };
    const seal = () => {
      const d = b.finish();
      pool.hold(d);
      kept.push(d);
    };
    // 1: one subject, 5 records. 2: four subjects (a larger table: the records move up in the slab).
    for (let k = 0; k < 5; k++) expect(add('a')).toBe(true);
    seal();
    for (const s of ['a', 'bb.c', 'dd.e.f', 'g']) expect(add(s)).toBe(true);
    seal();
    // 3: one subject until the slab ends, well before 2,000 bytes.
    while (add('a'));
    // Refused by the slab, not by the datagram's bound: another record would fit in 2,000 bytes.
    expect(b.byteLength + MESSAGE_HEADER_LENGTH + 100).toBeLessThanOrEqual(2000);
    seal();
    // 4: starts in a new slab; one subject up to 2,000 bytes, then 5: more subjects than the room
    // left after 4 allows, near the slab's end: the records go into a new slab whole.
    expect(add('a')).toBe(true);
    while (add('a'));
    seal();
    // Long subjects: the table grows by more than the slab's end leaves (less than a record).
    const long = ['a', `h.${'x'.repeat(60)}`, `l.${'y'.repeat(60)}`, `p.${'z'.repeat(60)}`];
    for (let k = 0; add(long[k % 4]); k++);
    seal();
    const buffers = kept.map((d) => d.buffer);
    expect([buffers[1] === buffers[0], buffers[2] === buffers[0], buffers[3] === buffers[0]]).toEqual([true, true, false]);
    expect(buffers[4]).not.toBe(buffers[3]);
    for (let i = 0; i < kept.length; i++) {
      expect(decodeData(kept[i]).messages).toEqual(added[i]);
      expect(encodeFrame(decodeData(kept[i]))).toEqual(kept[i]);
    }
  });

  it('packs any sequence of valid messages into datagrams that decode to exactly those messages', () => {
    const entryArb = fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 1000 }), messageFlagsArb, fc.option(subjectArb, { nil: undefined, freq: 5 }), payloadArb);
    fc.assert(
      fc.property(
        fc.uniqueArray(subjectArb, { minLength: 4, maxLength: 4 }),
        fc.array(seqArb, { minLength: 4, maxLength: 4 }),
        fc.array(entryArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 700, max: 3000 }),
        fc.constantFrom(0, 1, 2, 8),
        (subjects, starts, entries, maxDatagramBytes, slabDatagrams) => {
          const b = new DataBatchBuilder({ sender, maxDatagramBytes });
          // Records are written straight into the slab: small slabs make a batch cross a slab's
          // end often (0: fresh memory, 64 KiB at a time).
          const pool = slabDatagrams === 0 ? undefined : new SlabPool(slabDatagrams * maxDatagramBytes + 64, 4);
          b.useSlabPool(pool);
          const datagrams: Uint8Array[] = [];
          const added = entries.map(([s, delta, flags, replyTo, payload]) => ({
            message: msg(subjects[s], Math.min(Number.MAX_SAFE_INTEGER, starts[s] + delta), payload, flags, replyTo),
            startSeq: starts[s],
          }));
          for (const { message, startSeq } of added) {
            if (!b.tryAdd(message, startSeq)) {
              const d = b.finish();
              pool?.hold(d); // kept: its memory must not be cut again
              datagrams.push(d);
              expect(b.tryAdd(message, startSeq)).toBe(true);
            }
          }
          if (!b.isEmpty) datagrams.push(b.finish());
          const decoded = datagrams.map(decodeData);
          for (const [i, d] of datagrams.entries()) {
            expect(d.length).toBeLessThanOrEqual(maxDatagramBytes);
            expect(encodeFrame(decoded[i])).toEqual(d);
          }
          expect(decoded.flatMap((f) => f.messages)).toEqual(added.map((a) => a.message));
          for (const f of decoded) {
            for (const s of f.streams) expect(s.startSeq).toBe(starts[subjects.indexOf(s.subject)]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('maxPayloadPerDatagram', () => {
  it('gives the largest payload that fits one DATA datagram and one single-message RETRANSMIT', () => {
    for (const [maxDatagramBytes, subject, replyTo] of [
      [1400, 'md.eq.AAPL', undefined],
      [8192, 'x', 'reply.to'],
      [65_507, 'y'.repeat(255), undefined],
    ] as const) {
      const max = maxPayloadPerDatagram(maxDatagramBytes, sender.name, subject, replyTo);
      const b = new DataBatchBuilder({ sender, maxDatagramBytes });
      // The entry of a resumed stream (startSeq, ageMs, flags, resumedSeq, resumedAgeMs) is the
      // larger table: its DATA fills the datagram exactly.
      expect(b.tryAdd(msg(subject, 2, new Uint8Array(max), 0, replyTo), 2, 0, { seq: 1, ageMs: 5 })).toBe(true);
      expect(b.finish().length).toBe(maxDatagramBytes);
      expect(() => b.tryAdd(msg(subject, 2, new Uint8Array(max + 1), 0, replyTo), 2, 0, { seq: 1 })).toThrow(RangeError);
      // Any other stream's fits too.
      expect(b.tryAdd(msg(subject, 1, new Uint8Array(max), 0, replyTo), 1)).toBe(true);
      expect(b.finish().length).toBe(maxDatagramBytes - RESUMED_LENGTH);
      const retransmit = encodeFrame({
        kind: 'retransmit',
        sender,
        channelSeq: Number.MAX_SAFE_INTEGER,
        messages: [msg(subject, 1, new Uint8Array(max), 0, replyTo)],
        unavailable: [],
      });
      expect(retransmit.length).toBeLessThanOrEqual(maxDatagramBytes);
    }
  });

  it('is 0 when not even an empty payload fits, and throws on an invalid name or subject', () => {
    expect(maxPayloadPerDatagram(40, 'p', 'a')).toBe(0);
    expect(() => maxPayloadPerDatagram(1400, '', 'a')).toThrow(RangeError);
    expect(() => maxPayloadPerDatagram(1400, 'p', 'a.*')).toThrow(RangeError);
    expect(() => maxPayloadPerDatagram(1400, 'p', 'a', '')).toThrow(RangeError);
  });
});
