/**
 * The resolved configuration of one peer: plain data handed to every actor's `createActor`
 * (structured-cloned when the actor runs on a worker). Each actor reads its own part.
 */
import type { PeerId } from '../../codecs/frame.js';
import type { SocketOptions } from '../socket/options.js';
import type { ResolvedSenderOptions } from '../sender/options.js';
import type { ResolvedRetransmitOptions } from '../retransmit/options.js';
import type { ResolvedReceiverOptions } from '../receiver/options.js';
import type { GroupMapOptions, ReceiverListOptions } from '../subjects/options.js';
import type { ResolvedLedgerOptions } from '../ledger/options.js';
import type { ResolvedSecurity } from '../socket/domain-seal.js';

export interface PeerConfig {
  /** This peer's identity (name and this start's incarnation). */
  readonly self: PeerId;
  readonly socket: SocketOptions;
  readonly groupMap: Required<GroupMapOptions>;
  readonly receiverList: Required<ReceiverListOptions>;
  readonly sender: ResolvedSenderOptions;
  readonly retransmit: ResolvedRetransmitOptions;
  readonly receiver: ResolvedReceiverOptions;
  /** Largest datagram the socket actor builds (DATA batches, RETRANSMIT frames). */
  readonly maxDatagramBytes: number;
  /** How often a peer advertises its subscriptions and address. */
  readonly advertIntervalMs: number;
  /** After start, how long a stream with no known receiver keeps a small window while peers answer our soliciting advert. */
  readonly discoveryMs: number;
  /** How often a receiver reports its positions (ACK) to each sender it follows. */
  readonly ackIntervalMs: number;
  /** Seed peers' unicast listeners (discovery without multicast). */
  readonly seeds: readonly { readonly host: string; readonly port: number }[];
  /** The ledger, when `options.ledger` is given (then the `ledger` actor exists); else memory only. */
  readonly ledger?: ResolvedLedgerOptions;
  /** The domain key(s), when `options.security` is given: the socket actor seals and opens every datagram. */
  readonly security?: ResolvedSecurity;
}
