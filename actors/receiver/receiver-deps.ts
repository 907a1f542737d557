/**
 * What a {@link Receiver} (receiver.ts) is built with: its sink, randomness, and the questions it
 * asks of the local subscriptions and the receiver list.
 */
import type { Rng } from '../core.js';
import type { ReceiverSink } from './receiver-sink.js';

/** What a {@link Receiver} needs. */
export interface ReceiverDeps {
  readonly sink: ReceiverSink;
  /** Draws the randomized first-NAK delays. */
  readonly rng: Rng;
  /** Whether `subject` matches a local subscription; asked when a stream is first seen. */
  readonly isInterested: (subject: string) => boolean;
  /**
   * Since when (on the `nowMs` clock) a local subscription matching `subject` has existed, if one
   * does: with a stream's age (DATA, HEARTBEAT) it decides where a stream first heard of late
   * begins (see `beginsAtStart`, stream-begin.ts). Absent: the `lateJoinMaxMessages` rule.
   */
  readonly interestSinceMs?: (subject: string) => number | undefined;
  /**
   * Whether the frames of a sender name that never advertised (nothing tracked of it, no advert
   * noted) are taken as they come (first contact; the default, for a core fed without adverts),
   * or held back as those of a new incarnation are, until its ADVERT ({@link Receiver.onAdvert}),
   * for at most `resyncGraceMs`. The receiver actor holds them: without a key, a bit-flipped
   * copy of a real DATA frame names a sender nobody runs, and was delivered as a message of that
   * sender; its streams then ended in `dataLoss` reports of millions of messages (a hostile-process
   * check of 6 December: about 2,000 such messages and 350 such reports per subscriber in 10 s).
   */
  readonly firstContact?: boolean;
  /**
   * How long frames of an incarnation not advertised yet are held, at least (the longer of this
   * and `resyncGraceMs`): the receiver list takes a restart only once the old incarnation has
   * been silent for its `restartQuietMs`, and what the new one sent meanwhile must still be here.
   */
  readonly unadvertisedHoldMs?: number;
}
