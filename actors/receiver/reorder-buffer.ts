/**
 * The reorder buffer of one stream with its memory accounting: what a message held out of order
 * is kept as, what it is charged, and how it comes back out as a message.
 */
import type { WireMessage } from '../../codecs/frame.js';
import type { DataRecords } from '../../codecs/data-records.js';
import type { BufferBudget } from './buffer-budget.js';
import { ReorderRing, type ReorderRingPool } from './reorder-ring.js';

/** What a reorder slot holds: a decoded message (offset -1), or a DATA datagram and a record offset. */
export type HeldItem = WireMessage | DataRecords;

/**
 * Messages of one stream held out of order, by seq, charged to the receiver's {@link BufferBudget}.
 *
 * A message from DATA is held as its datagram and the offset of its record
 * ({@link DataRecords}): no object per held message, and it is decoded only when released in
 * order. The budget is charged what is really kept: the datagram's bytes once, while any of its
 * records is held (by this stream or another: `DataRecords.held` counts them), plus one message
 * per record. A decoded message (RETRANSMIT, a reassembled one) is charged its payload bytes.
 *
 * The ring comes from the receiver's pool when the first message is held and goes back when the
 * last one leaves. The caller reserves ({@link reserveMessage} / {@link reserveRecord}), and on
 * success {@link put}s the message: nothing else changes the budget in between.
 */
export class ReorderBuffer {
  private ring: ReorderRing<HeldItem> | undefined;

  constructor(
    private readonly budget: BufferBudget,
    private readonly rings: ReorderRingPool<HeldItem> | undefined,
  ) {}

  /** Messages held. */
  get size(): number {
    return this.ring?.size ?? 0;
  }

  has(seq: number): boolean {
    return this.ring?.has(seq) === true;
  }

  /** Reserves room for decoded message `m`; false when the budget is full. */
  reserveMessage(m: WireMessage): boolean {
    return this.budget.tryReserveReorder(m.payload.byteLength);
  }

  /** Reserves room for a record of `d`: the datagram's bytes when none of its records is held yet; false when the budget is full. */
  reserveRecord(d: DataRecords): boolean {
    return this.budget.tryReserveReorder(d.held === 0 ? d.byteLength : 0);
  }

  /** Holds message `seq` (reserved, not held yet) as `item` (`offset` -1) or a record of it; `low`: the stream's next seq. */
  put(low: number, seq: number, item: HeldItem, offset: number): void {
    if (offset >= 0) (item as DataRecords).held++;
    (this.ring ??= this.rings?.take() ?? new ReorderRing<HeldItem>()).set(low, seq, item, offset);
  }

  /** Removes message `seq` and returns it decoded, its memory given back; undefined when not held. */
  take(seq: number): WireMessage | undefined {
    const ring = this.ring;
    if (ring === undefined) return undefined;
    const slot = ring.slotOf(seq);
    if (slot < 0) return undefined;
    const item = ring.itemAt(slot);
    const offset = ring.offsetAt(slot);
    ring.remove(slot);
    if (ring.size === 0) this.dropRing(ring);
    if (offset < 0) {
      const m = item as WireMessage;
      this.budget.release(m.payload.byteLength);
      return m;
    }
    const d = item as DataRecords;
    this.release(d);
    return d.messageAt(offset);
  }

  /** Drops every message below `seq` (not delivered), its memory given back. */
  dropBelow(seq: number): void {
    const ring = this.ring;
    if (ring === undefined) return;
    ring.forEachBelow(seq, (item, offset) => {
      if (offset < 0) this.budget.release((item as WireMessage).payload.byteLength);
      else this.release(item as DataRecords);
    });
    if (ring.size === 0) this.dropRing(ring);
  }

  private release(d: DataRecords): void {
    d.held--;
    this.budget.release(d.held === 0 ? d.byteLength : 0);
  }

  /** The ring emptied: back to the pool. */
  private dropRing(ring: ReorderRing<HeldItem>): void {
    this.ring = undefined;
    this.rings?.give(ring);
  }
}
