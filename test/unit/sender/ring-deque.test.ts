import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { RingDeque } from '../../../actors/sender/ring-deque.js';

describe('RingDeque', () => {
  it('behaves as a FIFO with indexed access through growth, wrap-around and shrinking', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant<'shift'>('shift')), { maxLength: 300 }), (ops) => {
        const d = new RingDeque<number>(2);
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') expect(d.shift()).toBe(model.shift());
          else {
            d.push(op);
            model.push(op);
          }
          expect(d.length).toBe(model.length);
          expect(d.first()).toBe(model[0]);
          expect(d.last()).toBe(model[model.length - 1]);
        }
        for (let i = -1; i <= model.length; i++) expect(d.at(i)).toBe(model[i]);
      }),
    );
  });
});
