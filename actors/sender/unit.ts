/**
 * The sender's {@link Unit}: a publish once the sender has numbered it. It is the publish item
 * itself, with its seq (and fragments, and the batch it ends) written in, not a second object
 * made per message: the application's `prepare` makes items of this shape, so the sequencer
 * fills them in place. An item that already carries a seq (one object published twice) is
 * copied instead, so a unit is never numbered twice.
 *
 * Ownership: an item belongs to the publisher until it is handed to the sender; the sender's
 * queue then owns it until the message is on the wire. Nothing reads an item's unit fields
 * before the sender wrote them.
 */
import type { WireMessage } from '../../codecs/frame.js';
import type { PublishItem } from './messages.js';

/** One application message, sequenced (one seq); the marker of an empty batch has `seq` 0. */
export interface Unit extends PublishItem {
  /** The message's seq; 0 until the sender numbered it, and for an empty batch's marker. */
  seq: number;
  /** The wire records of a fragmented message, in index order; undefined for a whole one. */
  fragments: readonly WireMessage[] | undefined;
  /** Set on the last unit of a batch: `accepted` is due once it is handed over. */
  batchId: number | undefined;
}

/** A publish item in the shape the sender numbers in place (see the module comment). */
export function publishItem(subject: string, flags: number, payload: Uint8Array, replyTo: string | undefined): PublishItem {
  const unit: Unit = { subject, flags, payload, replyTo, seq: 0, fragments: undefined, batchId: undefined };
  return unit;
}

/**
 * `item` as the unit of seq `seq`: the item itself when it has not been numbered (every item
 * `publishItem` made, and any plain object), else a copy.
 */
export function unitOf(item: PublishItem, seq: number, fragments: readonly WireMessage[] | undefined, batchId: number | undefined): Unit {
  const u = item as Partial<Unit> & PublishItem;
  if (u.seq === undefined || u.seq === 0) {
    u.seq = seq;
    u.fragments = fragments;
    u.batchId = batchId;
    return u as Unit;
  }
  return { subject: item.subject, flags: item.flags, payload: item.payload, replyTo: item.replyTo, seq, fragments, batchId };
}
