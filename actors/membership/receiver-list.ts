/**
 * The receiver list: which peers are alive and which subjects each wants, learned from ADVERT and
 * BYE frames and kept alive by any frame heard from a peer.
 *
 * Identity: at most one entry per peer `name`. An advert of a known name with another incarnation
 * means that peer restarted: the old incarnation leaves ('restarted') before the new one joins.
 * Evidence for a restart: that advert comes from an address the listed incarnation is proven to
 * use, or the listed one sent nothing from one for `restartQuietMs` (a restarted process is silent
 * under its old incarnation); else it is ignored (`restartsDeferred`). Likewise a new name that
 * advertises a listed peer's listener (`listenerClaimsUnproven`). Without a key, bit-flipped
 * copies of a live peer's advert retired it, or listed receivers nobody runs (6 December).
 * An incarnation that left by BYE or by restart is a tombstone for `peerExpiryMs`: its late
 * (reordered or duplicated) adverts are ignored, so it cannot flap back in. An expired peer gets no
 * tombstone: if it is heard again (say, after a partition heals), it joins again.
 *
 * Evidence for a departure: a BYE is honoured only when it comes from an address the peer is proven
 * to use: the source of its first advert by multicast, of its first advert by unicast (each an
 * address its own datagrams came from), or the unicast listener its adverts name. A BYE from
 * anywhere else is counted (`byesUnproven`) and changes nothing, so a host that merely knows a
 * peer's name and incarnation cannot make the others drop it. A BYE of an incarnation that is not
 * listed proves nothing and leaves no tombstone. The proven addresses outlive the departure in
 * its tombstone, so the peer's later BYE rounds are still recognised ({@link isProvenSource}).
 *
 * Liveness: a peer not heard for `peerExpiryMs` leaves ('expired'). A peer that advertises multicast
 * but has been heard only by unicast for `multicastProbeMs` since we first heard it by unicast, or,
 * once heard by multicast, has been heard by unicast and not by multicast for `multicastProbeMs`
 * since the first unicast frame after its last multicast one (multicast stopped mid-run; a peer
 * that was silent on both, its process stalled, is not suspected until it speaks), is declared
 * multicast-unreachable: `multicastUnreachable` fires once and its entry turns `unicastOnly`, so
 * senders send it DATA by unicast. That switch is sticky for the incarnation.
 *
 * Entries are live read-only views: their fields change as the list learns more. Copy what must be
 * kept across calls. `interestedPeers` is answered by a {@link PatternMatcher} whose per-subject cache
 * is emptied whenever a peer joins, leaves or changes its patterns, and only then.
 *
 * Bounds: at most `maxPeers` entries, at most `maxPeersPerSource` of them first heard from one
 * source address (the datagram's `host:port`, when the caller gives it), at most
 * `maxPatternsPerPeer` patterns each (each at most 255 bytes), at most `maxPeers` tombstones
 * (three proven addresses each), and at most `subjectCacheSize` cached subjects.
 *
 * Admission (issue 11: no amount of invented names may lock a real peer out): a new name from a
 * source that holds its quota is ignored (`peersRefusedSourceQuota`). In a full list the newcomer
 * takes the place of the least useful entry, which leaves as 'expired' (it may come back): the
 * least recently heard one if not heard for `peerExpiryMs / 2` (`peersEvictedIdle`), else the
 * least recently heard of the most crowded source, when it holds two more entries than the
 * newcomer's (`peersEvictedCrowded`: a real peer is alone on its sockets); else the newcomer is
 * ignored (`peersRejected`).
 */
import type { TimerCore } from '../core.js';
import type { AdvertFrame, PeerId } from '../../codecs/frame.js';
import { ADVERT_FLAGS } from '../../codecs/frame.js';
import type { ReceiverListOptions } from '../subjects/options.js';
import { resolveReceiverListOptions } from '../subjects/options.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import { leastUseful, SourceQuota } from './source-quota.js';
import { Tombstones } from './tombstones.js';
import { copyPeer, IPV4, isPeerId, isPort, isWholeSet } from './advert-checks.js';
import { carriesNewSet, mergeDelta, samePatterns, validPatterns } from './pattern-sets.js';
import type {
  DeltaOutcome,
  HeardVia,
  PatternDelta,
  PeerEntry,
  ReceiverListCounters,
  ReceiverListDeps,
  ReceiverListSink,
} from './receiver-list-types.js';
import type { MutablePeerEntry, PeerState } from './receiver-list-types.js';
import { newReceiverListCounters, sourcesOf } from './receiver-list-types.js';
import { ProvenBefore } from './proven-before.js';
import { PAUSE_GRACE_MS, PAUSE_LATE_MS, PauseGuard } from './pause-guard.js';

/** Who listens to what. See the file overview for identity, liveness and bounds. */
export class ReceiverList implements TimerCore {
  readonly counters: ReceiverListCounters = newReceiverListCounters();
  private readonly sink: ReceiverListSink;
  private readonly o: Required<ReceiverListOptions>;
  private self: PeerId | undefined;
  private readonly peers = new Map<string, PeerState>();
  /** Listed peers by the listener (`host:port`) they advertise. */
  private readonly byListener = new Map<string, PeerState>();
  private readonly matcher: PatternMatcher<PeerEntry>;
  /** Entries per source address of their first advert. */
  private readonly sources: SourceQuota;
  /** Limits already said to the sink (each is said once). */
  private readonly limitsSaid: Set<string>;
  /** Incarnations that left by BYE or restart, for `peerExpiryMs`. */
  private readonly tombstones: Tombstones;
  /** Where incarnations that left were proven to send from (proven-before.ts). */
  private readonly provenBefore: ProvenBefore;
  /**
   * No deadline of any peer is earlier than this. Refreshing a peer only moves its deadline later, so
   * this stays a valid (possibly early) wake-up time without a scan; `onTimer` recomputes it.
   */
  private deadline: number | undefined;
  private readonly pause: PauseGuard;

  constructor(deps: ReceiverListDeps, options?: ReceiverListOptions) {
    this.sink = deps.sink;
    this.o = resolveReceiverListOptions(options);
    this.matcher = new PatternMatcher({ cacheSize: this.o.subjectCacheSize });
    this.sources = new SourceQuota(this.o.maxPeersPerSource);
    this.tombstones = new Tombstones(this.o.maxPeers, this.o.peerExpiryMs);
    this.provenBefore = new ProvenBefore(this.o.maxPeers);
    this.pause = new PauseGuard(PAUSE_LATE_MS, Math.min(PAUSE_GRACE_MS, this.o.peerExpiryMs / 2));
    this.limitsSaid = new Set();
    if (deps.self !== undefined) this.self = copyPeer(deps.self);
  }

  /**
   * Sets the local peer: adverts under its name are never listed. An entry already listed under
   * that name leaves with reason 'restarted' (it is an earlier incarnation of ourselves).
   */
  setSelf(peer: PeerId): void {
    this.self = copyPeer(peer);
    const st = this.peers.get(peer.name);
    if (st === undefined) return;
    this.remove(st);
    this.counters.peersRestarted++;
    this.sink.peerLeft(st.entry.peer, 'restarted');
  }

  /** Number of listed peers (at most `maxPeers`). */
  get size(): number {
    return this.peers.size;
  }

  /**
   * An advert arrived: lists, updates or replaces (restart) the sender. `source`: the address it
   * came from (`host:port`, see `sourceOf`); the first advert by each way proves that address for
   * the peer, and the first one counts against the quota of its source.
   */
  onAdvert(nowMs: number, advert: AdvertFrame, via: HeardVia, source?: string): void {
    this.counters.advertsReceived++;
    const sender = advert.sender;
    if (!isPeerId(sender) || typeof advert.host !== 'string' || !IPV4.test(advert.host) || !isPort(advert.port)) {
      this.counters.advertsRejected++;
      return;
    }
    if (this.self !== undefined && sender.name === this.self.name) {
      if (sender.incarnation === this.self.incarnation) this.counters.selfAdvertsIgnored++;
      else this.counters.selfNameConflicts++;
      return;
    }
    if (this.tombstones.has(sender, nowMs)) {
      this.counters.staleAdvertsIgnored++;
      return;
    }
    const multicast = (advert.flags & ADVERT_FLAGS.multicast) !== 0;
    const known = this.peers.get(sender.name);
    if (known !== undefined && known.entry.peer.incarnation === sender.incarnation) {
      const e = known.entry;
      // Its listener moves only on the word of an address it is proven to use: a forged advert
      // naming the forger's socket would make that address proven (its BYE would then count).
      if ((advert.host !== e.host || advert.port !== e.port) && typeof source === 'string' && !this.proves(known, source)) {
        this.counters.addressMovesUnproven++;
        return;
      }
      this.unindexListener(known);
      e.host = advert.host;
      e.port = advert.port;
      this.byListener.set(`${e.host}:${e.port}`, known);
      e.multicast = multicast;
      e.unicastOnly = !multicast || known.forcedUnicast;
      if (carriesNewSet(e, advert)) this.installSet(e, advert.setVersion ?? 0, advert.patterns);
      // By unicast, a peer sends from its listener (the socket it advertises), which is proven
      // already: a unicast advert of a listed incarnation from anywhere else proves nothing (else
      // a forger's first one made its socket proven, and its DATA and BYE counted).
      if (via === 'multicast' || source === `${e.host}:${e.port}`) this.prove(known, via, source);
      else if (typeof source === 'string' && !this.proves(known, source)) this.counters.advertSourcesUnproven++;
      if (typeof source !== 'string' || this.proves(known, source)) known.lastProvenMs = Math.max(known.lastProvenMs, nowMs);
      this.touch(known, nowMs, via);
      return;
    }
    // An incarnation that left comes back only on the word of an address it was proven to use,
    // listener unchanged: else a forger's replay of its advert had the forger's socket proven.
    // It starts with those addresses proven (read now: making room below may forget them).
    const before = this.provenBefore.of(sender);
    if (this.provenBefore.refuses(sender, `${advert.host}:${advert.port}`, source)) {
      this.counters.relistsUnproven++;
      return;
    }
    // A new incarnation replaces a listed one that is still heard only on the word of an address
    // the listed one is proven to use.
    if (known !== undefined && typeof source === 'string' && this.heardElsewhere(nowMs, known, source)) {
      this.counters.restartsDeferred++;
      known.pendingRestart = { advert, via, source, atMs: nowMs };
      this.lowerDeadline(known);
      return;
    }
    // A new name whose listener a live peer advertises is taken only on the word of an address
    // that peer is proven to use (a copy of its advert with a bit flipped in the name, sent from
    // elsewhere, listed a receiver nobody runs, which the publisher then waited for).
    const holder = known === undefined ? this.byListener.get(`${advert.host}:${advert.port}`) : undefined;
    if (holder !== undefined && typeof source === 'string' && this.heardElsewhere(nowMs, holder, source)) {
      this.counters.listenerClaimsUnproven++;
      return;
    }
    // A new incarnation its source has no room for does not replace the listed one.
    if (known !== undefined && known.source !== source && this.sources.isFull(source)) {
      this.counters.peersRefusedSourceQuota++;
      return;
    }
    if (known !== undefined) {
      this.remove(known);
      this.tombstones.add(known.entry.peer, nowMs, sourcesOf(known));
      this.counters.peersRestarted++;
      this.sink.peerLeft(known.entry.peer, 'restarted');
    }
    const rejectedBefore = this.counters.peersRejected;
    if (!this.makeRoom(nowMs, source)) {
      if (this.counters.peersRejected > rejectedBefore) this.sayLimit('maxPeers', sender, this.o.maxPeers);
      return;
    }
    const whole = isWholeSet(advert);
    const patterns = whole ? this.acceptPatterns(advert.patterns, sender) : Object.freeze([] as string[]);
    const st: PeerState = {
      entry: {
        peer: copyPeer(sender),
        host: advert.host,
        port: advert.port,
        patterns,
        patternVersion: whole ? (advert.setVersion ?? 0) : 0,
        multicast,
        firstHeardMs: nowMs,
        lastHeardMs: nowMs,
        heardByMulticast: false,
        heardByUnicast: false,
        unicastOnly: !multicast,
      },
      unicastOnlySinceMs: undefined,
      lastUnicastMs: undefined,
      forcedUnicast: false,
      doubtSaid: false,
      multicastSource: before?.multicast,
      unicastSource: before?.unicast,
      source,
      lastProvenMs: nowMs,
      pendingRestart: undefined,
    };
    // By unicast a peer sends from its listener: a first unicast advert from anywhere else lists
    // it (first contact) but proves nothing, as for a listed incarnation.
    if (via === 'multicast' || source === `${advert.host}:${advert.port}`) this.prove(st, via, source);
    this.peers.set(sender.name, st);
    this.byListener.set(`${advert.host}:${advert.port}`, st);
    this.sources.add(source);
    for (const p of patterns) this.matcher.add(p, st.entry);
    this.counters.patternsHeld += patterns.length;
    this.touch(st, nowMs, via);
    this.counters.peersJoined++;
    this.sink.peerJoined(st.entry);
  }

  /**
   * A whole pattern set of `peer` (version `setVersion`) was fetched: it replaces the one held,
   * unless the peer is no longer listed or a newer version is held. Returns whether it changed.
   */
  installPatterns(peer: PeerId, setVersion: number, patterns: readonly string[]): boolean {
    const st = this.peers.get(peer.name);
    if (st === undefined || st.entry.peer.incarnation !== peer.incarnation || setVersion < st.entry.patternVersion) return false;
    const before = st.entry.patterns;
    this.installSet(st.entry, setVersion, patterns);
    return st.entry.patterns !== before;
  }

  /**
   * A change of `peer`'s set (a PATTERNS_DELTA, whose sender the caller checked). It applies only
   * to exactly the version held, `fromVersion`, and is kept only when every removed pattern was
   * held, no added one was, and the result has `setSize` patterns (at most `maxPatternsPerPeer`)
   * and the digest `setDigest`; else nothing changes. One pass over the held set, which is
   * sorted (a versioned set is installed only sorted: its digest is over the sorted order).
   */
  applyDelta(peer: PeerId, delta: PatternDelta): DeltaOutcome {
    const st = isPeerId(peer) ? this.lookup(peer) : undefined;
    if (st === undefined || delta.fromVersion !== st.entry.patternVersion || !(delta.toVersion > delta.fromVersion)) return 'stale';
    const e = st.entry;
    // A delta past what the total leaves is a mismatch: the whole set is fetched, then cut.
    const out = mergeDelta(e.patterns, delta, Math.min(this.o.maxPatternsPerPeer, this.roomFor(e)));
    if (out === undefined) return 'mismatch';
    for (const p of new Set(delta.removed)) this.matcher.remove(p, e);
    for (const p of delta.added) this.matcher.add(p, e);
    this.counters.patternsHeld += out.length - e.patterns.length;
    e.patterns = Object.freeze(out);
    e.patternVersion = delta.toVersion;
    return 'applied';
  }

  /**
   * A BYE arrived from `source` (`host:port`): when that is an address the incarnation is proven
   * to use, it leaves ('bye') and its late adverts are ignored for a while; otherwise nothing
   * changes (counted).
   */
  onBye(nowMs: number, peer: PeerId, source: string): void {
    this.counters.byesReceived++;
    const st = isPeerId(peer) ? this.lookup(peer) : undefined;
    if (st === undefined) {
      this.counters.byesIgnored++;
      return;
    }
    if (!this.proves(st, source)) {
      this.counters.byesUnproven++;
      return;
    }
    this.remove(st);
    this.tombstones.add(st.entry.peer, nowMs, sourcesOf(st));
    this.counters.peersLeftBye++;
    this.sink.peerLeft(st.entry.peer, 'bye');
  }

  /**
   * Whether `source` (`host:port`) is an address `peer` is proven to use: listed, or left by BYE
   * or restart within `peerExpiryMs` (its later BYE rounds still count).
   */
  isProvenSource(nowMs: number, peer: PeerId, source: string): boolean {
    if (!isPeerId(peer)) return false;
    const st = this.lookup(peer);
    if (st !== undefined) return this.proves(st, source);
    return this.tombstones.proves(peer, nowMs, source);
  }

  /**
   * The addresses (`host:port`) listed `peer` is proven to use: its advertised listener, and
   * where its first advert by multicast and by unicast came from. Undefined when not listed.
   */
  provenSourcesOf(peer: PeerId): string[] | undefined {
    const st = this.lookup(peer);
    return st === undefined ? undefined : sourcesOf(st);
  }

  /**
   * Any frame arrived from `peer`: refreshes its liveness and how it was heard. From an address
   * it is proven to use (or when the caller gives no `source`), it also shows the incarnation
   * still runs: another one is not taken for its restart meanwhile (`restartQuietMs`).
   */
  onHeard(nowMs: number, peer: PeerId, via: HeardVia, source?: string): void {
    const st = this.peers.get(peer.name);
    if (st === undefined || st.entry.peer.incarnation !== peer.incarnation) {
      this.counters.heardUnknown++;
      return;
    }
    if (source === undefined || this.proves(st, source)) st.lastProvenMs = Math.max(st.lastProvenMs, nowMs);
    this.touch(st, nowMs, via);
  }

  /** Switches `peer` to unicast (sticky for the incarnation). False when it is not listed. */
  markUnicastOnly(peer: PeerId): boolean {
    const st = this.lookup(peer);
    if (st === undefined) return false;
    st.forcedUnicast = true;
    st.entry.unicastOnly = true;
    return true;
  }

  /** The listed peers with a pattern matching `subject`, each once (frozen; cached until the list changes). */
  interestedPeers(subject: string): readonly PeerEntry[] {
    return this.matcher.match(subject);
  }

  /** Whether any listed peer has a pattern matching `subject`. */
  isInterested(subject: string): boolean {
    return this.matcher.matches(subject);
  }

  /** The entry of exactly this incarnation, if listed. */
  get(peer: PeerId): PeerEntry | undefined {
    return this.lookup(peer)?.entry;
  }

  /** The entry listed under `name`, whatever its incarnation. */
  getByName(name: string): PeerEntry | undefined {
    return this.peers.get(name)?.entry;
  }

  /** Every listed entry, in the order they joined. */
  entries(): readonly PeerEntry[] {
    return Array.from(this.peers.values(), (st) => st.entry);
  }

  nextDeadlineMs(): number | undefined {
    return this.deadline;
  }

  /**
   * Expires silent peers, takes the restarts deferred while the old incarnation was heard once it
   * fell silent (a restarted process that closes at once advertises no more), and declares
   * multicast-unreachable ones whose probe time is up; after a pause of this thread, only once
   * the peers' datagrams waiting in the socket were read (pause-guard.ts).
   */
  onTimer(nowMs: number): void {
    if (this.pause.holds(nowMs, this.deadline)) {
      [this.counters.pausesHeld, this.deadline] = [this.pause.pauses, this.pause.holdUntilMs];
      return;
    }
    const expired: PeerState[] = [];
    const unreachable: PeerState[] = [];
    const restarted: NonNullable<PeerState['pendingRestart']>[] = [];
    for (const st of this.peers.values()) {
      const r = st.pendingRestart;
      if (r !== undefined && nowMs - st.lastProvenMs >= this.o.restartQuietMs) {
        st.pendingRestart = undefined;
        if (nowMs - r.atMs < this.o.peerExpiryMs) restarted.push(r);
      }
      if (nowMs - st.entry.lastHeardMs >= this.o.peerExpiryMs) expired.push(st);
      else if (this.probePending(st) && nowMs >= this.probeDueMs(st)) {
        unreachable.push(st);
      } else if (this.doubtDueMs(st) <= nowMs) {
        st.doubtSaid = true;
        this.sink.multicastDoubt?.(st.entry.peer, this.probeDueMs(st) - nowMs);
      }
    }
    // Collected first and re-checked here, because a sink may call back into the list.
    for (const st of expired) {
      if (this.peers.get(st.entry.peer.name) !== st) continue;
      this.remove(st);
      this.counters.peersExpired++;
      this.sink.peerLeft(st.entry.peer, 'expired');
    }
    for (const r of restarted) this.onAdvert(nowMs, r.advert, r.via, r.source);
    for (const st of unreachable) {
      if (this.peers.get(st.entry.peer.name) !== st || !this.probePending(st)) continue;
      st.forcedUnicast = true;
      st.entry.unicastOnly = true;
      this.counters.multicastUnreachable++;
      this.sink.multicastUnreachable(st.entry.peer);
    }
    this.tombstones.expire(nowMs);
    this.deadline = undefined;
    for (const st of this.peers.values()) this.lowerDeadline(st);
  }

  private lookup(peer: PeerId): PeerState | undefined {
    const st = this.peers.get(peer.name);
    return st !== undefined && st.entry.peer.incarnation === peer.incarnation ? st : undefined;
  }

  private touch(st: PeerState, nowMs: number, via: HeardVia): void {
    const e = st.entry;
    if (nowMs > e.lastHeardMs) e.lastHeardMs = nowMs;
    if (via === 'multicast') {
      e.heardByMulticast = true;
      st.unicastOnlySinceMs = undefined;
    } else {
      e.heardByUnicast = true;
      // A run of unicast frames; a pause longer than half the probe (the peer stood still) starts
      // a new one.
      if (st.lastUnicastMs === undefined || nowMs - st.lastUnicastMs > this.o.multicastProbeMs / 2) st.unicastOnlySinceMs = nowMs;
      else st.unicastOnlySinceMs ??= nowMs;
      st.lastUnicastMs = nowMs;
    }
    this.lowerDeadline(st);
  }

  /**
   * Whether `st` may be multicast-unreachable: it advertises multicast and was heard by unicast
   * since it was last heard by multicast (or never was). Multicast can stop mid-run too (a
   * switch's IGMP snooping, a firewall rule): a peer heard by multicast before is then heard by
   * unicast only (adverts to seeds, its channel frames).
   */
  private probePending(st: PeerState): boolean {
    if (!st.entry.multicast || st.forcedUnicast || st.unicastOnlySinceMs === undefined) return false;
    // Still heard by unicast when the probe is due (within half the probe before it): a peer that
    // went silent on both ways meanwhile (its process stopped) is not suspected; if it speaks by
    // unicast again, after that pause, a new run begins.
    return this.probeDueMs(st) - (st.lastUnicastMs as number) <= this.o.multicastProbeMs / 2;
  }

  /**
   * When a pending probe of `st` is due: `multicastProbeMs` after the first frame of the unicast
   * run (frames less than half the probe apart) since its last multicast frame. A peer that stood
   * still (a long handler, SIGSTOP) must not be switched for its last ACKs before the pause nor its
   * first on waking (a user-style check: 8 of 8 stalled subscribers were switched for good).
   */
  private probeDueMs(st: PeerState): number {
    return (st.unicastOnlySinceMs as number) + this.o.multicastProbeMs;
  }

  /**
   * When to say `multicastDoubt` of `st` (once): a third of the probe into a unicast run of a peer
   * heard by multicast before, once a unicast frame came that late (it is not merely stopped);
   * Infinity when not. Senders' flow control holds its stall clocks until the probe ends: with the
   * stall bound (2 s) shorter than the probe (3 s), subscribers whose multicast was blocked
   * mid-stream were named slowConsumer before they were switched to unicast (a user-style check,
   * 2 of 2 runs).
   */
  private doubtDueMs(st: PeerState): number {
    const e = st.entry;
    if (st.doubtSaid || st.forcedUnicast || !e.multicast || !e.heardByMulticast || st.unicastOnlySinceMs === undefined) return Number.POSITIVE_INFINITY;
    const due = st.unicastOnlySinceMs + this.o.multicastProbeMs / 3;
    return (st.lastUnicastMs as number) >= due ? due : Number.POSITIVE_INFINITY;
  }

  private lowerDeadline(st: PeerState): void {
    let d = st.entry.lastHeardMs + this.o.peerExpiryMs;
    if (this.probePending(st)) d = Math.min(d, this.probeDueMs(st));
    d = Math.min(d, this.doubtDueMs(st));
    if (st.pendingRestart !== undefined) d = Math.min(d, st.lastProvenMs + this.o.restartQuietMs);
    if (this.deadline === undefined || d < this.deadline) this.deadline = d;
  }

  private remove(st: PeerState): void {
    this.provenBefore.remember(st.entry.peer, { multicast: st.multicastSource, unicast: st.unicastSource, listener: `${st.entry.host}:${st.entry.port}` });
    this.peers.delete(st.entry.peer.name);
    this.unindexListener(st);
    this.sources.remove(st.source);
    for (const p of st.entry.patterns) this.matcher.remove(p, st.entry);
    this.counters.patternsHeld -= st.entry.patterns.length;
  }

  /**
   * Whether a new peer from `source` may be listed: its source is under quota, and the list has
   * room or the least useful entry was removed for it (see the file overview).
   */
  private makeRoom(nowMs: number, source: string | undefined): boolean {
    if (this.sources.isFull(source)) {
      this.counters.peersRefusedSourceQuota++;
      return false;
    }
    if (this.peers.size < this.o.maxPeers) return true;
    const victim = this.leastUseful(nowMs, source);
    if (victim === undefined) {
      this.counters.peersRejected++;
      return false;
    }
    // No tombstone: a peer that made room may come back with its next advert.
    this.remove(victim);
    this.sink.peerLeft(victim.entry.peer, 'expired');
    return true;
  }

  /** The entry a newcomer from `source` takes the place of, if any (counted). */
  private leastUseful(nowMs: number, source: string | undefined): PeerState | undefined {
    const pick = leastUseful(this.peers.values(), (st) => st.entry.lastHeardMs, this.sources.crowdedBeside(source), nowMs - this.o.peerExpiryMs / 2);
    if (pick !== undefined) this.counters[pick.idle ? 'peersEvictedIdle' : 'peersEvictedCrowded']++;
    return pick?.entry;
  }

  /** `source` is not an address `st` is proven to use, and `st` was heard from one within `restartQuietMs`. */
  private heardElsewhere(nowMs: number, st: PeerState, source: string): boolean {
    return !this.proves(st, source) && nowMs - st.lastProvenMs < this.o.restartQuietMs;
  }

  private unindexListener(st: PeerState): void {
    const key = `${st.entry.host}:${st.entry.port}`;
    if (this.byListener.get(key) === st) this.byListener.delete(key);
  }

  /** The first advert by each way proves where it came from; later ones change nothing. */
  private prove(st: PeerState, via: HeardVia, source: string | undefined): void {
    if (typeof source !== 'string') return;
    if (via === 'multicast') st.multicastSource ??= source;
    else st.unicastSource ??= source;
  }

  private proves(st: PeerState, source: string): boolean {
    if (typeof source !== 'string') return false;
    return source === st.multicastSource || source === st.unicastSource || source === `${st.entry.host}:${st.entry.port}`;
  }

  /** Tells the sink the first time `limit` is met (then only the counters say it). */
  private sayLimit(limit: 'maxPeers' | 'maxPatternsPerPeer' | 'maxPatternsTotal', peer: PeerId, count: number): void {
    if (this.limitsSaid.has(limit)) return;
    this.limitsSaid.add(limit);
    this.sink.limitMet?.(limit, copyPeer(peer), count);
  }

  /** Patterns `e` may hold beside every other peer's, under `maxPatternsTotal` (a new entry holds none). */
  private roomFor(e: PeerEntry | undefined): number {
    return Math.max(0, this.o.maxPatternsTotal - this.counters.patternsHeld + (e?.patterns.length ?? 0));
  }

  /**
   * The valid, distinct patterns of an advert, at most `maxPatternsPerPeer` and what
   * `maxPatternsTotal` leaves beside the other peers' (`held`: the entry's own, replaced), frozen
   * (counted).
   */
  private acceptPatterns(list: readonly string[], from: PeerId, held?: PeerEntry): readonly string[] {
    const room = this.roomFor(held);
    const total = room < this.o.maxPatternsPerPeer;
    const r = validPatterns(list, total ? room : this.o.maxPatternsPerPeer);
    this.counters.invalidPatterns += r.invalid;
    this.counters.patternsTruncated += r.cut;
    if (r.cut > 0 && total) this.counters.patternsCutTotal += r.cut;
    if (r.cut > 0) this.sayLimit(total ? 'maxPatternsTotal' : 'maxPatternsPerPeer', from, r.cut + r.looked);
    return r.patterns;
  }

  private installSet(e: MutablePeerEntry, version: number, list: readonly string[]): void {
    const patterns = this.acceptPatterns(list, e.peer, e);
    e.patternVersion = version;
    if (!samePatterns(e.patterns, patterns)) this.replacePatterns(e, patterns);
  }

  private replacePatterns(e: MutablePeerEntry, patterns: readonly string[]): void {
    const next = new Set(patterns);
    for (const p of e.patterns) if (!next.has(p)) this.matcher.remove(p, e);
    for (const p of patterns) this.matcher.add(p, e);
    this.counters.patternsHeld += patterns.length - e.patterns.length;
    e.patterns = patterns;
  }
}
