/**
 * The retransmit actor's shell (`'retransmit'`): keeps the sender window, announces our streams
 * in heartbeats, serves NAKs, and owns the reliable-unicast channels to every remote peer.
 *
 * Owns (touched on its thread only): one {@link SenderWindow} (fed by the sender's `sent`), one
 * {@link StreamAnnouncer} (heartbeats), one {@link RetransmitPlanner}, and the
 * {@link RemoteChannels}: per remote peer incarnation its reliable-unicast channels (our NAKs and
 * RETRANSMITs to it, its to us) and our receiver's latest positions on its streams.
 *
 * Accepts: NAK, ACK and RETRANSMIT datagrams (one that does not decode is counted and dropped),
 * `sent`, `nakRequested`, `positions`, `unicastTargets`, `peerGone`, `closing`, `streamsChecked`,
 * `streamsWake`.
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
 * Bounds: the remotes and their channels are {@link RemoteChannels}'s (`receiverList.maxPeers`,
 * `maxPeersPerSource`, `maxInFlight`); the cores bound the rest.
 *
 * With a ledger (`config.ledger`): ranges the window does not hold (evicted, or sent before this
 * incarnation: {@link LedgerStreams.view}) are not reported unavailable at once but asked of the
 * ledger actor (`serveRequested`); its `served` answer goes to the asker as RETRANSMIT. Streams
 * resumed from the ledger are announced in heartbeats after a restart, and heartbeats state the
 * ledger's `lowSeq`, so receivers NAK what the ledger still holds instead of reporting it lost.
 */
import { ProvenSources } from '../proven-sources.js';
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
import { samePeer } from '../../codecs/frame.js';
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
import type { AckState } from './inbound-channel.js';
import type { RetransmitInbox } from './messages.js';
import { RemoteChannels, type Remote, type RemoteChannelCounters } from './remote-channels.js';
import { sourceOf } from '../membership/source-quota.js';
import { RetransmitPlanner } from './retransmit-planner.js';
import { StreamAnnouncer } from './stream-announcer.js';
import { normalizeRanges } from './seq-ranges.js';
import { LedgerStreams } from '../ledger/ledger-streams.js';
import type { LedgerInbox } from '../ledger/messages.js';
import { isPooledSlab } from '../../codecs/slab-pool.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';
import { ReportBudget } from '../report-budget.js';

/** Channel give-ups said as `error` events per minute, at most (the rest are counted only). */
const GAVE_UP_REPORTS = 10;

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

/** What the shell counts (`stats()`), besides the cores' counters. */
export interface RetransmitActorCounters extends RemoteChannelCounters {
  /** Datagrams that did not decode, by reason. */
  decodeErrors: Record<string, number>;
  /** Decoded frames of a kind this actor does not handle, or from ourselves. */
  unexpectedFrames: number;
  /** NAK, RETRANSMIT and ACK frames naming a listed peer that came from an address it is not proven to use: ignored. */
  unprovenFrames: number;
  /** NAK and ACK frames addressed to another peer. */
  notForUs: number;
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
    unprovenFrames: 0,
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
   * Datagrams of the sender's slabs (reused memory, given to a window on the sender's thread)
   * the window let go: handed back to the sender, which reuses their memory
   * (codecs/slab-pool.ts). A window on another thread got copies, which it simply drops.
   */
  let released: ArrayBufferLike[] = [];
  const releaseDatagram = (d: Uint8Array): void => {
    if (isPooledSlab(d.buffer)) released.push(d.buffer);
  };
  // The flow actor tells it what receivers confirmed ('confirmed'); until then a message is kept as unconfirmed.
  const window = new SenderWindow({ onDatagramReleased: releaseDatagram, awaitConfirmation: true }, config.sender);
  const ledgerStreams = config.ledger === undefined ? undefined : new LedgerStreams(config.sender.maxStreams);
  /** Our streams in heartbeats, and the facts their entries carry. */
  const announcer = new StreamAnnouncer(config.sender, window, ledgerStreams);
  /** Where each listed peer is proven to send from (`peerSources`), by name; at most the listed peers. */
  const provenSources = new ProvenSources();
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
  /**
   * Channel give-ups said as `error` events: at most {@link GAVE_UP_REPORTS} a minute, the rest
   * counted only (`channels.gaveUp`). Forged frames under made-up incarnations open channels that
   * can only give up: a user-style check's hostile process raised 20-146 such events per peer in
   * 13 s (6 December).
   */
  const gaveUpReports = new ReportBudget(GAVE_UP_REPORTS, 60_000);
  /** Where each of our subjects' frames go (the sender keeps the same table for DATA). */
  const routes = new RouteTable(new GroupMap(config.groupMap), config.socket.multicast);
  const remotes = new RemoteChannels<ChannelItem>(
    {
      transmit: (peer, channelSeq, item, attempt) => transmit(peer, channelSeq, item, attempt),
      sendAck: (r, ack) => sendAck(r, ack),
      gaveUp: (peer, reason) => {
        if (!gaveUpReports.take(now)) return;
        const err = new ChannelGaveUpError(peer.name, `reliable unicast channel to peer ${peer.name}#${peer.incarnation} gave up: ${reason}`);
        emit({ kind: 'error', error: serializeError(err) });
      },
      dropped: (peer) => planner.forget(peer),
    },
    counters,
    config.retransmit,
    config.receiverList,
  );
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
  function remoteFor(peer: PeerId, source?: string): Remote<ChannelItem> | undefined {
    return remotes.remoteFor(now, peer, source);
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

  function sendAck(r: Remote<ChannelItem>, ack: AckState): void {
    for (const frame of packAcks(self, r.peer, ack, r.positions, maxBytes)) {
      counters.acksSent++;
      post(socket, { kind: 'frameOut', frame, destination: { kind: 'peer', peer: r.peer } });
    }
  }

  function send(item: ChannelItem, r: Remote<ChannelItem>): void {
    remotes.send(now, item, r);
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
    // A listed peer's frames count only from where it is proven to send from (as its BYE).
    if (provenSources.refuses(frame.sender, msg.host, msg.port)) {
      counters.unprovenFrames++;
      return;
    }
    switch (frame.kind) {
      case 'nak': {
        if (!samePeer(frame.target, self)) {
          counters.notForUs++;
          break;
        }
        const source = sourceOf(msg.host, msg.port);
        const r = remoteFor(frame.sender, source);
        if (r !== undefined && remotes.inboundOf(r).onFrame(now, frame.channelSeq) === 'new') {
          // Only peers we list (their addresses known: `peerSources`) make a resend go to the
          // group, one vote per address their NAKs come from (names sharing a socket count once).
          const voter = provenSources.isListed(frame.sender) ? source : null;
          planner.onNak(now, frame.sender, frame.subject, frame.ranges, frame.fragments, voter);
        }
        break;
      }
      case 'retransmit': {
        if (frame.channelSeq === 0) {
          forward(frame.sender, frame);
          break;
        }
        const r = remoteFor(frame.sender, sourceOf(msg.host, msg.port));
        if (r !== undefined && remotes.inboundOf(r).onFrame(now, frame.channelSeq) === 'new') forward(frame.sender, frame);
        break;
      }
      case 'ack': {
        if (!samePeer(frame.target, self)) {
          counters.notForUs++;
          break;
        }
        remotes.onAck(now, frame.sender, frame.cumulativeSeq, frame.selective);
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
    remotes.onTimer(now);
    sendDueHeartbeats();
    armTimer();
  }

  function armTimer(): void {
    const at = remotes.nextDeadlineMs(earliest(planner.nextDeadlineMs(), announcer.heartbeats.nextDeadlineMs()));
    if (at === undefined) ctx.clearTimer();
    else ctx.setTimer(at, onTimer);
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
          remotes.drop(msg.peer, msg.retired === true);
          provenSources.forget(msg.peer.name, msg.peer.incarnation);
          break;
        case 'peerSources':
          provenSources.set(msg.peer, msg.sources);
          break;
        case 'unsent':
          announcer.onUnsent(msg.streams);
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
        case 'streamsWake':
          announcer.wake(now, msg.subjects);
          break;
        case 'confirmed':
          for (let i = 0; i < msg.subjects.length && i < msg.seqs.length; i++) window.setConfirmed(msg.subjects[i], msg.seqs[i]);
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
      channels: remotes.totals(),
      window: { ...window.counters },
      planner: { ...planner.counters },
      heartbeats: { ...announcer.heartbeats.counters },
    }),
  };
}
