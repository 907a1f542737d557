/**
 * Where the actors' events enter the application thread: answers to the application's own
 * requests at once, the rest in slices of its time per turn (event-slices.ts), with the
 * deliveries that wait pacing their senders (delivery-backlog.ts).
 *
 * Ownership: one per `Peer`, on the application thread.
 */
import { unpackDelivered } from '../receiver/delivered-batch.js';
import { DeliveryBacklog } from './delivery-backlog.js';
import { EventSlices } from './event-slices.js';
import type { AppEvent } from './events.js';
import type { QueuePacer } from './iterator-pacing.js';

export class ActorInlet {
  private readonly backlog: DeliveryBacklog;
  private readonly slices: EventSlices<AppEvent>;

  /**
   * @param handle the peer's handling of one event.
   * @param pacer where the caps of waiting deliveries go (undefined before the peer started).
   * @param paceMessages `durablePaceMessages`.
   */
  constructor(
    private readonly handle: (event: AppEvent) => void,
    pacer: () => QueuePacer | undefined,
    paceMessages: number,
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
    if (kind === 'accepted' || kind === 'error' || kind === 'ledgerFlushed' || kind === 'drained' || kind === 'durableMarked') this.handle(event);
    else this.slices.push(event);
  }

  /** The peer is closing: what waits is handled now, and later events at once. */
  drainNow(): void {
    this.slices.drainNow();
  }

  /** `event` waits for a later turn: a packed delivery is unpacked now, and counted by stream. */
  private waits(event: AppEvent): AppEvent {
    let e = event;
    if (e.kind === 'deliveredPacked') {
      try {
        e = { kind: 'delivered', ...unpackDelivered(e.bytes) };
      } catch {
        return event; // said when it is handled
      }
    }
    if (e.kind === 'delivered') this.backlog.queued(e);
    return e;
  }
}
