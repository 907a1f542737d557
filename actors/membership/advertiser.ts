/**
 * What the receivers actor (receivers-actor.ts) says of this peer: our ADVERT, at start-up, on a
 * change of our patterns, every `advertIntervalMs` and in answer to peers that ask; our pattern
 * set's pages and deltas; and BYE when we leave. Time comes in as `nowMs`; frames go out through
 * the shell's `send`; the shell owns the one timer ({@link Advertiser.nextDeadlineMs}).
 *
 * Advertising: our ADVERT (our unicast address from the socket actor's `localAddress`, our local
 * patterns, `ADVERT_FLAGS.multicast` when multicast is on) goes out at once when the address is
 * first known and whenever the local patterns change, then every `advertIntervalMs`: to the base
 * group when multicast is on, and by unicast (`ADVERT_FLAGS.viaUnicast`) to every seed but
 * ourselves and to every listed peer that gets DATA by unicast or was heard by unicast. An ADVERT
 * that arrives by unicast from a peer we did not list is answered at once by unicast, so seed
 * discovery converges in one round trip. Start-up: our adverts of the first `discoveryMs`
 * (the first, and a retry halfway) carry `ADVERT_FLAGS.solicit`; a soliciting advert is answered
 * at once (by multicast when it came by multicast, else by unicast), at most once per
 * `advertIntervalMs / 4` per peer. A frame heard from a peer we do not list (its adverts were
 * lost, or did not reach us) is answered the same way with a soliciting advert of ours, so that
 * we learn its address before our NAKs, ACKs and RETRANSMITs to it are spent on a peer the socket
 * actor cannot reach.
 *
 * Our pattern set (docs/PROTOCOL.md "Pattern sets", "Changes as deltas") is served by a
 * {@link PatternServer} (which keeps it in a `PatternLog`). A change is pushed as one
 * PATTERNS_DELTA from the version our last advert named (when it fits a datagram and the set is
 * not carried inline), then advertised. The server answers PATTERNS_REQUEST with a page of the set
 * and PATTERNS_DELTA_REQUEST with the delta, or with the first page when the log no longer covers
 * the asker's version; both within one budget of MAX_PAGES_PER_SECOND.
 */
import { ADVERT_FLAGS, peerKey } from '../../codecs/index.js';
import type { AdvertFrame, Frame, PatternsDeltaRequestFrame, PatternsRequestFrame, PeerId, StreamInfo } from '../../codecs/index.js';
import type { PeerConfig } from '../app/peer-config.js';
import { earliest, type TimerCore } from '../core.js';
import { packByes } from '../retransmit/frame-packer.js';
import type { DatagramIn, Destination } from '../socket/messages.js';
import type { ReceiversInbox } from './messages.js';
import { PatternServer } from './pattern-server.js';
import type { HeardVia, PeerEntry } from './receiver-list-types.js';
import type { ReceiverList } from './receiver-list.js';
import type { ReceiversActorCounters } from './receivers-actor-counters.js';

/** What an {@link Advertiser} needs from the receivers actor. */
export interface AdvertiserDeps {
  /** The peers we know: our adverts and BYEs go to them too. */
  readonly list: ReceiverList;
  /** Whether a listed peer gets DATA by unicast (multicast off, or it cannot hear multicast). */
  readonly isTarget: (e: PeerEntry) => boolean;
  readonly counters: ReceiversActorCounters;
  /** Sends a frame out (the shell's `frameOut` to the socket actor). */
  readonly send: (frame: Frame, destination: Destination) => void;
}

/** Advertises this peer and serves its pattern set: see the file overview. */
export class Advertiser implements TimerCore {
  /** Our pattern set, its versions and recent changes, and the frames that serve it. */
  readonly server: PatternServer;
  private readonly config: PeerConfig;
  private readonly self: PeerId;
  private readonly multicast: boolean;
  private readonly baseGroup: string;
  private readonly list: ReceiverList;
  private readonly isTarget: (e: PeerEntry) => boolean;
  private readonly counters: ReceiversActorCounters;
  private readonly send: (frame: Frame, destination: Destination) => void;
  private localAddress: { host: string; port: number } | undefined;
  /** A change of our set not yet advertised: advertised at this time (changes coalesce). */
  private changeAdvertMs: number | undefined;
  private lastChangeAdvertMs = Number.NEGATIVE_INFINITY;
  private nextAdvertMs: number | undefined;
  /** Set by the first `leaving`: no advert after it. */
  private closing = false;
  /** Our adverts solicit answers until then (start-up discovery). */
  private solicitUntilMs = Number.NEGATIVE_INFINITY;
  /** When each soliciting peer was last answered. */
  private readonly answeredAtMs = new Map<string, number>();
  /** When each unlisted peer heard from was last asked for its advert. */
  private readonly solicitedAtMs = new Map<string, number>();

  constructor(config: PeerConfig, deps: AdvertiserDeps) {
    this.config = config;
    this.self = config.self;
    this.multicast = config.socket.multicast;
    this.baseGroup = config.groupMap.baseGroup;
    this.list = deps.list;
    this.isTarget = deps.isTarget;
    this.counters = deps.counters;
    this.send = deps.send;
    this.server = new PatternServer(this.self, {
      maxDatagramBytes: config.maxDatagramBytes,
      inlineBytes: ADVERT_INLINE_BYTES,
      answersPerSecond: MAX_PAGES_PER_SECOND,
      logSteps: DELTA_LOG_STEPS,
      logPatterns: DELTA_LOG_PATTERNS,
    });
  }

  /** Whether we are leaving (a `leaving` came): nothing is advertised any more. */
  get leaving(): boolean {
    return this.closing;
  }

  /** When {@link onTimer} should run next: the next advert, or a change's; `undefined`: none. */
  nextDeadlineMs(): number | undefined {
    return earliest(this.nextAdvertMs, this.changeAdvertMs);
  }

  /** Sends the advert due at `nowMs`, if one is: a change's first, else the periodic one. */
  onTimer(nowMs: number): void {
    if (this.changeAdvertMs !== undefined && nowMs >= this.changeAdvertMs && !this.closing) this.advertiseChange(nowMs);
    else if (this.nextAdvertMs !== undefined && nowMs >= this.nextAdvertMs) this.advertise(nowMs);
  }

  /** Our unicast address, from the socket actor: when first known, discovery starts. */
  onLocalAddress(nowMs: number, host: string, port: number): void {
    const first = this.localAddress === undefined;
    this.localAddress = { host, port };
    if (first && !this.closing) {
      // Start-up: ask every peer to answer at once, so a publisher knows its audience
      // within a round trip instead of an advert interval.
      this.solicitUntilMs = nowMs + this.config.discoveryMs;
      this.advertise(nowMs, true);
    }
  }

  /**
   * An ADVERT of listed peer `e` was heard (`knew`: listed before it): answered at once when it
   * came by unicast from a peer new to us, or when it solicits (see {@link mayAnswer}).
   */
  answerAdvert(nowMs: number, frame: AdvertFrame, msg: DatagramIn, e: PeerEntry, knew: boolean): void {
    if (this.localAddress === undefined || this.closing) return;
    const solicited = (frame.flags & ADVERT_FLAGS.solicit) !== 0;
    if ((!knew && msg.via === 'unicast') || (solicited && this.mayAnswer(nowMs, e.peer))) {
      if (msg.via === 'multicast' && this.multicast) {
        this.send(this.advert(ADVERT_FLAGS.multicast), { kind: 'group', group: this.baseGroup });
      } else {
        this.send(this.advert((this.multicast ? ADVERT_FLAGS.multicast : 0) | ADVERT_FLAGS.viaUnicast), { kind: 'address', host: e.host, port: e.port });
      }
      this.counters.advertReplies++;
    }
  }

  /** Our ADVERT: the set's version, size and digest, and the set itself when it is small. */
  private advert(flags: number): AdvertFrame {
    return this.server.advert({ ...this.localAddress!, flags });
  }

  /** Where answers to a request go: where it came from. */
  private answer(frame: Frame | undefined, msg: DatagramIn): void {
    if (frame !== undefined) this.send(frame, { kind: 'address', host: msg.host, port: msg.port });
  }

  /** Our pages and deltas carry these flags: sent by unicast. */
  private pageBase(): { host: string; port: number; flags: number } {
    return { ...this.localAddress!, flags: (this.multicast ? ADVERT_FLAGS.multicast : 0) | ADVERT_FLAGS.viaUnicast };
  }

  /** A peer asks for a page of our set, or for the change from the version it holds (the server decides). */
  onSetRequest(nowMs: number, frame: PatternsRequestFrame | PatternsDeltaRequestFrame, msg: DatagramIn): void {
    if (this.localAddress === undefined || this.closing) {
      if (frame.kind === 'patternsRequest') this.server.counters.patternRequestsIgnored++;
      else this.server.counters.deltaRequestsIgnored++;
      return;
    }
    this.answer(frame.kind === 'patternsRequest' ? this.server.onRequest(nowMs, frame, this.pageBase()) : this.server.onDeltaRequest(nowMs, frame, this.pageBase()), msg);
  }

  /** Unicast addresses for adverts (or, with `everyPeer`, BYE): seeds but ourselves, and peers, each once. */
  private unicastAddresses(everyPeer: boolean): { host: string; port: number }[] {
    const seen = new Set<string>();
    const out: { host: string; port: number }[] = [];
    const add = (host: string, port: number): void => {
      const key = `${host}:${port}`;
      if (seen.has(key) || (this.localAddress !== undefined && host === this.localAddress.host && port === this.localAddress.port)) return;
      seen.add(key);
      out.push({ host, port });
    };
    for (const s of this.config.seeds) add(s.host, s.port);
    for (const e of this.list.entries()) if (everyPeer || this.isTarget(e) || e.heardByUnicast) add(e.host, e.port);
    return out;
  }

  private advertise(nowMs: number, first = false): void {
    const soliciting = first || nowMs < this.solicitUntilMs;
    // After the first advert, a retry of the solicit comes halfway through discovery.
    this.nextAdvertMs = nowMs + (first && this.config.discoveryMs > 0 ? Math.max(10, Math.min(this.config.advertIntervalMs, this.config.discoveryMs / 2)) : this.config.advertIntervalMs);
    const flags = (this.multicast ? ADVERT_FLAGS.multicast : 0) | (soliciting ? ADVERT_FLAGS.solicit : 0);
    this.server.markAdvertised();
    if (this.multicast) {
      this.send(this.advert(flags), { kind: 'group', group: this.baseGroup });
      this.counters.advertsSentMulticast++;
    }
    const unicast = this.advert(flags | ADVERT_FLAGS.viaUnicast);
    for (const a of this.unicastAddresses(false)) {
      this.send(unicast, { kind: 'address', host: a.host, port: a.port });
      this.counters.advertsSentUnicast++;
    }
  }

  /**
   * A restart not taken yet (its name is listed under the old incarnation, still heard): its
   * soliciting advert by multicast is answered all the same, by multicast, at most once per
   * `advertIntervalMs / 4` for all such, so that a restarted publisher that closes at once has
   * learnt of its receivers and waits for them (before, it closed unwaited and its messages,
   * held here until the restart was taken, were lost).
   */
  answerDeferred(nowMs: number, frame: AdvertFrame, via: HeardVia): void {
    if (this.localAddress === undefined || this.closing || !this.multicast || via !== 'multicast' || (frame.flags & ADVERT_FLAGS.solicit) === 0) return;
    if (this.list.getByName(frame.sender.name) === undefined || !this.onceInAWhile(this.answeredAtMs, nowMs, DEFERRED_ANSWERS)) return;
    this.send(this.advert(ADVERT_FLAGS.multicast), { kind: 'group', group: this.baseGroup });
    this.counters.advertReplies++;
  }

  /** A soliciting peer is answered at most once per `advertIntervalMs / 4` (bounded memory). */
  private mayAnswer(nowMs: number, peer: PeerId): boolean {
    return this.onceInAWhile(this.answeredAtMs, nowMs, peer);
  }

  /** Whether `peer` was not marked in `at` in the last `advertIntervalMs / 4`; marks it (bounded memory). */
  private onceInAWhile(at: Map<string, number>, nowMs: number, peer: PeerId): boolean {
    const key = peerKey(peer);
    const last = at.get(key);
    if (last !== undefined && nowMs - last < this.config.advertIntervalMs / 4) return false;
    if (at.size >= MAX_ANSWERED) at.clear();
    at.set(key, nowMs);
    return true;
  }

  /**
   * A frame from a peer we do not list: ask for its advert, by multicast when the frame came by
   * multicast (its source is the peer's multicast socket, not its listener), else by unicast to
   * where it came from (its listener).
   */
  onHeardUnlisted(nowMs: number, msg: Extract<ReceiversInbox, { kind: 'heard' }>): void {
    if (this.localAddress === undefined || this.closing || this.list.get(msg.peer) !== undefined) return;
    if (!this.onceInAWhile(this.solicitedAtMs, nowMs, msg.peer)) return;
    const flags = (this.multicast ? ADVERT_FLAGS.multicast : 0) | ADVERT_FLAGS.solicit;
    if (msg.via === 'multicast' && this.multicast) this.send(this.advert(flags), { kind: 'group', group: this.baseGroup });
    else this.send(this.advert(flags | ADVERT_FLAGS.viaUnicast), { kind: 'address', host: msg.host, port: msg.port });
    this.counters.unlistedSolicits++;
  }

  /**
   * Our pattern set changed: a new version. It is advertised at once, unless a change was
   * advertised less than CHANGE_ADVERT_GAP_MS ago; then once that gap has passed, with whatever
   * changed meanwhile (a burst of subscriptions costs a few adverts, not one per subscription).
   */
  onLocalPatterns(nowMs: number, patterns: readonly string[]): void {
    if (!this.server.update(patterns)) return;
    if (this.localAddress === undefined || this.closing) return;
    this.changeAdvertMs = Math.max(nowMs, this.lastChangeAdvertMs + CHANGE_ADVERT_GAP_MS);
    if (this.changeAdvertMs <= nowMs) this.advertiseChange(nowMs);
  }

  /**
   * Advertises a change: first the delta from the version our last advert named (listeners that
   * hold it apply it at once, and need not ask), then the advert naming the new version (to peers
   * that do not understand deltas, and to those that missed one, which then ask). No delta for a
   * set carried inline: the advert carries it whole.
   */
  private advertiseChange(nowMs: number): void {
    this.changeAdvertMs = undefined;
    this.lastChangeAdvertMs = nowMs;
    const pushed = this.server.changeDelta();
    if (pushed !== undefined) {
      if (this.multicast) this.send(pushed, { kind: 'group', group: this.baseGroup });
      for (const a of this.unicastAddresses(false)) this.send(pushed, { kind: 'address', host: a.host, port: a.port });
    }
    this.advertise(nowMs);
  }

  /**
   * Says BYE (again, at each `leaving`: the peer sends a few, spaced, so one loss does not hide
   * it), naming `streams`' final entries: as many BYE frames as they need, each to everyone, and
   * by unicast to `expired` too (listeners of peers that expired lately: recently-expired.ts).
   */
  onLeaving(streams: readonly StreamInfo[], expired: readonly { host: string; port: number }[] = []): void {
    this.closing = true;
    this.nextAdvertMs = undefined;
    const addresses = this.unicastAddresses(true);
    const known = new Set(addresses.map((a) => `${a.host}:${a.port}`));
    for (const a of expired) if (!known.has(`${a.host}:${a.port}`)) addresses.push(a);
    for (const bye of packByes(this.self, streams, this.config.maxDatagramBytes)) {
      if (this.multicast) this.send(bye, { kind: 'group', group: this.baseGroup });
      for (const a of addresses) this.send(bye, { kind: 'address', host: a.host, port: a.port });
      this.counters.byeFramesSent++;
    }
    this.counters.byesSent++;
  }
}

/** Soliciting peers remembered for the answer rate limit (the map is emptied when full). */
const MAX_ANSWERED = 4096;

/** The one key under which answers to deferred restarts are rate-limited together. */
const DEFERRED_ANSWERS: PeerId = Object.freeze({ name: '', incarnation: 0 });

/**
 * Our periodic ADVERT carries our pattern set only while the whole advert stays within this many
 * bytes; a larger set is fetched by those who need it (PATTERNS_REQUEST), once per version. So an
 * idle peer's periodic traffic is one advert of at most this size per `advertIntervalMs`, whatever
 * its pattern count.
 */
export const ADVERT_INLINE_BYTES = 200;

/** Least time between two adverts of a change of our set (later changes wait, coalesced). */
const CHANGE_ADVERT_GAP_MS = 20;

/** Pages of our set sent per second at most, to all askers together (8 KiB each by default). */
const MAX_PAGES_PER_SECOND = 2000;

/** Changes of our set kept to answer PATTERNS_DELTA_REQUEST (a peer further behind fetches the whole set). */
const DELTA_LOG_STEPS = 64;

/** Added and removed patterns kept over those changes. */
const DELTA_LOG_PATTERNS = 4096;
