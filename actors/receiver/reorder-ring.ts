/**
 * The reorder buffer of one stream: messages held out of order, by seq.
 */

/**
 * Messages held out of order, in a ring of slots indexed by `seq & mask`.
 *
 * Why not a `Map<seq, message>`: under loss most messages of a busy stream wait here (5 % loss at
 * 64 B: 95 % of them, a gap being open almost all the time), and the map's hashing, growth and
 * deletes were the receiver's largest cost by self time (`onMessage`, `drain`, `release`: 19 % of
 * its busy time). A slot read or write is an array access.
 *
 * Invariant, kept by the caller: every held seq lies in `low + 1 .. low + span` for the stream's
 * next expected seq `low`, `span` being at most the reorder window; {@link set} widens the ring
 * (a power of two above the span) before a seq would share a slot with another. Each slot still
 * checks the seq it holds, so a violated invariant shows as a miss, never as a wrong message.
 * `seq & mask` is exact for every safe integer (the low bits of ToInt32).
 *
 * Bounds: the ring holds at most a power of two above the widest span asked for (at most twice
 * the reorder window); {@link forEachBelow} visits every slot, the others are O(1) (amortized for
 * {@link set}).
 */
export class ReorderRing<T extends { readonly seq: number }> {
  private slots: (T | undefined)[];
  private mask: number;
  private count = 0;

  /** `capacity`: the first ring size (rounded up to a power of two). */
  constructor(capacity = 64) {
    const size = nextPowerOfTwo(Math.max(2, capacity));
    this.slots = new Array<T | undefined>(size).fill(undefined);
    this.mask = size - 1;
  }

  /** Messages held. */
  get size(): number {
    return this.count;
  }

  /** Slots in the ring (for tests and memory accounting). */
  get capacity(): number {
    return this.slots.length;
  }

  has(seq: number): boolean {
    return this.slots[seq & this.mask]?.seq === seq;
  }

  get(seq: number): T | undefined {
    const m = this.slots[seq & this.mask];
    return m?.seq === seq ? m : undefined;
  }

  /** Holds `m` (not held yet); `low`: the stream's next expected seq (`m.seq > low`). */
  set(low: number, m: T): void {
    if (m.seq - low >= this.slots.length) this.grow(m.seq - low + 1);
    const i = m.seq & this.mask;
    if (this.slots[i] === undefined) this.count++;
    this.slots[i] = m;
  }

  /** Removes and returns the message of `seq`, if held. */
  take(seq: number): T | undefined {
    const i = seq & this.mask;
    const m = this.slots[i];
    if (m?.seq !== seq) return undefined;
    this.slots[i] = undefined;
    this.count--;
    return m;
  }

  /** Removes every message below `seq`, calling `dropped` for each. O(capacity). */
  forEachBelow(seq: number, dropped: (m: T) => void): void {
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const m = slots[i];
      if (m !== undefined && m.seq < seq) {
        slots[i] = undefined;
        this.count--;
        dropped(m);
      }
    }
  }

  private grow(span: number): void {
    const old = this.slots;
    const size = nextPowerOfTwo(Math.max(span, 2 * old.length));
    const slots = new Array<T | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (const m of old) if (m !== undefined) slots[m.seq & mask] = m;
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * One spare emptied ring, shared by the streams of a receiver: a stream whose buffer empties
 * gives its ring back and the next stream (often the same one) to hold a message takes it,
 * already grown. Under loss a busy stream's buffer empties and fills again many times a second,
 * and a fresh ring grew from 64 slots to the window each time (about 9 doublings and copies, and
 * arrays of up to 128 KiB for the collector). Bounds: one ring per receiver (the largest given).
 */
export class ReorderRingPool<T extends { readonly seq: number }> {
  private spare: ReorderRing<T> | undefined;

  /** An empty ring: the spare if there is one. */
  take(): ReorderRing<T> {
    const ring = this.spare;
    if (ring === undefined) return new ReorderRing<T>();
    this.spare = undefined;
    return ring;
  }

  /** `ring` is no longer used: kept as the spare when it is empty and larger than the spare. */
  give(ring: ReorderRing<T>): void {
    if (ring.size === 0 && (this.spare === undefined || ring.capacity > this.spare.capacity)) this.spare = ring;
  }
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
