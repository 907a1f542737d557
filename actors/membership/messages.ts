/** The receiver list's inbox (`receivers`): adverts and byes, peers heard, our address and patterns. */
import type { PeerId, StreamInfo } from '../../codecs/frame.js';
import type { DatagramIn } from '../socket/messages.js';

export type ReceiversInbox =
  /** An ADVERT or BYE datagram, raw (decoded here). */
  | DatagramIn
  /**
   * Any valid frame from `peer` refreshes its liveness (sent by the socket actor). `host:port` is
   * where the datagram came from: for a unicast frame, the peer's unicast listener.
   */
  | { readonly kind: 'heard'; readonly peer: PeerId; readonly via: 'multicast' | 'unicast'; readonly host: string; readonly port: number }
  /** Where our own unicast listener is bound (sent by the socket actor once it has bound). */
  | { readonly kind: 'localAddress'; readonly host: string; readonly port: number }
  /** The local subscriptions changed: advertise these patterns from now on. */
  | { readonly kind: 'localPatterns'; readonly patterns: readonly string[] }
  /**
   * Say BYE now (closing). Sent by the retransmit actor right after its last heartbeat, with
   * `streams` the same final entries (each active stream's `highSeq` is its last seq), which the
   * BYE carries; absent: a BYE that names no stream.
   */
  | { readonly kind: 'leaving'; readonly streams?: readonly StreamInfo[] };
