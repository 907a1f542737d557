/**
 * The retransmit actor's table of remote peer incarnations, each with its reliable-unicast
 * channels: an {@link OutboundChannel} (our NAKs and RETRANSMITs to it, with the items waiting
 * for room in it) and an {@link InboundChannel} (its NAKs and RETRANSMITs to us), plus our
 * receiver's latest positions on its streams (they ride in every ACK to it).
 *
 * Bounds: at most `receiverList.maxPeers` remotes, at most `receiverList.maxPeersPerSource` of
 * them opened for the frames of one source address; when the table is full, a remote that never
 * acknowledged anything of ours makes room ({@link RemoteAdmission}), else frames from further
 * peers are dropped and counted until {@link drop} frees room. An outbound channel holds
 * `maxInFlight` items unacknowledged and as many waiting; past that an item is dropped
 * (`channelFull`) and the asker's next NAK asks again.
 *
 * Not pure (it holds the channels), but the time comes in with each call.
 */
import type { PeerId, StreamPosition } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';
import { assertNever } from '../core.js';
import { RingDeque } from '../sender/ring-deque.js';
import { InboundChannel, type AckState } from './inbound-channel.js';
import type { ResolvedRetransmitOptions } from './options.js';
import { OutboundChannel } from './outbound-channel.js';
import { RemoteAdmission } from './remote-admission.js';

/** One remote peer incarnation. */
export interface Remote<T> {
  readonly peer: PeerId;
  outbound: OutboundChannel<T> | undefined;
  inbound: InboundChannel | undefined;
  /** Our receiver's latest positions on its streams (sent in every ACK to it). */
  positions: readonly StreamPosition[];
  /** Where the frame that opened it came from (`host:port`); undefined: opened for our own needs. */
  readonly source: string | undefined;
  /** When it was last used (a frame from it, or one of ours for it). */
  lastUsedMs: number;
  /** Items waiting for room in `outbound` (its `maxInFlight` unacknowledged), in order; sent as ACKs free room. */
  backlog?: RingDeque<T>;
}

/** What {@link RemoteChannels} counts (fields of the actor's counters). */
export interface RemoteChannelCounters {
  /** Frames dropped because `maxPeers` remotes are known, each of which acknowledged a frame of ours. */
  remotesRefused: number;
  /** Frames dropped because their source address opened `maxPeersPerSource` remotes. */
  remotesRefusedSourceQuota: number;
  /** Remotes that never acknowledged a frame of ours dropped to make room for a new one. */
  remotesEvicted: number;
  /** Items dropped: their channel had `maxInFlight` unacknowledged and as many waiting. */
  channelFull: number;
  /** Items that waited for room in their channel (sent as ACKs freed it). */
  channelHeld: number;
  channelsGaveUp: number;
}

/** Where {@link RemoteChannels} sends. */
export interface RemoteChannelsSink<T> {
  /** Put `item` on the wire to `peer` under `channelSeq` (`attempt` 1 first, then resends). */
  transmit(peer: PeerId, channelSeq: number, item: T, attempt: number): void;
  /** Acknowledge frames of `r` (with our positions on its streams). */
  sendAck(r: Remote<T>, ack: AckState): void;
  /** The channel to `peer` gave up after `maxAttempts` (its items are dropped). */
  gaveUp(peer: PeerId, reason: string): void;
  /** `peer`'s remote was dropped (evicted or gone): forget what is planned for it. */
  dropped(peer: PeerId): void;
}

/** Peers that left remembered at most (the oldest forgotten first), so that no channel opens to them again. */
const MAX_GONE = 4096;

export class RemoteChannels<T> {
  private readonly remotes = new Map<string, Remote<T>>();
  private readonly admission: RemoteAdmission;
  /**
   * Peers that retired (BYE, restarted), by key: no channel is opened to them again. Work
   * planned for one before it left (repairs it had asked for) would reopen its channel, which
   * could only give up: a durable subscriber that closed cleanly during its catch-up made its
   * publisher emit `ChannelGaveUpError` about 7 s later (7 December).
   */
  private readonly gone = new Set<string>();

  constructor(
    private readonly sink: RemoteChannelsSink<T>,
    private readonly counters: RemoteChannelCounters,
    private readonly options: ResolvedRetransmitOptions,
    limits: { readonly maxPeers: number; readonly maxPeersPerSource: number },
  ) {
    this.admission = new RemoteAdmission(limits.maxPeers, limits.maxPeersPerSource);
  }

  /** Remotes open now. */
  get size(): number {
    return this.remotes.size;
  }

  /** The remote of `peer`, if open. */
  get(peer: PeerId): Remote<T> | undefined {
    return this.remotes.get(peerKey(peer));
  }

  /** The remote of `peer`, opened if need be (for a frame from `source`, or for our own needs); undefined when refused (counted). */
  remoteFor(nowMs: number, peer: PeerId, source?: string): Remote<T> | undefined {
    const key = peerKey(peer);
    let r = this.remotes.get(key);
    if (r === undefined) {
      if (this.gone.has(key)) return undefined;
      if (!this.admit(source)) return undefined;
      r = { peer, outbound: undefined, inbound: undefined, positions: [], source, lastUsedMs: nowMs };
      this.remotes.set(key, r);
      this.admission.opened(source);
    }
    r.lastUsedMs = nowMs;
    return r;
  }

  /** Drops `peer`'s remote (it left or restarted): its channels and what waits in them; `retired` (BYE, restarted): none opens to it again. */
  drop(peer: PeerId, retired = false): void {
    const key = peerKey(peer);
    this.dropKey(key);
    if (!retired) return; // expired: the same incarnation may come back (after a partition, a pause)
    if (this.gone.size >= MAX_GONE) this.gone.delete(this.gone.values().next().value as string);
    this.gone.add(key);
  }

  /** `r`'s inbound channel (made at its first frame). */
  inboundOf(r: Remote<T>): InboundChannel {
    return (r.inbound ??= new InboundChannel({ sink: { sendAck: (ack) => this.sink.sendAck(r, ack) } }, this.options));
  }

  /**
   * Sends `item` on `r`'s channel, or holds it behind the items already waiting while the
   * channel has `maxInFlight` unacknowledged (a receiver catching up after a pause asks for
   * more than that at once: dropped, its repairs came back only as its NAKs were retried, and
   * it ran out of retries with the data still in the window).
   */
  send(nowMs: number, item: T, r: Remote<T>): void {
    if ((r.backlog === undefined || r.backlog.length === 0) && this.outboundOf(r).send(nowMs, item) !== undefined) return;
    const backlog = (r.backlog ??= new RingDeque<T>());
    if (backlog.length >= this.options.maxInFlight) {
      this.counters.channelFull++;
      return;
    }
    backlog.push(item);
    this.counters.channelHeld++;
  }

  /** An ACK from `peer` to our channel: frees room, and what waits goes. */
  onAck(nowMs: number, peer: PeerId, cumulativeSeq: number, selective: readonly number[]): void {
    const r = this.remotes.get(peerKey(peer));
    if (r?.outbound === undefined) return;
    r.outbound.onAck(nowMs, cumulativeSeq, selective);
    const backlog = r.backlog;
    if (backlog === undefined) return;
    while (backlog.length > 0 && r.outbound.send(nowMs, backlog.first()!) !== undefined) backlog.shift();
    if (backlog.length === 0) r.backlog = undefined;
  }

  onTimer(nowMs: number): void {
    for (const r of this.remotes.values()) {
      r.outbound?.onTimer(nowMs);
      r.inbound?.onTimer(nowMs);
    }
  }

  /** The earliest deadline of any channel, with `at` (the caller's own). */
  nextDeadlineMs(at: number | undefined): number | undefined {
    let d = at;
    for (const r of this.remotes.values()) {
      const o = r.outbound?.nextDeadlineMs();
      const i = r.inbound?.nextDeadlineMs();
      if (o !== undefined && (d === undefined || o < d)) d = o;
      if (i !== undefined && (d === undefined || i < d)) d = i;
    }
    return d;
  }

  /** The channels' counters summed (`stats()`). */
  totals(): Record<string, number> {
    const t = { inFlight: 0, acked: 0, gaveUp: 0, duplicatesIn: 0, invalidIn: 0, invalidAcks: 0 };
    for (const r of this.remotes.values()) {
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

  private outboundOf(r: Remote<T>): OutboundChannel<T> {
    return (r.outbound ??= new OutboundChannel<T>(
      {
        sink: {
          transmit: (channelSeq, item, attempt) => this.sink.transmit(r.peer, channelSeq, item, attempt),
          gaveUp: (reason) => {
            this.counters.channelsGaveUp++;
            r.backlog = undefined;
            this.sink.gaveUp(r.peer, reason);
          },
        },
      },
      this.options,
    ));
  }

  /** Whether a remote for a new peer may be opened (room made if need be); counts a refusal. */
  private admit(source: string | undefined): boolean {
    const a = this.admission.admit(source, this.remotes, (r) => ({ source: r.source, lastUsedMs: r.lastUsedMs, proven: (r.outbound?.counters.acked ?? 0) > 0 }));
    switch (a.kind) {
      case 'admitted':
        return true;
      case 'evict':
        this.dropKey(a.key);
        this.counters.remotesEvicted++;
        return true;
      case 'sourceQuota':
        this.counters.remotesRefusedSourceQuota++;
        return false;
      case 'full':
        this.counters.remotesRefused++;
        return false;
      default:
        return assertNever(a);
    }
  }

  private dropKey(key: string): void {
    const r = this.remotes.get(key);
    if (r === undefined) return;
    this.remotes.delete(key);
    this.sink.dropped(r.peer);
    this.admission.dropped(r.source);
  }
}
