/**
 * Our own pattern set and its recent changes (issue 14: changes go out as deltas). The set is kept
 * sorted and distinct, with its version (1 for the empty set at start, one more per change) and
 * its digest (`patternSetDigest`, the ADVERT's `setDigest`). Each change is kept in a bounded log
 * as the step it was (the version it produced, the patterns it added and removed), so that the
 * net change from any version the log still covers to the current one can be given to a peer
 * (a PATTERNS_DELTA) instead of the whole set.
 *
 * Pure: no clock, no I/O. Bounds: at most `maxSteps` steps and `maxPatterns` patterns in all in
 * the log; the oldest steps go first, and a single step larger than `maxPatterns` empties the log
 * (it then covers only the current version). Every loop is over the set or over the log.
 */
import { patternSetDigest } from '../../codecs/frames/advert.js';

export interface PatternLogOptions {
  /** Changes kept. */
  readonly maxSteps: number;
  /** Added and removed patterns kept over all steps. */
  readonly maxPatterns: number;
}

/** The net change between two versions: what to add to the older set and remove from it. */
export interface PatternChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

interface Step extends PatternChange {
  /** The version this change produced. */
  readonly version: number;
}

export class PatternLog {
  private current: readonly string[] = [];
  private currentVersion = 1;
  private currentDigest = 0;
  private readonly steps: Step[] = [];
  private loggedPatterns = 0;

  constructor(private readonly o: PatternLogOptions) {}

  /** The set: sorted, distinct. */
  get set(): readonly string[] {
    return this.current;
  }

  get version(): number {
    return this.currentVersion;
  }

  get digest(): number {
    return this.currentDigest;
  }

  /** The oldest version the log can give the change from (the current one when the log is empty). */
  get oldestVersion(): number {
    return this.steps.length === 0 ? this.currentVersion : this.steps[0].version - 1;
  }

  /** The set becomes `patterns` (any order, duplicates allowed). Returns false when it is the same set. */
  update(patterns: readonly string[]): boolean {
    const next = [...new Set(patterns)].sort();
    const step = diffSorted(this.current, next);
    if (step.added.length === 0 && step.removed.length === 0) return false;
    this.current = next;
    this.currentVersion++;
    this.currentDigest = patternSetDigest(next);
    const size = step.added.length + step.removed.length;
    if (size > this.o.maxPatterns) {
      this.steps.length = 0;
      this.loggedPatterns = 0;
      return true;
    }
    this.steps.push({ version: this.currentVersion, ...step });
    this.loggedPatterns += size;
    while (this.steps.length > this.o.maxSteps || this.loggedPatterns > this.o.maxPatterns) {
      const old = this.steps.shift() as Step;
      this.loggedPatterns -= old.added.length + old.removed.length;
    }
    return true;
  }

  /**
   * The net change from `fromVersion` to the current version, each list sorted; `undefined` when
   * the log does not cover `fromVersion` or it is not older than the current version.
   */
  changeSince(fromVersion: number): PatternChange | undefined {
    if (!Number.isInteger(fromVersion) || fromVersion < this.oldestVersion || fromVersion >= this.currentVersion) return undefined;
    // +1: in the current set and not in the old one; -1: the other way round. A pattern added
    // and later removed (or the reverse) nets to nothing.
    const net = new Map<string, 1 | -1>();
    for (const step of this.steps) {
      if (step.version <= fromVersion) continue;
      for (const p of step.added) {
        if (net.get(p) === -1) net.delete(p);
        else net.set(p, 1);
      }
      for (const p of step.removed) {
        if (net.get(p) === 1) net.delete(p);
        else net.set(p, -1);
      }
    }
    const added: string[] = [];
    const removed: string[] = [];
    for (const [p, sign] of net) (sign === 1 ? added : removed).push(p);
    return { added: added.sort(), removed: removed.sort() };
  }
}

/** What `next` adds to and removes from `prev` (both sorted and distinct), in one merge pass. */
function diffSorted(prev: readonly string[], next: readonly string[]): PatternChange {
  const added: string[] = [];
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    if (j >= next.length || (i < prev.length && prev[i] < next[j])) removed.push(prev[i++]);
    else if (i >= prev.length || next[j] < prev[i]) added.push(next[j++]);
    else {
      i++;
      j++;
    }
  }
  return { added, removed };
}
