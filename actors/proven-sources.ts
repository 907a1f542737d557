/**
 * Where each listed peer is proven to send from (`host:port`: its advertised listener, where its
 * adverts came from), as the receivers actor tells it (`senderSources`, `peerSources`): the
 * receiver and the retransmit actor take a listed incarnation's HEARTBEAT, NAK, RETRANSMIT and
 * ACK frames only from those addresses, as the receiver list takes its BYE.
 *
 * The `host:port` form is the receiver list's (`sourceOf`, membership/source-quota.ts). Pure, one
 * per actor; beside `core.ts` because both the receiver and the retransmit folders use it (in
 * membership it would make an import cycle). Bounded by the listed peers: an entry goes when its
 * incarnation leaves.
 */
import type { PeerId } from '../codecs/frame.js';

export class ProvenSources {
  private readonly byName = new Map<string, Proven>();

  /** `peer` is listed and proven to send from `sources` (replacing what was known of its name). */
  set(peer: PeerId, sources: readonly string[]): void {
    this.byName.set(peer.name, { incarnation: peer.incarnation, sources: new Set(sources), lastHost: '', lastPort: -1 });
  }

  /** Incarnation `incarnation` of `name` left (undefined: whichever is known). */
  forget(name: string, incarnation: number | undefined): void {
    if (incarnation === undefined || this.byName.get(name)?.incarnation === incarnation) this.byName.delete(name);
  }

  /** Whether `peer` is listed (its sources were told). */
  isListed(peer: PeerId): boolean {
    return this.byName.get(peer.name)?.incarnation === peer.incarnation;
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
  readonly sources: ReadonlySet<string>;
  /** The last source that passed (one of `sources`). */
  lastHost: string;
  lastPort: number;
}
