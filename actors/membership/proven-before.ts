/**
 * Where incarnations that left the receiver list were proven to send from (their first advert by
 * multicast and by unicast, and their listener), by `peerKey`, at most `maxPeers` (the oldest
 * forgotten first). An incarnation is listed again only on an advert from one of them, with its
 * listener unchanged. Else the first advert heard after it left proved its sender: a forger who
 * made it leave (an advert of an invented incarnation) and replayed its advert the moment its
 * tombstone ended became its proven multicast source for good, and its own DATA and heartbeats
 * were refused from then on (a silent stall: 1,200 of 12,000 delivered).
 */
import type { PeerId } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';

/** The addresses one incarnation was proven to use when it left. */
interface Proven {
  readonly multicast: string | undefined;
  readonly unicast: string | undefined;
  /** Its listener, `host:port`. */
  readonly listener: string;
}

export class ProvenBefore {
  /** peerKey → its addresses; insertion order = the order they left. */
  private readonly byPeer = new Map<string, Proven>();

  constructor(private readonly maxPeers: number) {}

  /** `peer` left, proven to use these addresses. */
  remember(peer: PeerId, proven: Proven): void {
    const key = peerKey(peer);
    this.byPeer.delete(key);
    if (this.byPeer.size >= this.maxPeers) this.byPeer.delete(this.byPeer.keys().next().value as string);
    this.byPeer.set(key, proven);
  }

  /** The addresses `peer` was proven to use when it left (undefined: it did not leave, or was forgotten). */
  of(peer: PeerId): Proven | undefined {
    return this.byPeer.get(peerKey(peer));
  }

  /**
   * Whether an advert of `peer` advertising `listener`, from `source` (`host:port`; undefined when
   * the caller does not say), must be refused: the incarnation left before, and the advert comes
   * from none of its proven addresses or names another listener.
   */
  refuses(peer: PeerId, listener: string, source: string | undefined): boolean {
    const before = this.byPeer.get(peerKey(peer));
    if (before === undefined || typeof source !== 'string') return false;
    const fromProven = source === before.multicast || source === before.unicast || source === before.listener;
    return !fromProven || listener !== before.listener;
  }
}
