/**
 * What the {@link ReceiverList} (receiver-list.ts) shows and tells: its entries, the deltas and
 * departures it reports, its sink, its dependencies and its counters.
 */
import type { AdvertFrame, PatternsDeltaFrame, PeerId } from '../../codecs/frame.js';

/** What the receiver list knows about one peer incarnation (a live, read-only view). */
export interface PeerEntry {
  readonly peer: PeerId;
  /** Unicast listener address (IPv4) from the peer's latest advert. */
  readonly host: string;
  readonly port: number;
  /** The peer's valid patterns, deduplicated: the latest whole set it advertised or we fetched. */
  readonly patterns: readonly string[];
  /** The version of `patterns` (its ADVERT `setVersion`; 0 for an unversioned advert's). */
  readonly patternVersion: number;
  /** The peer advertises that it sends and listens by multicast. */
  readonly multicast: boolean;
  /** When this incarnation's first advert arrived. */
  readonly firstHeardMs: number;
  /** When any frame of this incarnation last arrived. */
  readonly lastHeardMs: number;
  readonly heardByMulticast: boolean;
  readonly heardByUnicast: boolean;
  /**
   * Send DATA to this peer by unicast: it does not advertise multicast, or its multicast was found
   * unreachable, or {@link ReceiverList.markUnicastOnly} was called.
   */
  readonly unicastOnly: boolean;
}

/** A change of a peer's pattern set as a PATTERNS_DELTA carries it (the frame's fields, without who sent it). */
export type PatternDelta = Omit<PatternsDeltaFrame, 'kind' | 'sender'>;

/**
 * What became of a delta ({@link ReceiverList.applyDelta}): `applied`; `stale`, the peer is not
 * listed or the list does not hold exactly `fromVersion` of its set (nothing changed); `mismatch`,
 * it does not produce the set it claims (nothing changed: the whole set must be fetched).
 */
export type DeltaOutcome = 'applied' | 'stale' | 'mismatch';

/** Why a peer left the list. */
export type PeerLeftReason = 'bye' | 'expired' | 'restarted';

/** How a frame reached us. */
export type HeardVia = 'multicast' | 'unicast';

/** Outputs of the {@link ReceiverList}, called synchronously after the list has changed. */
export interface ReceiverListSink {
  /** A peer incarnation was listed (its first advert). */
  peerJoined(entry: PeerEntry): void;
  /** A peer incarnation was removed from the list. */
  peerLeft(peer: PeerId, reason: PeerLeftReason): void;
  /** A peer advertising multicast was heard only by unicast for `multicastProbeMs`; now unicast only. */
  multicastUnreachable(peer: PeerId): void;
  /**
   * A peer heard by multicast before has been heard only by unicast for a third of `multicastProbeMs`:
   * its multicast may have stopped, and the probe ends in `forMs` (then `multicastUnreachable`, or
   * nothing if multicast is heard again). Said once per incarnation.
   */
  multicastDoubt?(peer: PeerId, forMs: number): void;
  /**
   * A table limit was met for the first time: a new peer refused because `maxPeers` live peers
   * are listed (none idle, no source crowded), or patterns of `peer` beyond `maxPatternsPerPeer`,
   * or beyond what `maxPatternsTotal` leaves, ignored. Said once per limit; every case is counted
   * (`peersRejected`, `patternsTruncated`, `patternsCutTotal`).
   */
  limitMet?(limit: 'maxPeers' | 'maxPatternsPerPeer' | 'maxPatternsTotal', peer: PeerId, count: number): void;
}

export interface ReceiverListDeps {
  readonly sink: ReceiverListSink;
  /** The local peer: adverts under its name are never listed (see {@link ReceiverList.setSelf}). */
  readonly self?: PeerId;
}

/** Counters of a {@link ReceiverList}, for `peer.stats()`. */
export interface ReceiverListCounters {
  advertsReceived: number;
  /** Adverts dropped for a bad sender, host or port. */
  advertsRejected: number;
  /** Our own adverts heard back. */
  selfAdvertsIgnored: number;
  /** Adverts under our name with another incarnation: another process uses our name. */
  selfNameConflicts: number;
  /** Adverts of an incarnation that left by BYE or restart (late or duplicated datagrams). */
  staleAdvertsIgnored: number;
  invalidPatterns: number;
  /** Patterns beyond `maxPatternsPerPeer` (or what `maxPatternsTotal` leaves) in an advert, not looked at. */
  patternsTruncated: number;
  /** Of those, patterns cut because all peers' sets together held `maxPatternsTotal`. */
  patternsCutTotal: number;
  /** Patterns held now, over all peers (at most `maxPatternsTotal`). */
  patternsHeld: number;
  peersJoined: number;
  /** New peers ignored because `maxPeers` were listed, every one live and no source crowded. */
  peersRejected: number;
  /** New names ignored because their source address holds `maxPeersPerSource` entries. */
  peersRefusedSourceQuota: number;
  /** Entries not heard for `peerExpiryMs / 2` removed (as 'expired') to make room for a new peer. */
  peersEvictedIdle: number;
  /** Entries of the most crowded source removed (as 'expired') to make room for a new peer. */
  peersEvictedCrowded: number;
  peersLeftBye: number;
  peersExpired: number;
  /** Timers that fired late after a pause of this thread: expiry and probes waited for the socket to be read (pause-guard.ts). */
  pausesHeld: number;
  peersRestarted: number;
  byesReceived: number;
  /** BYEs of a peer incarnation that is not listed. */
  byesIgnored: number;
  /**
   * BYEs of a listed peer from an address it is not proven to use (no advert of it came from
   * there, and it is not its advertised listener): ignored, the peer stays listed.
   */
  byesUnproven: number;
  /**
   * Adverts of a listed incarnation that moved its listener address from a source it is not
   * proven to use: ignored (a forged advert would otherwise prove the forger's address, and its
   * BYE would then count).
   */
  addressMovesUnproven: number;
  /** Unicast adverts of a listed incarnation from an address other than its listener and not proven: they prove nothing. */
  advertSourcesUnproven: number;
  /**
   * Adverts of an incarnation that was listed and left, from an address it was not proven to use
   * (or naming another listener): ignored; it is listed again on its own advert.
   */
  relistsUnproven: number;
  /**
   * Adverts of another incarnation of a listed peer, from an address the listed one is not proven
   * to use, while the listed one was still heard from its own addresses within `restartQuietMs`:
   * ignored (a restarted process stops sending under its old incarnation; a forged or bit-flipped
   * copy of a live peer's advert would otherwise retire it).
   */
  restartsDeferred: number;
  /**
   * Adverts of a new name naming the listener (`host:port`) of a listed peer, from an address that
   * peer is not proven to use, while it was still heard from its own addresses within
   * `restartQuietMs`: ignored (a copy of its advert with a bit flipped in the name would list a
   * receiver nobody runs).
   */
  listenerClaimsUnproven: number;
  /** Frames (other than adverts) from a peer incarnation that is not listed. */
  heardUnknown: number;
  multicastUnreachable: number;
}

/** Every counter of a {@link ReceiverList} at 0. */
export function newReceiverListCounters(): ReceiverListCounters {
  return {
    advertsReceived: 0,
    advertsRejected: 0,
    selfAdvertsIgnored: 0,
    selfNameConflicts: 0,
    staleAdvertsIgnored: 0,
    invalidPatterns: 0,
    patternsTruncated: 0,
    patternsCutTotal: 0,
    patternsHeld: 0,
    peersJoined: 0,
    peersRejected: 0,
    peersRefusedSourceQuota: 0,
    peersEvictedIdle: 0,
    peersEvictedCrowded: 0,
    peersLeftBye: 0,
    peersExpired: 0,
    pausesHeld: 0,
    peersRestarted: 0,
    byesReceived: 0,
    byesIgnored: 0,
    byesUnproven: 0,
    addressMovesUnproven: 0,
    advertSourcesUnproven: 0,
    relistsUnproven: 0,
    restartsDeferred: 0,
    listenerClaimsUnproven: 0,
    heardUnknown: 0,
    multicastUnreachable: 0,
  };
}

/** An entry as the receiver list updates it (internal to receiver-list.ts). */
export type MutablePeerEntry = { -readonly [K in keyof PeerEntry]: PeerEntry[K] };

/** The receiver list's state of one listed incarnation (internal to receiver-list.ts). */
export interface PeerState {
  readonly entry: MutablePeerEntry;
  /**
   * When we first heard this incarnation by unicast since we last heard it by multicast (or
   * since it was listed, if never by multicast); undefined once multicast is heard again.
   */
  unicastOnlySinceMs: number | undefined;
  /** When we last heard it by unicast (undefined: never). */
  lastUnicastMs: number | undefined;
  /** Unicast was forced (multicast found unreachable, or marked by the caller); sticky. */
  forcedUnicast: boolean;
  /** `multicastDoubt` was said (once per incarnation). */
  doubtSaid: boolean;
  /** Where its first advert by multicast came from (`host:port`), if one came with a source. */
  multicastSource: string | undefined;
  /** Where its first advert by unicast came from. */
  unicastSource: string | undefined;
  /** Where its first advert came from (`host:port`), if the caller said: its source quota. */
  readonly source: string | undefined;
  /** When a frame of it last came from an address it is proven to use (or from a source the caller did not give). */
  lastProvenMs: number;
  /** The latest advert of another incarnation deferred while this one was heard: taken once it falls silent. */
  pendingRestart: { readonly advert: AdvertFrame; readonly via: HeardVia; readonly source: string; readonly atMs: number } | undefined;
}

/** The addresses `st` is proven to use: its listener, then its first multicast and unicast sources. */
export function sourcesOf(st: PeerState): string[] {
  const out = [`${st.entry.host}:${st.entry.port}`];
  if (st.multicastSource !== undefined) out.push(st.multicastSource);
  if (st.unicastSource !== undefined) out.push(st.unicastSource);
  return out;
}
