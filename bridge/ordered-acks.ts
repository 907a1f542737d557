/**
 * Which JetStream delivery the import side may acknowledge. The import consumer acknowledges
 * with `AckPolicy.All` (acknowledging message n acknowledges everything before it), so one
 * acknowledgement covers a run of messages, but only once every message up to it was published
 * in the zone (or needed no publishing). Pure: no I/O.
 */
export class OrderedAcks<T> {
  private items: { readonly item: T; done: boolean }[] = [];
  private head = 0;
  /** The ticket of `items[0]`. */
  private base = 0;
  private waiting = 0;

  /** Entries added and not yet done (their local publish has not resolved). */
  get notDone(): number {
    return this.waiting;
  }

  /** Adds `item` in delivery order; `done` when nothing is left to do for it. Returns its ticket. */
  add(item: T, done: boolean): number {
    this.items.push({ item, done });
    if (!done) this.waiting++;
    return this.base + this.items.length - 1;
  }

  /** The entry of `ticket` is done. */
  complete(ticket: number): void {
    const e = this.items[ticket - this.base];
    if (e === undefined || e.done) return;
    e.done = true;
    this.waiting--;
  }

  /**
   * The newest item such that it and every item before it are done, removed with them; undefined
   * when the oldest entry is not done yet (or there is none).
   */
  takeAckable(): T | undefined {
    return this.takeRun()?.item;
  }

  /** As {@link takeAckable}, with how many entries the run removed. */
  takeRun(): { readonly item: T; readonly count: number } | undefined {
    const from = this.head;
    let last: T | undefined;
    while (this.head < this.items.length && this.items[this.head].done) last = this.items[this.head++].item;
    const count = this.head - from;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    return count === 0 ? undefined : { item: last as T, count };
  }
}
