/**
 * Receivers removed (their listing expired, or they left) while they were left out of streams:
 * which streams, so that when the same incarnation comes back (a process paused past
 * `peerExpiryMs`, then resumed) it stays left out of them until it has caught up, instead of
 * being waited for again a million messages behind.
 *
 * Bounds: at most {@link MAX_LEFT_EXCLUDED} receivers, the oldest forgotten first.
 */

/** Receivers remembered as left out when they were removed. */
export const MAX_LEFT_EXCLUDED = 4096;

export class LeftExcluded {
  /** Peer key → the subjects it was left out of when removed; in insertion order (oldest first). */
  private readonly byPeer = new Map<string, Set<string>>();

  /** The receiver `key` was removed while left out of `subjects`: replaces what was held for it. */
  remember(key: string, subjects: Set<string>): void {
    this.byPeer.delete(key);
    this.byPeer.set(key, subjects);
    if (this.byPeer.size > MAX_LEFT_EXCLUDED) this.byPeer.delete(this.byPeer.keys().next().value as string);
  }

  /** Whether `key` was left out of `subject` when removed; the answer is given once. */
  take(key: string, subject: string): boolean {
    const subjects = this.byPeer.get(key);
    if (subjects === undefined || !subjects.delete(subject)) return false;
    if (subjects.size === 0) this.byPeer.delete(key);
    return true;
  }
}
