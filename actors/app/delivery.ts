/**
 * The delivering half of the `Peer`: fans the records the receiver delivered out to the
 * subscriptions whose pattern matches, as {@link Message}s.
 *
 * Ownership: owned by the `Peer`, on the application thread. A subscription is in the matcher
 * from when it may take messages (a durable one: once its positions are applied) until it ends.
 */
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import type { AppEvent, DeliveredBatch } from './events.js';
import { HELD, type Durables } from './durables.js';
import { Message, type ReplyPublisher } from './message.js';
import { decodeLossMarker, decodeOriginMarker, LOSS_PREFIX, OriginDedup, ORIGIN_PREFIX, type MessageOrigin, type OriginLoss } from './origin.js';
import type { Subscription } from './subscription.js';


/**
 * Matches delivered records to subscriptions. Non-durable subscriptions of one record share one
 * `Message`; each durable subscription gets its own (it confirms on its own).
 */
export class Delivery {
  /** Records (from other peers) that matched at least one subscription. */
  delivered = 0;
  /** Own publishes delivered to at least one own subscription. */
  echoed = 0;
  /** Imported messages (from a zone bridge) already delivered once, by origin stream. */
  readonly originDedup = new OriginDedup();
  private readonly matcher = new PatternMatcher<Subscription<any>>();
  /** Subscriptions in the matcher that take this peer's own publishes: none, and a publish checks nothing. */
  private ownTakers = 0;

  /**
   * @param reply what `msg.respond()` calls (one function for every message).
   * @param onOverflow a subscription's iterator queue was full: record `r` was dropped for it.
   * @param onOriginLoss a zone bridge said messages of another zone on `subject` will never cross (a loss marker a subscription matched).
   */
  constructor(
    private readonly durables: Durables,
    private readonly reply: ReplyPublisher,
    private readonly onOverflow: (sender: PeerId, m: WireMessage) => void,
    private readonly onOriginLoss: (loss: OriginLoss, subject: string) => void = () => undefined,
  ) {}

  /**
   * A loss marker (a bridge's word that messages of another zone will never cross): one
   * `dataLoss` event, not a message; durable subscriptions confirm it like a delivered message.
   */
  private deliverLoss(sender: PeerId, r: WireMessage, subs: readonly Subscription<any>[]): void {
    const loss = decodeLossMarker(r.replyTo);
    for (let j = 0; j < subs.length; j++) {
      const d = this.durables.of(subs[j].id);
      if (d !== undefined) this.durables.messageFor(d, sender, r, this.reply)?.ack();
    }
    // Said once, even when a durable subscription sees it again after a restart: the dedup
    // remembers the origin seqs it covers.
    if (loss === undefined || !this.originDedup.accept({ zone: loss.zone, sender: loss.sender, incarnation: loss.incarnation, seq: loss.toSeq }, r.subject)) return;
    this.onOriginLoss(loss, r.subject);
  }

  /** `sub` takes the messages matching its pattern from now on. */
  add(sub: Subscription<any>): void {
    if (this.matcher.add(sub.pattern, sub) && sub.echo) this.ownTakers++;
  }

  /** `sub` takes no more messages. */
  remove(sub: Subscription<any>): void {
    if (this.matcher.remove(sub.pattern, sub) && sub.echo) this.ownTakers--;
  }

  /** Whether some subscription open now would take a message on `subject` from this peer itself. */
  takesOwn(subject: string): boolean {
    if (this.ownTakers === 0) return false;
    const subs = this.matcher.match(subject);
    for (let j = 0; j < subs.length; j++) if (subs[j].echo && this.durables.of(subs[j].id) === undefined) return true;
    return false;
  }

  /** {@link deliver} until `deadlineMs`: what is left, as an event, or undefined. */
  deliverUntil(batch: DeliveredBatch, deadlineMs: number): AppEvent | undefined {
    const done = this.deliver(batch, false, deadlineMs);
    if (done === batch.messages.length) return undefined;
    return { kind: 'delivered', senders: batch.senders.slice(done), messages: batch.messages.slice(done) };
  }

  /**
   * Hands each message of `batch` to every subscription whose pattern matches its subject, in
   * order. `own`: the messages are this peer's own publishes (echo): they go only to the non-durable
   * subscriptions that take them (a durable subscription's positions follow other peers'
   * streams, which the ledger resumes; our own are not replayed to it). Stops once `deadlineMs`
   * (`performance.now()` time) passed, looked at every 4 messages: returns how many it handed
   * (all, `messages.length`, by default).
   */
  deliver(batch: DeliveredBatch, own = false, deadlineMs = Number.POSITIVE_INFINITY): number {
    const reply = this.reply;
    const { senders, messages } = batch;
    // Indexed loops: `for … of` costs an iterator object per loop here, per message.
    for (let i = 0; i < messages.length; i++) {
      if ((i & 3) === 3 && performance.now() >= deadlineMs) return i;
      const r = messages[i];
      const sender = senders[i];
      const subs = this.matcher.match(r.subject);
      if (subs.length === 0) continue;
      // A message a zone bridge imported carries its origin in `replyTo` (actors/app/origin.ts).
      let origin: MessageOrigin | undefined;
      if (r.replyTo !== undefined && r.replyTo.startsWith(LOSS_PREFIX)) {
        this.deliverLoss(sender, r, subs);
        continue;
      }
      if (r.replyTo !== undefined && r.replyTo.startsWith(ORIGIN_PREFIX) && (origin = decodeOriginMarker(r.replyTo)) !== undefined) {
        // Seen before (a restarted bridge publishes again what it had not confirmed): no
        // subscription gets it twice; durable ones need nothing, as their positions count only
        // what was delivered.
        if (!this.originDedup.accept(origin, r.subject)) continue;
      }
      let taken = false;
      // Non-durable subscriptions with the same codec share one Message (decoded once).
      let shared: Message | undefined;
      for (let j = 0; j < subs.length; j++) {
        const s = subs[j];
        let msg: Message | undefined;
        const d = this.durables.of(s.id);
        if (d === undefined) {
          if (own && !s.echo) continue;
          if (shared === undefined || s.codec !== shared.codec) {
            msg =
              origin === undefined
                ? new Message(r.subject, sender, r.seq, r.replyTo, r.payload, r.flags, reply, undefined, s.codec)
                : new Message(r.subject, sender, r.seq, undefined, r.payload, r.flags, reply, undefined, s.codec, origin);
            shared ??= msg;
          } else msg = shared;
        } else {
          if (own) continue;
          const offered = this.durables.offer(d, sender, r, reply, s.codec, origin);
          if (offered === undefined) continue;
          if (offered === HELD) {
            // Taken: pushed to `s` once the ledger committed its handed mark (durables.ts).
            taken = true;
            continue;
          }
          msg = offered;
        }
        taken = true;
        if (!s.push(msg)) this.onOverflow(sender, r);
      }
      if (taken) {
        if (own) this.echoed++;
        else this.delivered++;
      }
    }
    return messages.length;
  }
}
