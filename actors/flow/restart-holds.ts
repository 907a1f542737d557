/**
 * Receivers replaced by a new incarnation (their process restarted) whose earlier incarnation's
 * positions the window still waits for (pure: no I/O, time passed in; one per flow actor).
 *
 * A durable subscription of the new incarnation resumes from the old one's positions and NAKs
 * what came after, so the window must not slide past them in between. The old incarnation is
 * held until the new one reports a position of its own, or for the stall bound
 * (`stallTimeoutMs`) from the restart, whichever comes first. Before (6 December), a durable
 * subscriber SIGKILLed during a burst and back within 1.5 s lost 22,528 messages in 2 of 5 runs
 * ('unavailable'): the window slid past its position between its old incarnation's departure
 * and its new one's first NAK.
 *
 * Each method that ends a hold returns the held incarnation: the caller removes it from the
 * window ({@link FlowControl.removeReceiver}).
 */
import type { PeerId } from '../../codecs/index.js';

/** Restarted receivers held at once, at most (past it, the oldest hold ends). */
export const MAX_RESTARTING = 1024;

interface Held {
  readonly peer: PeerId;
  readonly untilMs: number;
}

export class RestartHolds {
  /** By name, oldest first. */
  private readonly held = new Map<string, Held>();

  constructor(private readonly max = MAX_RESTARTING) {}

  get size(): number {
    return this.held.size;
  }

  /**
   * `peer` left: ends the hold under its name, if any. Returns the held incarnation when it is
   * another one than `peer` (still in the window); `peer` itself the caller removes or holds.
   */
  onLeft(peer: PeerId): PeerId | undefined {
    const earlier = this.held.get(peer.name);
    if (earlier === undefined) return undefined;
    this.held.delete(peer.name);
    return earlier.peer.incarnation === peer.incarnation ? undefined : earlier.peer;
  }

  /**
   * `peer` left because a new incarnation replaced it: its positions are held until `untilMs`.
   * Returns the oldest held incarnation when the holds were full (its hold ended).
   */
  hold(peer: PeerId, untilMs: number): PeerId | undefined {
    let evicted: PeerId | undefined;
    if (!this.held.has(peer.name) && this.held.size >= this.max) {
      const [name, oldest] = this.held.entries().next().value as [string, Held];
      this.held.delete(name);
      evicted = oldest.peer;
    }
    this.held.delete(peer.name);
    this.held.set(peer.name, { peer, untilMs });
    return evicted;
  }

  /** `peer` reported positions: a new incarnation under a held name ends that hold (returned). */
  onReport(peer: PeerId): PeerId | undefined {
    if (this.held.size === 0) return undefined;
    const h = this.held.get(peer.name);
    if (h === undefined || h.peer.incarnation === peer.incarnation) return undefined;
    this.held.delete(peer.name);
    return h.peer;
  }

  /** Ends every hold whose time is up at `nowMs`; returns their incarnations. */
  releaseDue(nowMs: number): PeerId[] {
    const due: PeerId[] = [];
    for (const [name, h] of this.held) {
      if (h.untilMs > nowMs) continue;
      this.held.delete(name);
      due.push(h.peer);
    }
    return due;
  }

  /** When the earliest hold ends (undefined: none held). */
  nextDueMs(): number | undefined {
    let at: number | undefined;
    for (const h of this.held.values()) if (at === undefined || h.untilMs < at) at = h.untilMs;
    return at;
  }
}
