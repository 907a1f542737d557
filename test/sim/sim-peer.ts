/**
 * One simulated peer: every pure core of the protocol wired together exactly as the actors
 * wire them, with the simulator's clock, PRNG and network in place of timers and sockets.
 *
 * Start-up, as the actors do it: the first advert (and a retry halfway through `discoveryMs`)
 * solicits answers, answered at once (at most once per advertIntervalMs / 4 per peer); for
 * `discoveryMs` a stream no known receiver limits may run 1/16 of its flow window ahead of its
 * first seq, and a receiver learnt meanwhile counts from the stream's start (the flow actor);
 * DATA stream entries and HEARTBEAT entries carry the stream's age (the sender and retransmit
 * actors' `firstSentMs`); the receiver knows since when each subscription exists (all from
 * t = 0 here: `interestSinceMs`), so a stream heard of late begins at its start.
 */
import type { Rng } from '../../actors/core.js';
import { earliest } from '../../actors/core.js';
import {
  ADVERT_FLAGS,
  peerKey,
  samePeer,
  type AckFrame,
  type FragmentRange,
  type Frame,
  type NakFrame,
  type PeerId,
  type RetransmitFrame,
  type SeqRange,
  type StreamInfo,
  type UnavailableRange,
  type WireMessage,
} from '../../codecs/frame.js';
import { decodeFrameRecords, encodeFrame, encodedSize } from '../../codecs/frame-codec.js';
import { DataRecords } from '../../codecs/data-records.js';
import { HeartbeatScheduler, SenderWindow, SequenceGenerator, fragmentPayload, resolveSenderOptions } from '../../actors/sender/index.js';
import { FlowControl } from '../../actors/flow/index.js';
import { Receiver, type DeliveredMessage } from '../../actors/receiver/index.js';
import { InboundChannel, OutboundChannel, RetransmitPlanner, resolveRetransmitOptions } from '../../actors/retransmit/index.js';
import { PatternMatcher } from '../../actors/subjects/index.js';
import { ReceiverList } from '../../actors/membership/index.js';
import type { SimNetwork } from './sim-network.js';


/** Receiver `idleStreamMs` in the simulator: short, so runs park and unpark streams. */
const SIM_IDLE_STREAM_MS = 200;
export interface SimPeerConfig {
  name: string;
  incarnation: number;
  patterns: readonly string[];
  maxDatagramBytes: number;
  windowMessages: number;
  windowBytes: number;
  reorderBufferMessages: number;
  flowWindowMessages: number;
  flowPolicy: 'min' | 'max';
  advertIntervalMs: number;
  /** Start-up discovery (the peer's `discoveryMs`): 0 turns the start-up rules off. */
  discoveryMs: number;
  ackIntervalMs: number;
  nakMaxRetries: number;
}

/** What the checker needs to know about one loss report. */
export interface LossRecord {
  sender: string;
  subject: string;
  from: number;
  to: number;
  reason: string;
  atMs: number;
}

type ChannelItem =
  | { kind: 'nak'; target: PeerId; subject: string; ranges: SeqRange[]; fragments?: FragmentRange[] }
  | { kind: 'retransmit'; messages: WireMessage[]; unavailable: UnavailableRange[] };

export class SimPeer {
  readonly id: PeerId;
  readonly delivered: DeliveredMessage[] = [];
  readonly losses: LossRecord[] = [];
  readonly published: { subject: string; seq: number; lastSeq: number; payload: Uint8Array }[] = [];
  readonly decodeErrors = new Map<string, number>();
  /** Every seq the sender window evicted, per subject: what a NAK can no longer recover. */
  readonly evicted = new Map<string, Set<number>>();
  readonly stats = { framesSent: 0, naksSent: 0, retransmitFramesSent: 0, channelGaveUp: 0, dataFrames: 0, timerSpins: 0, advertReplies: 0 };

  readonly sequences = new SequenceGenerator();
  readonly window: SenderWindow;
  readonly flow: FlowControl;
  readonly heartbeats: HeartbeatScheduler;
  /** Streams that left the heartbeats in the current timer round, for the flow verdict. */
  private readonly expiredStreams: string[] = [];
  readonly planner: RetransmitPlanner;
  readonly receiver: Receiver;
  readonly receivers: ReceiverList;
  private readonly subscriptions = new PatternMatcher<string>();
  private readonly retransmitOptions = resolveRetransmitOptions({});

  private readonly outbound = new Map<string, OutboundChannel<ChannelItem>>();
  private readonly inbound = new Map<string, InboundChannel>();
  private readonly known = new Map<string, PeerId>();
  private batch: WireMessage[] = [];
  private batchBytes = 0;
  private pending: { subject: string; payload: Uint8Array; flags: number }[] = [];
  /** When each of our streams' first message went out (its age goes in DATA and HEARTBEAT). */
  private readonly firstSentMs = new Map<string, number>();
  /** When each of our streams' first message went out (read-only view, for the scenario's statistics). */
  get firstSentAtMs(): ReadonlyMap<string, number> {
    return this.firstSentMs;
  }
  /** Receivers' patterns from their adverts (the flow actor's `receiverJoined`). */
  private readonly receiverPatterns = new Map<string, { peer: PeerId; patterns: PatternMatcher<true> }>();
  /** When each soliciting peer was last answered. */
  private readonly answeredAtMs = new Map<string, number>();
  private readonly startedMs: number;
  private advertsSent = 0;
  private nextAdvertMs = 0;
  private nextAckMs = 0;
  private timerAtMs: number | undefined;
  /** True while `onTimer` runs: cores called from it arm nothing (it re-arms once, at its end). */
  private inTimer = false;
  private alive = true;

  constructor(
    private readonly config: SimPeerConfig,
    private readonly network: SimNetwork,
    private readonly schedule: (atMs: number, run: () => void) => void,
    private readonly now: () => number,
    rng: Rng,
  ) {
    this.id = { name: config.name, incarnation: config.incarnation };
    this.startedMs = now();
    for (const p of config.patterns) this.subscriptions.add(p, p);
    const senderOptions = resolveSenderOptions({
      windowMaxMessages: config.windowMessages,
      windowMaxBytes: config.windowBytes,
      flowWindowMessages: config.flowWindowMessages,
      flowPolicy: config.flowPolicy,
      maxMessageBytes: 32 * 1024,
      maxFragmentBytes: 1024,
    });
    this.window = new SenderWindow({ onEvict: (subject, seq) => this.evictedSet(subject).add(seq) }, senderOptions);
    this.flow = new FlowControl({ sink: { slowConsumer: () => {}, windowOpened: () => this.drainPending() } }, senderOptions);
    if (config.discoveryMs > 0) this.flow.startDiscovery(this.startedMs + config.discoveryMs);
    this.heartbeats = new HeartbeatScheduler(senderOptions, { expired: (subject) => this.expiredStreams.push(subject) });
    this.planner = new RetransmitPlanner(
      {
        window: {
          serve: (subject, from, to, max) => this.window.serve(subject, from, to, max),
          serveFragments: (subject, range) => this.window.serveFragments(subject, range),
        },
        sink: {
          unicast: (to, messages, unavailable) => this.sendRetransmit(to, messages, unavailable),
          multicast: (messages, unavailable) => this.multicastRetransmit(messages, unavailable),
        },
      },
      this.retransmitOptions,
    );
    this.receiver = new Receiver(
      {
        rng,
        isInterested: (subject) => this.subscriptions.matches(subject),
        // Every subscription exists from the peer's start.
        interestSinceMs: (subject) => (this.subscriptions.matches(subject) ? this.startedMs : undefined),
        sink: {
          deliver: (sender, m) => this.delivered.push({ sender, subject: m.subject, seq: m.seq, lastSeq: m.seq, flags: m.flags, replyTo: m.replyTo, payload: m.payload }),
          requestNak: (target, subject, ranges, fragments) => this.sendNak(target, subject, ranges, fragments),
          dataLoss: (loss) =>
            this.losses.push({ sender: loss.sender.name, subject: loss.subject, from: loss.from, to: loss.to, reason: loss.reason, atMs: this.now() }),
          streamReset: () => {},
        },
      },
      // Streams park after 200 ms quiet (60 s in the library), so the seeds drive parking and
      // unparking under loss, partitions and restarts.
      { maxBufferedMessages: config.reorderBufferMessages, nakMaxRetries: config.nakMaxRetries, idleStreamMs: SIM_IDLE_STREAM_MS },
    );
    this.receivers = new ReceiverList(
      {
        sink: {
          peerJoined: (entry) => {
            this.known.set(entry.peer.name, entry.peer);
            this.receiver.setListed(entry.peer.name, true);
            this.onReceiverJoined(entry.peer, entry.patterns);
            // The receivers actor's `senderAdvertised`: the receiver's evidence for this incarnation.
            this.receiver.onAdvert(this.now(), entry.peer);
          },
          peerLeft: (peer) => {
            this.receiver.setListed(peer.name, false);
            this.receiverPatterns.delete(peerKey(peer));
            this.flow.removeReceiver(peer);
            if (this.known.get(peer.name)?.incarnation === peer.incarnation) this.known.delete(peer.name);
          },
          multicastUnreachable: () => {},
        },
      },
      {},
    );
    this.receivers.setSelf(this.id);
    network.attach(config.name, (bytes, from, via) => this.onDatagram(bytes, from, via));
    this.wake();
  }

  /** Publishes one message (fragmented when larger than a datagram). */
  publish(subject: string, payload: Uint8Array, flags = 0): void {
    this.pending.push({ subject, payload, flags });
    this.drainPending();
    this.flushBatch();
    this.wake();
  }

  /** The peer leaves cleanly: BYE, then silence. */
  leave(): void {
    this.flushBatch();
    this.send({ kind: 'bye', sender: this.id });
    this.alive = false;
    this.network.detach(this.config.name);
  }

  private evictedSet(subject: string): Set<number> {
    let set = this.evicted.get(subject);
    if (!set) this.evicted.set(subject, (set = new Set()));
    return set;
  }

  /** Whether a local subscription matches `subject`. */
  isSubscribed(subject: string): boolean {
    return this.subscriptions.matches(subject);
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  private drainPending(): void {
    const now = this.now();
    while (this.pending.length > 0) {
      const next = this.pending[0];
      const maxFragment = this.config.maxDatagramBytes - 128 - next.subject.length;
      const pieces = fragmentPayload(next.payload, maxFragment, next.flags);
      // One seq per application message: its fragments share it.
      const nextSeq = this.sequences.last(next.subject) + 1;
      const verdict = this.flow.canSend(now, next.subject, nextSeq, next.payload.byteLength);
      if (!verdict.ok) return;
      // The flow actor's credit (1/16 of a window while discovery lasts and nobody limits the stream).
      if (nextSeq > this.flow.creditLimit(now, next.subject)) return; // until discovery ends (timer)
      this.pending.shift();
      const newStream = !this.firstSentMs.has(next.subject);
      const seq = this.sequences.nextRange(next.subject, 1);
      if (newStream) this.firstSentMs.set(next.subject, now);
      for (const piece of pieces) {
        const msg: WireMessage =
          piece.fragCount === 1
            ? { subject: next.subject, seq, flags: piece.flags, payload: piece.payload }
            : { subject: next.subject, seq, flags: piece.flags, payload: piece.payload, fragIndex: piece.fragIndex, fragCount: piece.fragCount };
        this.addToBatch(msg);
      }
      if (newStream) {
        // Receivers already known count for the new stream (the flow actor's first sentUpTo).
        for (const r of this.receiverPatterns.values()) {
          if (r.patterns.matches(next.subject)) this.flow.addReceiver(now, r.peer, next.subject);
        }
      }
      this.flow.onSent(now, next.subject, seq, next.payload.byteLength);
      this.published.push({ subject: next.subject, seq, lastSeq: seq, payload: next.payload });
      this.heartbeats.onSent(now, next.subject);
    }
  }

  private discovering(nowMs: number): boolean {
    return this.flow.discovering(nowMs);
  }

  /** A receiver's advert: it counts for our streams its patterns match (from their start while discovering). */
  private onReceiverJoined(peer: PeerId, patterns: readonly string[]): void {
    const matcher = new PatternMatcher<true>({ cacheSize: 0 });
    for (const p of patterns) matcher.add(p, true);
    this.receiverPatterns.set(peerKey(peer), { peer, patterns: matcher });
    const now = this.now();
    for (const subject of this.firstSentMs.keys()) {
      if (matcher.matches(subject)) this.flow.addReceiver(now, peer, subject);
    }
  }

  /** Our advert; the first and a retry halfway through discovery solicit answers. */
  private advertise(nowMs: number): void {
    const first = this.advertsSent === 0;
    const soliciting = first || this.discovering(nowMs);
    this.advertsSent++;
    this.nextAdvertMs =
      nowMs + (first && this.config.discoveryMs > 0 ? Math.max(10, Math.min(this.config.advertIntervalMs, this.config.discoveryMs / 2)) : this.config.advertIntervalMs);
    const flags = ADVERT_FLAGS.multicast | (soliciting ? ADVERT_FLAGS.solicit : 0);
    this.send({ kind: 'advert', sender: this.id, host: '127.0.0.1', port: 1, flags, patterns: this.config.patterns });
  }

  /** A soliciting advert is answered at once, by multicast, at most once per advertIntervalMs / 4 per peer. */
  private answerSolicit(nowMs: number, peer: PeerId): void {
    const key = peerKey(peer);
    const last = this.answeredAtMs.get(key);
    if (last !== undefined && nowMs - last < this.config.advertIntervalMs / 4) return;
    this.answeredAtMs.set(key, nowMs);
    this.stats.advertReplies++;
    this.send({ kind: 'advert', sender: this.id, host: '127.0.0.1', port: 1, flags: ADVERT_FLAGS.multicast, patterns: this.config.patterns });
  }

  private addToBatch(msg: WireMessage): void {
    const cost = msg.payload.byteLength + msg.subject.length + 40;
    if (this.batch.length > 0 && this.batchBytes + cost > this.config.maxDatagramBytes - 64) this.flushBatch();
    this.batch.push(msg);
    this.batchBytes += cost;
  }

  private flushBatch(): void {
    if (this.batch.length === 0) return;
    const messages = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const subjects = [...new Set(messages.map((m) => m.subject))];
    const now = this.now();
    const streams = subjects.map((subject) => ({
      subject,
      startSeq: this.sequences.startSeq(subject),
      ageMs: now - (this.firstSentMs.get(subject) ?? now),
    }));
    this.stats.dataFrames++;
    // The window keeps the datagram as it is sent (the retransmit actor's window, fed by the sender's `sent`).
    const bytes = encodeFrame({ kind: 'data', sender: this.id, streams, messages });
    this.window.addDatagram(bytes);
    this.sendBytes(bytes);
  }

  private send(frame: Frame, to?: PeerId): void {
    this.sendBytes(encodeFrame(frame), to);
  }

  private sendBytes(bytes: Uint8Array, to?: PeerId): void {
    if (!this.alive) return;
    if (bytes.byteLength > this.config.maxDatagramBytes) throw new Error(`frame of ${bytes.byteLength} bytes exceeds the datagram size`);
    this.stats.framesSent++;
    if (to) this.network.unicast(this.config.name, to.name, bytes);
    else this.network.multicast(this.config.name, bytes);
  }

  private channelTo(peer: PeerId): OutboundChannel<ChannelItem> {
    const key = peerKey(peer);
    let ch = this.outbound.get(key);
    if (!ch) {
      ch = new OutboundChannel<ChannelItem>(
        {
          sink: {
            transmit: (channelSeq, item) => this.transmitChannelItem(peer, channelSeq, item),
            gaveUp: (_reason, _dropped) => {
              this.stats.channelGaveUp++;
            },
          },
        },
        this.retransmitOptions,
      );
      this.outbound.set(key, ch);
    }
    return ch;
  }

  private transmitChannelItem(peer: PeerId, channelSeq: number, item: ChannelItem): void {
    if (item.kind === 'nak') {
      const frame: NakFrame =
        item.fragments === undefined
          ? { kind: 'nak', sender: this.id, channelSeq, target: item.target, subject: item.subject, ranges: item.ranges }
          : { kind: 'nak', sender: this.id, channelSeq, target: item.target, subject: item.subject, ranges: item.ranges, fragments: item.fragments };
      this.stats.naksSent++;
      this.send(frame, peer);
    } else {
      const frame: RetransmitFrame = { kind: 'retransmit', sender: this.id, channelSeq, messages: item.messages, unavailable: item.unavailable };
      this.stats.retransmitFramesSent++;
      this.send(frame, peer);
    }
  }

  private sendNak(target: PeerId, subject: string, ranges: SeqRange[], fragments?: FragmentRange[]): void {
    // Whole ranges and fragment ranges in NAK frames of their own, each within the codec's limits.
    for (let i = 0; i < ranges.length; i += 64) {
      this.channelTo(target).send(this.now(), { kind: 'nak', target, subject, ranges: ranges.slice(i, i + 64) });
    }
    for (let i = 0; i < (fragments?.length ?? 0); i += 64) {
      this.channelTo(target).send(this.now(), { kind: 'nak', target, subject, ranges: [], fragments: fragments!.slice(i, i + 64) });
    }
    this.wake();
  }

  private sendRetransmit(to: PeerId, messages: WireMessage[], unavailable: UnavailableRange[]): void {
    for (const part of this.packRetransmits(messages, unavailable)) this.channelTo(to).send(this.now(), { kind: 'retransmit', ...part });
  }

  private multicastRetransmit(messages: WireMessage[], unavailable: UnavailableRange[]): void {
    for (const part of this.packRetransmits(messages, unavailable)) {
      this.stats.retransmitFramesSent++;
      this.send({ kind: 'retransmit', sender: this.id, channelSeq: 0, ...part });
    }
  }

  /** Splits a retransmission into frames that each fit one datagram. */
  private packRetransmits(messages: WireMessage[], unavailable: UnavailableRange[]): { messages: WireMessage[]; unavailable: UnavailableRange[] }[] {
    const parts: { messages: WireMessage[]; unavailable: UnavailableRange[] }[] = [];
    let current: WireMessage[] = [];
    const fits = (list: WireMessage[]): boolean =>
      encodedSize({ kind: 'retransmit', sender: this.id, channelSeq: 1, messages: list, unavailable: [] }) <= this.config.maxDatagramBytes - 512;
    for (const m of messages) {
      current.push(m);
      if (current.length > 1 && !fits(current)) {
        current.pop();
        parts.push({ messages: current, unavailable: [] });
        current = [m];
      }
    }
    if (current.length > 0 || unavailable.length > 0) parts.push({ messages: current, unavailable: unavailable.slice(0, 16) });
    for (let i = 16; i < unavailable.length; i += 16) parts.push({ messages: [], unavailable: unavailable.slice(i, i + 16) });
    return parts;
  }

  /** A datagram from the peer named `from` (its source address on the simulated network). */
  private onDatagram(bytes: Uint8Array, from: string, via: 'multicast' | 'unicast'): void {
    if (!this.alive) return;
    const now = this.now();
    // As the receiver actor does: DATA stays bytes, its records handed over one by one.
    const decoded = decodeFrameRecords(bytes);
    if (!decoded.ok) {
      this.decodeErrors.set(decoded.reason, (this.decodeErrors.get(decoded.reason) ?? 0) + 1);
      return;
    }
    const frame = decoded.frame;
    if (frame.sender.name === this.id.name) return;
    this.receivers.onHeard(now, frame.sender, via);
    if (frame instanceof DataRecords) {
      for (let i = 0, o = frame.firstRecord; i < frame.count; i++, o = frame.recordEnd(o)) this.receiver.onDataRecord(now, frame, o);
      return;
    }
    switch (frame.kind) {
      case 'data': // (decoded as DataRecords above)
        break;
      case 'heartbeat':
        this.receiver.onHeartbeat(now, frame.sender, frame.streams);
        break;
      case 'nak':
        if (!samePeer(frame.target, this.id)) break;
        if (this.acceptChannelFrame(frame.sender, frame.channelSeq)) this.planner.onNak(now, frame.sender, frame.subject, frame.ranges, frame.fragments);
        break;
      case 'retransmit':
        if (frame.channelSeq > 0 && !this.acceptChannelFrame(frame.sender, frame.channelSeq)) break;
        for (const m of frame.messages) this.receiver.onData(now, frame.sender, 0, m);
        for (const u of frame.unavailable) this.receiver.onUnavailable(now, frame.sender, u.subject, u.from, u.to);
        break;
      case 'ack':
        if (!samePeer(frame.target, this.id)) break;
        this.outbound.get(peerKey(frame.sender))?.onAck(now, frame.cumulativeSeq, frame.selective);
        for (const p of frame.positions) this.flow.onPosition(now, frame.sender, p.subject, p.seq);
        break;
      case 'advert':
        this.receivers.onAdvert(now, frame, via, from);
        if ((frame.flags & ADVERT_FLAGS.solicit) !== 0) this.answerSolicit(now, frame.sender);
        break;
      case 'bye':
        // Honoured only from where the peer is proven to send from (the receivers actor's rule).
        if (this.receivers.isProvenSource(now, frame.sender, from)) this.receiver.onSenderLeft(frame.sender.name, 'bye', frame.sender.incarnation);
        this.receivers.onBye(now, frame.sender, from);
        break;
    }
    this.drainPending();
    this.flushBatch();
    this.wake();
  }

  /** Dedupes a reliable-unicast frame and acknowledges it at once. */
  private acceptChannelFrame(from: PeerId, channelSeq: number): boolean {
    const key = peerKey(from);
    let ch = this.inbound.get(key);
    if (!ch) {
      ch = new InboundChannel({ sink: { sendAck: () => {} } }, this.retransmitOptions);
      this.inbound.set(key, ch);
    }
    const verdict = ch.onFrame(this.now(), channelSeq);
    this.sendAck(from, ch);
    return verdict === 'new';
  }

  private sendAck(to: PeerId, ch: InboundChannel | undefined): void {
    const state = ch?.ackState() ?? { cumulativeSeq: 0, selective: [] };
    const frame: AckFrame = {
      kind: 'ack',
      sender: this.id,
      target: to,
      cumulativeSeq: state.cumulativeSeq,
      selective: state.selective,
      positions: this.receiver.positions(to.name).slice(0, 64),
    };
    this.send(frame, to);
  }

  private onTimer(): void {
    if (!this.alive) return;
    const now = this.now();
    if (now >= this.nextAdvertMs) this.advertise(now);
    if (now >= this.nextAckMs) {
      this.nextAckMs = now + this.config.ackIntervalMs;
      for (const sender of this.receiver.senders()) this.sendAck(sender, this.inbound.get(peerKey(sender)));
      this.receiver.parkIdle(now);
    }
    this.receiver.onTimer(now);
    this.planner.onTimer(now);
    this.flow.onTimer(now);
    this.receivers.onTimer(now);
    for (const ch of this.outbound.values()) ch.onTimer(now);
    for (const ch of this.inbound.values()) ch.onTimer(now);
    const due = this.heartbeats.onTimer(now);
    if (due) {
      this.send({
        kind: 'heartbeat',
        sender: this.id,
        streams: due.map((subject) => this.streamInfoOf(now, subject)),
      });
    }
    // The flow actor's verdict (`streamsIdle` → `streamsChecked`): a stream a receiver has not
    // confirmed is announced for longer.
    for (const subject of this.expiredStreams.splice(0)) {
      if (this.flow.awaitsConfirmation(subject)) this.heartbeats.retain(now, subject);
      else this.heartbeats.release(subject);
    }
    this.drainPending();
    this.flushBatch();
  }

  /** A HEARTBEAT entry with the stream's age (the retransmit actor's streamInfoOf). */
  private streamInfoOf(nowMs: number, subject: string): StreamInfo {
    const info = this.window.streamInfo(subject, this.sequences.startSeq(subject));
    const first = this.firstSentMs.get(subject);
    return first === undefined ? info : { ...info, ageMs: Math.max(0, nowMs - first) };
  }

  /** Arms the single simulated timer at the earliest deadline of any core. */
  private wake(afterTimer = false): void {
    if (!this.alive || this.inTimer) return;
    let at = earliest(
      this.nextAdvertMs,
      // The end of discovery releases streams held to the start-up credit.
      this.pending.length > 0 && this.discovering(this.now()) ? this.startedMs + this.config.discoveryMs : undefined,
      this.receiver.senders().length > 0 ? this.nextAckMs : undefined,
      this.receiver.nextDeadlineMs(),
      this.planner.nextDeadlineMs(),
      this.flow.nextDeadlineMs(),
      this.receivers.nextDeadlineMs(),
      this.heartbeats.nextDeadlineMs(),
      ...[...this.outbound.values()].map((c) => c.nextDeadlineMs()),
      ...[...this.inbound.values()].map((c) => c.nextDeadlineMs()),
    );
    if (at === undefined) return;
    // A core whose deadline is already past after onTimer would spin the simulator: step
    // time forward and count it (the checker's `timerSpin` violation) instead of hanging.
    if (afterTimer && at <= this.now() && this.timerAtMs === undefined) {
      this.stats.timerSpins++;
      at = this.now() + 1;
    }
    at = Math.max(at, this.now());
    if (this.timerAtMs !== undefined && this.timerAtMs <= at && this.timerAtMs >= this.now()) return;
    this.timerAtMs = at;
    this.schedule(at, () => {
      if (this.timerAtMs !== at) return;
      this.timerAtMs = undefined;
      this.inTimer = true;
      try {
        this.onTimer();
      } finally {
        this.inTimer = false;
      }
      this.wake(true);
    });
  }
}
