/**
 * The mark gate of one durable subscription (marks first): which messages may go to the
 * application now, which wait for the ledger to commit a "handed up to" mark covering them, and
 * which mark to ask for next. Pure: the caller sends the marks and reports their commits.
 *
 * Invariants: messages leave in the order they came; a message leaves only once its stream's
 * committed mark is at or above its seq; once one waits, every later one waits behind it (order
 * across streams is the order they came). A mark asks at most `ahead` seqs beyond the committed
 * one, never below or at what was asked already.
 *
 * Ownership: one per durable subscription, owned by `Durables` on the application thread.
 */

/** What the gate holds: a message of stream `key` with its seq. */
export interface GatedMessage {
  readonly key: string;
  readonly seq: number;
}

/** A mark to ask of the ledger: stream `key` handed up to `seq`; `high` is the newest message waiting in that stream. */
export interface MarkAsk<T extends GatedMessage> {
  readonly key: string;
  readonly seq: number;
  readonly high: T;
}

export class MarkGate<T extends GatedMessage> {
  /** Per stream, the committed mark: up to it, messages go at once. */
  private readonly marks = new Map<string, number>();
  /** Per stream, the highest mark asked (committed or not). */
  private readonly asked = new Map<string, number>();
  /** Per stream with waiting messages, the one with the highest seq. */
  private readonly high = new Map<string, T>();
  /** Waiting messages, oldest first, from `head` on. */
  private queue: (T | undefined)[] = [];
  private head = 0;
  /** Messages that left the gate (handed, or dropped by {@link clear}) since it was made. */
  private left = 0;

  /** @param ahead how far beyond the committed mark one ask may reach (bounds what a crash marks that was never handed). */
  constructor(private readonly ahead: number) {}

  /** Messages waiting for their mark. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Messages that waited and left the gate (released, or dropped by {@link clear}), ever: only grows. */
  get passed(): number {
    return this.left;
  }

  /** Stream `key` is known committed at `seq` (resume positions): up to it, messages go at once. */
  committedAt(key: string, seq: number): void {
    if ((this.marks.get(key) ?? 0) < seq) this.marks.set(key, seq);
    if ((this.asked.get(key) ?? 0) < seq) this.asked.set(key, seq);
  }

  /** True: `m` goes to the application now. False: it waits; ask {@link nextAsk} for its stream. */
  admit(m: T): boolean {
    if (this.head === this.queue.length && m.seq <= (this.marks.get(m.key) ?? 0)) return true;
    this.queue.push(m);
    // The highest, not the latest: a stream started again (a sender restarted without a ledger)
    // goes on at low seqs behind the waiting ones, which still need their mark.
    if ((this.high.get(m.key)?.seq ?? 0) < m.seq) this.high.set(m.key, m);
    return false;
  }

  /**
   * The mark to ask for stream `key` now (up to its newest waiting message, at most `ahead`
   * beyond the committed mark), recorded as asked; undefined when nothing more needs asking.
   */
  nextAsk(key: string): MarkAsk<T> | undefined {
    const high = this.high.get(key);
    if (high === undefined) return undefined;
    const seq = Math.min(high.seq, (this.marks.get(key) ?? 0) + this.ahead);
    if (seq <= (this.asked.get(key) ?? 0)) return undefined;
    this.asked.set(key, seq);
    return { key, seq, high };
  }

  /**
   * The ledger committed stream `key`'s mark at `seq`. True when messages of the stream still
   * wait above it: ask {@link nextAsk} again.
   */
  committed(key: string, seq: number): boolean {
    if ((this.marks.get(key) ?? 0) < seq) this.marks.set(key, seq);
    if ((this.high.get(key)?.seq ?? 0) > seq) return true;
    this.high.delete(key);
    return false;
  }

  /** The oldest waiting message if its mark is committed (it leaves the gate), else undefined. */
  release(): T | undefined {
    if (this.head === this.queue.length) return undefined;
    const m = this.queue[this.head]!;
    if (m.seq > (this.marks.get(m.key) ?? 0)) return undefined;
    this.queue[this.head++] = undefined;
    this.left++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return m;
  }

  /**
   * Stream `key` is numbered again from 1 (its sender restarted without a ledger): its marks no
   * longer say anything of the new numbering, unless messages of the old one still wait for them
   * (they keep theirs; new ones then wait behind them, marked with the old numbering's marks).
   */
  renumbered(key: string): void {
    if (this.high.has(key)) return;
    this.marks.delete(key);
    this.asked.delete(key);
  }

  /** Drops every waiting message (the subscription closed): their marks make them come again marked. */
  clear(): void {
    this.left += this.waiting;
    this.queue = [];
    this.head = 0;
    this.high.clear();
  }
}
