/**
 * The export side's bookkeeping, pure: which messages wait to be published to JetStream, which
 * are in flight, in what order they go (arrival order, a failed one again before anything that
 * came after it), and when the bridge holds more than it should (`maxPending`).
 */

/** One message to export, with its arrival ordinal. */
export interface Queued<T> {
  readonly n: number;
  readonly item: T;
}

/** Counters of the export queue. */
export interface ExportQueueCounters {
  /** Messages taken in. */
  queued: number;
  /** Messages JetStream acknowledged (stored, or recognised as a duplicate). */
  acked: number;
  /** Publishes that failed (timeout, NATS unreachable, stream full) and were queued again. */
  retried: number;
}

/**
 * A bounded queue with a window of publishes in flight. The shell calls {@link take} while it
 * returns something, publishes each, and reports {@link acked} or {@link failed}. After a
 * failure nothing is taken but a probe ({@link takeProbe}, every `retryDelayMs`) until
 * {@link resume}: the bridge does not hammer a NATS that is down.
 */
export class ExportQueue<T> {
  readonly counters: ExportQueueCounters = { queued: 0, acked: 0, retried: 0 };
  private waiting: Queued<T>[] = [];
  private head = 0;
  private inFlightCount = 0;
  private next = 0;
  private pausedFlag = false;

  constructor(
    private readonly maxInFlight: number,
    private readonly maxPending: number,
  ) {}

  /** Messages waiting or in flight. */
  get pending(): number {
    return this.waiting.length - this.head + this.inFlightCount;
  }

  /** Publishes waiting for JetStream's acknowledgement. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** True after a failure, until {@link resume}. */
  get paused(): boolean {
    return this.pausedFlag;
  }

  /** False at `maxPending` messages held (the bridge says it is blocked). */
  hasRoom(): boolean {
    return this.pending < this.maxPending;
  }

  /** Takes `item` in (the caller checked {@link hasRoom}). */
  add(item: T): void {
    this.waiting.push({ n: this.next++, item });
    this.counters.queued++;
  }

  /** The next message to publish, or undefined (window full, paused, or nothing waiting). */
  take(): Queued<T> | undefined {
    if (this.pausedFlag || this.inFlightCount >= this.maxInFlight || this.head >= this.waiting.length) return undefined;
    const q = this.waiting[this.head++];
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.inFlightCount++;
    return q;
  }

  /** JetStream acknowledged `q`. */
  acked(_q: Queued<T>): void {
    this.inFlightCount--;
    this.counters.acked++;
  }

  /**
   * Publishing `q` failed: it goes back in arrival order (before anything that came after it),
   * and taking pauses. True when this failure paused the queue (the first of a run).
   */
  failed(q: Queued<T>): boolean {
    this.inFlightCount--;
    this.counters.retried++;
    let i = this.waiting.length;
    while (i > this.head && this.waiting[i - 1].n > q.n) i--;
    this.waiting.splice(i, 0, q);
    const first = !this.pausedFlag;
    this.pausedFlag = true;
    return first;
  }

  /**
   * While paused: the oldest waiting message, taken alone to probe whether JetStream stores
   * again; taking stays paused until {@link resume} (a message arriving meanwhile is not sent
   * ahead of the probe's older ones). Undefined when nothing waits.
   */
  takeProbe(): Queued<T> | undefined {
    if (this.head >= this.waiting.length) return undefined;
    const paused = this.pausedFlag;
    this.pausedFlag = false;
    const q = this.take();
    this.pausedFlag = paused;
    return q;
  }

  /** Taking pauses (the connection broke) until {@link resume}: probes only. */
  pause(): void {
    this.pausedFlag = true;
  }

  /** Taking may go on (the probe was stored). */
  resume(): void {
    this.pausedFlag = false;
  }
}
