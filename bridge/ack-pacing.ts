/**
 * When the import side sends its acknowledgement to JetStream (pure: time comes in as `nowMs`).
 * With `AckPolicy.All` one acknowledgement covers every message before it, so acknowledging
 * each turn's newest message as soon as it may be is wasteful at low rates: at 5,000 msg/s
 * the messages come one per socket read, and each would cost an acknowledgement (a TCP write
 * here and work for the server). Instead an acknowledgement goes once `everyMessages` are
 * acknowledgeable, or `delayMs` after the first of them, whichever comes first.
 *
 * Delaying an acknowledgement only delays what JetStream forgets: after a crash it delivers those
 * messages again, and receivers drop the ones they had by their origin seq. `everyMessages`
 * must stay under the consumer's `max_ack_pending`, or JetStream would stop delivering.
 */
export class AckPacing<T> {
  /** The newest acknowledgeable item not yet acknowledged. */
  private pending: T | undefined;
  private count = 0;
  private deadline: number | undefined;

  constructor(
    private readonly everyMessages: number,
    private readonly delayMs: number,
  ) {}

  /**
   * `count` more messages may be acknowledged, `item` the newest of them. Returns the item to
   * acknowledge now, or undefined (then it is due at {@link nextDeadlineMs}).
   */
  offer(item: T, count: number, nowMs: number): T | undefined {
    this.pending = item;
    this.count += count;
    this.deadline ??= nowMs + this.delayMs;
    return this.count >= this.everyMessages ? this.take() : undefined;
  }

  /** When the pending acknowledgement is due (undefined: none pending). */
  nextDeadlineMs(): number | undefined {
    return this.deadline;
  }

  /** The item to acknowledge when the deadline passed, else undefined. */
  onTimer(nowMs: number): T | undefined {
    return this.deadline !== undefined && nowMs >= this.deadline ? this.take() : undefined;
  }

  /** The pending item, now (stopping), or undefined when none. */
  take(): T | undefined {
    const item = this.pending;
    this.pending = undefined;
    this.count = 0;
    this.deadline = undefined;
    return item;
  }
}
