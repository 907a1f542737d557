/**
 * Confirmation of one durable subscription's messages: which position each stream may be
 * confirmed up to, given which delivered messages the application acknowledged.
 */

interface StreamAcks {
  /** Delivered, not yet confirmed sequences, ascending (from `head`). */
  readonly pending: number[];
  head: number;
  /** Acknowledged members of `pending` not yet confirmed (out-of-order acks). */
  readonly acked: Set<number>;
}

/**
 * Tracks delivered and acknowledged messages per stream (keyed by the caller, e.g.
 * `streamKey(sender, subject)`) and yields the confirmable position: the newest sequence such
 * that every message delivered up to it was acknowledged. An acknowledgement out of order is
 * held until the ones before it come, so a restart never skips an unacknowledged message: it
 * and everything after it are delivered again (at-least-once for those, exactly once for the rest).
 *
 * Bounded: at most `maxUnacked` delivered-unconfirmed messages over all streams
 * ({@link delivered} refuses more); at most one entry per stream with such messages.
 */
export class AckTracker {
  private readonly streams = new Map<string, StreamAcks>();
  private count = 0;

  constructor(private readonly maxUnacked: number) {}

  /** Delivered messages not yet confirmable. */
  get unacked(): number {
    return this.count;
  }

  /** Messages of `stream` delivered and not yet confirmable. */
  backlogOf(stream: string): number {
    const s = this.streams.get(stream);
    return s === undefined ? 0 : s.pending.length - s.head;
  }

  /** The oldest message of `stream` delivered and not yet confirmable (0: none). */
  oldestOf(stream: string): number {
    const s = this.streams.get(stream);
    return s === undefined || s.head >= s.pending.length ? 0 : s.pending[s.head];
  }

  /**
   * Message `seq` of `stream` is being delivered (seqs ascending per stream). False, and nothing
   * recorded, when `maxUnacked` messages are already waiting for their acknowledgement.
   */
  delivered(stream: string, seq: number): boolean {
    if (this.count >= this.maxUnacked) return false;
    let s = this.streams.get(stream);
    if (s === undefined) this.streams.set(stream, (s = { pending: [], head: 0, acked: new Set() }));
    const last = s.pending.length > s.head ? s.pending[s.pending.length - 1] : -Infinity;
    if (!(seq > last)) return true; // not ascending: a redelivery we already track
    s.pending.push(seq);
    this.count++;
    return true;
  }

  /**
   * Forgets what `stream` has delivered and unconfirmed (its sender numbers it again): later
   * acknowledgements of those messages are ignored.
   */
  forget(stream: string): void {
    const s = this.streams.get(stream);
    if (s === undefined) return;
    this.count -= s.pending.length - s.head;
    this.streams.delete(stream);
  }

  /**
   * Messages of `stream` up to `to`, after every one delivered, were reported lost (a
   * `dataLoss` event): they count as delivered and acknowledged. Returns `to` when it is
   * confirmable at once (nothing delivered waits), else `undefined` (it is once what was
   * delivered before is acknowledged; nothing when `to` is not after every delivered seq).
   */
  passed(stream: string, to: number): number | undefined {
    const s = this.streams.get(stream);
    if (s === undefined) return to;
    if (!(to > s.pending[s.pending.length - 1])) return undefined;
    s.pending.push(to);
    s.acked.add(to);
    this.count++;
    return undefined;
  }

  /**
   * The application acknowledged `seq` of `stream`. Returns the new confirmable position of the
   * stream when it moved, else `undefined` (an earlier message is still unacknowledged, or
   * `seq` is unknown or already confirmed).
   */
  ack(stream: string, seq: number): number | undefined {
    const s = this.streams.get(stream);
    if (s === undefined || s.head >= s.pending.length) return undefined;
    if (seq === s.pending[s.head]) {
      // The common case (acknowledged in order): no set involved.
      s.head++;
      this.count--;
    } else {
      if (seq < s.pending[s.head] || seq > s.pending[s.pending.length - 1]) return undefined;
      s.acked.add(seq);
      return undefined;
    }
    while (s.head < s.pending.length && s.acked.delete(s.pending[s.head])) {
      s.head++;
      this.count--;
    }
    const position = s.pending[s.head - 1];
    if (s.head === s.pending.length) this.streams.delete(stream);
    else if (s.head > 1024 && s.head * 2 > s.pending.length) {
      s.pending.splice(0, s.head);
      s.head = 0;
    }
    return position;
  }
}
