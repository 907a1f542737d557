/**
 * Messages dropped for a subscription that was full (`maxQueuedPerSubscription`), said as
 * `dataLoss` events with reason `'subscriberOverflow'`: one event per run of consecutive seqs of
 * a stream dropped in one event-loop turn, not one per message. Before (6 December) a durable
 * subscriber catching up after a restart got 70,560 events, one per message.
 *
 * Ownership: one per `Peer`, on the application thread. Holds at most one range per stream that
 * overflowed in the current turn.
 */
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import type { DataLossEvent } from './peer-events.js';

interface Range {
  readonly sender: PeerId;
  readonly subject: string;
  readonly from: number;
  to: number;
}

export class OverflowLosses {
  private readonly ranges = new Map<string, Range>();

  /** @param say emits one event (the peer's `dataLoss`). */
  constructor(private readonly say: (event: DataLossEvent) => void) {}

  /** Messages dropped, counted once per subscription that dropped one. */
  count = 0;

  /** Record `r` of `sender` was dropped for a subscription (its queue, or its unconfirmed messages, were full). */
  readonly dropped = (sender: PeerId, m: WireMessage): void => {
    this.count++;
    const { subject, seq } = m;
    const key = `${sender.name}\u0000${sender.incarnation}\u0000${subject}`;
    const r = this.ranges.get(key);
    if (r !== undefined) {
      if (seq >= r.from && seq <= r.to) return; // dropped for another subscription too: said once
      if (seq === r.to + 1) {
        r.to = seq;
        return;
      }
      this.emit(r);
    } else if (this.ranges.size === 0) queueMicrotask(this.flush);
    this.ranges.set(key, { sender, subject, from: seq, to: seq });
  };

  private readonly flush = (): void => {
    const ranges = [...this.ranges.values()];
    this.ranges.clear();
    for (const r of ranges) this.emit(r);
  };

  private emit(r: Range): void {
    this.say({ sender: r.sender.name, senderIncarnation: r.sender.incarnation, subject: r.subject, fromSeq: r.from, toSeq: r.to, reason: 'subscriberOverflow' });
  }
}
