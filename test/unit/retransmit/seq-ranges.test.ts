import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  countSeqs,
  intersectRanges,
  normalizeRanges,
  rangesFromSeqs,
  rangesInAtLeast,
  subtractRanges,
  truncateRanges,
  unionRanges,
} from '../../../actors/retransmit/seq-ranges.js';
import type { SeqRange } from '../../../codecs/frame.js';

const r = (from: number, to: number): SeqRange => ({ from, to });

/** Small ranges as explicit sets, to check the range arithmetic against. */
const smallRanges = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 8 })).map(([f, w]) => r(f, f + w)),
  { maxLength: 8 },
);
const toSet = (list: readonly SeqRange[]): Set<number> => {
  const s = new Set<number>();
  for (const x of list) for (let i = x.from; i <= x.to; i++) s.add(i);
  return s;
};
const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
const norm = (list: SeqRange[]): SeqRange[] => normalizeRanges(list, 1000).ranges;

describe('seq-ranges', () => {
  it('normalizes: drops malformed ranges, sorts, merges overlapping and adjacent ones', () => {
    const out = normalizeRanges([r(10, 12), r(5, 3), r(1, 2), r(3, 4), r(-1, 2), r(11, 20), r(0.5, 1)], 100);
    expect(out.ranges).toEqual([r(1, 4), r(10, 20)]);
    expect(out.invalid).toBe(3);
    expect(out.ignored).toBe(0);
  });

  it('reads at most maxRanges input ranges', () => {
    const out = normalizeRanges([r(1, 1), r(3, 3), r(5, 5)], 2);
    expect(out.ranges).toEqual([r(1, 1), r(3, 3)]);
    expect(out.ignored).toBe(1);
  });

  it('counts and truncates huge ranges without walking them', () => {
    const huge = [r(0, Number.MAX_SAFE_INTEGER - 1)];
    expect(countSeqs(huge)).toBe(Number.MAX_SAFE_INTEGER);
    expect(truncateRanges([r(5, 7), r(10, 1e15)], 5)).toEqual([r(5, 7), r(10, 11)]);
    expect(subtractRanges(huge, [r(1, 1e15)])).toEqual([r(0, 0), r(1e15 + 1, Number.MAX_SAFE_INTEGER - 1)]);
  });

  it('subtract, intersect and union agree with set arithmetic', () => {
    fc.assert(
      fc.property(smallRanges, smallRanges, (a0, b0) => {
        const a = norm(a0);
        const b = norm(b0);
        const A = toSet(a);
        const B = toSet(b);
        expect(sorted(toSet(subtractRanges(a, b)))).toEqual(sorted(A).filter((x) => !B.has(x)));
        expect(sorted(toSet(intersectRanges(a, b)))).toEqual(sorted(A).filter((x) => B.has(x)));
        expect(sorted(toSet(unionRanges(a, b)))).toEqual(sorted(new Set([...A, ...B])));
        expect(unionRanges(a, b)).toEqual(norm([...a, ...b]));
      }),
    );
  });

  it('finds the sequences covered by at least k lists', () => {
    fc.assert(
      fc.property(fc.array(smallRanges, { maxLength: 5 }), fc.integer({ min: 1, max: 4 }), (lists0, k) => {
        const lists = lists0.map(norm);
        const counts = new Map<number, number>();
        for (const l of lists) for (const x of toSet(l)) counts.set(x, (counts.get(x) ?? 0) + 1);
        const expected = [...counts].filter(([, c]) => c >= k).map(([x]) => x).sort((a, b) => a - b);
        const got = rangesInAtLeast(lists, k);
        expect(sorted(toSet(got))).toEqual(expected);
        expect(got).toEqual(norm(got));
      }),
    );
  });

  it('sets a short list against a very long one at the cost of the short one (binary search)', () => {
    const long = Array.from({ length: 1_000_000 }, (_, i) => r(3 * i, 3 * i + 1));
    const t0 = performance.now();
    let wrong = 0;
    for (let i = 0; i < 2000; i++) {
      const seq = 3 * ((i * 7919) % 1_000_000);
      const d = subtractRanges([r(seq, seq + 2)], long);
      const x = intersectRanges([r(seq + 1, seq + 2)], long);
      const y = intersectRanges(long, [r(seq + 1, seq + 2)]);
      if (d.length !== 1 || d[0].from !== seq + 2 || d[0].to !== seq + 2) wrong++;
      for (const z of [x, y]) if (z.length !== 1 || z[0].from !== seq + 1 || z[0].to !== seq + 1) wrong++;
    }
    expect(wrong).toBe(0);
    // A linear scan would walk ~6e9 ranges here.
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('builds ranges from unordered sequence numbers with repeats', () => {
    expect(rangesFromSeqs([5, 3, 4, 9, 3, 10])).toEqual([r(3, 5), r(9, 10)]);
  });
});
