/**
 * Iterated subscriptions pace their senders as durable ones do (durable-pacing.ts). A
 * `for await` loop that awaits between messages (I/O, a timer) leaves the event loop free, so
 * messages are handed to its subscription as fast as they come and wait in its queue, where the
 * senders' flow control does not see them: before (a user-style check, 7 December: 1 ms awaited
 * every 100 messages), the publisher of 200,000 was never slowed, the queue passed
 * `maxQueuedPerSubscription` (100,000) and 85,000 messages were lost (`subscriberOverflow`).
 *
 * Per stream of one subscription: how many messages wait in its queue and the oldest of them
 * (the next after the last one taken: a stream's messages are queued in order). The owner
 * ({@link Durables}) caps the stream's reported position at `durablePaceMessages` beyond that
 * oldest once that many wait, and lifts it at half.
 *
 * Ownership: one per iterated, non-durable subscription, on the application thread. Bounded by
 * the streams with messages in that subscription's queue.
 */
import { streamKey } from '../../codecs/frame.js';
import type { Message } from './message.js';
import type { QueueWatch } from './subscription.js';

/** Where the backlog goes: {@link Durables.paceQueue} and {@link Durables.forgetQueue}. */
export interface QueuePacer {
  paceQueue(id: number, key: string, sender: string, subject: string, backlog: number, oldestSeq: number): void;
  forgetQueue(id: number): void;
}

interface Waiting {
  count: number;
  oldest: number;
}

export class IteratorPacing implements QueueWatch {
  private readonly streams = new Map<string, Waiting>();

  constructor(
    private readonly id: number,
    private readonly pacer: QueuePacer,
  ) {}

  queued(msg: Message): void {
    const key = streamKey(msg.sender, msg.subject);
    let w = this.streams.get(key);
    if (w === undefined) this.streams.set(key, (w = { count: 0, oldest: msg.seq }));
    w.count++;
    this.pacer.paceQueue(this.id, key, msg.sender, msg.subject, w.count, w.oldest);
  }

  taken(msg: Message): void {
    const key = streamKey(msg.sender, msg.subject);
    const w = this.streams.get(key);
    if (w === undefined) return;
    w.count--;
    w.oldest = msg.seq + 1;
    this.pacer.paceQueue(this.id, key, msg.sender, msg.subject, w.count, w.oldest);
    if (w.count === 0) this.streams.delete(key);
  }

  ended(): void {
    this.streams.clear();
    this.pacer.forgetQueue(this.id);
  }
}
