/**
 * Deliveries waiting for a later turn (event-slices.ts) pace their senders as an iterated
 * subscription's queue does (iterator-pacing.ts): per stream, how many of its messages wait and
 * the oldest of them; the owner ({@link Durables.paceQueue}) caps the position the receiver
 * reports for the stream at `durablePaceMessages` beyond that oldest once that many wait, and
 * lifts it at half. So a handler slower than its publisher holds the publisher (flow control,
 * policy `'min'`) instead of letting the queue grow with everything the network brings.
 *
 * Counted per run of one stream in a batch (a batch is mostly one datagram of one stream), not
 * per message.
 *
 * Ownership: one per `Peer`, on the application thread. Bounded by the streams with messages
 * waiting.
 */
import { streamKey } from '../../codecs/frame.js';
import type { DeliveredBatch } from './events.js';
import type { QueuePacer } from './iterator-pacing.js';

/** The pacing id of the deliveries waiting (subscription ids start at 1). */
export const WAITING_DELIVERIES_ID = 0;

interface Waiting {
  count: number;
  oldest: number;
}

export class DeliveryBacklog {
  private readonly streams = new Map<string, Waiting>();

  constructor(private readonly pacer: () => QueuePacer | undefined) {}

  /** Streams with messages waiting. */
  get size(): number {
    return this.streams.size;
  }

  /** The messages of `batch` wait. */
  queued(batch: DeliveredBatch): void {
    this.runs(batch, (sender, subject, firstSeq, _lastSeq, n) => {
      const key = streamKey(sender, subject);
      let w = this.streams.get(key);
      if (w === undefined) this.streams.set(key, (w = { count: 0, oldest: firstSeq }));
      w.count += n;
      this.pacer()?.paceQueue(WAITING_DELIVERIES_ID, key, sender, subject, w.count, w.oldest);
    });
  }

  /** The messages of `batch` (queued before) are handled now. */
  taken(batch: DeliveredBatch): void {
    this.runs(batch, (sender, subject, _firstSeq, lastSeq, n) => {
      const key = streamKey(sender, subject);
      const w = this.streams.get(key);
      if (w === undefined) return;
      w.count -= n;
      w.oldest = lastSeq + 1;
      this.pacer()?.paceQueue(WAITING_DELIVERIES_ID, key, sender, subject, w.count, w.oldest);
      if (w.count <= 0) this.streams.delete(key);
    });
  }

  /** Calls `f` once per run of consecutive messages of one stream in `batch`. */
  private runs(batch: DeliveredBatch, f: (sender: string, subject: string, firstSeq: number, lastSeq: number, n: number) => void): void {
    const { senders, messages } = batch;
    let start = 0;
    for (let i = 1; i <= messages.length; i++) {
      if (i < messages.length && senders[i].name === senders[start].name && messages[i].subject === messages[start].subject) continue;
      f(senders[start].name, messages[start].subject, messages[start].seq, messages[i - 1].seq, i - start);
      start = i;
    }
  }
}
