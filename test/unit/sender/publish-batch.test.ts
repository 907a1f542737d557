import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { packPublishItems, unpackPublishItems } from '../../../actors/sender/publish-batch.js';
import type { PublishItem } from '../../../actors/sender/messages.js';
import type { Unit } from '../../../actors/sender/unit.js';

/** What the application published (an unpacked item also carries the unit fields the sender fills in). */
const fields = (i: PublishItem): PublishItem => ({ subject: i.subject, flags: i.flags, payload: i.payload, replyTo: i.replyTo });

const item = (subject: string, payload: number[], flags = 0, replyTo?: string): PublishItem => ({ subject, flags, payload: new Uint8Array(payload), replyTo });

describe('packed publish batch (application thread → sender on a worker)', () => {
  it('gives back every item in order: subjects, flags, reply subjects and payload bytes, each payload owning its bytes', () => {
    const items = [item('orders.eu', [1, 2, 3]), item('prices.é', [], 1), item('orders.eu', [9], 0, '_INBOX.é.1'), item('x', new Array(70_000).fill(7))];
    const packed = packPublishItems(items);
    const back = unpackPublishItems(packed);
    expect(back.map(fields)).toEqual(items.map((i) => ({ ...i, replyTo: i.replyTo })));
    // Unnumbered, in the shape the sender numbers in place (sender/unit.ts).
    expect(back.map((i) => (i as Unit).seq)).toEqual(items.map(() => 0));
    expect(back[0].payload.buffer).not.toBe(packed.buffer);
    expect(back[0].payload.buffer.byteLength).toBe(3);
    expect(unpackPublishItems(packPublishItems([]))).toEqual([]);
  });

  it('writes each distinct subject once', () => {
    const one = packPublishItems([item('a.long.subject.name', [1])]);
    const many = packPublishItems(Array.from({ length: 100 }, () => item('a.long.subject.name', [1])));
    expect(many.byteLength - one.byteLength).toBe(99 * (9 + 1));
  });

  it('round-trips any batch', () => {
    const subject = fc.stringMatching(/^[a-z0-9]{1,12}(\.[a-z0-9]{1,12}){0,3}$/);
    const arbItem = fc.record({
      subject,
      flags: fc.integer({ min: 0, max: 255 }),
      payload: fc.uint8Array({ maxLength: 300 }),
      replyTo: fc.option(subject, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(arbItem, { maxLength: 50 }), (items) => {
        expect(unpackPublishItems(packPublishItems(items)).map(fields)).toEqual(items);
      }),
    );
  });

  it('refuses bytes that are not a packed batch (truncated, trailing, bad index), with a RangeError', () => {
    const packed = packPublishItems([item('a', [1, 2, 3]), item('b', [4])]);
    for (let cut = 0; cut < packed.byteLength; cut++) expect(() => unpackPublishItems(packed.subarray(0, cut))).toThrow(RangeError);
    expect(() => unpackPublishItems(new Uint8Array([...packed, 0]))).toThrow(RangeError);
    const badIndex = packed.slice();
    badIndex[6 + 2 + 2] = 9; // the first item's subject index: 9 of 2 strings
    expect(() => unpackPublishItems(badIndex)).toThrow(RangeError);
  });
});
