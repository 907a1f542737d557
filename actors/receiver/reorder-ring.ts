/**
 * The reorder buffer of one stream: messages held out of order, by seq.
 */

/**
 * Messages held out of order, in a ring of slots indexed by `seq & mask`. A slot holds a seq, an
 * item and an offset: a decoded message (offset -1), or a datagram and the offset of the
 * message's record in it (data-records.ts), so a message waiting here costs no object of its own.
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
 * `seq & mask` is exact for every safe integer (the low bits of ToInt32); seq 0 marks an empty
 * slot (a seq is at least 1).
 *
 * Bounds: the ring holds at most a power of two above the widest span asked for (at most twice
 * the reorder window); {@link forEachBelow} visits every slot, the others are O(1) (amortized for
 * {@link set}).
 */
export class ReorderRing<T extends object> {
  private seqs: Float64Array;
  private items: (T | undefined)[];
  private offsets: Int32Array;
  private mask: number;
  private count = 0;

  /** `capacity`: the first ring size (rounded up to a power of two). */
  constructor(capacity = 64) {
    const size = nextPowerOfTwo(Math.max(2, capacity));
    this.seqs = new Float64Array(size);
    this.items = new Array<T | undefined>(size).fill(undefined);
    this.offsets = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Messages held. */
  get size(): number {
    return this.count;
  }

  /** Slots in the ring (for tests and memory accounting). */
  get capacity(): number {
    return this.seqs.length;
  }

  has(seq: number): boolean {
    return this.seqs[seq & this.mask] === seq;
  }

  /** The slot holding `seq`, or -1: read it with {@link itemAt} and {@link offsetAt}, empty it with {@link remove}. */
  slotOf(seq: number): number {
    const i = seq & this.mask;
    return this.seqs[i] === seq ? i : -1;
  }

  itemAt(slot: number): T {
    return this.items[slot] as T;
  }

  offsetAt(slot: number): number {
    return this.offsets[slot];
  }

  /** Empties a slot {@link slotOf} found. */
  remove(slot: number): void {
    this.seqs[slot] = 0;
    this.items[slot] = undefined;
    this.count--;
  }

  /** Holds message `seq` (not held yet) as `item` and `offset`; `low`: the stream's next expected seq (`seq > low`). */
  set(low: number, seq: number, item: T, offset: number): void {
    if (seq - low >= this.seqs.length) this.grow(seq - low + 1);
    const i = seq & this.mask;
    if (this.seqs[i] === 0) this.count++;
    this.seqs[i] = seq;
    this.items[i] = item;
    this.offsets[i] = offset;
  }

  /** Removes every message below `seq`, calling `dropped` for each. O(capacity). */
  forEachBelow(seq: number, dropped: (item: T, offset: number) => void): void {
    const seqs = this.seqs;
    for (let i = 0; i < seqs.length; i++) {
      const s = seqs[i];
      if (s !== 0 && s < seq) {
        const item = this.items[i] as T;
        const offset = this.offsets[i];
        this.remove(i);
        dropped(item, offset);
      }
    }
  }

  private grow(span: number): void {
    const { seqs: oldSeqs, items: oldItems, offsets: oldOffsets } = this;
    const size = nextPowerOfTwo(Math.max(span, 2 * oldSeqs.length));
    const seqs = new Float64Array(size);
    const items = new Array<T | undefined>(size).fill(undefined);
    const offsets = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < oldSeqs.length; j++) {
      const s = oldSeqs[j];
      if (s === 0) continue;
      const i = s & mask;
      seqs[i] = s;
      items[i] = oldItems[j];
      offsets[i] = oldOffsets[j];
    }
    this.seqs = seqs;
    this.items = items;
    this.offsets = offsets;
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
export class ReorderRingPool<T extends object> {
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
