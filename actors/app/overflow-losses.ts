/**
 * Messages dropped for a subscription that was full (`maxQueuedPerSubscription`), said as
 * `dataLoss` events with reason `'subscriberOverflow'`: one event per run of consecutive seqs of
 * a stream, not one per message, nor one per delivery batch. A run is said once it has not grown
 * for {@link QUIET_MS}, once it is {@link MAX_AGE_MS} old (a long overflow is said every second,
 * not only at its end), when a drop of the stream does not follow it, and at `flush()` (the
 * peer's close). Before (6 December) a durable subscriber catching up after a restart got 70,560
 * events, one per message; before 7 December an iterator that overflowed got one event per
 * delivery batch (212 for one run of 49,999 seqs).
 *
 * Ownership: one per `Peer`, on the application thread. Holds at most one range per stream that
 * is overflowing. Time is read from `now` (injected: tests pass their own clock); one timer at
 * a time, unref'd.
 */
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import type { DataLossEvent } from './peer-events.js';

/** A run is said once it has not grown for this long, ms. */
export const QUIET_MS = 100;
/** A run still growing is said once it is this old (then a new one starts), ms. */
export const MAX_AGE_MS = 1_000;

interface Range {
  readonly sender: PeerId;
  readonly subject: string;
  readonly from: number;
  to: number;
  readonly startedMs: number;
  grewMs: number;
}

export class OverflowLosses {
  private readonly ranges = new Map<string, Range>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param say emits one event (the peer's `dataLoss`).
   * @param now the clock, ms.
   */
  constructor(
    private readonly say: (event: DataLossEvent) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Messages dropped, counted once per subscription that dropped one. */
  count = 0;

  /** Record `r` of `sender` was dropped for a subscription (its queue, or its unconfirmed messages, were full). */
  readonly dropped = (sender: PeerId, m: WireMessage): void => {
    this.count++;
    const { subject, seq } = m;
    const key = `${sender.name}\u0000${sender.incarnation}\u0000${subject}`;
    const r = this.ranges.get(key);
    const nowMs = this.now();
    if (r !== undefined) {
      if (seq >= r.from && seq <= r.to) return; // dropped for another subscription too: said once
      if (seq === r.to + 1 && nowMs - r.startedMs < MAX_AGE_MS) {
        r.to = seq;
        r.grewMs = nowMs;
        return;
      }
      this.ranges.delete(key);
      this.emit(r);
    }
    this.ranges.set(key, { sender, subject, from: seq, to: seq, startedMs: nowMs, grewMs: nowMs });
    this.arm();
  };

  /** Says every run held now (the peer closes). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const ranges = [...this.ranges.values()];
    this.ranges.clear();
    for (const r of ranges) this.emit(r);
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(this.onTimer, QUIET_MS);
    this.timer.unref?.();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const nowMs = this.now();
    for (const [key, r] of this.ranges) {
      if (nowMs - r.grewMs < QUIET_MS && nowMs - r.startedMs < MAX_AGE_MS) continue;
      this.ranges.delete(key);
      this.emit(r);
    }
    if (this.ranges.size > 0) this.arm();
  };

  private emit(r: Range): void {
    this.say({ sender: r.sender.name, senderIncarnation: r.sender.incarnation, subject: r.subject, fromSeq: r.from, toSeq: r.to, reason: 'subscriberOverflow' });
  }
}
