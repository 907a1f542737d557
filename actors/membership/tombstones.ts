/**
 * The receiver list's tombstones: incarnations that left by BYE or by restart, remembered for
 * `peerExpiryMs` so that their late (reordered or duplicated) adverts are ignored and their later
 * BYE rounds are still recognised from the addresses they were proven to use. At most `maxPeers`
 * (the oldest is dropped to make room).
 */
import type { PeerId } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';

/** An incarnation that left by BYE or restart: its late adverts are ignored until `untilMs`. */
interface Tombstone {
  readonly untilMs: number;
  /** The addresses it was proven to use, for its BYEs still to come. */
  readonly sources: readonly string[];
}

/** See the file overview. */
export class Tombstones {
  /** peerKey → until when adverts of that incarnation are ignored; insertion order = time order. */
  private readonly tombstones = new Map<string, Tombstone>();

  constructor(
    private readonly maxPeers: number,
    private readonly peerExpiryMs: number,
  ) {}

  /** `peer` left at `nowMs`, proven to use `sources`. */
  add(peer: PeerId, nowMs: number, sources: readonly string[]): void {
    const key = peerKey(peer);
    this.tombstones.delete(key);
    if (this.tombstones.size >= this.maxPeers) {
      const oldest = this.tombstones.keys().next();
      if (oldest.done !== true) this.tombstones.delete(oldest.value);
    }
    this.tombstones.set(key, { untilMs: nowMs + this.peerExpiryMs, sources });
  }

  /** Whether `peer` has a tombstone at `nowMs`. */
  has(peer: PeerId, nowMs: number): boolean {
    const t = this.tombstones.get(peerKey(peer));
    return t !== undefined && nowMs < t.untilMs;
  }

  /** Whether `peer` has a tombstone at `nowMs` and was proven to use `source`. */
  proves(peer: PeerId, nowMs: number, source: string): boolean {
    const t = this.tombstones.get(peerKey(peer));
    return t !== undefined && nowMs < t.untilMs && t.sources.includes(source);
  }

  /** Forgets the tombstones whose time is up (the oldest first: they were added in time order). */
  expire(nowMs: number): void {
    for (const [key, t] of this.tombstones) {
      if (t.untilMs > nowMs) break;
      this.tombstones.delete(key);
    }
  }
}
