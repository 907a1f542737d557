/**
 * Memory of recently served sequence ranges, so that repeated NAKs for them are ignored for a
 * short while (the NAK-storm defence of the retransmit planner).
 */
import type { SeqRange } from '../../codecs/frame.js';
import { countSeqs, normalizeRanges, subtractRanges } from './seq-ranges.js';

interface Entry {
  readonly subject: string;
  readonly from: number;
  readonly to: number;
  /** `undefined`: served by multicast, suppressed for every asker. */
  readonly askerKey: string | undefined;
  readonly untilMs: number;
}

/**
 * Served ranges with an expiry: `(subject, range, asker or everyone, until)`.
 *
 * Bounded: at most `maxRanges` entries; recording more forgets the oldest first. Entries are kept
 * in recording order, which is also expiry order as long as the caller's suppression interval is
 * constant and time does not go backwards, so expiry and eviction both take from the front. Each
 * subject has its own list (in the same order) so a lookup reads only that subject's entries.
 */
export class RepeatSuppressor {
  private readonly all = new Fifo<Entry>();
  private readonly bySubject = new Map<string, Fifo<Entry>>();

  constructor(private readonly maxRanges: number) {}

  /** Entries remembered. */
  get size(): number {
    return this.all.size;
  }

  /** Remembers that `ranges` of `subject` were served to `askerKey` (or to everyone) until `untilMs`. */
  record(subject: string, askerKey: string | undefined, ranges: readonly SeqRange[], untilMs: number): void {
    if (this.maxRanges === 0) return;
    for (const r of ranges) {
      const e: Entry = { subject, from: r.from, to: r.to, askerKey, untilMs };
      this.all.push(e);
      let list = this.bySubject.get(subject);
      if (list === undefined) this.bySubject.set(subject, (list = new Fifo()));
      list.push(e);
      if (this.size > this.maxRanges) this.dropOldest();
    }
  }

  /**
   * Splits a range list asked by `askerKey` into what may be served and how many sequences are
   * suppressed. O(entries of the subject).
   */
  filter(nowMs: number, subject: string, askerKey: string, ranges: readonly SeqRange[]): { kept: SeqRange[]; suppressed: number } {
    const list = this.bySubject.get(subject);
    if (list === undefined || ranges.length === 0) return { kept: [...ranges], suppressed: 0 };
    const active: SeqRange[] = [];
    for (const e of list.items()) {
      if (e.untilMs > nowMs && (e.askerKey === undefined || e.askerKey === askerKey)) active.push(e);
    }
    if (active.length === 0) return { kept: [...ranges], suppressed: 0 };
    const kept = subtractRanges(ranges, normalizeRanges(active, active.length).ranges);
    return { kept, suppressed: countSeqs(ranges) - countSeqs(kept) };
  }

  /** Forgets the entries that expired at or before `nowMs`. */
  prune(nowMs: number): void {
    for (let e = this.all.peek(); e !== undefined && e.untilMs <= nowMs; e = this.all.peek()) this.dropOldest();
  }

  private dropOldest(): void {
    const e = this.all.shift()!;
    // The oldest entry overall is also the oldest of its subject: both lists are in recording order.
    const list = this.bySubject.get(e.subject)!;
    list.shift();
    if (list.size === 0) this.bySubject.delete(e.subject);
  }
}

/** An array used as a queue: O(1) amortized `shift`, compacting once half of it is consumed. */
class Fifo<T> {
  private list: T[] = [];
  private head = 0;

  get size(): number {
    return this.list.length - this.head;
  }

  push(x: T): void {
    this.list.push(x);
  }

  peek(): T | undefined {
    return this.head < this.list.length ? this.list[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.list.length) return undefined;
    const x = this.list[this.head++];
    if (this.head >= 64 && this.head * 2 >= this.list.length) {
      this.list = this.list.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  *items(): IterableIterator<T> {
    for (let i = this.head; i < this.list.length; i++) yield this.list[i];
  }
}
