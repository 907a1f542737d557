/**
 * The delivering half of the `Peer`: fans the records the receiver delivered out to the
 * subscriptions whose pattern matches, as {@link Message}s.
 *
 * Ownership: owned by the `Peer`, on the application thread. A subscription is in the matcher
 * from when it may take messages (a durable one: once its positions are applied) until it ends.
 */
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import type { DeliveredRecord } from './events.js';
import type { Durables } from './durables.js';
import { Message } from './message.js';
import type { Subscription } from './subscription.js';

/** Publishes a reply; never rejects (false when it failed, the failure having been reported). */
export type ReplyPublisher = (subject: string, data: unknown) => Promise<boolean>;

/**
 * Matches delivered records to subscriptions. Non-durable subscriptions of one record share one
 * `Message`; each durable subscription gets its own (it confirms on its own).
 */
export class Delivery {
  /** Records that matched at least one subscription. */
  delivered = 0;
  private readonly matcher = new PatternMatcher<Subscription>();

  /**
   * @param reply what `msg.respond()` calls (one function for every message).
   * @param onOverflow a subscription's iterator queue was full: record `r` was dropped for it.
   */
  constructor(
    private readonly durables: Durables,
    private readonly reply: ReplyPublisher,
    private readonly onOverflow: (r: DeliveredRecord) => void,
  ) {}

  /** `sub` takes the messages matching its pattern from now on. */
  add(sub: Subscription): void {
    this.matcher.add(sub.pattern, sub);
  }

  /** `sub` takes no more messages. */
  remove(sub: Subscription): void {
    this.matcher.remove(sub.pattern, sub);
  }

  /** Hands each record to every subscription whose pattern matches its subject, in order. */
  deliver(records: readonly DeliveredRecord[]): void {
    const reply = this.reply;
    // Indexed loops: `for … of` costs an iterator object per loop here, per message.
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const subs = this.matcher.match(r.subject);
      if (subs.length === 0) continue;
      this.delivered++;
      let shared: Message | undefined;
      for (let j = 0; j < subs.length; j++) {
        const s = subs[j];
        let msg: Message | undefined;
        const d = this.durables.of(s.id);
        if (d === undefined) {
          msg = shared ??= new Message(r.subject, r.sender.name, r.sender.incarnation, r.seq, r.replyTo, r.payload, r.flags, reply);
        } else {
          msg = this.durables.messageFor(d, r, reply);
          if (msg === undefined) continue;
        }
        if (!s.push(msg)) this.onOverflow(r);
      }
    }
  }
}
