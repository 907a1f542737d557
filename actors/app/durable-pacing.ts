/**
 * Durable subscriptions pace their senders: while a durable subscription has `paceMessages` or
 * more messages of a stream delivered and not confirmed, the position our receiver reports for
 * that stream is capped at `paceMessages` beyond the oldest of them. The sender's flow control
 * (policy `'min'`) then holds the stream once it is a flow window past the cap, so a consumer
 * that confirms slowly (a bridge whose NATS is slow) slows the publishers instead of filling
 * its queue to `maxQueuedPerSubscription` and losing the rest (`subscriberOverflow`). A consumer
 * that makes no progress for the sender's `stallTimeoutMs` is named in the sender's
 * `slowConsumer` event and no longer waited for, as any stalled receiver.
 *
 * The cap is lifted once the backlog is down to half of `paceMessages` (hysteresis: a stream on
 * the edge does not flap), and when the subscription closes. With several durable subscriptions
 * on one stream, the lowest cap holds.
 *
 * Pure: no clock, no I/O; the owner ({@link Durables}) feeds it and sends what {@link take}
 * returns to the receiver actor (`positionCaps`).
 *
 * Ownership: one per `Peer`, on the application thread. Bounded by the streams with a backlog of
 * at least half `paceMessages` (each such stream holds that many messages in a subscription).
 */
import type { PositionCap } from '../receiver/messages.js';

interface PacedStream {
  readonly key: string;
  readonly sender: string;
  readonly subject: string;
  /** Cap per durable subscription id that holds one. */
  readonly caps: Map<number, number>;
  /** The cap last handed out (undefined: none). */
  sent: number | undefined;
}

/** The caps of the streams durable subscriptions are behind on (see the module comment). */
export class DurablePacing {
  /** Times a stream was capped (it was not before). */
  capped = 0;
  private readonly streams = new Map<string, PacedStream>();
  private readonly changed = new Set<PacedStream>();

  /** @param paceMessages the backlog per stream that caps it; 0 turns pacing off. */
  constructor(private readonly paceMessages: number) {}

  /** Streams capped now. */
  get cappedStreams(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.sent !== undefined) n++;
    return n;
  }

  /**
   * Durable `id` now has `backlog` messages of stream `key` (`sender`, `subject`) delivered and
   * not confirmed, the oldest of them `oldestSeq`. O(1); called on each delivery and confirmation.
   */
  note(id: number, key: string, sender: string, subject: string, backlog: number, oldestSeq: number): void {
    const pace = this.paceMessages;
    if (pace <= 0) return;
    let s = this.streams.get(key);
    const held = s?.caps.get(id);
    if (held === undefined) {
      if (backlog < pace) return;
    } else if (backlog * 2 <= pace) {
      this.lift(s!, id);
      return;
    }
    if (s === undefined) this.streams.set(key, (s = { key, sender, subject, caps: new Map(), sent: undefined }));
    const cap = oldestSeq - 1 + pace;
    if (held === cap) return;
    s.caps.set(id, cap);
    this.changed.add(s);
  }

  /** Durable `id` closed: its caps are lifted. */
  forget(id: number): void {
    for (const s of this.streams.values()) if (s.caps.has(id)) this.lift(s, id);
  }

  /** The caps that changed since the last call (empty: nothing to send). */
  take(): PositionCap[] {
    const out: PositionCap[] = [];
    for (const s of this.changed) {
      let cap: number | undefined;
      for (const c of s.caps.values()) if (cap === undefined || c < cap) cap = c;
      if (cap === s.sent) continue;
      if (s.sent === undefined) this.capped++;
      s.sent = cap;
      out.push({ sender: s.sender, subject: s.subject, maxSeq: cap });
      if (cap === undefined) this.streams.delete(s.key);
    }
    this.changed.clear();
    return out;
  }

  private lift(s: PacedStream, id: number): void {
    s.caps.delete(id);
    this.changed.add(s);
    if (s.caps.size === 0 && s.sent === undefined) this.streams.delete(s.key);
  }
}
