import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SequenceGenerator } from '../../../actors/sender/sequence-generator.js';

describe('SequenceGenerator', () => {
  it('numbers each subject 1, 2, 3 independently', () => {
    const g = new SequenceGenerator();
    expect([g.next('a'), g.next('a'), g.next('b'), g.next('a'), g.next('b')]).toEqual([1, 2, 1, 3, 2]);
    expect(g.last('a')).toBe(3);
    expect(g.last('b')).toBe(2);
    expect(g.last('never')).toBe(0);
    expect(g.startSeq('a')).toBe(1);
    expect(g.startSeq('never')).toBe(1);
  });

  it('reserves consecutive ranges for fragments', () => {
    const g = new SequenceGenerator();
    expect(g.nextRange('a', 3)).toBe(1);
    expect(g.next('a')).toBe(4);
    expect(g.nextRange('a', 10)).toBe(5);
    expect(g.last('a')).toBe(14);
    expect(() => g.nextRange('a', 0)).toThrow(/positive integer/);
    expect(() => g.nextRange('a', 1.5)).toThrow(/positive integer/);
  });

  it('continues resumed streams after their last sequence and reports where this incarnation started', () => {
    const g = new SequenceGenerator({ a: 41, b: 0 });
    expect(g.startSeq('a')).toBe(42);
    expect(g.startSeq('b')).toBe(1);
    expect(g.last('a')).toBe(41);
    expect(g.next('a')).toBe(42);
    expect(g.next('b')).toBe(1);
    expect(g.startSeq('a')).toBe(42);
    expect(g.subjects()).toEqual(['a', 'b']);
  });

  it('never repeats a number across a restart resumed from its snapshot', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('x', 'y', 'z', '__proto__'), fc.integer({ min: 1, max: 4 }), fc.boolean()), {
          maxLength: 60,
        }),
        (ops) => {
          const seen = new Map<string, Set<number>>();
          let g = new SequenceGenerator();
          for (const [subject, count, restart] of ops) {
            if (restart) g = new SequenceGenerator(g.snapshot());
            const first = g.nextRange(subject, count);
            const set = seen.get(subject) ?? new Set<number>();
            for (let s = first; s < first + count; s++) {
              expect(set.has(s)).toBe(false);
              set.add(s);
            }
            seen.set(subject, set);
          }
          for (const [subject, set] of seen) expect(g.last(subject)).toBe(Math.max(...set));
        },
      ),
    );
  });

  it('keeps a subject named __proto__ as data in its snapshot', () => {
    const g = new SequenceGenerator();
    g.next('__proto__');
    g.next('__proto__');
    const snap = g.snapshot();
    expect(Object.keys(snap)).toEqual(['__proto__']);
    expect(new SequenceGenerator(snap).next('__proto__')).toBe(3);
  });

  it('throws BackpressureError beyond maxStreams, counting resumed streams', () => {
    const g = new SequenceGenerator({ a: 5 }, { maxStreams: 2 });
    g.next('b');
    expect(() => g.next('c')).toThrow(expect.objectContaining({ code: 'ERR_BACKPRESSURE' }));
    expect(g.next('a')).toBe(6); // known streams keep working
    expect(() => new SequenceGenerator({ a: 1, b: 1, c: 1 }, { maxStreams: 2 })).toThrow(/maxStreams/);
  });

  it('rejects a resume value that is not a non-negative integer', () => {
    expect(() => new SequenceGenerator({ a: -1 })).toThrow(expect.objectContaining({ code: 'ERR_LEDGER' }));
    expect(() => new SequenceGenerator({ a: 1.5 })).toThrow(/non-negative integer/);
    expect(() => new SequenceGenerator({ a: Number.MAX_SAFE_INTEGER + 1 })).toThrow(/non-negative integer/);
  });

  it('refuses to go past the largest exact sequence', () => {
    const g = new SequenceGenerator({ a: Number.MAX_SAFE_INTEGER - 1 });
    expect(g.next('a')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => g.next('a')).toThrow(/exhausted/);
  });
});

describe('SequenceGenerator indexes', () => {
  it('gives each stream a stable index in first-use order, resumed streams first', () => {
    const g = new SequenceGenerator({ r: 7 });
    g.next('a');
    g.next('b');
    g.next('a');
    expect([g.idOf('r'), g.idOf('a'), g.idOf('b'), g.idOf('none')]).toEqual([0, 1, 2, undefined]);
    expect([g.startSeq('r'), g.last('r'), g.startSeq('a'), g.last('a')]).toEqual([8, 7, 1, 2]);
    expect(g.snapshot()).toEqual({ r: 7, a: 2, b: 1 });
  });
});
