/**
 * The membership folder (the receiver list): the peers we know, their patterns, and our own
 * advertising. The cores are pure (no I/O, no clock, no randomness). The actor shell, a module of
 * its own loaded by the runtime (not exported here), owns and feeds them on its thread:
 * - `receivers-actor.ts` (`receivers`): one {@link ReceiverList}, fed by ADVERT/BYE datagrams and
 *   `heard` notes from the socket actor; it advertises this peer (multicast and unicast to seeds
 *   and unicast peers, and at once to a peer heard from but not listed, asking for its advert), fans the list's events out (application events, `peerAddress`,
 *   `receiverJoined`/`receiverLeft`, `peerGone`, `senderLeft`, `unicastTargets`) and owns one timer.
 *   When closing, each `leaving` (from `retransmit`) makes it send BYE naming our streams' final
 *   entries; a BYE received from the peer's proven address with entries sends them to `receiver`
 *   (`finalStreams`) before the departure. Each incarnation listed is told to `receiver`
 *   (`senderAdvertised`): its evidence for adopting a restart. Inboxes: `messages.ts`.
 *   What it says about this peer (ADVERT, answers to soliciting, pages and deltas of our
 *   pattern set, BYE) is its `advertiser.ts` (`Advertiser`), on the same thread.
 *
 * What it owns:
 * - {@link ReceiverList}: the peers we know, from ADVERT, BYE and any other frame heard.
 * - {@link PatternSync}: keeping other peers' pattern sets by version when they are too large to
 *   ride in the periodic advert: a change applied as a delta (PATTERNS_DELTA, pushed or asked for
 *   with PATTERNS_DELTA_REQUEST) to exactly the version held, else the whole set fetched
 *   (PATTERNS_REQUEST, ADVERT pages); checked for order and digest either way.
 * - {@link PatternLog}: our own set, its version and digest, and its last changes (bounded).
 * - {@link PatternServer}: serves that set: our advert's set fields, the pages and deltas asked
 *   for (within one answer budget), and the delta to push when it changes.
 * - {@link SourceQuota}: entries per source address (`host:port` of the datagram), the quota that
 *   keeps one socket inventing names from filling the receiver list (also used by the retransmit
 *   actor's table of remotes).
 *
 * Inputs and outputs of the receiver list: `onAdvert(nowMs, advert, via, source)`,
 * `onBye(nowMs, peer, source)` (honoured only from an address the peer is proven to use: where
 * its adverts came from, or its advertised listener; `isProvenSource` answers the same question),
 * `onHeard(nowMs, peer, via)` and `onTimer(nowMs)` in; `peerJoined`, `peerLeft(peer, 'bye' |
 * 'expired' | 'restarted')` and `multicastUnreachable` out through its {@link ReceiverListSink}.
 * Queries (`interestedPeers`, `isInterested`, `get`, `entries`) are synchronous and cached.
 *
 * Invariants:
 * - At most one listed incarnation per peer name; the local peer's name is never listed.
 * - Every pattern held by a matcher is valid; wire patterns that are not are dropped and counted.
 * - Everything is bounded: peers (`maxPeers`; `maxPeersPerSource` from one source address; when
 *   full, an idle entry or one of the most crowded source makes room, never a live peer alone on
 *   its source), patterns per peer (`maxPatternsPerPeer`), cached
 *   subjects (`cacheSize` / `subjectCacheSize`), tombstones and the proven addresses of peers that
 *   left (`maxPeers` each: tombstones.ts, proven-before.ts).
 * - Errors: only API misuse throws (`InvalidSubjectError`, `InvalidOptionError`); hostile wire input
 *   is counted and dropped.
 *
 * @packageDocumentation
 */
export { PatternLog } from './pattern-log.js';
export { PatternServer } from './pattern-server.js';
export { PatternSync } from './pattern-sync.js';
export { ReceiverList } from './receiver-list.js';
export { SourceQuota, sourceOf } from './source-quota.js';
export type { PatternChange, PatternLogOptions } from './pattern-log.js';
export type { AdvertBase, PatternServerCounters, PatternServerOptions } from './pattern-server.js';
export type {
  DeltaOutcome,
  HeardVia,
  PatternDelta,
  PeerEntry,
  PeerLeftReason,
  ReceiverListCounters,
  ReceiverListDeps,
  ReceiverListSink,
} from './receiver-list-types.js';
