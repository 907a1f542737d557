/**
 * The socket actor's inbox. Other actors hand it frames (or DATA datagrams the sender built) to
 * put on the wire; it hands received datagrams, raw, to the actor that owns their frame type.
 */
import type { Frame, PeerId } from '../../codecs/frame.js';

/** Where a frame goes: the multicast group, one peer by identity, or a bare address (seeds). */
export type Destination =
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'peer'; readonly peer: PeerId }
  | { readonly kind: 'address'; readonly host: string; readonly port: number };

export type SocketInbox =
  /**
   * DATA datagrams already built by the sender (encoded once, on the publishing side), each sent
   * to every destination. Crosses threads as a few byte arrays, not an object per message.
   */
  | {
      readonly kind: 'datagramsOut';
      readonly datagrams: readonly Uint8Array[];
      readonly destinations: readonly Destination[];
      /**
       * Set by a sender whose socket runs on another thread, when the datagrams are its reused
       * memory (codecs/slab-pool.ts): called on the sender's thread once their bytes were copied
       * into the ring to the socket's thread (`actors/thread-packers.ts`). It never crosses.
       */
      readonly onCopied?: () => void;
    }
  /** One control frame (HEARTBEAT, NAK, RETRANSMIT, ACK, ADVERT, BYE). */
  | { readonly kind: 'frameOut'; readonly frame: Frame; readonly destination: Destination }
  /** The multicast groups to be a member of (the full set: others are left). */
  | { readonly kind: 'groupsWanted'; readonly groups: readonly string[] }
  /** Where a peer's unicast listener is (from its ADVERT), or undefined when it left. */
  | { readonly kind: 'peerAddress'; readonly peer: PeerId; readonly host?: string; readonly port?: number };

/** A datagram received, forwarded raw to the actor that decodes it. */
export interface DatagramIn {
  readonly kind: 'datagramIn';
  readonly bytes: Uint8Array;
  readonly via: 'multicast' | 'unicast';
  readonly host: string;
  readonly port: number;
}
