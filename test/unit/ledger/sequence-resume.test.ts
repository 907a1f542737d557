import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SequenceGenerator } from '../../../actors/sender/sequence-generator.js';

describe('SequenceGenerator resumed from a ledger with a sequence floor', () => {
  it('starts a subject the ledger never saw just above the floor', () => {
    const g = new SequenceGenerator({}, undefined, 5_000);
    expect(g.has('a')).toBe(false);
    expect(g.startSeq('a')).toBe(5_001);
    expect(g.last('a')).toBe(5_000);
    expect(g.next('a')).toBe(5_001);
    expect(g.has('a')).toBe(true);
    expect(g.startSeq('a')).toBe(5_001);
  });

  it('continues a resumed stream above the higher of its own last sequence and the floor', () => {
    const g = new SequenceGenerator({ low: 10, high: 9_000 }, undefined, 5_000);
    expect(g.next('low')).toBe(5_001);
    expect(g.next('high')).toBe(9_001);
    expect(g.startSeq('low')).toBe(5_001);
  });

  it('counts a resumed stream whose last sequence is 0 as known (it does not need a new stream slot)', () => {
    const g = new SequenceGenerator({ a: 0 }, { maxStreams: 1 });
    expect(g.has('a')).toBe(true);
    expect(g.next('a')).toBe(1);
  });

  it('refuses a floor that is not a non-negative safe integer', () => {
    expect(() => new SequenceGenerator({}, undefined, -1)).toThrow(expect.objectContaining({ code: 'ERR_LEDGER' }));
    expect(() => new SequenceGenerator({}, undefined, 1.5)).toThrow(/sequence floor/);
  });

  it('never hands out a number at or below the floor, nor one used before a restart', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('x', 'y', '__proto__'), fc.boolean(), fc.nat(1000)), { maxLength: 60 }),
        (steps) => {
          let g = new SequenceGenerator();
          const used = new Map<string, Set<number>>();
          for (const [subject, restart, floorBump] of steps) {
            if (restart) g = new SequenceGenerator(g.snapshot(), undefined, g.seqFloor + floorBump);
            const seq = g.next(subject);
            expect(seq).toBeGreaterThan(g.seqFloor);
            const set = used.get(subject) ?? new Set<number>();
            expect(set.has(seq)).toBe(false);
            set.add(seq);
            used.set(subject, set);
          }
        },
      ),
    );
  });
});
