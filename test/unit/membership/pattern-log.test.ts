import { describe, expect, it } from 'vitest';
import { PatternLog } from '../../../actors/membership/pattern-log.js';
import { patternSetDigest } from '../../../codecs/frames/advert.js';

const log = (maxSteps = 64, maxPatterns = 4096): PatternLog => new PatternLog({ maxSteps, maxPatterns });

describe('PatternLog', () => {
  it('keeps the set sorted and distinct, one version more per change and none for the same set', () => {
    const l = log();
    expect([l.version, l.set, l.digest]).toEqual([1, [], 0]);
    expect(l.update(['b', 'a', 'b'])).toBe(true);
    expect([l.version, l.set, l.digest]).toEqual([2, ['a', 'b'], patternSetDigest(['a', 'b'])]);
    expect(l.update(['a', 'b'])).toBe(false);
    expect(l.version).toBe(2);
  });

  it('gives the net change from any version it covers: added then removed again nets to nothing', () => {
    const l = log();
    l.update(['a', 'b']); // 2
    l.update(['a', 'b', 'c']); // 3
    l.update(['b', 'c']); // 4
    l.update(['b', 'c', 'a', 'd']); // 5
    expect(l.changeSince(1)).toEqual({ added: ['a', 'b', 'c', 'd'], removed: [] });
    expect(l.changeSince(2)).toEqual({ added: ['c', 'd'], removed: [] });
    expect(l.changeSince(3)).toEqual({ added: ['d'], removed: [] });
    expect(l.changeSince(4)).toEqual({ added: ['a', 'd'], removed: [] });
    l.update(['c']); // 6
    expect(l.changeSince(4)).toEqual({ added: [], removed: ['b'] });
    // Nothing from the current version, a future one, or one that is not a version.
    for (const v of [6, 7, 0, 1.5]) expect(l.changeSince(v)).toBeUndefined();
  });

  it('keeps at most maxSteps changes and maxPatterns patterns; an older version is no longer covered', () => {
    const l = log(3, 5);
    for (let i = 0; i < 5; i++) l.update(Array.from({ length: i + 1 }, (_, k) => `p${k}`)); // versions 2..6
    expect(l.oldestVersion).toBe(3);
    expect(l.changeSince(2)).toBeUndefined();
    expect(l.changeSince(3)).toEqual({ added: ['p2', 'p3', 'p4'], removed: [] });
    l.update(['x', 'y', 'z', 'w', 'v', 'u']); // one step of 11 patterns: more than maxPatterns
    expect(l.oldestVersion).toBe(7);
    expect(l.changeSince(6)).toBeUndefined();
    l.update(['x']);
    expect(l.changeSince(7)).toEqual({ added: [], removed: ['u', 'v', 'w', 'y', 'z'] });
  });

  it('replays a random walk: the change from every covered version, applied to that version, gives the current set and digest', () => {
    let seed = 7;
    const rng = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const l = log(16, 200);
    const sets = new Map<number, string[]>([[1, []]]);
    const set = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const p = `s.${Math.floor(rng() * 40)}`;
      if (set.has(p)) set.delete(p);
      else set.add(p);
      if (l.update([...set])) sets.set(l.version, [...l.set]);
      for (let v = l.oldestVersion; v < l.version; v++) {
        const change = l.changeSince(v)!;
        const next = new Set(sets.get(v));
        for (const r of change.removed) expect(next.delete(r)).toBe(true);
        for (const a of change.added) {
          expect(next.has(a)).toBe(false);
          next.add(a);
        }
        expect(patternSetDigest([...next].sort())).toBe(l.digest);
      }
    }
  });
});
