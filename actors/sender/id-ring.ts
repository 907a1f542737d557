/**
 * The sender window's eviction order (see {@link IdRing}).
 */

/** A FIFO of stream ids (4 bytes each): the window's eviction order. Grows like `RecordIndex` (record-index.ts). */
export class IdRing {
  private ids = new Uint32Array(64);
  private head = 0;
  length = 0;

  push(id: number): void {
    if (this.length === this.ids.length) this.resize(this.ids.length * 2);
    this.ids[(this.head + this.length) & (this.ids.length - 1)] = id;
    this.length++;
  }

  /** Bytes of its typed array. */
  get bytes(): number {
    return this.ids.byteLength;
  }

  shift(): number {
    const id = this.ids[this.head];
    this.head = (this.head + 1) & (this.ids.length - 1);
    this.length--;
    if (this.ids.length > 64 && this.length <= this.ids.length / 4) this.resize(this.ids.length / 2);
    return id;
  }

  private resize(capacity: number): void {
    const ids = new Uint32Array(capacity);
    for (let k = 0; k < this.length; k++) ids[k] = this.ids[(this.head + k) & (this.ids.length - 1)];
    this.ids = ids;
    this.head = 0;
  }
}
