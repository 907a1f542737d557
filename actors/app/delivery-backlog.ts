/**
 * Deliveries waiting for a later turn (event-slices.ts) pace their senders as an iterated
 * subscription's queue does (iterator-pacing.ts): per stream, how many of its messages wait, their
 * bytes and the oldest of them, and the same summed over each sender's streams. Once
 * `durablePaceMessages` of a sender wait, or {@link PACE_BYTES}, the position the receiver reports
 * for each of its streams is capped (through {@link Durables.paceQueue}) at what is left of that
 * budget beyond the stream's oldest waiting message (at least one message); the caps are lifted
 * once the sender's messages and bytes are both down to half. So a handler slower than its
 * publisher holds the publisher (flow control, policy `'min'`) instead of letting the queue grow
 * with everything the network brings: by messages alone, 16,384 waiting messages of 1 MiB would
 * be 16 GiB.
 *
 * The budget is the sender's, not each stream's: messages of a stream waiting behind another
 * stream's backlog move its cap as that backlog is handled. With a budget per stream, a publisher
 * that went from one subject to another behind a busy handler (16,384 messages of 1 KB waiting,
 * 0.2 ms each) saw the new stream's position stand still for the 3 s the handler took to reach
 * it, past the stall bound: it named the subscriber `slowConsumer`, stopped waiting for it, and
 * the subscriber lost thousands of messages as `dataLoss` 'unavailable' (a user-style check).
 * A publisher may send a window beyond a cap, so the other streams can be past the budget when a
 * stream begins to wait: its cap then moves by what they free from that moment (with 4 MiB windows
 * of 1 KB messages, 4,000 past the budget, it stood for the handler's time to work through them:
 * 2 s at 0.5 ms a message, and the publisher named the subscriber `slowConsumer`).
 * Moving every capped stream of a sender at each handled batch would cost a pass over its streams
 * each time: the others move when the sender's budget freed {@link RECAP_SHARE} of itself since
 * their last move (the stream handled moves at once).
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

/** Payload bytes of one stream waiting that cap its position. */
export const PACE_BYTES = 16 * 1024 * 1024;

/** The share of a sender's budget that, once freed, moves the caps of all its streams (1/64). */
export const RECAP_SHARE = 64;

interface Waiting {
  readonly sender: string;
  readonly subject: string;
  count: number;
  bytes: number;
  oldest: number;
  /** The cap said for the stream (`oldest + ahead - 1`), 0 when it is not capped. */
  cap: number;
  /** The sender's other streams' messages and bytes waiting when this stream began to wait. */
  readonly othersCountAtStart: number;
  readonly othersBytesAtStart: number;
}

/** A sender's streams with messages waiting, and their sums. */
interface SenderWaiting {
  readonly streams: Map<string, Waiting>;
  count: number;
  bytes: number;
  capped: boolean;
  /** Messages and bytes handled since the caps of all its streams last moved. */
  freedCount: number;
  freedBytes: number;
}

export class DeliveryBacklog {
  private readonly streams = new Map<string, Waiting>();
  private readonly senders = new Map<string, SenderWaiting>();

  /**
   * @param pacer where caps go (undefined before the peer started).
   * @param paceMessages `durablePaceMessages`: messages of a sender waiting that cap its streams; 0 = off.
   * @param paceBytes payload bytes of a sender waiting that cap its streams.
   */
  constructor(
    private readonly pacer: () => QueuePacer | undefined,
    private readonly paceMessages: number,
    private readonly paceBytes = PACE_BYTES,
  ) {}

  /** Streams with messages waiting. */
  get size(): number {
    return this.streams.size;
  }

  /** The messages of `batch` wait (at the end of the queue, or first again: what a slice left of a batch). */
  queued(batch: DeliveredBatch): void {
    this.runs(batch, (sender, subject, firstSeq, _lastSeq, n, bytes) => {
      const key = streamKey(sender, subject);
      let s = this.senders.get(sender);
      if (s === undefined) this.senders.set(sender, (s = { streams: new Map(), count: 0, bytes: 0, capped: false, freedCount: 0, freedBytes: 0 }));
      let w = this.streams.get(key);
      if (w === undefined) {
        w = { sender, subject, count: 0, bytes: 0, oldest: firstSeq, cap: 0, othersCountAtStart: s.count, othersBytesAtStart: s.bytes };
        this.streams.set(key, w);
        s.streams.set(key, w);
      } else if (firstSeq < w.oldest) w.oldest = firstSeq; // what a slice left of a batch goes back first: its first seq is the oldest again
      w.count += n;
      w.bytes += bytes;
      s.count += n;
      s.bytes += bytes;
      this.pace(s, key, w);
    });
  }

  /** The messages of `batch` (queued before) are handled now. */
  taken(batch: DeliveredBatch): void {
    this.runs(batch, (sender, subject, _firstSeq, lastSeq, n, bytes) => {
      const key = streamKey(sender, subject);
      const w = this.streams.get(key);
      const s = this.senders.get(sender);
      if (w === undefined || s === undefined) return;
      w.count -= n;
      w.bytes -= bytes;
      w.oldest = lastSeq + 1;
      s.count -= n;
      s.bytes -= bytes;
      s.freedCount += n;
      s.freedBytes += bytes;
      this.pace(s, key, w);
      if (w.count <= 0) {
        this.streams.delete(key);
        s.streams.delete(key);
        if (s.streams.size === 0) this.senders.delete(sender);
      }
    });
  }

  /**
   * Caps the streams of sender `s` past its budget (moving the cap of `w`, the stream that
   * changed, and the others' once a share of the budget was freed), lifts them below half.
   */
  private pace(s: SenderWaiting, key: string, w: Waiting): void {
    const pace = this.paceMessages;
    if (pace <= 0) return;
    const pacer = this.pacer();
    if (pacer === undefined) return;
    const over = s.capped ? s.count * 2 > pace || s.bytes * 2 > this.paceBytes : s.count >= pace || s.bytes >= this.paceBytes;
    if (!over) {
      if (s.capped) for (const [k, x] of s.streams) this.lift(pacer, k, x);
      s.capped = false;
      return;
    }
    const all = !s.capped || s.freedCount * RECAP_SHARE >= pace || s.freedBytes * RECAP_SHARE >= this.paceBytes;
    s.capped = true;
    if (!all) {
      this.capStream(pacer, s, key, w);
      return;
    }
    s.freedCount = 0;
    s.freedBytes = 0;
    for (const [k, x] of s.streams) this.capStream(pacer, s, k, x);
  }

  /** Caps stream `w` of `s` at what is left of the sender's budget beyond its oldest waiting message. */
  private capStream(pacer: QueuePacer, s: SenderWaiting, key: string, w: Waiting): void {
    if (w.count <= 0) return this.lift(pacer, key, w);
    const pace = this.paceMessages;
    // Messages past the oldest the position may say: the budget less the sender's other streams',
    // or, when more, what those streams freed since this one began to wait (the publisher may send
    // a window beyond a cap, so they can be past the budget: this stream's position then still
    // climbs as they are handled, and the sender's total stays where it was); in bytes at this
    // stream's average size; at least one.
    const othersCount = s.count - w.count;
    const othersBytes = s.bytes - w.bytes;
    const leftMessages = Math.max(pace - othersCount, w.othersCountAtStart - othersCount);
    const leftBytes = Math.max(this.paceBytes - othersBytes, w.othersBytesAtStart - othersBytes);
    const byBytes = w.bytes <= 0 ? leftMessages : Math.floor((w.count * leftBytes) / w.bytes);
    const ahead = Math.max(1, Math.min(leftMessages, byBytes));
    const cap = w.oldest + ahead - 1;
    if (cap === w.cap) return;
    w.cap = cap;
    // The owner caps at `oldestSeq - 1 + backlog` once `backlog` reaches its pace: say it so.
    pacer.paceQueue(WAITING_DELIVERIES_ID, key, w.sender, w.subject, pace, w.oldest + ahead - pace);
  }

  private lift(pacer: QueuePacer, key: string, w: Waiting): void {
    if (w.cap === 0) return;
    w.cap = 0;
    pacer.paceQueue(WAITING_DELIVERIES_ID, key, w.sender, w.subject, 0, w.oldest);
  }

  /** Calls `f` once per run of consecutive messages of one stream in `batch`. */
  private runs(batch: DeliveredBatch, f: (sender: string, subject: string, firstSeq: number, lastSeq: number, n: number, bytes: number) => void): void {
    const { senders, messages } = batch;
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      bytes += messages[i].payload.byteLength;
      const next = i + 1;
      if (next < messages.length && senders[next].name === senders[start].name && messages[next].subject === messages[start].subject) continue;
      f(senders[start].name, messages[start].subject, messages[start].seq, messages[i].seq, next - start, bytes);
      start = next;
      bytes = 0;
    }
  }
}
