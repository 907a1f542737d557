/**
 * The missing sequences of one stream as sorted, disjoint ranges, each with its NAK state.
 */
import type { DataLossReason } from './receiver-sink.js';

/** A range of missing sequences and where its NAKing stands. */
export interface Gap {
  from: number;
  to: number;
  /** Set when the range is given up; it is reported when the stream reaches it. */
  lost: DataLossReason | undefined;
  /** When the next NAK (or the give-up check) is due; meaningless once `lost`. */
  dueMs: number;
  /** NAKs sent for this range. */
  naksSent: number;
  /** NAKs that went unanswered although the sender was heard from after them. */
  failedNaks: number;
  /** When the last NAK was sent (`-Infinity`: never). */
  lastNakMs: number;
  /** The wait after the last NAK before asking again (0: not NAKed yet). */
  waitMs: number;
  /** Its retry was put off once behind a probe (see `StreamReceiver.onTimer`). */
  deferred: boolean;
}

/** What {@link GapList.takeLostAt} removed. */
export interface LostRange {
  readonly from: number;
  readonly to: number;
  readonly reason: DataLossReason;
}

/**
 * Sorted, disjoint missing ranges of one stream.
 *
 * The owner keeps them inside its tracked span, so their number is bounded by that span
 * (at most the reorder window, plus one lost range reaching past it). Splitting copies the NAK
 * state: the two halves of a gap keep the timing of the gap they came from, so data arriving in
 * the middle of a gap neither delays nor hastens the NAK of the rest. Every operation costs
 * O(log n) plus the gaps it changes, never the width of a range.
 */
export class GapList {
  private gaps: Gap[] = [];

  /** Number of ranges. */
  get length(): number {
    return this.gaps.length;
  }

  /** The ranges in order (read-only view; mutate only the NAK fields). */
  get all(): readonly Gap[] {
    return this.gaps;
  }

  first(): Gap | undefined {
    return this.gaps[0];
  }

  /** Appends missing `from..to` (above every range) as pieces of at most `maxSpan` sharing `dueMs`. */
  appendMissing(from: number, to: number, dueMs: number, maxSpan: number): void {
    for (let a = from; a <= to; a += maxSpan) {
      this.gaps.push({
        from: a,
        to: Math.min(to, a + maxSpan - 1),
        lost: undefined,
        dueMs,
        naksSent: 0,
        failedNaks: 0,
        lastNakMs: Number.NEGATIVE_INFINITY,
        waitMs: 0,
        deferred: false,
      });
    }
  }

  /** Appends `from..to` (above every range) as already lost: one range, whatever its width. */
  appendLost(from: number, to: number, reason: DataLossReason): void {
    this.gaps.push({ from, to, lost: reason, dueMs: 0, naksSent: 0, failedNaks: 0, lastNakMs: Number.NEGATIVE_INFINITY, waitMs: 0, deferred: false });
  }

  /** Whether `seq` is missing. */
  has(seq: number): boolean {
    const i = this.indexAtOrBelow(seq);
    return i >= 0 && this.gaps[i].to >= seq;
  }

  /** The range holding `seq`, if it is missing. */
  at(seq: number): Gap | undefined {
    const i = this.indexAtOrBelow(seq);
    return i >= 0 && this.gaps[i].to >= seq ? this.gaps[i] : undefined;
  }

  /** `seq` arrived: removes it from its range. False when it was not missing. */
  fill(seq: number): boolean {
    const i = this.indexAtOrBelow(seq);
    if (i < 0) return false;
    const g = this.gaps[i];
    if (g.to < seq) return false;
    if (g.from === g.to) this.gaps.splice(i, 1);
    else if (seq === g.from) g.from++;
    else if (seq === g.to) g.to--;
    else {
      this.gaps.splice(i + 1, 0, { ...g, from: seq + 1 });
      g.to = seq - 1;
    }
    return true;
  }

  /**
   * Splits the range holding `seq` after it, when it reaches past `seq` and has not been NAKed
   * yet: the two parts share its state and can then be NAKed at different times.
   */
  splitAfter(seq: number): void {
    const i = this.indexAtOrBelow(seq);
    if (i < 0) return;
    const g = this.gaps[i];
    if (g.to <= seq || g.lost !== undefined || g.naksSent > 0) return;
    this.gaps.splice(i + 1, 0, { ...g, from: seq + 1 });
    g.to = seq;
  }

  /** Marks every missing sequence of `from..to` lost (ranges already lost keep their reason). */
  markLost(from: number, to: number, reason: DataLossReason): void {
    const gaps = this.gaps;
    let lo = this.indexAtOrBelow(from);
    if (lo < 0 || gaps[lo].to < from) lo++;
    let hi = lo;
    const replacement: Gap[] = [];
    while (hi < gaps.length && gaps[hi].from <= to) {
      const g = gaps[hi++];
      if (g.lost !== undefined) {
        replacement.push(g);
        continue;
      }
      if (g.from < from) replacement.push({ ...g, to: from - 1 });
      replacement.push({ ...g, from: Math.max(g.from, from), to: Math.min(g.to, to), lost: reason });
      if (g.to > to) replacement.push({ ...g, from: to + 1 });
    }
    if (hi > lo) this.gaps.splice(lo, hi - lo, ...replacement);
  }

  /**
   * When the first range starts at `seq` and is lost, removes it together with the lost ranges
   * of the same reason that directly follow it, and returns their union. With `fallback`,
   * ranges not given up count as lost for that reason (used when the stream is closed).
   */
  takeLostAt(seq: number, fallback?: DataLossReason): LostRange | undefined {
    const gaps = this.gaps;
    const g = gaps[0];
    const reason = g?.lost ?? fallback;
    if (g === undefined || g.from !== seq || reason === undefined) return undefined;
    let to = g.to;
    let k = 1;
    while (k < gaps.length && (gaps[k].lost ?? fallback) === reason && gaps[k].from === to + 1) to = gaps[k++].to;
    gaps.splice(0, k);
    return { from: g.from, to, reason };
  }

  /** Forgets every missing sequence below `seq`. */
  removeBelow(seq: number): void {
    let k = 0;
    while (k < this.gaps.length && this.gaps[k].to < seq) k++;
    if (k > 0) this.gaps.splice(0, k);
    const g = this.gaps[0];
    if (g !== undefined && g.from < seq) g.from = seq;
  }

  clear(): void {
    this.gaps = [];
  }

  /** Index of the last range with `from <= seq`, or -1. */
  private indexAtOrBelow(seq: number): number {
    let lo = 0;
    let hi = this.gaps.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.gaps[mid].from <= seq) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
