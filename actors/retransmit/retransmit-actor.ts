/**
 * The retransmit actor's shell (`'retransmit'`): keeps the sender window, announces our streams
 * in heartbeats, serves NAKs, and owns the reliable-unicast channels to every remote peer.
 *
 * Owns (touched on its thread only): one {@link SenderWindow} (fed by the sender's `sent`), one
 * {@link StreamAnnouncer} (heartbeats), one {@link RetransmitPlanner}, and per remote peer
 * incarnation an {@link OutboundChannel} (our NAKs and RETRANSMITs to it) and an
 * {@link InboundChannel} (its NAKs and RETRANSMITs to us), plus our receiver's latest positions.
 *
 * Accepts: NAK, ACK and RETRANSMIT datagrams (one that does not decode is counted and dropped),
 * `sent`, `nakRequested`, `positions`, `unicastTargets`, `peerGone`, `closing`, `streamsChecked`.
 * Emits: `frameOut` to `'socket'`, `retransmitted` to `'receiver'`, `positions` (from ACKs) and
 * `streamsIdle` (streams that left the heartbeats) to `'flow'`, `leaving` to `'receivers'` (at
 * each `closing`, after the last heartbeat, with the same final entries, for the BYE), and
 * `error` events (a channel gave up: `ChannelGaveUpError` names the peer).
 *
 * Per message it reads the clock once, feeds the cores and arms its one timer at the earliest
 * deadline of all of them. Every channel frame received (new or repeated) is acknowledged at
 * once (unless `ackDelayMs`), and each ACK carries our receiver's latest positions for that
 * peer's streams; a `positions` message triggers an ACK too.
 *
 * Retransmissions for one asker go through its outbound channel; those worth a multicast go once
 * with channel sequence 0 to the subject's group (when multicast is on) and by unicast to every
 * unicast target interested in the subject.
 *
 * Bounds: at most `receiverList.maxPeers` remotes (channels and positions), at most
 * `receiverList.maxPeersPerSource` of them opened for the frames of one source address; when the
 * table is full, a remote that never acknowledged anything of ours makes room
 * ({@link RemoteAdmission}), else frames from further peers are dropped and counted until
 * `peerGone` frees room. The cores bound the rest.
 *
 * With a ledger (`config.ledger`): ranges the window does not hold (evicted, or sent before this
 * incarnation: {@link LedgerStreams.view}) are not reported unavailable at once but asked of the
 * ledger actor (`serveRequested`); its `served` answer goes to the asker as RETRANSMIT. Streams
 * resumed from the ledger are announced in heartbeats after a restart, and heartbeats state the
 * ledger's `lowSeq`, so receivers NAK what the ledger still holds instead of reporting it lost.
 */
import type {
  PeerId,
  RetransmitFrame,
  FragmentRange,
  SeqRange,
  StreamInfo,
  StreamStart,
  StreamPosition,
  UnavailableRange,
  WireMessage,
} from '../../codecs/frame.js';
import { peerKey, samePeer } from '../../codecs/frame.js';
import { decodeFrame } from '../../codecs/frame-codec.js';
import { ChannelGaveUpError, ERROR_CODES, LedgecastError, serializeError } from '../../errors.js';
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever, earliest } from '../core.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import { MAX_RETAINED_ROUNDS } from '../sender/heartbeat-scheduler.js';
import type { SenderInbox, UnicastTarget } from '../sender/messages.js';
import type { FlowInbox } from '../flow/messages.js';
import { SenderWindow } from '../sender/sender-window.js';
import type { DatagramIn, Destination, SocketInbox } from '../socket/messages.js';
import type { ReceiversInbox } from '../membership/messages.js';
import { GroupMap } from '../subjects/group-map.js';
import { RouteTable } from '../subjects/route-table.js';
import { packAcks, packHeartbeats, packRetransmit, splitNakFragments, splitNakRanges, validFragments } from './frame-packer.js';
import { InboundChannel, type AckState } from './inbound-channel.js';
import type { RetransmitInbox } from './messages.js';
import { OutboundChannel } from './outbound-channel.js';
import { RemoteAdmission } from './remote-admission.js';
import { sourceOf } from '../membership/source-quota.js';
import { RetransmitPlanner } from './retransmit-planner.js';
import { StreamAnnouncer } from './stream-announcer.js';
import { RingDeque } from '../sender/ring-deque.js';
import { normalizeRanges } from './seq-ranges.js';
import { LedgerStreams } from '../ledger/ledger-streams.js';
import type { LedgerInbox } from '../ledger/messages.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';

/** What an outbound channel carries: the body of a NAK or RETRANSMIT frame (the channel numbers it). */
type ChannelItem =
  | {
      readonly kind: 'nak';
      readonly target: PeerId;
      readonly subject: string;
      readonly ranges: readonly SeqRange[];
      readonly fragments?: readonly FragmentRange[];
    }
  | { readonly kind: 'retransmit'; readonly messages: readonly WireMessage[]; readonly unavailable: readonly UnavailableRange[] };

/** One remote peer incarnation. */
interface Remote {
  readonly peer: PeerId;
  outbound: OutboundChannel<ChannelItem> | undefined;
  inbound: InboundChannel | undefined;
  /** Our receiver's latest positions on its streams (sent in every ACK to it). */
  positions: readonly StreamPosition[];
  /** Where the frame that opened it came from (`host:port`); undefined: opened for our own needs. */
  readonly source: string | undefined;
  /** When it was last used (a frame from it, or one of ours for it). */
  lastUsedMs: number;
  /** Items waiting for room in `outbound` (its `maxInFlight` unacknowledged), in order; sent as ACKs free room. */
  backlog?: RingDeque<ChannelItem>;
}

/** What the shell counts (`stats()`), besides the cores' counters. */
export interface RetransmitActorCounters {
  /** Datagrams that did not decode, by reason. */
  decodeErrors: Record<string, number>;
  /** Decoded frames of a kind this actor does not handle, or from ourselves. */
  unexpectedFrames: number;
  /** NAK and ACK frames addressed to another peer. */
  notForUs: number;
  /** Frames dropped because `maxPeers` remotes are known, each of which acknowledged a frame of ours. */
  remotesRefused: number;
  /** Frames dropped because their source address opened `maxPeersPerSource` remotes. */
  remotesRefusedSourceQuota: number;
  /** Remotes that never acknowledged a frame of ours dropped to make room for a new one. */
  remotesEvicted: number;
  naksSent: number;
  retransmitFramesSent: number;
  /** Multicast (channel sequence 0) RETRANSMIT frames sent, a destination counting once each. */
  multicastFramesSent: number;
  /** Channel transmissions after the first. */
  channelResends: number;
  acksSent: number;
  heartbeatFramesSent: number;
  /** RETRANSMIT contents handed to the receiver. */
  retransmitsForwarded: number;
  /** Items dropped: their channel had `maxInFlight` unacknowledged and as many waiting. */
  channelFull: number;
  /** Items that waited for room in their channel (sent as ACKs freed it). */
  channelHeld: number;
  channelsGaveUp: number;
  /** `sent` datagrams the window refused (a seq not above the stream's newest, too many streams). */
  windowRejected: number;
  /** Sends refused by a full mailbox. */
  mailboxFull: number;
  /** Ranges asked of the ledger, and its answers turned into RETRANSMIT contents. */
  ledgerRequests: number;
  ledgerAnswers: number;
}

/** Builds the retransmit actor. */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<RetransmitInbox> {
  const self = config.self;
  const maxBytes = config.maxDatagramBytes;
  const counters: RetransmitActorCounters = {
    decodeErrors: {},
    unexpectedFrames: 0,
    notForUs: 0,
    remotesRefused: 0,
    remotesRefusedSourceQuota: 0,
    remotesEvicted: 0,
    naksSent: 0,
    retransmitFramesSent: 0,
    multicastFramesSent: 0,
    channelResends: 0,
    acksSent: 0,
    heartbeatFramesSent: 0,
    retransmitsForwarded: 0,
    channelFull: 0,
    channelHeld: 0,
    channelsGaveUp: 0,
    windowRejected: 0,
    mailboxFull: 0,
    ledgerRequests: 0,
    ledgerAnswers: 0,
  };
  /**
   * Datagrams of the sender's slabs (shared memory, given to a window on the sender's thread)
   * the window let go: handed back to the sender, which reuses their memory
   * (codecs/slab-pool.ts). A window on another thread got copies, which it simply drops.
   */
  let released: SharedArrayBuffer[] = [];
  const releaseDatagram = (d: Uint8Array): void => {
    if (d.buffer instanceof SharedArrayBuffer) released.push(d.buffer);
  };
  const window = new SenderWindow({ onDatagramReleased: releaseDatagram }, config.sender);
  const ledgerStreams = config.ledger === undefined ? undefined : new LedgerStreams(config.sender.maxStreams);
  /** Our streams in heartbeats, and the facts their entries carry. */
  const announcer = new StreamAnnouncer(config.sender, window, ledgerStreams);
  /** Whether the `unconfirmedExpired` limit was said (once). */
  let unconfirmedSaid = false;
  const planner = new RetransmitPlanner(
    {
      window: ledgerStreams === undefined ? window : ledgerStreams.view(window, (subject) => announcer.startSeqOf(subject)),
      sink: {
        unicast: (to, messages, unavailable) => resendTo(to, messages, unavailable),
        multicast: (messages, unavailable) => resendToAll(messages, unavailable),
      },
    },
    config.retransmit,
  );
  /** Where each of our subjects' frames go (the sender keeps the same table for DATA). */
  const routes = new RouteTable(new GroupMap(config.groupMap), config.socket.multicast);
  const remotes = new Map<string, Remote>();
  const admission = new RemoteAdmission(config.receiverList.maxPeers, config.receiverList.maxPeersPerSource);
  /** The clock, read once per message or timer; sinks called meanwhile use it. */
  let now = 0;
  let socket: ActorRef<SocketInbox>;
  let sender: ActorRef<SenderInbox>;
  let receiver: ActorRef<ReceiverInbox>;
  let flow: ActorRef<FlowInbox>;
  let receivers: ActorRef<ReceiversInbox>;
  let ledger: ActorRef<LedgerInbox> | undefined;

  function post<T>(ref: ActorRef<T>, msg: T): void {
    if (!ref.trySend(msg)) counters.mailboxFull++;
  }

  function emit(event: AppEvent): void {
    ctx.emit(event);
  }

  /** The remote of `peer`, opened if need be (for a frame from `source`, or for our own needs). */
  function remoteFor(peer: PeerId, source?: string): Remote | undefined {
    const key = peerKey(peer);
    let r = remotes.get(key);
    if (r === undefined) {
      if (!admitRemote(source)) return undefined;
      r = { peer, outbound: undefined, inbound: undefined, positions: [], source, lastUsedMs: now };
      remotes.set(key, r);
      admission.opened(source);
    }
    r.lastUsedMs = now;
    return r;
  }

  /** Whether a remote for a new peer may be opened (room made if need be); counts a refusal. */
  function admitRemote(source: string | undefined): boolean {
    const a = admission.admit(source, remotes, (r) => ({ source: r.source, lastUsedMs: r.lastUsedMs, proven: (r.outbound?.counters.acked ?? 0) > 0 }));
    switch (a.kind) {
      case 'admitted':
        return true;
      case 'evict':
        dropRemote(a.key);
        counters.remotesEvicted++;
        return true;
      case 'sourceQuota':
        counters.remotesRefusedSourceQuota++;
        return false;
      case 'full':
        counters.remotesRefused++;
        return false;
      default:
        return assertNever(a);
    }
  }

  function dropRemote(key: string): void {
    const r = remotes.get(key);
    if (r === undefined) return;
    remotes.delete(key);
    planner.forget(r.peer);
    admission.dropped(r.source);
  }

  function outboundOf(r: Remote): OutboundChannel<ChannelItem> {
    return (r.outbound ??= new OutboundChannel<ChannelItem>(
      {
        sink: {
          transmit: (channelSeq, item, attempt) => transmit(r.peer, channelSeq, item, attempt),
          gaveUp: (reason) => {
            counters.channelsGaveUp++;
            r.backlog = undefined;
            const who = `${r.peer.name}#${r.peer.incarnation}`;
            const err = new ChannelGaveUpError(r.peer.name, `reliable unicast channel to peer ${who} gave up: ${reason}`);
            emit({ kind: 'error', error: serializeError(err) });
          },
        },
      },
      config.retransmit,
    ));
  }

  function inboundOf(r: Remote): InboundChannel {
    return (r.inbound ??= new InboundChannel({ sink: { sendAck: (ack) => sendAck(r, ack) } }, config.retransmit));
  }

  function transmit(peer: PeerId, channelSeq: number, item: ChannelItem, attempt: number): void {
    if (attempt > 1) counters.channelResends++;
    else if (item.kind === 'nak') counters.naksSent++;
    else counters.retransmitFramesSent++;
    const frame =
      item.kind === 'nak'
        ? item.fragments === undefined
          ? { kind: 'nak' as const, sender: self, channelSeq, target: item.target, subject: item.subject, ranges: item.ranges }
          : { kind: 'nak' as const, sender: self, channelSeq, target: item.target, subject: item.subject, ranges: item.ranges, fragments: item.fragments }
        : { kind: 'retransmit' as const, sender: self, channelSeq, messages: item.messages, unavailable: item.unavailable };
    post(socket, { kind: 'frameOut', frame, destination: { kind: 'peer', peer } });
  }

  function sendAck(r: Remote, ack: AckState): void {
    for (const frame of packAcks(self, r.peer, ack, r.positions, maxBytes)) {
      counters.acksSent++;
      post(socket, { kind: 'frameOut', frame, destination: { kind: 'peer', peer: r.peer } });
    }
  }

  /**
   * Sends `item` on `r`'s channel, or holds it behind the items already waiting while the
   * channel has `maxInFlight` unacknowledged (a receiver catching up after a pause asks for
   * more than that at once: dropped, its repairs came back only as its NAKs were retried, and
   * it ran out of retries with the data still in the window). At most `maxInFlight` wait; past
   * that an item is dropped (`channelFull`) and the asker's next NAK asks again.
   */
  function send(item: ChannelItem, r: Remote): void {
    if ((r.backlog === undefined || r.backlog.length === 0) && outboundOf(r).send(now, item) !== undefined) return;
    const backlog = (r.backlog ??= new RingDeque<ChannelItem>());
    if (backlog.length >= config.retransmit.maxInFlight) {
      counters.channelFull++;
      return;
    }
    backlog.push(item);
    counters.channelHeld++;
  }

  /** Sends what waits for `r`'s channel while it has room (after an ACK). */
  function flushBacklog(r: Remote): void {
    const backlog = r.backlog;
    if (backlog === undefined) return;
    while (backlog.length > 0 && r.outbound !== undefined && r.outbound.send(now, backlog.first()!) !== undefined) backlog.shift();
    if (backlog.length === 0) r.backlog = undefined;
  }

  function resendTo(to: PeerId, messages: WireMessage[], unavailable: UnavailableRange[]): void {
    if (ledger !== undefined && unavailable.length > 0) {
      // Not in the window: the ledger may hold it. Its `served` answer comes back here.
      const bySubject = new Map<string, SeqRange[]>();
      for (const u of unavailable) {
        let list = bySubject.get(u.subject);
        if (list === undefined) bySubject.set(u.subject, (list = []));
        list.push({ from: u.from, to: u.to });
      }
      for (const [subject, ranges] of bySubject) {
        counters.ledgerRequests++;
        post(ledger, { kind: 'serveRequested', peer: to, subject, ranges });
      }
      unavailable = [];
      if (messages.length === 0) return;
    }
    const r = remoteFor(to);
    if (r === undefined) return;
    for (const part of packRetransmit(self, messages, unavailable, maxBytes)) send({ kind: 'retransmit', ...part }, r);
  }

  function onServed(peer: PeerId, subject: string, messages: readonly WireMessage[], unavailable: readonly SeqRange[]): void {
    counters.ledgerAnswers++;
    const r = remoteFor(peer);
    if (r === undefined || (messages.length === 0 && unavailable.length === 0)) return;
    const gone = unavailable.map((u) => ({ subject, from: u.from, to: u.to }));
    for (const part of packRetransmit(self, messages, gone, maxBytes)) send({ kind: 'retransmit', ...part }, r);
  }

  function resendToAll(messages: WireMessage[], unavailable: UnavailableRange[]): void {
    if (messages.length === 0) return;
    // The planner batches per subject: one audience for the whole call.
    const destinations = routes.routeOf(messages[0].subject).destinations;
    for (const part of packRetransmit(self, messages, unavailable, maxBytes)) {
      const frame: RetransmitFrame = { kind: 'retransmit', sender: self, channelSeq: 0, ...part };
      for (const destination of destinations) {
        counters.multicastFramesSent++;
        post(socket, { kind: 'frameOut', frame, destination });
      }
    }
  }

  function forward(sender: PeerId, frame: RetransmitFrame): void {
    if (frame.messages.length === 0 && frame.unavailable.length === 0) return;
    counters.retransmitsForwarded++;
    post(receiver, { kind: 'retransmitted', sender, messages: frame.messages, unavailable: frame.unavailable });
  }

  function onDatagram(msg: DatagramIn): void {
    const decoded = decodeFrame(msg.bytes);
    if (!decoded.ok) {
      counters.decodeErrors[decoded.reason] = (counters.decodeErrors[decoded.reason] ?? 0) + 1;
      return;
    }
    const frame = decoded.frame;
    if (frame.sender.name === self.name) {
      counters.unexpectedFrames++; // our own multicast, looped back
      return;
    }
    switch (frame.kind) {
      case 'nak': {
        if (!samePeer(frame.target, self)) {
          counters.notForUs++;
          break;
        }
        const r = remoteFor(frame.sender, sourceOf(msg.host, msg.port));
        if (r !== undefined && inboundOf(r).onFrame(now, frame.channelSeq) === 'new') {
          planner.onNak(now, frame.sender, frame.subject, frame.ranges, frame.fragments);
        }
        break;
      }
      case 'retransmit': {
        if (frame.channelSeq === 0) {
          forward(frame.sender, frame);
          break;
        }
        const r = remoteFor(frame.sender, sourceOf(msg.host, msg.port));
        if (r !== undefined && inboundOf(r).onFrame(now, frame.channelSeq) === 'new') forward(frame.sender, frame);
        break;
      }
      case 'ack': {
        if (!samePeer(frame.target, self)) {
          counters.notForUs++;
          break;
        }
        const acked = remotes.get(peerKey(frame.sender));
        acked?.outbound?.onAck(now, frame.cumulativeSeq, frame.selective);
        if (acked?.backlog !== undefined) flushBacklog(acked);
        if (frame.positions.length > 0) post(flow, { kind: 'positions', peer: frame.sender, positions: frame.positions });
        break;
      }
      case 'data':
      case 'heartbeat':
      case 'advert':
      case 'bye':
      case 'patternsRequest':
      case 'patternsDelta':
      case 'patternsDeltaRequest':
        counters.unexpectedFrames++;
        break;
      default:
        assertNever(frame);
    }
  }

  function onSent(datagrams: readonly Uint8Array[], streams: readonly StreamStart[]): void {
    announcer.onSent(now, streams);
    // The window's entry for a stream keeps the sender's subject string, not a copy read from
    // the datagram (asked only when it makes an entry: a new stream, or a parked one).
    let names: Map<string, string> | undefined;
    const canonical = (subject: string): string => (names ??= new Map(streams.map((s) => [s.subject, s.subject]))).get(subject) ?? subject;
    for (const d of datagrams) {
      try {
        window.addDatagram(d, canonical);
      } catch {
        counters.windowRejected++;
        releaseDatagram(d);
      }
    }
    // With the sender's mailbox full they wait for the next `sent` (reuse is only delayed: the
    // sender makes fresh slabs meanwhile), never dropped, or their memory would stay held.
    if (released.length > 0) {
      try {
        if (sender.trySend({ kind: 'datagramsReleased', buffers: released })) released = [];
        else counters.mailboxFull++;
      } catch {
        released = []; // the sender has stopped: nothing reuses its memory any more
      }
    }
  }

  function onNakRequested(target: PeerId, subject: string, ranges: readonly SeqRange[], fragments: readonly FragmentRange[] = []): void {
    if (samePeer(target, self)) return;
    const r = remoteFor(target);
    if (r === undefined) return;
    const valid = normalizeRanges(ranges, ranges.length).ranges.filter((x) => x.from >= 1);
    for (const chunk of splitNakRanges(self, target, subject, valid, maxBytes)) {
      send({ kind: 'nak', target, subject, ranges: chunk }, r);
    }
    // Fragments go in NAK frames of their own (no whole range), so they never overlap one.
    for (const chunk of splitNakFragments(self, target, subject, validFragments(fragments), maxBytes)) {
      send({ kind: 'nak', target, subject, ranges: [], fragments: chunk }, r);
    }
  }

  function onPositions(sender: PeerId, positions: readonly StreamPosition[]): void {
    if (samePeer(sender, self)) return;
    const r = remoteFor(sender);
    if (r === undefined) return;
    r.positions = positions;
    const ack = r.inbound?.ackState() ?? { cumulativeSeq: 0, selective: [] };
    r.inbound?.onAckSent();
    sendAck(r, ack);
  }

  function onUnicastTargets(list: readonly UnicastTarget[]): void {
    routes.setUnicastTargets(list);
  }

  /** The heartbeats due now; the streams that left them go to the flow actor for a verdict. */
  function sendDueHeartbeats(): void {
    const streams = announcer.dueStreams(now);
    const expired = announcer.takeExpired();
    if (expired.length > 0 && !flow.trySend({ kind: 'streamsIdle', subjects: expired })) {
      counters.mailboxFull++;
      onStreamsChecked([], expired);
    }
    sendHeartbeats(streams);
  }

  /** The flow actor's verdict on streams that left the heartbeats ({@link StreamAnnouncer.onChecked}). */
  function onStreamsChecked(unconfirmed: readonly string[], confirmed: readonly string[]): void {
    if (!announcer.onChecked(now, unconfirmed, confirmed) || unconfirmedSaid) return;
    unconfirmedSaid = true;
    const error = new LedgecastError(
      ERROR_CODES.limit,
      `a stream of ours was announced for ${MAX_RETAINED_ROUNDS} more rounds of sender.activeStreamTtlMs and a receiver still had not confirmed its newest message; it is no longer announced (its next message announces it again), counted in stats().actors.retransmit.heartbeats.unconfirmedExpired (said once)`,
    );
    emit({ kind: 'error', error: serializeError(error) });
  }

  /** Heartbeats naming `streams`, each to the audience of its subject. */
  function sendHeartbeats(streams: readonly StreamInfo[]): void {
    if (streams.length === 0) return;
    const byDestination = new Map<string, { destination: Destination; streams: StreamInfo[] }>();
    for (const s of streams) {
      const { destinations, destinationKeys } = routes.routeOf(s.subject);
      for (let i = 0; i < destinations.length; i++) {
        let entry = byDestination.get(destinationKeys[i]);
        if (entry === undefined) byDestination.set(destinationKeys[i], (entry = { destination: destinations[i], streams: [] }));
        entry.streams.push(s);
      }
    }
    for (const { destination, streams: list } of byDestination.values()) {
      for (const frame of packHeartbeats(self, list, maxBytes)) {
        counters.heartbeatFramesSent++;
        post(socket, { kind: 'frameOut', frame, destination });
      }
    }
  }

  function onTimer(): void {
    now = ctx.clock();
    planner.onTimer(now);
    for (const r of remotes.values()) {
      r.outbound?.onTimer(now);
      r.inbound?.onTimer(now);
    }
    sendDueHeartbeats();
    armTimer();
  }

  function armTimer(): void {
    let at = earliest(planner.nextDeadlineMs(), announcer.heartbeats.nextDeadlineMs());
    for (const r of remotes.values()) at = earliest(at, r.outbound?.nextDeadlineMs(), r.inbound?.nextDeadlineMs());
    if (at === undefined) ctx.clearTimer();
    else ctx.setTimer(at, onTimer);
  }

  function channelTotals(): Record<string, number> {
    const t = { inFlight: 0, acked: 0, gaveUp: 0, duplicatesIn: 0, invalidIn: 0, invalidAcks: 0 };
    for (const r of remotes.values()) {
      if (r.outbound !== undefined) {
        t.inFlight += r.outbound.inFlightCount;
        t.acked += r.outbound.counters.acked;
        t.gaveUp += r.outbound.counters.gaveUp;
        t.invalidAcks += r.outbound.counters.invalidAcks;
      }
      if (r.inbound !== undefined) {
        t.duplicatesIn += r.inbound.counters.duplicates;
        t.invalidIn += r.inbound.counters.invalid;
      }
    }
    return t;
  }

  return {
    name: ctx.name,
    start(c) {
      socket = c.ref<SocketInbox>('socket');
      sender = c.ref<SenderInbox>('sender');
      receiver = c.ref<ReceiverInbox>('receiver');
      flow = c.ref<FlowInbox>('flow');
      receivers = c.ref<ReceiversInbox>('receivers');
      if (config.ledger !== undefined) ledger = c.ref<LedgerInbox>('ledger');
    },
    receive(msg) {
      now = ctx.clock();
      switch (msg.kind) {
        case 'datagramIn':
          onDatagram(msg);
          break;
        case 'sent':
          onSent(msg.datagrams, msg.streams);
          break;
        case 'nakRequested':
          onNakRequested(msg.target, msg.subject, msg.ranges, msg.fragments);
          break;
        case 'positions':
          onPositions(msg.sender, msg.positions);
          break;
        case 'unicastTargets':
          onUnicastTargets(msg.targets);
          break;
        case 'peerGone':
          dropRemote(peerKey(msg.peer));
          break;
        case 'closing': {
          // The peer sends this a few times, spaced. The same final entries go in the last
          // heartbeat and in the BYE that follows it (the receivers actor sends it to every
          // peer), so a receiver that misses every last heartbeat still learns each tail.
          const streams = announcer.finalStreams(now);
          sendHeartbeats(streams);
          post(receivers, { kind: 'leaving', streams });
          break;
        }
        case 'ledgerResumed':
          announcer.onLedgerResumed(now, msg.seqFloor, msg.streams);
          break;
        case 'ledgerStreams':
          ledgerStreams?.update(msg.streams);
          break;
        case 'served':
          onServed(msg.peer, msg.subject, msg.messages, msg.unavailable);
          break;
        case 'streamsChecked':
          onStreamsChecked(msg.unconfirmed, msg.confirmed);
          break;
        default:
          assertNever(msg);
      }
      armTimer();
    },
    stop() {
      ctx.clearTimer();
    },
    stats: () => ({
      ...counters,
      decodeErrors: { ...counters.decodeErrors },
      remotes: remotes.size,
      channels: channelTotals(),
      window: { ...window.counters },
      planner: { ...planner.counters },
      heartbeats: { ...announcer.heartbeats.counters },
    }),
  };
}
