import { ERROR_CODES, InvalidOptionError, LedgecastError, PayloadTooLargeError, PeerClosedError } from '../errors.js';

/**
 * A single-producer single-consumer byte ring on a SharedArrayBuffer, carrying length-prefixed
 * records between two threads.
 *
 * Why a ring rather than `postMessage`: each `postMessage` structured-clones its value, takes a
 * lock on the port's queue and, when the other thread is idle, wakes its event loop — per
 * message. Here the producer appends many records with plain memory writes and then *publishes*
 * them all with one `Atomics.store` of the write index; the consumer drains everything published
 * in one pass and advances the read index once. A burst of N messages thus costs one publish and
 * at most one wake-up instead of N clones and N wake-ups.
 *
 * When Atomics wakes: the consumer only sleeps (`Atomics.waitAsync` on the write index) when it
 * found the ring empty, and says so in a flag first; the producer calls `Atomics.notify` only
 * when that flag is set. A busy consumer therefore costs the producer no notify at all, and an
 * idle one is woken once per published batch (not per record). The same handshake, mirrored,
 * lets a producer facing a full ring sleep on the read index until the consumer frees space.
 * `waitAsync` (unlike `Atomics.wait`) never blocks the thread: the wake-up arrives as a task on
 * the sleeping thread's event loop, so sockets and timers keep running. A pending `waitAsync`
 * does not keep the process alive.
 *
 * Layout: a 128-byte header of Int32 slots (write and read indices on different cache lines),
 * then `capacity` data bytes. Indices are free-running unsigned 32-bit byte counters; the offset
 * in the data area is `index & (capacity - 1)`, which stays exact across the 2^32 wrap because
 * the capacity is a power of two. A record is a 4-byte length (native endianness: both ends are
 * the same process) then the bytes, padded to 4 bytes. A record that does not fit before the end
 * of the data area is preceded by a PAD marker that tells the consumer to skip to the start.
 *
 * Ownership: exactly one thread may use the producer methods (`tryClaim`, `tryWrite`,
 * `publish`, `whenWritable`) and exactly one thread the consumer methods (`read`,
 * `whenReadable`). Either side may `close`.
 */
export class Ring {
  /** Bytes before the data area. */
  static readonly HEADER_BYTES = 128;

  /** Creates a ring with `capacityBytes` data bytes (a power of two, 64..2^30). */
  static create(capacityBytes: number): Ring {
    if (!Number.isInteger(capacityBytes) || capacityBytes < 64 || capacityBytes > 2 ** 30 || (capacityBytes & (capacityBytes - 1)) !== 0) {
      throw new InvalidOptionError(`a ring's capacity must be a power of two between 64 and 2^30 bytes, got ${capacityBytes}`);
    }
    return new Ring(new SharedArrayBuffer(Ring.HEADER_BYTES + capacityBytes));
  }

  /** The shared memory, to hand to the other thread (it is shared, not copied, by `postMessage`/`workerData`). */
  readonly buffer: SharedArrayBuffer;
  /** Data bytes. */
  readonly capacity: number;
  /** The largest record `tryClaim` accepts. */
  readonly maxRecordBytes: number;
  /** The data area; records are at the offsets `tryClaim` returns and `read` passes. */
  readonly bytes: Uint8Array;
  /** Counters of this side of the ring (producer fields on the producer's object, consumer ones on the consumer's). */
  readonly counters = {
    recordsWritten: 0,
    publishes: 0,
    /** `Atomics.notify` calls made because the consumer was asleep. */
    consumerWakes: 0,
    /** `tryClaim` calls refused for lack of room. */
    fullRefusals: 0,
    recordsRead: 0,
    /** Times the consumer went to sleep on an empty ring. */
    consumerSleeps: 0,
    /** Times the producer went to sleep on a full ring. */
    producerSleeps: 0,
  };
  readonly #header: Int32Array;
  readonly #words: Int32Array;
  readonly #mask: number;
  // Producer state: `#writePos` runs ahead of the published index until `publish()`.
  #writePos: number;
  #publishedPos: number;
  #cachedRead: number;
  // Consumer state.
  #readPos: number;

  /** Attaches to a ring made by {@link Ring.create} (possibly on another thread). */
  constructor(buffer: SharedArrayBuffer) {
    if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') {
      throw new LedgecastError(ERROR_CODES.internal, 'Atomics.waitAsync is missing: ledgecast needs Node.js 20 or later');
    }
    this.buffer = buffer;
    this.capacity = buffer.byteLength - Ring.HEADER_BYTES;
    this.maxRecordBytes = this.capacity - LENGTH_BYTES;
    this.#mask = this.capacity - 1;
    this.#header = new Int32Array(buffer, 0, Ring.HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buffer, Ring.HEADER_BYTES, this.capacity);
    this.#words = new Int32Array(buffer, Ring.HEADER_BYTES, this.capacity / 4);
    this.#writePos = Atomics.load(this.#header, WRITE);
    this.#publishedPos = this.#writePos;
    this.#readPos = Atomics.load(this.#header, READ);
    this.#cachedRead = this.#readPos;
  }

  /** Whether either side closed the ring. */
  get closed(): boolean {
    return Atomics.load(this.#header, CLOSED) !== 0;
  }

  /** Published bytes not yet consumed (includes padding). */
  get usedBytes(): number {
    return (Atomics.load(this.#header, WRITE) - Atomics.load(this.#header, READ)) >>> 0;
  }

  /** Producer: whether records were written since the last `publish()`. */
  get hasUnpublished(): boolean {
    return this.#writePos !== this.#publishedPos;
  }

  // ---- producer ----

  /**
   * Producer: reserves a record of `length` bytes and returns the offset in {@link bytes} where
   * the caller must write them before the next `publish()`; -1 when the ring lacks room.
   * The record is invisible to the consumer until `publish()`.
   * @throws PayloadTooLargeError when `length > maxRecordBytes` (it could never fit).
   */
  tryClaim(length: number): number {
    const need = this.#recordSpace(length);
    const off = this.#writePos & this.#mask;
    if (need > this.capacity - off) {
      // The record must start at offset 0. Padding the tail now (even if the record itself
      // does not fit yet) is what lets a record larger than half the ring ever fit.
      if (!this.#padToStart()) {
        this.counters.fullRefusals++;
        return -1;
      }
      return this.#claimAt(0, length, need);
    }
    return this.#claimAt(off, length, need);
  }

  /** Producer: copies `record` into the ring; `false` when it lacks room (then publish and wait with `whenWritable`). */
  tryWrite(record: Uint8Array): boolean {
    const off = this.tryClaim(record.length);
    if (off < 0) return false;
    this.bytes.set(record, off);
    return true;
  }

  /**
   * Producer: makes every record written so far visible to the consumer, with one atomic store,
   * and wakes the consumer only if it said it is asleep.
   */
  publish(): void {
    if (this.#writePos === this.#publishedPos) return;
    // Plain writes of the records happen-before this seq-cst store; the consumer's atomic load
    // of WRITE therefore sees complete records.
    Atomics.store(this.#header, WRITE, this.#writePos);
    this.#publishedPos = this.#writePos;
    this.counters.publishes++;
    if (Atomics.load(this.#header, CONSUMER_SLEEPING) !== 0) {
      this.counters.consumerWakes++;
      Atomics.notify(this.#header, WRITE);
    }
  }

  /**
   * Producer: publishes, then resolves once a record of `length` bytes can be claimed.
   * @throws PayloadTooLargeError (synchronously) when `length > maxRecordBytes`.
   * @throws PeerClosedError (rejects) when the ring is or gets closed.
   */
  whenWritable(length: number): Promise<void> {
    const need = this.#recordSpace(length);
    return this.#waitForSpace(need);
  }

  async #waitForSpace(need: number): Promise<void> {
    // Publish first: a consumer cannot free space it cannot see.
    this.publish();
    for (;;) {
      if (this.closed) throw new PeerClosedError('the ring to the other thread is closed');
      if (need > this.capacity - (this.#writePos & this.#mask)) {
        if (this.#padToStart()) this.publish();
      }
      if (this.#hasSpace(need) && need <= this.capacity - (this.#writePos & this.#mask)) return;
      // Mirror of the consumer's handshake (see whenReadable): flag, re-check, sleep.
      Atomics.store(this.#header, PRODUCER_WAITING, 1);
      const read = Atomics.load(this.#header, READ);
      if (read === this.#cachedRead && !this.closed) {
        this.counters.producerSleeps++;
        const r = waitAsync(this.#header, READ, read);
        if (r.async) await r.value;
      }
      Atomics.store(this.#header, PRODUCER_WAITING, 0);
    }
  }

  #recordSpace(length: number): number {
    if (length >>> 0 !== length || length > this.maxRecordBytes) {
      throw new PayloadTooLargeError(
        `a ring record of ${length} bytes exceeds the ring's maximum of ${this.maxRecordBytes} bytes`,
      );
    }
    return (LENGTH_BYTES + length + 3) & ~3;
  }

  #claimAt(off: number, length: number, need: number): number {
    if (!this.#hasSpace(need)) {
      this.counters.fullRefusals++;
      return -1;
    }
    this.#words[off >> 2] = length;
    this.#writePos = (this.#writePos + need) | 0;
    this.counters.recordsWritten++;
    return off + LENGTH_BYTES;
  }

  /** Writes a PAD marker over the tail of the data area if there is room; true when the write position is now 0. */
  #padToStart(): boolean {
    const off = this.#writePos & this.#mask;
    if (off === 0) return true;
    const tail = this.capacity - off;
    if (!this.#hasSpace(tail)) return false;
    // Offsets are 4-aligned, so the tail always has room for the 4-byte marker.
    this.#words[off >> 2] = PAD;
    this.#writePos = (this.#writePos + tail) | 0;
    return true;
  }

  #hasSpace(need: number): boolean {
    if (this.capacity - ((this.#writePos - this.#cachedRead) >>> 0) >= need) return true;
    // Only reload the consumer's index when the cached one says "full": saves an atomic load
    // (and the cache-line transfer it implies) on most writes.
    this.#cachedRead = Atomics.load(this.#header, READ);
    return this.capacity - ((this.#writePos - this.#cachedRead) >>> 0) >= need;
  }

  // ---- consumer ----

  /**
   * Consumer: calls `onRecord(bytes, offset, length)` for every published record, in order, up to
   * `limit` records, then releases the space read with one atomic store. The view is only valid
   * during the call: copy or decode it before returning. Returning `false` leaves that record
   * (and the rest) in the ring. If `onRecord` throws, the record counts as consumed.
   * Returns the number of records consumed.
   */
  read(onRecord: (bytes: Uint8Array, offset: number, length: number) => boolean | void, limit = Infinity): number {
    const write = Atomics.load(this.#header, WRITE);
    const words = this.#words;
    let pos = this.#readPos;
    let n = 0;
    try {
      while (pos !== write && n < limit) {
        const off = pos & this.#mask;
        const length = words[off >> 2];
        if (length === PAD) {
          pos = (pos + this.capacity - off) | 0;
          continue;
        }
        if (length < 0 || length > this.maxRecordBytes) {
          throw new LedgecastError(ERROR_CODES.internal, `corrupt ring record length ${length} at offset ${off}`);
        }
        const next = (pos + ((LENGTH_BYTES + length + 3) & ~3)) | 0;
        let keep: boolean | void;
        try {
          keep = onRecord(this.bytes, off + LENGTH_BYTES, length);
        } catch (err) {
          pos = next;
          n++;
          throw err;
        }
        if (keep === false) break;
        pos = next;
        n++;
      }
    } finally {
      this.#release(pos, n);
    }
    return n;
  }

  #release(pos: number, n: number): void {
    if (pos === this.#readPos) return;
    this.#readPos = pos;
    this.counters.recordsRead += n;
    // Reads of the records happen-before this store: the producer may now overwrite them.
    Atomics.store(this.#header, READ, pos);
    if (Atomics.load(this.#header, PRODUCER_WAITING) !== 0) Atomics.notify(this.#header, READ);
  }

  /**
   * Consumer: resolves once a record is published (immediately if one is), or the ring is closed.
   * Never blocks the thread.
   */
  async whenReadable(): Promise<void> {
    for (;;) {
      const write = Atomics.load(this.#header, WRITE);
      if (write !== this.#readPos || this.closed) return;
      // Say we sleep, then look again: a producer that published before seeing the flag has
      // moved WRITE (we see it now); one that publishes after sees the flag and notifies.
      // Both sides use seq-cst atomics, so one of the two always holds (no lost wake-up).
      Atomics.store(this.#header, CONSUMER_SLEEPING, 1);
      if (Atomics.load(this.#header, WRITE) === write && !this.closed) {
        this.counters.consumerSleeps++;
        const r = waitAsync(this.#header, WRITE, write);
        if (r.async) await r.value;
      }
      Atomics.store(this.#header, CONSUMER_SLEEPING, 0);
    }
  }

  // ---- both ----

  /** Marks the ring closed and wakes both sides' waiters. Idempotent. */
  close(): void {
    Atomics.store(this.#header, CLOSED, 1);
    Atomics.notify(this.#header, WRITE);
    Atomics.notify(this.#header, READ);
  }
}

// Header slots (Int32 indices). WRITE and READ sit 64 bytes apart so the two threads do not
// write the same cache line on every batch.
const WRITE = 0;
const PRODUCER_WAITING = 1;
const CLOSED = 2;
const READ = 16;
const CONSUMER_SLEEPING = 17;

const LENGTH_BYTES = 4;
const PAD = -1;

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

// `Atomics.waitAsync` is in Node 20 but in TypeScript's ES2024 lib, not the ES2022 one we target.
function waitAsync(array: Int32Array, index: number, value: number): WaitAsyncResult {
  return (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): WaitAsyncResult }).waitAsync(
    array,
    index,
    value,
  );
}
