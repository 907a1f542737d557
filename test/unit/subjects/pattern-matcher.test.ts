import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InvalidSubjectError, InvalidOptionError } from '../../../errors.js';
import { PatternMatcher } from '../../../actors/subjects/pattern-matcher.js';

/** The reference: a plain token loop over one pattern. */
function refMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

const sorted = <T>(xs: readonly T[]): T[] => [...xs].sort();

describe('PatternMatcher semantics', () => {
  it('matches a literal pattern only to the same subject', () => {
    const m = new PatternMatcher<string>();
    m.add('a.b', 'v');
    expect(m.match('a.b')).toEqual(['v']);
    expect(m.match('a')).toEqual([]);
    expect(m.match('a.b.c')).toEqual([]);
    expect(m.match('a.c')).toEqual([]);
  });

  it('matches "*" to exactly one token', () => {
    const m = new PatternMatcher<string>();
    m.add('a.*', 'v');
    expect(m.matches('a.b')).toBe(true);
    expect(m.matches('a.anything')).toBe(true);
    expect(m.matches('a')).toBe(false);
    expect(m.matches('a.b.c')).toBe(false);
    m.add('*', 'w');
    expect(m.match('x')).toEqual(['w']);
    expect(m.match('x.y')).toEqual([]);
  });

  it('matches "*" in the middle to one token', () => {
    const m = new PatternMatcher<string>();
    m.add('a.*.c', 'v');
    expect(m.matches('a.b.c')).toBe(true);
    expect(m.matches('a.c')).toBe(false);
    expect(m.matches('a.b.b.c')).toBe(false);
  });

  it('matches ">" to one or more trailing tokens, so "a.>" does not match "a"', () => {
    const m = new PatternMatcher<string>();
    m.add('a.>', 'v');
    expect(m.matches('a')).toBe(false);
    expect(m.matches('a.b')).toBe(true);
    expect(m.matches('a.b.c.d')).toBe(true);
    expect(m.matches('b.a')).toBe(false);
  });

  it('matches a lone ">" to every subject', () => {
    const m = new PatternMatcher<number>();
    m.add('>', 1);
    expect(m.match('x')).toEqual([1]);
    expect(m.match('x.y.z')).toEqual([1]);
  });

  it('returns a value once when several of its patterns match', () => {
    const m = new PatternMatcher<string>();
    m.add('a.*', 'v');
    m.add('a.>', 'v');
    m.add('a.b', 'v');
    m.add('>', 'w');
    expect(m.size).toBe(4);
    expect(sorted(m.match('a.b'))).toEqual(['v', 'w']);
  });

  it('returns every value whose patterns overlap on a subject', () => {
    const m = new PatternMatcher<string>();
    m.add('a.b', 'literal');
    m.add('a.*', 'star');
    m.add('*.b', 'star-first');
    m.add('a.>', 'tail');
    m.add('b.>', 'other');
    expect(sorted(m.match('a.b'))).toEqual(['literal', 'star', 'star-first', 'tail']);
    expect(sorted(m.match('a.c'))).toEqual(['star', 'tail']);
  });

  it('compares object values by reference', () => {
    const m = new PatternMatcher<{ id: number }>();
    const a = { id: 1 };
    const b = { id: 1 };
    m.add('x', a);
    m.add('x', b);
    expect(m.match('x')).toHaveLength(2);
  });

  it('treats adding an existing pair as a no-op and reports it', () => {
    const m = new PatternMatcher<string>();
    expect(m.add('a.b', 'v')).toBe(true);
    expect(m.add('a.b', 'v')).toBe(false);
    expect(m.size).toBe(1);
    expect(m.remove('a.b', 'v')).toBe(true);
    expect(m.match('a.b')).toEqual([]);
  });

  it('removes one pair and keeps the others', () => {
    const m = new PatternMatcher<string>();
    m.add('a.*', 'v');
    m.add('a.>', 'v');
    m.add('a.*', 'w');
    expect(m.remove('a.*', 'v')).toBe(true);
    expect(sorted(m.match('a.b'))).toEqual(['v', 'w']);
    expect(m.remove('a.>', 'v')).toBe(true);
    expect(m.match('a.b')).toEqual(['w']);
    expect(m.remove('a.>', 'v')).toBe(false);
    expect(m.remove('a.b', 'w')).toBe(false);
    expect(m.remove('not a pattern!', 'w')).toBe(false);
    expect(m.remove('a.*.c', 'w')).toBe(false);
    expect(m.size).toBe(1);
  });

  it('rejects an invalid pattern on add with InvalidSubjectError', () => {
    const m = new PatternMatcher<string>();
    expect(() => m.add('a.>.b', 'v')).toThrow(InvalidSubjectError);
    expect(() => m.add('', 'v')).toThrow(InvalidSubjectError);
    expect(m.size).toBe(0);
  });

  it('matches nothing for a string longer than any subject', () => {
    const m = new PatternMatcher<string>();
    m.add('>', 'v');
    expect(m.match('a'.repeat(300))).toEqual([]);
  });

  it('clear removes every pair', () => {
    const m = new PatternMatcher<string>();
    m.add('a.>', 'v');
    m.add('*', 'w');
    m.clear();
    expect(m.size).toBe(0);
    expect(m.match('a.b')).toEqual([]);
    m.add('a.b', 'x');
    expect(m.match('a.b')).toEqual(['x']);
  });

  it('returns frozen results', () => {
    const m = new PatternMatcher<string>();
    m.add('a', 'v');
    expect(Object.isFrozen(m.match('a'))).toBe(true);
    expect(Object.isFrozen(m.match('b'))).toBe(true);
  });
});

describe('PatternMatcher cache', () => {
  it('answers a repeated subject from the cache', () => {
    const m = new PatternMatcher<string>();
    m.add('a.>', 'v');
    const first = m.match('a.b');
    expect(m.match('a.b')).toBe(first);
    expect(m.counters).toMatchObject({ cacheMisses: 1, cacheHits: 1 });
  });

  it('invalidates cached results when a pair is added or removed', () => {
    const m = new PatternMatcher<string>();
    m.add('a.>', 'v');
    expect(m.match('a.b')).toEqual(['v']);
    m.add('a.b', 'w');
    expect(sorted(m.match('a.b'))).toEqual(['v', 'w']);
    m.remove('a.>', 'v');
    expect(m.match('a.b')).toEqual(['w']);
    m.remove('a.b', 'w');
    m.add('x', 'y');
    expect(m.match('a.b')).toEqual([]);
    expect(m.counters.cacheInvalidations).toBe(3);
  });

  it('does not invalidate when an add or remove changes nothing', () => {
    const m = new PatternMatcher<string>();
    m.add('a.>', 'v');
    m.match('a.b');
    m.add('a.>', 'v');
    m.remove('a.c', 'v');
    m.match('a.b');
    expect(m.counters).toMatchObject({ cacheHits: 1, cacheInvalidations: 0 });
  });

  it('keeps at most cacheSize subjects and still answers correctly past the bound', () => {
    const m = new PatternMatcher<string>({ cacheSize: 10 });
    m.add('s.*', 'v');
    for (let i = 0; i < 1000; i++) {
      expect(m.match(`s.${i}`)).toEqual(['v']);
      expect(m.cachedSubjects).toBeLessThanOrEqual(10);
    }
    expect(m.cachedSubjects).toBeGreaterThan(0);
  });

  it('keeps a subject that is used often while many others pass through', () => {
    const m = new PatternMatcher<string>({ cacheSize: 8 });
    m.add('s.*', 'v');
    for (let i = 0; i < 100; i++) {
      m.match('s.hot');
      m.match(`s.cold${i}`);
    }
    // 'hot' missed once at the start; every later lookup was a hit.
    expect(m.counters.cacheHits).toBe(99);
  });

  it('works with the cache disabled', () => {
    const m = new PatternMatcher<string>({ cacheSize: 0 });
    m.add('a', 'v');
    expect(m.match('a')).toEqual(['v']);
    expect(m.match('a')).toEqual(['v']);
    expect(m.cachedSubjects).toBe(0);
    expect(m.counters.cacheHits).toBe(0);
  });

  it('holds a one-entry cache to one entry', () => {
    const m = new PatternMatcher<string>({ cacheSize: 1 });
    m.add('*', 'v');
    for (const s of ['a', 'b', 'c', 'a']) {
      expect(m.match(s)).toEqual(['v']);
      expect(m.cachedSubjects).toBe(1);
    }
  });

  it('rejects a bad cacheSize', () => {
    expect(() => new PatternMatcher({ cacheSize: -1 })).toThrow(InvalidOptionError);
    expect(() => new PatternMatcher({ cacheSize: 1.5 })).toThrow('options.cacheSize must be an integer in 0..1000000, got 1.5');
    expect(() => new PatternMatcher({ cacheSzie: 3 } as never)).toThrow('options.cacheSzie is not a known option');
  });
});

describe('PatternMatcher against a reference matcher', () => {
  const token = fc.constantFrom('a', 'b', 'c');
  const subject = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join('.'));
  const pattern = fc
    .tuple(fc.array(fc.constantFrom('a', 'b', 'c', '*'), { minLength: 1, maxLength: 5 }), fc.boolean())
    .map(([t, tail]) => (tail ? [...t.slice(0, -1), '>'] : t).join('.'));
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), pattern, value: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant('remove' as const), pattern, value: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant('match' as const), subject }),
  );

  it('gives the same values as a token loop over every pair, after any sequence of adds and removes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(0, 1, 3, 100), (ops, cacheSize) => {
        const m = new PatternMatcher<number>({ cacheSize });
        const model = new Map<string, { pattern: string; value: number }>();
        for (const o of ops) {
          if (o.kind === 'add') {
            const key = `${o.pattern}|${o.value}`;
            expect(m.add(o.pattern, o.value)).toBe(!model.has(key));
            model.set(key, { pattern: o.pattern, value: o.value });
          } else if (o.kind === 'remove') {
            expect(m.remove(o.pattern, o.value)).toBe(model.delete(`${o.pattern}|${o.value}`));
          } else {
            const expected = new Set<number>();
            for (const { pattern: p, value } of model.values()) if (refMatches(p, o.subject)) expected.add(value);
            const got = m.match(o.subject);
            expect(got.length).toBe(new Set(got).size);
            expect(sorted(got)).toEqual(sorted([...expected]));
            expect(m.matches(o.subject)).toBe(expected.size > 0);
          }
          expect(m.size).toBe(model.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves an empty trie after removing everything it added', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(pattern, fc.integer({ min: 0, max: 3 })), { maxLength: 30 }), subject, (pairs, s) => {
        const m = new PatternMatcher<number>();
        for (const [p, v] of pairs) m.add(p, v);
        for (const [p, v] of pairs) m.remove(p, v);
        expect(m.size).toBe(0);
        expect(m.match(s)).toEqual([]);
        // The trie was pruned: the root holds no children.
        const root = (m as unknown as { root: { literal: Map<string, unknown>; star: unknown } }).root;
        expect(root.literal.size).toBe(0);
        expect(root.star).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe('PatternMatcher scale', () => {
  it('finds the right values among 20,000 patterns', () => {
    const m = new PatternMatcher<number>();
    for (let i = 0; i < 20_000; i++) m.add(`zone${i % 100}.room${i}.>`, i);
    m.add('zone7.*.audio', -1);
    expect(sorted(m.match('zone7.room107.audio'))).toEqual(sorted([-1, 107]));
    expect(m.match('zone7.room108')).toEqual([]);
  });
});
