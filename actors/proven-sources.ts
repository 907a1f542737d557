/**
 * Where each listed peer is proven to send from (`host:port`: its advertised listener, where its
 * adverts came from), as the receivers actor tells it (`senderSources`, `peerSources`): the
 * receiver and the retransmit actor take a listed incarnation's HEARTBEAT, NAK, RETRANSMIT and
 * ACK frames only from those addresses, as the receiver list takes its BYE; the receiver keeps
 * a departed incarnation's addresses until another incarnation of its name is told.
 *
 * The `host:port` form is the receiver list's (`sourceOf`, membership/source-quota.ts). Pure, one
 * per actor; beside `core.ts` because both the receiver and the retransmit folders use it (in
 * membership it would make an import cycle). Bounded by the listed peers, plus at most 4,096 names whose incarnation
 * left (retired: kept until another incarnation of the name is told, or dropped oldest first).
 */
import type { PeerId } from '../codecs/frame.js';

/** Names whose incarnation left and whose sources are still kept ({@link ProvenSources.retire}), at most. */
const MAX_RETIRED = 4096;

export class ProvenSources {
  private readonly byName = new Map<string, Proven>();
  /** Names whose entry is retired, oldest first. */
  private readonly retired = new Set<string>();

  /** `peer` is listed and proven to send from `sources` (replacing what was known of its name). */
  set(peer: PeerId, sources: readonly string[]): void {
    this.byName.set(peer.name, { incarnation: peer.incarnation, sources: new Set(sources), lastHost: '', lastPort: -1 });
    this.retired.delete(peer.name);
  }

  /** Incarnation `incarnation` of `name` left (undefined: whichever is known). */
  forget(name: string, incarnation: number | undefined): void {
    if (incarnation === undefined || this.byName.get(name)?.incarnation === incarnation) this.byName.delete(name);
  }

  /**
   * Incarnation `incarnation` of `name` left, but its frames may still come (its last repairs,
   * heartbeats, BYE rounds; the receiver may still take them): they keep counting only from
   * where it was proven to send from, until another incarnation of the name is told ({@link set}).
   * Else, between a forged restart that unlisted a sender and its next advert, DATA in its name
   * counted from any address. At most {@link MAX_RETIRED} names are kept so, the oldest dropped.
   */
  retire(name: string, incarnation: number): void {
    const p = this.byName.get(name);
    if (p === undefined || p.incarnation !== incarnation) return;
    this.byName.set(name, { ...p, retired: true });
    this.retired.delete(name);
    this.retired.add(name);
    if (this.retired.size > MAX_RETIRED) {
      const oldest = this.retired.values().next().value as string;
      this.retired.delete(oldest);
      if (this.byName.get(oldest)?.retired === true) this.byName.delete(oldest);
    }
  }

  /** Whether `peer` is listed (its sources were told, and it has not left). */
  isListed(peer: PeerId): boolean {
    const p = this.byName.get(peer.name);
    return p !== undefined && p.incarnation === peer.incarnation && p.retired !== true;
  }

  /** Whether a frame naming `peer` that came from `host:port` is to be refused: `peer` is listed and not proven to send from there. */
  refuses(peer: PeerId, host: string, port: number): boolean {
    const p = this.byName.get(peer.name);
    if (p === undefined || p.incarnation !== peer.incarnation || (port === p.lastPort && host === p.lastHost)) return false;
    // Checked per DATA datagram: the last source that passed is kept, so the usual case (one
    // source) builds no string.
    if (!p.sources.has(`${host}:${port}`)) return true;
    p.lastHost = host;
    p.lastPort = port;
    return false;
  }
}

interface Proven {
  readonly incarnation: number;
  /** It left (see {@link ProvenSources.retire}). */
  readonly retired?: boolean;
  readonly sources: ReadonlySet<string>;
  /** The last source that passed (one of `sources`). */
  lastHost: string;
  lastPort: number;
}
