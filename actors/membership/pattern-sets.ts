/**
 * Pattern sets as sorted arrays (pure): comparing them and applying a PATTERNS_DELTA to the set
 * it was computed from. A versioned set is held sorted, because its digest is over that order.
 */
import { patternSetDigest } from '../../codecs/frames/advert.js';
import { isValidPattern } from '../subjects/subject.js';
import type { AdvertFrame } from '../../codecs/frame.js';
import { isWholeSet } from './advert-checks.js';
import type { PatternDelta } from './receiver-list-types.js';

/** Whether `patterns` is sorted with no repeat. */
export function sortedDistinct(patterns: readonly string[]): boolean {
  for (let i = 1; i < patterns.length; i++) if (!(patterns[i - 1] < patterns[i])) return false;
  return true;
}

/** Whether `a` and `b` hold the same patterns in the same order. */
export function samePatterns(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `held` (sorted) changed by `delta`, or undefined when the delta does not fit it: a removed
 * pattern not held, an added one held or invalid, or a result that is not `delta.setSize`
 * patterns (at most `maxPatterns`) with the digest `delta.setDigest`. One pass over `held`.
 */
export function mergeDelta(held: readonly string[], delta: PatternDelta, maxPatterns: number): string[] | undefined {
  if (delta.setSize > maxPatterns || !delta.added.every(isValidPattern)) return undefined;
  const removed = new Set(delta.removed);
  const added = [...delta.added].sort();
  const out: string[] = [];
  let a = 0;
  let removedFound = 0;
  for (const p of held) {
    while (a < added.length && added[a] < p) out.push(added[a++]);
    if (a < added.length && added[a] === p) return undefined;
    if (removed.has(p)) removedFound++;
    else out.push(p);
  }
  while (a < added.length) out.push(added[a++]);
  if (removedFound !== removed.size || out.length !== delta.setSize || !sortedDistinct(out) || patternSetDigest(out) !== delta.setDigest) return undefined;
  return out;
}

/**
 * The valid, distinct patterns of `list` (an advert's, not trusted to be an array), at most
 * `max` of them, frozen; with how many were invalid, how many were looked at, and how many were
 * cut after `max` was reached.
 */
export function validPatterns(list: readonly string[], max: number): { patterns: readonly string[]; invalid: number; looked: number; cut: number } {
  const out: string[] = [];
  const seen = new Set<string>();
  const n = Array.isArray(list) ? list.length : 0;
  let invalid = 0;
  let i = 0;
  for (; i < n && out.length < max; i++) {
    const p = list[i];
    if (!isValidPattern(p)) invalid++;
    else if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  }
  return { patterns: Object.freeze(out), invalid, looked: i, cut: n - i };
}

/** Whether `advert` carries a whole set newer than (or, unversioned, other than) the one `held` is. */
export function carriesNewSet(held: { readonly patterns: readonly string[]; readonly patternVersion: number }, advert: AdvertFrame): boolean {
  if (!isWholeSet(advert)) return false;
  const version = advert.setVersion ?? 0;
  return version === 0 || version > held.patternVersion || (version === held.patternVersion && held.patterns.length === 0 && advert.patterns.length > 0);
}
