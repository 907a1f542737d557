/**
 * A growable ring buffer used as a FIFO with indexed access (the sender window's per-stream
 * queues and its global eviction order).
 */

/**
 * FIFO with O(1) amortized `push`/`shift` and O(1) `at(i)` (0 = oldest).
 *
 * Capacity is a power of two that doubles when full and halves when a quarter full, so
 * memory follows the live length. Unbounded by itself: its owner bounds the length.
 */
export class RingDeque<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private len = 0;

  constructor(initialCapacity = 8) {
    let cap = 1;
    while (cap < initialCapacity) cap *= 2;
    this.buf = new Array<T | undefined>(cap);
  }

  get length(): number {
    return this.len;
  }

  /** Appends at the newest end. */
  push(value: T): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.len) & (this.buf.length - 1)] = value;
    this.len++;
  }

  /** Removes and returns the oldest element. */
  shift(): T | undefined {
    if (this.len === 0) return undefined;
    const value = this.buf[this.head];
    this.buf[this.head] = undefined; // release the reference for the GC
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.len--;
    if (this.buf.length > 16 && this.len <= this.buf.length / 4) this.resize(this.buf.length / 2);
    return value;
  }

  /** The element at `i` (0 = oldest), or undefined out of range. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.len) return undefined;
    return this.buf[(this.head + i) & (this.buf.length - 1)];
  }

  /** The oldest element. */
  first(): T | undefined {
    return this.len === 0 ? undefined : this.buf[this.head];
  }

  /** The newest element. */
  last(): T | undefined {
    return this.len === 0 ? undefined : this.buf[(this.head + this.len - 1) & (this.buf.length - 1)];
  }

  private resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & (this.buf.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}
