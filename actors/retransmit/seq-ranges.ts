/**
 * Arithmetic on sets of sequence numbers held as ranges, so that a hostile 1,000,000-wide (or
 * 2^53-wide) range costs the same as a one-sequence range: no function here loops over a span.
 *
 * A "range list" is an array of {@link SeqRange} sorted by `from`, disjoint and not adjacent
 * (`[1,3]` and `[4,5]` are merged into `[1,5]`). Every function taking range lists expects that
 * form and returns it; {@link normalizeRanges} makes one from untrusted input.
 */
import type { SeqRange } from '../../codecs/frame.js';

/** A well-formed range: safe non-negative integers with `from <= to`. */
export function isValidRange(r: SeqRange): boolean {
  return Number.isSafeInteger(r.from) && Number.isSafeInteger(r.to) && r.from >= 0 && r.from <= r.to;
}

/** The result of {@link normalizeRanges}. */
export interface NormalizedRanges {
  readonly ranges: SeqRange[];
  /** Input ranges that were malformed (dropped). */
  readonly invalid: number;
  /** Input ranges past `maxRanges` (not read). */
  readonly ignored: number;
}

/**
 * Sorts, merges and validates untrusted ranges. Reads at most `maxRanges` of them, so the work is
 * O(maxRanges log maxRanges) whatever the input's length.
 */
export function normalizeRanges(raw: readonly SeqRange[], maxRanges: number): NormalizedRanges {
  const n = Math.min(raw.length, maxRanges);
  const valid: SeqRange[] = [];
  for (let i = 0; i < n; i++) {
    const r = raw[i];
    if (isValidRange(r)) valid.push({ from: r.from, to: r.to });
  }
  return { ranges: mergeSorted(valid.sort((a, b) => a.from - b.from)), invalid: n - valid.length, ignored: raw.length - n };
}

/** Merges overlapping or adjacent ranges of a list sorted by `from`. */
function mergeSorted(sorted: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.from <= last.to + 1) {
      if (r.to > last.to) out[out.length - 1] = { from: last.from, to: r.to };
    } else {
      out.push(r);
    }
  }
  return out;
}

/** How many sequences a range list holds. */
export function countSeqs(list: readonly SeqRange[]): number {
  let n = 0;
  for (const r of list) n += r.to - r.from + 1;
  return n;
}

/** The lowest `maxSeqs` sequences of a range list. */
export function truncateRanges(list: readonly SeqRange[], maxSeqs: number): SeqRange[] {
  const out: SeqRange[] = [];
  let left = maxSeqs;
  for (const r of list) {
    if (left <= 0) break;
    const size = r.to - r.from + 1;
    if (size <= left) {
      out.push(r);
      left -= size;
    } else {
      out.push({ from: r.from, to: r.from + left - 1 });
      left = 0;
    }
  }
  return out;
}

/**
 * The first index `k >= start` of a range list with `list[k].to >= seq` (`list.length` if none).
 * Binary search, so that a short list set against a long one costs O(short * log long).
 */
function firstEndingAtOrAfter(list: readonly SeqRange[], seq: number, start: number): number {
  let lo = start;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].to < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The sequences of `a` that are not in `b`. O(|a| log |b| + overlaps): `b` may be much longer. */
export function subtractRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  let j = 0;
  for (const r of a) {
    let from = r.from;
    j = firstEndingAtOrAfter(b, from, j);
    let k = j;
    while (k < b.length && b[k].from <= r.to && from <= r.to) {
      if (b[k].from > from) out.push({ from, to: b[k].from - 1 });
      from = b[k].to + 1;
      k++;
    }
    if (from <= r.to) out.push({ from, to: r.to });
  }
  return out;
}

/** The sequences in both `a` and `b`. O((|a| + |b|) log) at worst, O(short * log long) when one is short. */
export function intersectRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const out: SeqRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (b[j].to < a[i].from) j = firstEndingAtOrAfter(b, a[i].from, j);
    else if (a[i].to < b[j].from) i = firstEndingAtOrAfter(a, b[j].from, i);
    else {
      out.push({ from: Math.max(a[i].from, b[j].from), to: Math.min(a[i].to, b[j].to) });
      if (a[i].to < b[j].to) i++;
      else j++;
    }
  }
  return out;
}

/** The sequences in `a` or `b`. O(|a| + |b|). */
export function unionRanges(a: readonly SeqRange[], b: readonly SeqRange[]): SeqRange[] {
  const all: SeqRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].from <= b[j].from)) all.push(a[i++]);
    else all.push(b[j++]);
  }
  return mergeSorted(all);
}

/** The range list of a set of sequence numbers (any order, repeats allowed). O(n log n). */
export function rangesFromSeqs(seqs: readonly number[]): SeqRange[] {
  const sorted = seqs.filter((s) => Number.isSafeInteger(s) && s >= 0).sort((x, y) => x - y);
  return mergeSorted(sorted.map((s) => ({ from: s, to: s })));
}

/**
 * The sequences that lie in at least `k` of the given range lists (a sweep over range ends:
 * O(R log R) for R ranges in all, whatever their width).
 */
export function rangesInAtLeast(lists: readonly (readonly SeqRange[])[], k: number): SeqRange[] {
  const events: { at: number; delta: number }[] = [];
  for (const list of lists) {
    for (const r of list) {
      events.push({ at: r.from, delta: 1 });
      events.push({ at: r.to + 1, delta: -1 });
    }
  }
  events.sort((x, y) => x.at - y.at);
  const out: SeqRange[] = [];
  let count = 0;
  let start: number | undefined;
  let i = 0;
  while (i < events.length) {
    const at = events[i].at;
    while (i < events.length && events[i].at === at) count += events[i++].delta;
    if (count >= k && start === undefined) start = at;
    else if (count < k && start !== undefined) {
      out.push({ from: start, to: at - 1 });
      start = undefined;
    }
  }
  return mergeSorted(out);
}
