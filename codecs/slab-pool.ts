/**
 * SlabPool: memory for DATA datagrams that is used again instead of given back to the system.
 *
 * Why: the sender cuts its datagrams from slabs, and the window keeps them for a while. Slabs
 * made fresh each time (`Buffer.allocUnsafeSlow`) came back from the allocator as memory the
 * kernel had to map again: 1-1.7 page faults per 8 KiB datagram in a 64-byte publisher, at about
 * 14 µs a fault on the machines we measure on (docs/PROFILE.md, step 6).
 *
 * When a slab may be reused: when every holder of its datagrams said it is done. Holds are
 * explicit, one per datagram per holder (the window until it evicts it, the socket until its
 * sends completed) plus one while the builder still cuts from the slab; {@link hold} and
 * {@link release} count them. The garbage collector cannot say it early enough: V8 clears weak
 * references of old objects only in full collections, which left hundreds of megabytes of slabs
 * waiting (measured).
 *
 * So a holder must really be done when it releases: nothing it keeps may view the memory
 * afterwards (the window hands out copies of the records it reads; the socket releases after
 * the send callbacks). A holder names a slab by its datagram's `buffer`; {@link isPooledSlab}
 * tells pooled memory from any other. Its bytes never cross threads by reference (messages to
 * other threads copy them); whoever cannot hold and release (an actor on another thread) is given
 * no pooled memory. Slabs are plain `ArrayBuffer`s: copying a payload into a `SharedArrayBuffer`
 * went through V8's slower copy for shared memory, 570 against 255 ns a 1 KB message to build
 * (docs/PROFILE.md, step 13).
 *
 * Bounds: at most `maxFree` slabs wait for reuse (beyond that a done slab is let go); slabs in
 * use are bounded by what holds their datagrams (the window's byte and message bounds, the
 * socket's sends in flight).
 *
 * @packageDocumentation
 */

/** Every slab any pool of this thread made (weakly: a slab let go is collected). */
const POOLED = new WeakSet<ArrayBufferLike>();

/** Whether `buffer` is a slab of a {@link SlabPool} (of this thread): memory a holder gives back. */
export function isPooledSlab(buffer: ArrayBufferLike): boolean {
  return POOLED.has(buffer);
}

/** What a {@link SlabPool} counts. */
export interface SlabPoolCounters {
  /** Slabs allocated (fresh memory). */
  created: number;
  /** Slabs handed out again after every hold of their previous use was released. */
  reused: number;
  /** Done slabs let go because `maxFree` were already waiting. */
  dropped: number;
  /** Releases of a buffer with no hold (a caller bug; ignored). */
  strayReleases: number;
}

export class SlabPool {
  readonly slabBytes: number;
  readonly counters: SlabPoolCounters = { created: 0, reused: 0, dropped: 0, strayReleases: 0 };
  private readonly maxFree: number;
  private readonly free: ArrayBuffer[] = [];
  /** Holds per slab in use. */
  private readonly holds = new Map<ArrayBufferLike, number>();

  constructor(slabBytes: number, maxFree = 256) {
    if (!Number.isInteger(slabBytes) || slabBytes < 1) throw new RangeError(`slabBytes must be a positive integer, got ${slabBytes}`);
    if (!Number.isInteger(maxFree) || maxFree < 0) throw new RangeError(`maxFree must be a non-negative integer, got ${maxFree}`);
    this.slabBytes = slabBytes;
    this.maxFree = maxFree;
  }

  /** Slabs done and waiting to be handed out again. */
  get freeSlabs(): number {
    return this.free.length;
  }

  /** Slabs handed out and not yet done. */
  get slabsInUse(): number {
    return this.holds.size;
  }

  /**
   * A slab of `slabBytes` to cut datagrams from, with one hold (the taker's: release it when it
   * cuts no more). Its old bytes are not cleared: write before handing any out.
   */
  take(): Uint8Array {
    let slab = this.free.pop();
    if (slab === undefined) {
      slab = new ArrayBuffer(this.slabBytes);
      POOLED.add(slab);
      this.counters.created++;
    } else this.counters.reused++;
    this.holds.set(slab, 1);
    return new Uint8Array(slab);
  }

  /** Whether `datagram` was cut from a slab of this pool that is in use. */
  owns(datagram: Uint8Array): boolean {
    return this.holds.has(datagram.buffer);
  }

  /** One more hold on the slab of `datagram` (nothing for memory not of this pool). */
  hold(datagram: Uint8Array): void {
    const buffer = datagram.buffer;
    if (!POOLED.has(buffer)) return;
    const n = this.holds.get(buffer);
    if (n !== undefined) this.holds.set(buffer, n + 1);
  }

  /** Gives back one hold on the slab `buffer` (a datagram's `buffer`); the last one frees it. */
  release(buffer: ArrayBufferLike): void {
    if (!POOLED.has(buffer)) return;
    const n = this.holds.get(buffer);
    if (n === undefined) {
      this.counters.strayReleases++;
      return;
    }
    if (n > 1) {
      this.holds.set(buffer, n - 1);
      return;
    }
    this.holds.delete(buffer);
    if (this.free.length < this.maxFree) this.free.push(buffer as ArrayBuffer);
    else this.counters.dropped++;
  }
}
