/**
 * The receiver list's shell: feeds a {@link ReceiverList} with the ADVERT and BYE datagrams and the
 * `heard` notes of the socket actor, advertises this peer, and fans the list's events out.
 *
 * Advertising (our ADVERT: at start-up, on a change of our patterns, every `advertIntervalMs`,
 * to the base group and by unicast, and at once to peers that solicit or that we do not list;
 * our pattern set's pages and deltas; BYE when leaving): an {@link Advertiser} (advertiser.ts).
 *
 * Leaving: each `leaving` (from the retransmit actor, once per closing round) stops advertising
 * and sends BYE to the base group (multicast on) and by unicast to every seed and every listed
 * peer, naming each of our streams' final entry (as many BYE frames as the entries need). A BYE
 * received counts only from an address the peer is proven to use (the list's rule: where its
 * adverts came from, or its advertised listener); one with stream entries hands them to the
 * receiver (`finalStreams`) before the list reports the departure, so the receiver knows each
 * stream's tail before it settles the sender. A BYE from elsewhere is counted (`byesUnproven`)
 * and forwards nothing.
 *
 * Fan-out of the list's events:
 * - peerJoined → `peerJoined` event, `peerAddress` to socket, `receiverJoined` to flow (sent
 *   again, as an update, whenever the peer's patterns change; then also a `peerUpdated` event,
 *   as when its address changes), `senderAdvertised` to receiver
 *   (its evidence for taking that incarnation's frames, and for adopting a restart) and
 *   `senderListed` (its streams leave the quota of senders that never advertised); after each
 *   advert, `senderSources` to receiver and `peerSources` to retransmit when the addresses it is
 *   proven to use changed (its HEARTBEATs, NAKs, RETRANSMITs and ACKs count only from them);
 * - peerLeft → `peerLeft` event, `peerAddress` without host to socket, `receiverLeft` to flow,
 *   `peerGone` to retransmit, `senderLeft` to receiver (cause 'expired' for an expiry, 'closed'
 *   for a BYE, 'bye' for a restart: a BYE or a restart retires that incarnation);
 * - multicastUnreachable → the event; multicastDoubt → `receiverInDoubt` to flow (its stall clocks wait for the probe);
 * - a change of the unicast-only peers or of their patterns → the full `unicastTargets` list to
 *   sender and retransmit. With multicast off, every peer is unicast-only.
 *
 * Pattern sets (docs/PROTOCOL.md "Pattern sets", "Changes as deltas"): ours is served by the
 * {@link Advertiser}'s {@link PatternServer}. Other peers' sets are kept by a {@link PatternSync}: a
 * PATTERNS_DELTA is handed to it only from an address its sender is proven to use (the BYE rule).
 *
 * One timer: the earliest of the list's deadline, the pattern sync's and the advertiser's (the next
 * advert).
 */
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { decodeFrame, peerKey } from '../../codecs/index.js';
import type { Frame, PatternsDeltaFrame, PatternsDeltaRequestFrame, PatternsRequestFrame, PeerId } from '../../codecs/index.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever, earliest } from '../core.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { SenderInbox, UnicastTarget } from '../sender/messages.js';
import type { FlowInbox } from '../flow/messages.js';
import type { DatagramIn, Destination, SocketInbox } from '../socket/messages.js';
import type { ReceiversInbox } from './messages.js';
import type { PeerEntry, PeerLeftReason } from './receiver-list-types.js';
import { ReceiverList } from './receiver-list.js';
import { Advertiser } from './advertiser.js';
import { PatternSync } from './pattern-sync.js';
import { ERROR_CODES, LedgecastError, serializeError } from '../../errors.js';
import { newReceiversActorCounters } from './receivers-actor-counters.js';
import { RecentlyExpired } from './recently-expired.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';

/** What the shell last told the others about a listed peer. */
interface Told {
  host: string;
  port: number;
  patterns: readonly string[];
  target: boolean;
}

/** Builds the receivers actor. */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<ReceiversInbox> {
  const self = config.self;
  const multicast = config.socket.multicast;
  const counters = newReceiversActorCounters();
  const told = new Map<string, Told>();
  /** The proven sources last told the receiver, per listed peer (`tellSources`). */
  const sourcesTold = new Map<string, string>();
  let armedAtMs: number | undefined;
  let targetsChanged = false;
  let refs:
    | {
        socket: ActorRef<SocketInbox>;
        flow: ActorRef<FlowInbox>;
        sender: ActorRef<SenderInbox>;
        retransmit: ActorRef<RetransmitInbox>;
        receiver: ActorRef<ReceiverInbox>;
      }
    | undefined;

  const isTarget = (e: PeerEntry): boolean => !multicast || e.unicastOnly;
  const emit = (event: AppEvent): void => ctx.emit(event);

  const recentlyExpired = new RecentlyExpired();
  const list = new ReceiverList(
    {
      self,
      sink: {
        peerJoined(e) {
          // We cannot hear multicast: do not let the list probe (and report) it per peer.
          if (!multicast) list.markUnicastOnly(e.peer);
          const target = isTarget(e);
          told.set(peerKey(e.peer), { host: e.host, port: e.port, patterns: e.patterns, target });
          recentlyExpired.remove(e.host, e.port);
          if (target) targetsChanged = true;
          emit({ kind: 'peerJoined', peer: e.peer, host: e.host, port: e.port, patterns: e.patterns });
          refs!.socket.send({ kind: 'peerAddress', peer: e.peer, host: e.host, port: e.port });
          refs!.flow.send({ kind: 'receiverJoined', peer: e.peer, patterns: e.patterns });
          // The evidence the receiver needs to take this incarnation's frames (a restart is
          // adopted on it); after the departure of the incarnation it replaces, if any. Its
          // proven sources first: what it held of this incarnation counts only from there. Listed
          // before it is advertised: frames of a name listed before, and unlisted meanwhile, are
          // held until it is listed again (stream-router.ts), and the advert replays them.
          tellSources(e.peer);
          refs!.receiver.send({ kind: 'senderListed', peer: e.peer });
          refs!.receiver.send({ kind: 'senderAdvertised', peer: e.peer });
        },
        peerLeft(peer, reason) {
          onPeerLeft(peer, reason);
        },
        limitMet(limit, peer, count) {
          const what =
            limit === 'maxPeers'
              ? `peer ${peer.name} not listed: ${count} live peers are (receiverList.maxPeers); further new peers are ignored while none leaves, counted in stats().actors.receivers.peersRejected`
              : limit === 'maxPatternsPerPeer'
                ? `${count} patterns advertised by ${peer.name}, only receiverList.maxPatternsPerPeer (${config.receiverList.maxPatternsPerPeer}) kept: messages on the others are not sent to it; counted in stats().actors.receivers.patternsTruncated`
                : `${count} patterns advertised by ${peer.name}, only those that fit beside the other peers' kept (receiverList.maxPatternsTotal, ${config.receiverList.maxPatternsTotal}, in all): messages on the others are not sent to it; counted in stats().actors.receivers.patternsCutTotal. Many peers with large sets, or, without security.key, a process advertising invented ones`;
          emit({ kind: 'error', error: serializeError(new LedgecastError(ERROR_CODES.limit, `${what} (said once)`)) });
        },
        multicastUnreachable(peer) {
          const t = told.get(peerKey(peer));
          if (t !== undefined && !t.target) {
            t.target = true;
            targetsChanged = true;
          }
          emit({ kind: 'multicastUnreachable', peer });
        },
        multicastDoubt(peer, forMs) {
          refs!.flow.send({ kind: 'receiverInDoubt', peer, forMs });
        },
      },
    },
    config.receiverList,
  );

  const sync = new PatternSync(
    {
      request(target, setVersion, fromIndex) {
        const frame: PatternsRequestFrame = { kind: 'patternsRequest', sender: self, targetIncarnation: target.peer.incarnation, setVersion, fromIndex };
        send(frame, { kind: 'address', host: target.host, port: target.port });
      },
      install(peer, setVersion, patterns) {
        if (!list.installPatterns(peer, setVersion, patterns)) return;
        const e = list.get(peer);
        if (e !== undefined) noteUpdate(e);
      },
      requestDelta(target, fromVersion, toVersion) {
        const frame: PatternsDeltaRequestFrame = { kind: 'patternsDeltaRequest', sender: self, targetIncarnation: target.peer.incarnation, fromVersion, toVersion };
        send(frame, { kind: 'address', host: target.host, port: target.port });
      },
      applyDelta(peer, delta) {
        const outcome = list.applyDelta(peer, delta);
        const e = outcome === 'applied' ? list.get(peer) : undefined;
        if (e !== undefined) noteUpdate(e);
        return outcome;
      },
    },
    {
      retryMs: Math.max(50, Math.floor(config.advertIntervalMs / 4)),
      maxAttempts: 5,
      maxFetches: MAX_FETCHES,
      maxPatterns: config.receiverList.maxPatternsPerPeer,
      deltaAttempts: DELTA_ATTEMPTS,
    },
  );

  const advertiser = new Advertiser(config, { list, isTarget, counters, send });

  function onPeerLeft(peer: PeerId, reason: PeerLeftReason): void {
    sync.forget(peer);
    const key = peerKey(peer);
    const t = told.get(key);
    if (t?.target === true) targetsChanged = true;
    // A peer only paused past its expiry still gets our BYE, by unicast (recently-expired.ts).
    if (reason === 'expired' && t !== undefined) recentlyExpired.add(ctx.clock(), t.host, t.port);
    told.delete(key);
    sourcesTold.delete(key);
    emit({ kind: 'peerLeft', peer, reason });
    const r = refs!;
    r.socket.send({ kind: 'peerAddress', peer });
    r.flow.send({ kind: 'receiverLeft', peer, restarted: reason === 'restarted' });
    r.retransmit.send({ kind: 'peerGone', peer, retired: reason !== 'expired' });
    // Only an expired incarnation may come back (after a partition); BYE and restart retire it.
    // A BYE is a drained close: the receiver settles at once ('closed'); a restart may still
    // serve the old incarnation's gaps from its ledger ('bye', settled after a grace).
    const cause = reason === 'expired' ? 'expired' : reason === 'bye' ? 'closed' : 'bye';
    r.receiver.send({ kind: 'senderLeft', senderName: peer.name, incarnation: peer.incarnation, cause });
  }

  /** After an advert of a peer already listed: tell the others what changed in its entry. */
  function noteUpdate(e: PeerEntry): void {
    const t = told.get(peerKey(e.peer));
    if (t === undefined) return;
    const moved = e.host !== t.host || e.port !== t.port;
    if (moved) {
      t.host = e.host;
      t.port = e.port;
      refs!.socket.send({ kind: 'peerAddress', peer: e.peer, host: e.host, port: e.port });
    }
    if (moved || e.patterns !== t.patterns) {
      emit({ kind: 'peerUpdated', peer: e.peer, host: e.host, port: e.port, patterns: e.patterns });
    }
    const target = isTarget(e);
    // The list replaces an entry's patterns array only when they change.
    if (e.patterns !== t.patterns) {
      // Flow control must know the receiver for the streams its new patterns match, before
      // the first data: a stream with no known receiver has no window.
      refs!.flow.send({ kind: 'receiverJoined', peer: e.peer, patterns: e.patterns });
    }
    if (target !== t.target || (target && e.patterns !== t.patterns)) targetsChanged = true;
    t.target = target;
    t.patterns = e.patterns;
  }

  function sendTargetsIfChanged(): void {
    if (!targetsChanged) return;
    targetsChanged = false;
    const targets: UnicastTarget[] = [];
    for (const e of list.entries()) if (isTarget(e)) targets.push({ peer: e.peer, patterns: e.patterns });
    refs!.sender.send({ kind: 'unicastTargets', targets });
    refs!.retransmit.send({ kind: 'unicastTargets', targets });
    counters.unicastTargetsSent++;
  }

  function send(frame: Frame, destination: Destination): void {
    refs!.socket.send({ kind: 'frameOut', frame, destination });
  }

  /**
   * A change of a listed peer's set. Only from an address that peer is proven to use (as a BYE):
   * a delta changes what we send it, so a host that merely knows its name cannot change it.
   */
  function onDelta(nowMs: number, frame: PatternsDeltaFrame, source: string): void {
    const e = list.get(frame.sender);
    if (e === undefined || !list.isProvenSource(nowMs, frame.sender, source)) {
      counters.deltasUnproven++;
      return;
    }
    sync.onDelta(nowMs, e, frame, e.patternVersion);
  }

  function onDatagram(nowMs: number, msg: DatagramIn): void {
    const decoded = decodeFrame(msg.bytes);
    if (!decoded.ok) {
      counters.dropped[decoded.reason]++;
      return;
    }
    const frame = decoded.frame;
    const source = `${msg.host}:${msg.port}`;
    if (frame.kind === 'bye') {
      // Only a BYE from where the peer is proven to send from counts (the list's rule). Its
      // final stream entries reach the receiver before the departure that settles them (one
      // mailbox, in order): they count as a heartbeat of that sender, checked as one.
      // Wire-driven, so a full mailbox drops them (as a lost datagram) rather than throw.
      if (frame.streams !== undefined && list.isProvenSource(nowMs, frame.sender, source)) {
        if (refs!.receiver.trySend({ kind: 'finalStreams', sender: frame.sender, streams: frame.streams })) {
          counters.byeStreamsForwarded += frame.streams.length;
        } else counters.byeStreamsDropped += frame.streams.length;
      }
      list.onBye(nowMs, frame.sender, source);
      return;
    }
    if (frame.kind === 'patternsRequest' || frame.kind === 'patternsDeltaRequest') {
      advertiser.onSetRequest(nowMs, frame, msg);
      return;
    }
    if (frame.kind === 'patternsDelta') {
      onDelta(nowMs, frame, source);
      return;
    }
    if (frame.kind !== 'advert') {
      counters.unexpectedFrames++;
      return;
    }
    const knew = list.get(frame.sender) !== undefined;
    list.onAdvert(nowMs, frame, msg.via, source);
    const e = list.get(frame.sender);
    if (e === undefined) {
      advertiser.answerDeferred(nowMs, frame, msg.via);
      return;
    }
    if (knew) noteUpdate(e);
    tellSources(e.peer);
    sync.onAdvert(nowMs, e, frame, e.patternVersion);
    advertiser.answerAdvert(nowMs, frame, msg, e, knew);
  }

  /**
   * Tells the receiver where `peer` is proven to send from, when that changed (its HEARTBEATs
   * count only from there). Remembered per listed peer; forgotten when it leaves.
   */
  function tellSources(peer: PeerId): void {
    const sources = list.provenSourcesOf(peer);
    if (sources === undefined) return;
    const key = peerKey(peer);
    const joined = sources.join(',');
    if (sourcesTold.get(key) === joined) return;
    sourcesTold.set(key, joined);
    refs!.receiver.send({ kind: 'senderSources', peer, sources });
    refs!.retransmit.send({ kind: 'peerSources', peer, sources });
  }

  function onTimer(): void {
    armedAtMs = undefined;
    const now = ctx.clock();
    advertiser.onTimer(now);
    const due = list.nextDeadlineMs();
    if (due !== undefined && now >= due) list.onTimer(now);
    const syncDue = sync.nextDeadlineMs();
    if (syncDue !== undefined && now >= syncDue) sync.onTimer(now);
    settle();
  }

  /** After any input: publish target changes and keep the single timer at the earliest deadline. */
  function settle(): void {
    sendTargetsIfChanged();
    const at = advertiser.leaving ? undefined : earliest(earliest(list.nextDeadlineMs(), advertiser.nextDeadlineMs()), sync.nextDeadlineMs());
    if (at === undefined) {
      if (armedAtMs !== undefined) ctx.clearTimer();
      armedAtMs = undefined;
      return;
    }
    // An earlier timer already armed stays: when it fires early, onTimer re-arms.
    if (armedAtMs !== undefined && armedAtMs <= at) return;
    armedAtMs = at;
    ctx.setTimer(at, onTimer);
  }

  return {
    name: ctx.name,

    start() {
      refs = {
        socket: ctx.ref<SocketInbox>('socket'),
        flow: ctx.ref<FlowInbox>('flow'),
        sender: ctx.ref<SenderInbox>('sender'),
        retransmit: ctx.ref<RetransmitInbox>('retransmit'),
        receiver: ctx.ref<ReceiverInbox>('receiver'),
      };
    },

    receive(msg) {
      const now = ctx.clock();
      switch (msg.kind) {
        case 'datagramIn':
          onDatagram(now, msg);
          break;
        case 'heard':
          list.onHeard(now, msg.peer, msg.via, `${msg.host}:${msg.port}`);
          advertiser.onHeardUnlisted(now, msg);
          break;
        case 'localAddress':
          advertiser.onLocalAddress(now, msg.host, msg.port);
          break;
        case 'localPatterns':
          advertiser.onLocalPatterns(now, msg.patterns);
          break;
        case 'leaving':
          advertiser.onLeaving(Array.isArray(msg.streams) ? msg.streams : [], recentlyExpired.listeners(ctx.clock()));
          break;
        default:
          assertNever(msg);
      }
      settle();
    },

    stop() {
      ctx.clearTimer();
      armedAtMs = undefined;
    },

    stats() {
      return {
        ...list.counters,
        ...advertiser.server.counters,
        ...counters,
        dropped: { ...counters.dropped },
        peers: list.size,
        unicastTargets: list.entries().filter(isTarget).length,
        patternSync: { ...sync.counters, fetching: sync.size },
        patternSetVersion: advertiser.server.version,
        patternSetSize: advertiser.server.size,
        advertInline: advertiser.server.inline,
      };
    },
  };
}

/** Pattern-set fetches in progress at once. */
const MAX_FETCHES = 256;

/**
 * Asks for a delta before fetching the whole set: two, so that one lost datagram does not cost a
 * whole set, and a peer that does not answer deltas (an older build) costs two `retryMs`.
 */
const DELTA_ATTEMPTS = 2;
