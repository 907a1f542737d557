/**
 * What a bridge hears directly in its own multicast domain (pure, no I/O): the peers there, and
 * the bridges of other zones among them.
 *
 * Two zones must not share a multicast domain (the same group and port on one network). When
 * they do (say, the example bridge started twice on one host, `ZONE=paris` and `ZONE=tokyo`),
 * each bridge exports what the other sees directly too, and each imports the other's copy: every
 * subscriber got every message three times, and the other zones got each message twice, with no
 * word of why. Now the bridge says it once per zone found ({@link SharedDomain.heard}), and the
 * importer does not publish a message of such a zone whose origin sender is a peer heard here
 * ({@link SharedDomain.isLocal}): this domain's receivers had it from that peer.
 *
 * Bounded: at most `maxPeers` peers remembered (the oldest forgotten first), kept after they
 * leave (their messages may still come back through the engine later), and at most `maxPeers`
 * zones said.
 */
import { BRIDGE_MARKER_PREFIX } from '../actors/app/origin.js';

/** A bridge of another zone heard in this zone's multicast domain. */
export interface ForeignBridge {
  readonly name: string;
  readonly zone: string;
}

export class SharedDomain {
  private readonly local = new Set<string>();
  private readonly said = new Set<string>();

  constructor(
    private readonly zone: string,
    private readonly maxPeers = 65_536,
  ) {}

  /**
   * Peer `name` (incarnation `incarnation`) was heard here advertising `patterns`: remembered as
   * local. Returns the bridge of another zone it is, the first time that zone is found here.
   */
  heard(name: string, incarnation: number, patterns: readonly string[]): ForeignBridge | undefined {
    const key = `${name}\u0000${incarnation}`;
    if (!this.local.has(key)) {
      if (this.local.size >= this.maxPeers) this.local.delete(this.local.values().next().value as string);
      this.local.add(key);
    }
    for (const p of patterns) {
      if (!p.startsWith(BRIDGE_MARKER_PREFIX)) continue;
      const zone = p.slice(BRIDGE_MARKER_PREFIX.length);
      if (zone === this.zone || this.said.has(zone) || this.said.size >= this.maxPeers) continue;
      this.said.add(zone);
      return { name, zone };
    }
    return undefined;
  }

  /**
   * Whether a message imported from zone `zone`, whose origin sender is `name` (incarnation
   * `incarnation`), came from this very domain: `zone`'s bridge was heard here, and so was its
   * origin. Only then: a peer of another zone may well have the name and incarnation of one of
   * ours (the same service deployed in each zone, with a ledger counting incarnations from 1).
   */
  isLocal(zone: string, name: string, incarnation: number): boolean {
    return this.said.has(zone) && this.local.has(`${name}\u0000${incarnation}`);
  }

  /** The other zones found sharing this domain. */
  get zones(): readonly string[] {
    return [...this.said];
  }
}
