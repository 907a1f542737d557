/**
 * Deliveries waiting for a later turn (event-slices.ts) pace their senders as an iterated
 * subscription's queue does (iterator-pacing.ts): per stream, how many of its messages wait, their
 * bytes and the oldest of them. Once `durablePaceMessages` wait, or {@link PACE_BYTES}, the
 * position the receiver reports for the stream is capped (through {@link Durables.paceQueue}) at
 * that many messages, or about that many bytes, beyond the oldest; the cap is lifted once both
 * are down to half. So a handler slower than its publisher holds the publisher (flow control,
 * policy `'min'`) instead of letting the queue grow with everything the network brings: by
 * messages alone, 16,384 waiting messages of 1 MiB would be 16 GiB.
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

interface Waiting {
  count: number;
  bytes: number;
  oldest: number;
  /** Whether the stream's position is capped now. */
  capped: boolean;
}

export class DeliveryBacklog {
  private readonly streams = new Map<string, Waiting>();

  /**
   * @param pacer where caps go (undefined before the peer started).
   * @param paceMessages `durablePaceMessages`: messages of a stream waiting that cap it; 0 = off.
   * @param paceBytes payload bytes of a stream waiting that cap it.
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
      let w = this.streams.get(key);
      if (w === undefined) this.streams.set(key, (w = { count: 0, bytes: 0, oldest: firstSeq, capped: false }));
      // What a slice left of a batch goes back first: its first seq is the oldest again.
      else if (firstSeq < w.oldest) w.oldest = firstSeq;
      w.count += n;
      w.bytes += bytes;
      this.pace(key, sender, subject, w);
    });
  }

  /** The messages of `batch` (queued before) are handled now. */
  taken(batch: DeliveredBatch): void {
    this.runs(batch, (sender, subject, _firstSeq, lastSeq, n, bytes) => {
      const key = streamKey(sender, subject);
      const w = this.streams.get(key);
      if (w === undefined) return;
      w.count -= n;
      w.bytes -= bytes;
      w.oldest = lastSeq + 1;
      this.pace(key, sender, subject, w);
      if (w.count <= 0) this.streams.delete(key);
    });
  }

  /** Caps `w`'s stream (or moves its cap) past a threshold, lifts it below half of both. */
  private pace(key: string, sender: string, subject: string, w: Waiting): void {
    const pace = this.paceMessages;
    if (pace <= 0) return;
    const pacer = this.pacer();
    if (pacer === undefined) return;
    if (w.capped ? w.count * 2 <= pace && w.bytes * 2 <= this.paceBytes : w.count < pace && w.bytes < this.paceBytes) {
      if (w.capped) pacer.paceQueue(WAITING_DELIVERIES_ID, key, sender, subject, 0, w.oldest);
      w.capped = false;
      return;
    }
    w.capped = true;
    // Messages past the oldest the position may say: `pace`, fewer when they are large.
    const ahead = Math.max(1, Math.min(pace, w.bytes <= 0 ? pace : Math.floor((w.count * this.paceBytes) / w.bytes)));
    // The owner caps at `oldestSeq - 1 + backlog` once `backlog` reaches its pace: say it so.
    pacer.paceQueue(WAITING_DELIVERIES_ID, key, sender, subject, pace, w.oldest + ahead - pace);
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
