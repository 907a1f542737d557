/**
 * The receiver's timer queue: the earliest deadline over many items (streams), each of which
 * knows its own next deadline.
 */

interface Entry<T> {
  readonly dueMs: number;
  readonly item: T;
}

/**
 * A min-heap of (deadline, item) with lazy deletion.
 *
 * Each item has at most one live entry, the one whose time is recorded in `live`; others are
 * stale and dropped when they surface. `schedule` only pushes when the item's deadline moved
 * earlier, so a deadline that moves later costs nothing until its old entry surfaces, when
 * {@link peekMs} asks the item again (`deadlineOf`) and re-queues it. The heap is rebuilt from the
 * live entries when stale ones outnumber them, so it stays within `2 * items + 1024` entries.
 * `schedule` O(log n) amortized; `peekMs` O(log n) per stale entry dropped.
 */
export class DeadlineQueue<T> {
  private heap: Entry<T>[] = [];
  private readonly live = new Map<T, number>();

  /** @param deadlineOf An item's current deadline (`undefined`: none); may only be asked, never trusted from the heap. */
  constructor(private readonly deadlineOf: (item: T) => number | undefined) {}

  /** Entries in the heap, stale ones included. */
  get size(): number {
    return this.heap.length;
  }

  /** Re-reads `item`'s deadline and queues it if it moved earlier than its live entry. */
  schedule(item: T): void {
    const d = this.deadlineOf(item);
    if (d === undefined) return;
    const cur = this.live.get(item);
    if (cur !== undefined && cur <= d) return;
    this.live.set(item, d);
    this.push({ dueMs: d, item });
    if (this.heap.length > 2 * this.live.size + 1024) this.compact();
  }

  /** Forgets `item` (its entries become stale). */
  remove(item: T): void {
    this.live.delete(item);
  }

  /** The earliest deadline of any item, exact; `undefined` when none has one. */
  peekMs(): number | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      if (this.live.get(top.item) !== top.dueMs) {
        this.pop();
        continue;
      }
      const d = this.deadlineOf(top.item);
      if (d !== undefined && d <= top.dueMs) return top.dueMs;
      this.pop();
      this.live.delete(top.item);
      this.schedule(top.item);
    }
  }

  /** Removes and returns the items whose live entry is due at `nowMs` (each once). */
  takeDue(nowMs: number): T[] {
    const due: T[] = [];
    for (let top = this.heap[0]; top !== undefined && top.dueMs <= nowMs; top = this.heap[0]) {
      this.pop();
      if (this.live.get(top.item) !== top.dueMs) continue;
      this.live.delete(top.item);
      due.push(top.item);
    }
    return due;
  }

  private compact(): void {
    this.heap = [];
    for (const [item, dueMs] of this.live) this.heap.push({ dueMs, item });
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(e: Entry<T>): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].dueMs <= h[i].dueMs) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Entry<T>;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].dueMs < h[m].dueMs) m = l;
      if (r < h.length && h[r].dueMs < h[m].dueMs) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
