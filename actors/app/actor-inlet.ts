/**
 * Where the actors' events enter the application thread: answers to the application's own
 * requests at once, the rest in slices of its time per turn (event-slices.ts), with the
 * deliveries that wait pacing their senders (delivery-backlog.ts).
 *
 * Replies to this peer's requests never wait behind other deliveries: before (a user-style
 * check, 7 December), a requester whose handler of other subjects was behind by 8,000 messages
 * timed out on 50 replies that had arrived.
 *
 * Ownership: one per `Peer`, on the application thread.
 */
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import { unpackDelivered } from '../receiver/delivered-batch.js';
import { DeliveryBacklog } from './delivery-backlog.js';
import { EventSlices, type SliceHandler } from './event-slices.js';
import type { AppEvent } from './events.js';
import type { QueuePacer } from './iterator-pacing.js';

export class ActorInlet {
  private readonly backlog: DeliveryBacklog;
  private readonly slices: EventSlices<AppEvent>;

  /**
   * @param handle the peer's handling of one event (it may stop inside one at the deadline).
   * @param pacer where the caps of waiting deliveries go (undefined before the peer started).
   * @param paceMessages `durablePaceMessages`.
   * @param isReply whether a subject is one of this peer's reply subjects (handled at once).
   */
  constructor(
    private readonly handle: SliceHandler<AppEvent>,
    pacer: () => QueuePacer | undefined,
    paceMessages: number,
    private readonly isReply: (subject: string) => boolean,
  ) {
    this.backlog = new DeliveryBacklog(pacer, paceMessages);
    this.slices = new EventSlices<AppEvent>(handle, {
      queued: (e) => this.waits(e),
      taken: (e) => {
        if (e.kind === 'delivered') this.backlog.taken(e);
      },
    });
  }

  /** An event from the actors. */
  push(event: AppEvent): void {
    // Answers to the application's own requests do not wait behind deliveries: a close or a
    // publish is not held up by handlers that are behind. Errors neither: a publish batch's
    // refusal must settle before a later batch's 'accepted' (which settles every earlier batch).
    const kind = event.kind;
    if (kind === 'accepted' || kind === 'error' || kind === 'ledgerFlushed' || kind === 'drained') this.handle(event, Number.POSITIVE_INFINITY);
    else this.slices.push(event);
  }

  /**
   * The peer closes: what waits is still handled, in slices, until `deadlineMs`
   * (`performance.now()` time); then the rest is dropped and every later event handled at once.
   * Returns how many delivered messages were dropped (not handed to their subscriptions).
   */
  async finish(deadlineMs: number): Promise<number> {
    const leftMs = deadlineMs - performance.now();
    if (leftMs > 0 && this.slices.waiting > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.slices.drained(), new Promise<void>((resolve) => (timer = setTimeout(resolve, leftMs)))]);
      clearTimeout(timer);
    }
    let dropped = 0;
    for (const e of this.slices.drop()) if (e.kind === 'delivered') dropped += e.messages.length;
    return dropped;
  }

  /**
   * `event` waits for a later turn: a packed delivery is unpacked now, its replies to this
   * peer's requests are handled now, and the rest is counted by stream.
   */
  private waits(event: AppEvent): AppEvent {
    let e = event;
    if (e.kind === 'deliveredPacked') {
      try {
        e = { kind: 'delivered', ...unpackDelivered(e.bytes) };
      } catch {
        return event; // said when it is handled
      }
    }
    if (e.kind !== 'delivered') return e;
    const { senders, messages } = e;
    if (!messages.some((m) => this.isReply(m.subject))) {
      this.backlog.queued(e);
      return e;
    }
    const now = { senders: [] as PeerId[], messages: [] as WireMessage[] };
    const later = { senders: [] as PeerId[], messages: [] as WireMessage[] };
    for (let i = 0; i < messages.length; i++) {
      const to = this.isReply(messages[i].subject) ? now : later;
      to.senders.push(senders[i]);
      to.messages.push(messages[i]);
    }
    this.handle({ kind: 'delivered', ...now }, Number.POSITIVE_INFINITY);
    e = { kind: 'delivered', ...later };
    this.backlog.queued(e);
    return e;
  }
}
