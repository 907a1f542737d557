/**
 * Events about a sender (`peerLeft`, `dataLoss`) that must not overtake the messages durable
 * subscriptions still hold for their marks (marks first: a message is handed only once the ledger
 * committed its "handed up to" mark). Those messages came before the event; handed after it, they
 * looked like messages of a peer that had left, or came after the loss said to follow them. A
 * user-style check (7 December): a durable subscriber of a publisher that sent 5,000 messages and
 * closed got `peerLeft` before all 5,000 in 2 of 4 runs (a plain subscription: after, 4 of 4).
 *
 * An event waits until everything held when it came has been handed (or dropped: the
 * subscription closed), and behind every event waiting before it, so events keep their order.
 * Pure: the durables say what waits ({@link HeldCheck}); the peer calls {@link progressed} after
 * anything that can release held messages and {@link flush} when it closes.
 */

/** Everything held for marks now: a check that it has all left (undefined: nothing is held). */
export type HeldCheck = () => (() => boolean) | undefined;

export class BehindMarks {
  private readonly waiting: { readonly done: () => boolean; readonly emit: () => void }[] = [];

  constructor(private readonly heldNow: HeldCheck) {}

  /** Events waiting. */
  get size(): number {
    return this.waiting.length;
  }

  /** `emit` now, or once what durable subscriptions hold now has been handed (and what waits before it emitted). */
  after(emit: () => void): void {
    const done = this.heldNow();
    if (done === undefined && this.waiting.length === 0) emit();
    else this.waiting.push({ done: done ?? (() => true), emit });
  }

  /** Held messages may have been handed: emits the events that no longer wait, in order. */
  progressed(): void {
    while (this.waiting.length > 0 && this.waiting[0].done()) this.waiting.shift()!.emit();
  }

  /** The peer closes: every waiting event is emitted, in order. */
  flush(): void {
    while (this.waiting.length > 0) this.waiting.shift()!.emit();
  }
}
