/**
 * The receiver list's shell: feeds a {@link ReceiverList} with the ADVERT and BYE datagrams and the
 * `heard` notes of the socket actor, advertises this peer, and fans the list's events out.
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
 * - multicastUnreachable → the event;
 * - a change of the unicast-only peers or of their patterns → the full `unicastTargets` list to
 *   sender and retransmit. With multicast off, every peer is unicast-only.
 *
 * Pattern sets (docs/PROTOCOL.md "Pattern sets", "Changes as deltas"): our set is served by a
 * {@link PatternServer} (which keeps it in a `PatternLog`). A change is pushed as one
 * PATTERNS_DELTA from the version our last advert named (when it fits a datagram and the set is
 * not carried inline), then advertised. The server answers PATTERNS_REQUEST with a page of the set
 * and PATTERNS_DELTA_REQUEST with the delta, or with the first page when the log no longer covers
 * the asker's version; both within one budget of MAX_PAGES_PER_SECOND. Other peers' sets are kept by a {@link PatternSync}: a PATTERNS_DELTA is
 * handed to it only from an address its sender is proven to use (the BYE rule).
 *
 * One timer: the earliest of the list's deadline, the pattern sync's and the next advert.
 */
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { ADVERT_FLAGS, decodeFrame, peerKey } from '../../codecs/index.js';
import type { AdvertFrame, Frame, PatternsDeltaFrame, PatternsDeltaRequestFrame, PatternsRequestFrame, PeerId, StreamInfo } from '../../codecs/index.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever, earliest } from '../core.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import { packByes } from '../retransmit/frame-packer.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { SenderInbox, UnicastTarget } from '../sender/messages.js';
import type { FlowInbox } from '../flow/messages.js';
import type { DatagramIn, Destination, SocketInbox } from '../socket/messages.js';
import type { ReceiversInbox } from './messages.js';
import type { HeardVia, PeerEntry, PeerLeftReason } from './receiver-list-types.js';
import { ReceiverList } from './receiver-list.js';
import { PatternServer } from './pattern-server.js';
import { PatternSync } from './pattern-sync.js';
import { ERROR_CODES, LedgecastError, serializeError } from '../../errors.js';
import { newReceiversActorCounters } from './receivers-actor-counters.js';
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
  const baseGroup = config.groupMap.baseGroup;
  const counters = newReceiversActorCounters();
  const told = new Map<string, Told>();
  /** The proven sources last told the receiver, per listed peer (`tellSources`). */
  const sourcesTold = new Map<string, string>();
  let localAddress: { host: string; port: number } | undefined;
  /** Our pattern set, its versions and recent changes, and the frames that serve it. */
  const server = new PatternServer(self, {
    maxDatagramBytes: config.maxDatagramBytes,
    inlineBytes: ADVERT_INLINE_BYTES,
    answersPerSecond: MAX_PAGES_PER_SECOND,
    logSteps: DELTA_LOG_STEPS,
    logPatterns: DELTA_LOG_PATTERNS,
  });
  /** A change of our set not yet advertised: advertised at this time (changes coalesce). */
  let changeAdvertMs: number | undefined;
  let lastChangeAdvertMs = Number.NEGATIVE_INFINITY;
  let nextAdvertMs: number | undefined;
  let armedAtMs: number | undefined;
  let leaving = false;
  let targetsChanged = false;
  /** Our adverts solicit answers until then (start-up discovery). */
  let solicitUntilMs = Number.NEGATIVE_INFINITY;
  /** When each soliciting peer was last answered. */
  const answeredAtMs = new Map<string, number>();
  /** When each unlisted peer heard from was last asked for its advert. */
  const solicitedAtMs = new Map<string, number>();
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

  const list = new ReceiverList(
    {
      self,
      sink: {
        peerJoined(e) {
          // We cannot hear multicast: do not let the list probe (and report) it per peer.
          if (!multicast) list.markUnicastOnly(e.peer);
          const target = isTarget(e);
          told.set(peerKey(e.peer), { host: e.host, port: e.port, patterns: e.patterns, target });
          if (target) targetsChanged = true;
          emit({ kind: 'peerJoined', peer: e.peer, host: e.host, port: e.port, patterns: e.patterns });
          refs!.socket.send({ kind: 'peerAddress', peer: e.peer, host: e.host, port: e.port });
          refs!.flow.send({ kind: 'receiverJoined', peer: e.peer, patterns: e.patterns });
          // The evidence the receiver needs to take this incarnation's frames (a restart is
          // adopted on it); after the departure of the incarnation it replaces, if any. Its
          // proven sources first: what it held of this incarnation counts only from there. Listed
          // before it is advertised: frames of a name listed before, and unlisted meanwhile, are
          // held until it is listed again (receiver.ts), and the advert replays them.
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
              : `${count} patterns advertised by ${peer.name}, only receiverList.maxPatternsPerPeer (${config.receiverList.maxPatternsPerPeer}) kept: messages on the others are not sent to it; counted in stats().actors.receivers.patternsTruncated`;
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

  function onPeerLeft(peer: PeerId, reason: PeerLeftReason): void {
    sync.forget(peer);
    const key = peerKey(peer);
    if (told.get(key)?.target === true) targetsChanged = true;
    told.delete(key);
    sourcesTold.delete(key);
    emit({ kind: 'peerLeft', peer, reason });
    const r = refs!;
    r.socket.send({ kind: 'peerAddress', peer });
    r.flow.send({ kind: 'receiverLeft', peer, restarted: reason === 'restarted' });
    r.retransmit.send({ kind: 'peerGone', peer });
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

  /** Our ADVERT: the set's version, size and digest, and the set itself when it is small. */
  function advert(flags: number): AdvertFrame {
    return server.advert({ ...localAddress!, flags });
  }

  /** Where answers to a request go: where it came from. */
  function answer(frame: Frame | undefined, msg: DatagramIn): void {
    if (frame !== undefined) send(frame, { kind: 'address', host: msg.host, port: msg.port });
  }

  /** Our pages and deltas carry these flags: sent by unicast. */
  function pageBase(): { host: string; port: number; flags: number } {
    return { ...localAddress!, flags: (multicast ? ADVERT_FLAGS.multicast : 0) | ADVERT_FLAGS.viaUnicast };
  }

  /** A peer asks for a page of our set, or for the change from the version it holds (the server decides). */
  function onSetRequest(nowMs: number, frame: PatternsRequestFrame | PatternsDeltaRequestFrame, msg: DatagramIn): void {
    if (localAddress === undefined || leaving) {
      if (frame.kind === 'patternsRequest') server.counters.patternRequestsIgnored++;
      else server.counters.deltaRequestsIgnored++;
      return;
    }
    answer(frame.kind === 'patternsRequest' ? server.onRequest(nowMs, frame, pageBase()) : server.onDeltaRequest(nowMs, frame, pageBase()), msg);
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

  /** Unicast addresses for adverts (or, with `everyPeer`, BYE): seeds but ourselves, and peers, each once. */
  function unicastAddresses(everyPeer: boolean): { host: string; port: number }[] {
    const seen = new Set<string>();
    const out: { host: string; port: number }[] = [];
    const add = (host: string, port: number): void => {
      const key = `${host}:${port}`;
      if (seen.has(key) || (localAddress !== undefined && host === localAddress.host && port === localAddress.port)) return;
      seen.add(key);
      out.push({ host, port });
    };
    for (const s of config.seeds) add(s.host, s.port);
    for (const e of list.entries()) if (everyPeer || isTarget(e) || e.heardByUnicast) add(e.host, e.port);
    return out;
  }

  function advertise(nowMs: number, first = false): void {
    const soliciting = first || nowMs < solicitUntilMs;
    // After the first advert, a retry of the solicit comes halfway through discovery.
    nextAdvertMs = nowMs + (first && config.discoveryMs > 0 ? Math.max(10, Math.min(config.advertIntervalMs, config.discoveryMs / 2)) : config.advertIntervalMs);
    const flags = (multicast ? ADVERT_FLAGS.multicast : 0) | (soliciting ? ADVERT_FLAGS.solicit : 0);
    server.markAdvertised();
    if (multicast) {
      send(advert(flags), { kind: 'group', group: baseGroup });
      counters.advertsSentMulticast++;
    }
    const unicast = advert(flags | ADVERT_FLAGS.viaUnicast);
    for (const a of unicastAddresses(false)) {
      send(unicast, { kind: 'address', host: a.host, port: a.port });
      counters.advertsSentUnicast++;
    }
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
      onSetRequest(nowMs, frame, msg);
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
      answerDeferred(nowMs, frame, msg.via);
      return;
    }
    if (knew) noteUpdate(e);
    tellSources(e.peer);
    sync.onAdvert(nowMs, e, frame, e.patternVersion);
    if (localAddress === undefined || leaving) return;
    const solicited = (frame.flags & ADVERT_FLAGS.solicit) !== 0;
    if ((!knew && msg.via === 'unicast') || (solicited && mayAnswer(nowMs, e.peer))) {
      if (msg.via === 'multicast' && multicast) {
        send(advert(ADVERT_FLAGS.multicast), { kind: 'group', group: baseGroup });
      } else {
        send(advert((multicast ? ADVERT_FLAGS.multicast : 0) | ADVERT_FLAGS.viaUnicast), { kind: 'address', host: e.host, port: e.port });
      }
      counters.advertReplies++;
    }
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

  /**
   * A restart not taken yet (its name is listed under the old incarnation, still heard): its
   * soliciting advert by multicast is answered all the same, by multicast, at most once per
   * `advertIntervalMs / 4` for all such, so that a restarted publisher that closes at once has
   * learnt of its receivers and waits for them (before, it closed unwaited and its messages,
   * held here until the restart was taken, were lost).
   */
  function answerDeferred(nowMs: number, frame: AdvertFrame, via: HeardVia): void {
    if (localAddress === undefined || leaving || !multicast || via !== 'multicast' || (frame.flags & ADVERT_FLAGS.solicit) === 0) return;
    if (list.getByName(frame.sender.name) === undefined || !onceInAWhile(answeredAtMs, nowMs, DEFERRED_ANSWERS)) return;
    send(advert(ADVERT_FLAGS.multicast), { kind: 'group', group: baseGroup });
    counters.advertReplies++;
  }

  /** A soliciting peer is answered at most once per `advertIntervalMs / 4` (bounded memory). */
  function mayAnswer(nowMs: number, peer: PeerId): boolean {
    return onceInAWhile(answeredAtMs, nowMs, peer);
  }

  /** Whether `peer` was not marked in `at` in the last `advertIntervalMs / 4`; marks it (bounded memory). */
  function onceInAWhile(at: Map<string, number>, nowMs: number, peer: PeerId): boolean {
    const key = peerKey(peer);
    const last = at.get(key);
    if (last !== undefined && nowMs - last < config.advertIntervalMs / 4) return false;
    if (at.size >= MAX_ANSWERED) at.clear();
    at.set(key, nowMs);
    return true;
  }

  /**
   * A frame from a peer we do not list: ask for its advert, by multicast when the frame came by
   * multicast (its source is the peer's multicast socket, not its listener), else by unicast to
   * where it came from (its listener).
   */
  function onHeardUnlisted(nowMs: number, msg: Extract<ReceiversInbox, { kind: 'heard' }>): void {
    if (localAddress === undefined || leaving || list.get(msg.peer) !== undefined) return;
    if (!onceInAWhile(solicitedAtMs, nowMs, msg.peer)) return;
    const flags = (multicast ? ADVERT_FLAGS.multicast : 0) | ADVERT_FLAGS.solicit;
    if (msg.via === 'multicast' && multicast) send(advert(flags), { kind: 'group', group: baseGroup });
    else send(advert(flags | ADVERT_FLAGS.viaUnicast), { kind: 'address', host: msg.host, port: msg.port });
    counters.unlistedSolicits++;
  }

  /**
   * Our pattern set changed: a new version. It is advertised at once, unless a change was
   * advertised less than CHANGE_ADVERT_GAP_MS ago; then once that gap has passed, with whatever
   * changed meanwhile (a burst of subscriptions costs a few adverts, not one per subscription).
   */
  function onLocalPatterns(nowMs: number, patterns: readonly string[]): void {
    if (!server.update(patterns)) return;
    if (localAddress === undefined || leaving) return;
    changeAdvertMs = Math.max(nowMs, lastChangeAdvertMs + CHANGE_ADVERT_GAP_MS);
    if (changeAdvertMs <= nowMs) advertiseChange(nowMs);
  }

  /**
   * Advertises a change: first the delta from the version our last advert named (listeners that
   * hold it apply it at once, and need not ask), then the advert naming the new version (to peers
   * that do not understand deltas, and to those that missed one, which then ask). No delta for a
   * set carried inline: the advert carries it whole.
   */
  function advertiseChange(nowMs: number): void {
    changeAdvertMs = undefined;
    lastChangeAdvertMs = nowMs;
    const pushed = server.changeDelta();
    if (pushed !== undefined) {
      if (multicast) send(pushed, { kind: 'group', group: baseGroup });
      for (const a of unicastAddresses(false)) send(pushed, { kind: 'address', host: a.host, port: a.port });
    }
    advertise(nowMs);
  }

  /**
   * Says BYE (again, at each `leaving`: the peer sends a few, spaced, so one loss does not hide
   * it), naming `streams`' final entries: as many BYE frames as they need, each to everyone.
   */
  function onLeaving(streams: readonly StreamInfo[]): void {
    leaving = true;
    nextAdvertMs = undefined;
    const addresses = unicastAddresses(true);
    for (const bye of packByes(self, streams, config.maxDatagramBytes)) {
      if (multicast) send(bye, { kind: 'group', group: baseGroup });
      for (const a of addresses) send(bye, { kind: 'address', host: a.host, port: a.port });
      counters.byeFramesSent++;
    }
    counters.byesSent++;
  }

  function onTimer(): void {
    armedAtMs = undefined;
    const now = ctx.clock();
    if (changeAdvertMs !== undefined && now >= changeAdvertMs && !leaving) advertiseChange(now);
    else if (nextAdvertMs !== undefined && now >= nextAdvertMs) advertise(now);
    const due = list.nextDeadlineMs();
    if (due !== undefined && now >= due) list.onTimer(now);
    const syncDue = sync.nextDeadlineMs();
    if (syncDue !== undefined && now >= syncDue) sync.onTimer(now);
    settle();
  }

  /** After any input: publish target changes and keep the single timer at the earliest deadline. */
  function settle(): void {
    sendTargetsIfChanged();
    const at = leaving ? undefined : earliest(earliest(list.nextDeadlineMs(), nextAdvertMs), earliest(changeAdvertMs, sync.nextDeadlineMs()));
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
          onHeardUnlisted(now, msg);
          break;
        case 'localAddress': {
          const first = localAddress === undefined;
          localAddress = { host: msg.host, port: msg.port };
          if (first && !leaving) {
            // Start-up: ask every peer to answer at once, so a publisher knows its audience
            // within a round trip instead of an advert interval.
            solicitUntilMs = now + config.discoveryMs;
            advertise(now, true);
          }
          break;
        }
        case 'localPatterns':
          onLocalPatterns(now, msg.patterns);
          break;
        case 'leaving':
          onLeaving(Array.isArray(msg.streams) ? msg.streams : []);
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
        ...server.counters,
        ...counters,
        dropped: { ...counters.dropped },
        peers: list.size,
        unicastTargets: list.entries().filter(isTarget).length,
        patternSync: { ...sync.counters, fetching: sync.size },
        patternSetVersion: server.version,
        patternSetSize: server.size,
        advertInline: server.inline,
      };
    },
  };
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

/** Pattern-set fetches in progress at once. */
const MAX_FETCHES = 256;

/** Changes of our set kept to answer PATTERNS_DELTA_REQUEST (a peer further behind fetches the whole set). */
const DELTA_LOG_STEPS = 64;

/** Added and removed patterns kept over those changes. */
const DELTA_LOG_PATTERNS = 4096;

/**
 * Asks for a delta before fetching the whole set: two, so that one lost datagram does not cost a
 * whole set, and a peer that does not answer deltas (an older build) costs two `retryMs`.
 */
const DELTA_ATTEMPTS = 2;
