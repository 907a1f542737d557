/**
 * The held records of one stream in the sender window, as typed arrays (see {@link RecordIndex}).
 */

/** The typed arrays of a {@link RecordIndex} holding more than one record. */
interface RecordRing {
  serials: Uint32Array;
  offsets: Uint16Array;
  /** 1 for a fragment `k > 0` (it continues the message of the record before it). */
  continues: Uint8Array;
  head: number;
}

/**
 * The held records of one stream, oldest first, in typed arrays (no object per record): the
 * serial of the datagram holding the record (mod 2^32) and its offset there; its seq is read from
 * the datagram; whether it continues the message before it. 7 bytes per record. A ring that
 * doubles when full and halves when a quarter full.
 *
 * A stream holding one record keeps it in three fields and no ring, and a stream whose records
 * were all evicted drops its ring: most of 100,000 streams of one message each, or idle ones,
 * cost no typed arrays (they were about 600 bytes a stream). The ring and its head live in one
 * object made only when needed, so a one-record stream is five fields.
 */
export class RecordIndex {
  private ring: RecordRing | undefined = undefined;
  /** The record held while there is no ring (then `length` is 0 or 1). */
  private serial0 = 0;
  private offset0 = 0;
  private continues0 = 0;
  length = 0;

  push(serial: number, offset: number, continues: boolean): void {
    let ring = this.ring;
    if (ring === undefined) {
      if (this.length === 0) {
        this.serial0 = serial;
        this.offset0 = offset;
        this.continues0 = continues ? 1 : 0;
        this.length = 1;
        return;
      }
      ring = this.resize(16);
    } else if (this.length === ring.serials.length) ring = this.resize(ring.serials.length * 2);
    const i = (ring.head + this.length) & (ring.serials.length - 1);
    ring.serials[i] = serial;
    ring.offsets[i] = offset;
    ring.continues[i] = continues ? 1 : 0;
    this.length++;
  }

  /** Whether the oldest record continues a message (its first fragment was evicted with it). */
  firstContinues(): boolean {
    const ring = this.ring;
    return (ring === undefined ? this.continues0 : ring.continues[ring.head]) === 1;
  }

  /** Drops the oldest record; returns its datagram serial. */
  shift(): number {
    const ring = this.ring;
    if (ring === undefined) {
      this.length = 0;
      return this.serial0;
    }
    const serial = ring.serials[ring.head];
    ring.head = (ring.head + 1) & (ring.serials.length - 1);
    this.length--;
    if (this.length === 0) this.ring = undefined;
    else if (ring.serials.length > 64 && this.length <= ring.serials.length / 4) this.resize(ring.serials.length / 2);
    return serial;
  }

  /** Bytes of its typed arrays (0 while it holds no ring). */
  get ringBytes(): number {
    return this.ring === undefined ? 0 : this.ring.serials.length * 7;
  }

  serialAt(i: number): number {
    const ring = this.ring;
    return ring === undefined ? this.serial0 : ring.serials[(ring.head + i) & (ring.serials.length - 1)];
  }

  offsetAt(i: number): number {
    const ring = this.ring;
    return ring === undefined ? this.offset0 : ring.offsets[(ring.head + i) & (ring.offsets.length - 1)];
  }

  private resize(capacity: number): RecordRing {
    const next: RecordRing = { serials: new Uint32Array(capacity), offsets: new Uint16Array(capacity), continues: new Uint8Array(capacity), head: 0 };
    const ring = this.ring;
    if (ring === undefined) {
      next.serials[0] = this.serial0;
      next.offsets[0] = this.offset0;
      next.continues[0] = this.continues0;
    } else {
      const mask = ring.serials.length - 1;
      for (let k = 0; k < this.length; k++) {
        const i = (ring.head + k) & mask;
        next.serials[k] = ring.serials[i];
        next.offsets[k] = ring.offsets[i];
        next.continues[k] = ring.continues[i];
      }
    }
    this.ring = next;
    return next;
  }
}
