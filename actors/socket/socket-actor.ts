/**
 * The socket actor's shell: owns the peer's {@link Endpoint} (a {@link UdpEndpoint}, or the
 * simulator's; opened in `start`, closed in `stop`) and is the only actor that touches sockets.
 *
 * Out: `datagramsOut` carries DATA datagrams the sender built (encoded once, on the publishing
 * side); each is checked (DATA, our name, at most `config.maxDatagramBytes`) and goes to every
 * destination; `frameOut` frames are encoded and sent. `{ kind: 'peer' }` destinations are
 * looked up in the address book that the receivers actor keeps current with `peerAddress`; an
 * unknown peer, or a group send while multicast is off, is counted and dropped.
 *
 * In: each datagram's common header is checked (`peekHeader`: the body is the owner's to decode),
 * our own frames (multicast loopback) are dropped, and the rest go raw to their owner: DATA and
 * HEARTBEAT to `receiver`; NAK, ACK and RETRANSMIT to `retransmit`; ADVERT and BYE to
 * `receivers`. Frames other than ADVERT and BYE also yield `heard` to `receivers`, at most once
 * per {@link HEARD_INTERVAL_MS} per (peer, via, source address). Wire input never throws out of here: every drop
 * is counted per reason (STYLE rule 15).
 *
 * Unicast only to proven addresses: every datagram received (its source, the sender it names,
 * whether it came by unicast, its size; and the address an ADVERT names) goes to an
 * {@link AddressValidator}, and every unicast send asks it first. A send to an address not
 * proven for its peer (or, for a bare address, for any peer; seeds are trusted) goes only within
 * 3 times the bytes received on that address's account, else it is dropped and counted
 * (`stats().actors.socket.unicastGuard`).
 */
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { decodeFrame, DECODE_ERROR_REASONS, encodeFrame, incarnationIn, namesSender, peekHeader, peerKey } from '../../codecs/index.js';
import type { DecodeErrorReason, FrameKind, PeerId } from '../../codecs/index.js';
import { ERROR_CODES, LedgecastError, serializeError } from '../../errors.js';
import type { AppEvent } from '../app/events.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever } from '../core.js';
import type { ReceiversInbox } from '../membership/messages.js';
import type { SenderInbox } from '../sender/messages.js';
import type { DatagramIn, Destination, SocketInbox } from './messages.js';
import type { Endpoint, OpenEndpoint, OutDatagram, RemoteAddress, UdpCounters, Via } from './udp-endpoint.js';
import { DomainSeal, OPEN_FAILURES, type OpenFailure } from './domain-seal.js';
import { ForeignReports } from './foreign-reports.js';
import { outDatagramBytes, UdpEndpoint } from './udp-endpoint.js';
import { AddressValidator, addressKey } from './address-validator.js';
import { isPooledSlab } from '../../codecs/slab-pool.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';

/** Least time between two `heard` messages for one (peer, via). */
export const HEARD_INTERVAL_MS = 250;

/** Adverts under our name remembered at once (see `onNameConflict`); past it they are forgotten together. */
const MAX_CONFLICTS_SEEN = 1024;

/** Incarnations this few bits from ours are taken for damaged copies of our own frames, not another process. */
const FLIP_BITS = 3;

/** How many bits two u32 differ in. */
function bitsApart(a: number, b: number, n = 0): number {
  for (let x = (a ^ b) >>> 0; x !== 0; n++) x = (x & (x - 1)) >>> 0;
  return n;
}

/** Most (peer, via) pairs whose last `heard` is remembered: forged sender names cannot grow it further. */
const MAX_HEARD_ENTRIES = 4096;

/**
 * Most source addresses the address validator remembers (proof and budget), and most peers whose
 * advertised address it remembers. A real peer re-proves its address with its next unicast
 * datagram, so forgetting under a flood of sources costs it little.
 */
const MAX_VALIDATED_ADDRESSES = 4096;
const MAX_ADDRESS_CLAIMS = 4096;

type Owner = 'receiver' | 'retransmit' | 'receivers';

const OWNER_OF: Readonly<Record<FrameKind, Owner>> = Object.freeze({
  data: 'receiver',
  heartbeat: 'receiver',
  nak: 'retransmit',
  ack: 'retransmit',
  retransmit: 'retransmit',
  advert: 'receivers',
  bye: 'receivers',
  patternsRequest: 'receivers',
  patternsDelta: 'receivers',
  patternsDeltaRequest: 'receivers',
});

/** Why a received datagram was not forwarded. */
export interface InboundDrops extends Record<DecodeErrorReason, number> {
  /** Our own frames (multicast loopback). */
  ownFrame: number;
  /**
   * Frames under our name from another incarnation: another process uses this peer's name (said
   * once as an `ERR_NAME_CONFLICT` error event; with a domain key, only for a frame that opens).
   */
  ownNameOtherIncarnation: number;
  /** The owner's mailbox (or the queue to its thread) was full: the datagram is lost like on the wire. */
  backpressure: number;
  /** The owner is stopped. */
  ownerClosed: number;
}

/** Counters of the socket actor (`(await peer.stats()).actors.socket`). */
export interface SocketActorCounters {
  /** Inbound drops per reason. */
  readonly dropped: InboundDrops;
  /** Datagrams forwarded, per frame kind. */
  readonly forwarded: Record<FrameKind, number>;
  /** `heard` messages sent to the receivers actor. */
  heardSent: number;
  /** DATA datagrams handed over built (`datagramsOut`, the sender's path), each sent to every destination. */
  dataDatagramsSent: number;
  /** The most DATA datagrams one `datagramsOut` held (the largest burst handed to the kernel at once). */
  largestDataOutDatagrams: number;
  /** Sends dropped because the destination peer has no known address. */
  unknownPeer: number;
  /** Group sends dropped because multicast is off. */
  multicastOff: number;
  /** Frames refused by the encoder (a caller bug, also thrown), and built datagrams that were not ours, not DATA or too large (dropped). */
  encodeErrors: number;
  /** Failed group joins (also reported as `error` events). */
  groupJoinErrors: number;
  /** Socket-level errors (also reported as `error` events). */
  socketErrors: number;
  /** With a domain key (`options.security`): datagrams refused before anything read them, per reason. */
  readonly refused: Record<OpenFailure, number>;
}

/** An entry of the address book: a peer's unicast address, with its key in the address validator. */
interface BookAddress extends RemoteAddress {
  readonly key: string;
}

/**
 * A destination resolved once per outbound message: a group, or a unicast address with its key
 * in the address validator and whether it is proven for the peer it is meant for (else each
 * datagram is charged to its budget).
 */
type Target =
  | { readonly group: string; readonly address?: undefined }
  | { readonly group?: undefined; readonly address: RemoteAddress; readonly key: string; readonly proven: boolean };

/** Builds the socket actor on a {@link UdpEndpoint} (the actor module's factory, see `runtime/actor.ts`). */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<SocketInbox> {
  return createSocketActor(config, ctx, (options, handler) => UdpEndpoint.open(options, handler));
}

/** How long after the first group send a peer with no seeds waits for one multicast datagram before saying multicast is blocked. */
export const NO_MULTICAST_MS = 10_000;


/**
 * Builds the socket actor on the endpoint `openEndpoint` opens in `start` (the simulator passes
 * one on its simulated network). Address book bound: one entry per peer the receivers actor
 * lists (at most `receiverList.maxPeers`; it removes an entry when the peer leaves).
 */
export function createSocketActor(config: PeerConfig, ctx: ActorContext, openEndpoint: OpenEndpoint): Actor<SocketInbox> {
  const self = config.self;
  const selfNameBytes = new TextEncoder().encode(self.name);
  const multicast = config.socket.multicast;
  const counters = newCounters();
  const addresses = new Map<string, BookAddress>();
  const lastHeard = new Map<string, number>();
  const validator = new AddressValidator({ maxAddresses: MAX_VALIDATED_ADDRESSES, maxClaims: MAX_ADDRESS_CLAIMS });
  for (const seed of config.seeds) validator.trust(addressKey(seed.host, seed.port));
  let wantedGroups = new Set<string>();
  let groupOps: Promise<void> = Promise.resolve();
  let endpoint: Endpoint | undefined;
  let stopped = false;
  let owners: Record<Owner, ActorRef<DatagramIn>> | undefined;
  let receivers: ActorRef<ReceiversInbox> | undefined;
  let sender: ActorRef<SenderInbox> | undefined;
  /** Seals what we send and opens what we receive, with a domain key; absent without one. */
  const seal = config.security === undefined ? undefined : new DomainSeal(config.security, self, () => Date.now());
  const foreignReports = new ForeignReports(config.advertIntervalMs);
  let nameConflictSaid = false;
  /** Adverts under our name and another incarnation seen once, by incarnation, listener and source: when (bounded). */
  const conflictsSeen = new Map<string, number>();
  /**
   * Multicast on, loopback on, no seed peers: nothing but multicast finds the others. If not one
   * multicast datagram arrives, not even our own looped back, {@link NO_MULTICAST_MS} after our
   * first group send, multicast is blocked on this host (a firewall, a container network), and
   * nothing will ever arrive: said once (a user-style check found it silent, 6 December).
   */
  const watchMulticast = multicast && config.socket.loopback && config.seeds.length === 0;
  let heardMulticast = false;
  let firstGroupSendMs = 0;
  let lastGroupSendMs: number | undefined;
  /** A pause between two group sends longer than this (3 adverts) restarts the watch. */
  const groupSendStallMs = 3 * config.advertIntervalMs;

  function emit(event: AppEvent): void {
    ctx.emit(event);
  }

  /**
   * A datagram from a peer of another domain (another key, the other mode, or no key): said once
   * per reason, on the evidence of such a peer (foreign-reports.ts), so that a misconfigured peer
   * is visible without a flood (counted always in `stats().actors.socket.refused`).
   */
  function reportForeign(reason: OpenFailure, keyId: number | undefined, from: RemoteAddress, nowMs: number): void {
    if (!foreignReports.sighted(reason, keyId, `${from.host}:${from.port}`, nowMs)) return;
    const what =
      reason === 'unknownKey'
        ? `sealed with a key this peer does not hold (key id ${keyId}; ours: ${seal!.keyIds.join(', ')})`
        : reason === 'modeMismatch'
          ? `sealed in the other mode (security.encrypt differs)`
          : 'not sealed (a peer without security.key)';
    emit({
      kind: 'error',
      error: serializeError(new LedgecastError(ERROR_CODES.domainKey, `datagrams from ${from.host}:${from.port} are ${what}: they are dropped (said once; see stats().actors.socket.refused)`)),
    });
  }

  /**
   * A frame under our name from another incarnation: two processes started with one name. Every
   * other peer takes one incarnation at a time as that name's sender, so the other's messages are
   * dropped or reported lost: said once (a host on the network could send such frames at will),
   * counted always. Said on the evidence of such a process only: its ADVERT (it advertises every
   * `advertIntervalMs`), naming a listener other than ours, heard twice from one address at least
   * half an interval apart, with an incarnation more than {@link FLIP_BITS} bits away from ours
   * (another process draws its own: 3 bits or fewer by chance once in about 800,000). Without a
   * key, bit-flipped copies of our own frames made every peer under such traffic say it (a
   * hostile-process check, 6 December).
   */
  function onNameConflict(bytes: Uint8Array, from: RemoteAddress): void {
    counters.dropped.ownNameOtherIncarnation++;
    // The header is in clear: damaged copies of our own frames cost no opening or decoding.
    if (nameConflictSaid || bitsApart(incarnationIn(bytes), self.incarnation) <= FLIP_BITS) return;
    let plain = bytes;
    if (seal !== undefined) {
      const opened = seal.open(bytes);
      if (!opened.ok) return;
      plain = opened.bytes;
    }
    const decoded = decodeFrame(plain);
    if (!decoded.ok || decoded.frame.kind !== 'advert') return;
    const own = endpoint?.unicastAddress;
    if (own !== undefined && decoded.frame.host === own.host && decoded.frame.port === own.port) return;
    const key = `${decoded.frame.sender.incarnation}|${decoded.frame.host}:${decoded.frame.port}|${from.host}:${from.port}`;
    const now = ctx.clock();
    const first = conflictsSeen.get(key);
    if (first === undefined) {
      if (conflictsSeen.size >= MAX_CONFLICTS_SEEN) conflictsSeen.clear();
      conflictsSeen.set(key, now);
      return;
    }
    if (now - first < config.advertIntervalMs / 2) return;
    nameConflictSaid = true;
    conflictsSeen.clear();
    const message =
      `another process uses this peer's name "${self.name}" (incarnation ${incarnationIn(bytes)}, heard from ${from.host}:${from.port}; this one is incarnation ${self.incarnation}): ` +
      'other peers take one incarnation at a time as the sender of that name, so the messages of the other are dropped or reported lost; give every process a name of its own ' +
      '(options.name; the default is <hostname>-<pid>) (said once, counted in stats().actors.socket.dropped.ownNameOtherIncarnation)';
    emit({ kind: 'error', error: serializeError(new LedgecastError(ERROR_CODES.nameConflict, message)) });
  }

  /** A group send with no multicast datagram heard yet: past {@link NO_MULTICAST_MS} since the first, says so (once). */
  function noteGroupSend(): void {
    const now = ctx.clock();
    // Adverts go to the group every second: a longer pause means this thread stood still (a long
    // synchronous task, SIGSTOP), and what arrived meanwhile waits unread in the socket, so the
    // watch starts again (else the first send after a 10 s stall said multicast was blocked).
    if (lastGroupSendMs === undefined || now - lastGroupSendMs > groupSendStallMs) firstGroupSendMs = now;
    lastGroupSendMs = now;
    if (now - firstGroupSendMs < NO_MULTICAST_MS) return;
    heardMulticast = true; // said: the watch ends
    const message =
      `no multicast datagram arrived in ${Math.round((now - firstGroupSendMs) / 1000)} s, not even this peer's own adverts to ${config.groupMap.baseGroup}:${config.socket.port}: ` +
      'multicast is blocked on this host or interface (a firewall rule, a container or cloud network), and with no seed peers nothing finds the others; ' +
      'give seed peers (options.peers) for the unicast fallback, or set multicast: false with seeds (said once)';
    emit({ kind: 'error', error: serializeError(new LedgecastError(ERROR_CODES.noMulticast, message)) });
  }

  function onDatagram(bytes: Uint8Array, via: Via, from: RemoteAddress): void {
    const wireBytes = bytes.byteLength;
    if (!heardMulticast && via === 'multicast') heardMulticast = true;
    // Our own multicast, looped back (or a frame in our name): dropped before any check costs.
    if (namesSender(bytes, selfNameBytes)) {
      if (incarnationIn(bytes) === self.incarnation) counters.dropped.ownFrame++;
      else onNameConflict(bytes, from);
      return;
    }
    if (seal !== undefined) {
      const opened = seal.open(bytes);
      if (!opened.ok) {
        counters.refused[opened.reason]++;
        if (opened.reason === 'unknownKey' || opened.reason === 'modeMismatch' || opened.reason === 'unsealed') reportForeign(opened.reason, opened.keyId, from, ctx.clock());
        return;
      }
      bytes = opened.bytes;
    }
    try {
      const head = peekHeader(bytes);
      if (!head.ok) {
        counters.dropped[head.reason]++;
        return;
      }
      // Received, whether or not its owner can take it: it counts for the address validator.
      const source = addressKey(from.host, from.port);
      const sender = peerKey(head.sender);
      if (head.kind === 'advert') noteClaim(bytes, source, sender);
      validator.onReceived(source, sender, via === 'unicast', wireBytes);
      const msg: DatagramIn = { kind: 'datagramIn', bytes, via, host: from.host, port: from.port };
      if (!owners![OWNER_OF[head.kind]].trySend(msg)) {
        counters.dropped.backpressure++;
        return;
      }
      counters.forwarded[head.kind]++;
      // ADVERT and BYE reach the receivers actor themselves, which counts them as heard.
      if (head.kind !== 'advert' && head.kind !== 'bye') noteHeard(head.sender, sender, via, from, source);
    } catch {
      // Only a stopped target throws here; this runs in a socket callback, where a throw would crash.
      counters.dropped.ownerClosed++;
    }
  }

  /** The address an ADVERT names for its sender (its owner decodes it again; adverts are few). */
  function noteClaim(bytes: Uint8Array, source: string, sender: string): void {
    const decoded = decodeFrame(bytes);
    if (decoded.ok && decoded.frame.kind === 'advert') validator.onClaim(source, sender, addressKey(decoded.frame.host, decoded.frame.port));
  }

  /**
   * Per source too: a forger's copies of a peer's frames must not take the turn of the real ones
   * (the receivers actor takes frames from the peer's own addresses as proof it still runs).
   */
  function noteHeard(peer: PeerId, senderKey: string, via: Via, from: RemoteAddress, source: string): void {
    const key = `${senderKey}|${via}|${source}`;
    const now = ctx.clock();
    const last = lastHeard.get(key);
    if (last !== undefined && now - last < HEARD_INTERVAL_MS) return;
    if (last === undefined && lastHeard.size >= MAX_HEARD_ENTRIES) pruneHeard(now);
    lastHeard.set(key, now);
    if (receivers!.trySend({ kind: 'heard', peer, via, host: from.host, port: from.port })) counters.heardSent++;
  }

  function pruneHeard(now: number): void {
    for (const [key, at] of lastHeard) if (now - at >= HEARD_INTERVAL_MS) lastHeard.delete(key);
    if (lastHeard.size >= MAX_HEARD_ENTRIES) lastHeard.clear();
  }

  function resolve(dest: Destination): Target | undefined {
    switch (dest.kind) {
      case 'group':
        if (multicast) {
          if (watchMulticast && !heardMulticast) noteGroupSend();
          return { group: dest.group };
        }
        counters.multicastOff++;
        return undefined;
      case 'peer': {
        const peer = peerKey(dest.peer);
        const address = addresses.get(peer);
        if (address === undefined) {
          counters.unknownPeer++;
          return undefined;
        }
        return { address, key: address.key, proven: validator.isProven(address.key, peer) };
      }
      case 'address': {
        const key = addressKey(dest.host, dest.port);
        return { address: dest, key, proven: validator.isProven(key, undefined) };
      }
      default:
        return assertNever(dest);
    }
  }

  /** The datagram as it goes on the wire: sealed with a domain key, else as it is. */
  function wire(bytes: Uint8Array): OutDatagram {
    return seal === undefined ? bytes : seal.seal(bytes);
  }

  /**
   * Sends `bytes` (`size` of them) to `target`; to an address not proven for it, only within its
   * budget. `onDone` once the endpoint no longer reads `bytes` (at once when nothing is sent).
   */
  function sendTo(target: Target, bytes: OutDatagram, size: number, onDone?: () => void): void {
    if (target.group !== undefined) endpoint!.sendMulticast(target.group, bytes, onDone);
    else if (target.proven || validator.spend(target.key, size)) endpoint!.sendUnicast(target.address, bytes, onDone);
    else onDone?.();
  }

  /**
   * The sender's datagrams in reused memory (its slabs, when it runs on this thread;
   * codecs/slab-pool.ts) that no send reads any more, handed back once per event-loop
   * turn. Never dropped while running (the memory would stay held): a full mailbox is retried.
   */
  let doneBuffers: ArrayBufferLike[] = [];
  let doneScheduled = false;
  function giveBack(d: Uint8Array): void {
    if (!isPooledSlab(d.buffer)) return;
    doneBuffers.push(d.buffer);
    if (!doneScheduled) {
      doneScheduled = true;
      setImmediate(flushDone);
    }
  }
  function flushDone(): void {
    doneScheduled = false;
    if (stopped || doneBuffers.length === 0 || sender === undefined) return;
    let sent: boolean;
    try {
      sent = sender.trySend({ kind: 'datagramsReleased', buffers: doneBuffers });
    } catch {
      // The sender has stopped (the peer is closing): nothing reuses its memory any more.
      doneBuffers = [];
      return;
    }
    if (sent) doneBuffers = [];
    else {
      doneScheduled = true;
      setImmediate(flushDone);
    }
  }

  function onDatagramsOut(msg: Extract<SocketInbox, { kind: 'datagramsOut' }>): void {
    const targets: Target[] = [];
    for (const d of msg.destinations) {
      const t = resolve(d);
      if (t !== undefined) targets.push(t);
    }
    const datagrams = msg.datagrams;
    if (targets.length === 0 || endpoint === undefined) {
      for (let i = 0; i < datagrams.length; i++) giveBack(datagrams[i]);
      return;
    }
    for (let i = 0; i < datagrams.length; i++) {
      const d = datagrams[i];
      // Built by our own sender, but checked as if it were not: a DATA datagram of our name that fits.
      const head = peekHeader(d);
      if (!head.ok || head.kind !== 'data' || head.sender.name !== self.name || d.byteLength > config.maxDatagramBytes) {
        counters.encodeErrors++;
        giveBack(d);
        continue;
      }
      counters.dataDatagramsSent++;
      const out = wire(d);
      const size = outDatagramBytes(out);
      if (out !== d || !isPooledSlab(d.buffer)) {
        // Sealed into a copy (or not the sender's reused memory): `d` is no longer read.
        giveBack(d);
        for (const t of targets) sendTo(t, out, size);
        continue;
      }
      let sending = targets.length;
      const onDone = (): void => {
        if (--sending === 0) giveBack(d);
      };
      for (const t of targets) sendTo(t, out, size, onDone);
    }
    counters.largestDataOutDatagrams = Math.max(counters.largestDataOutDatagrams, datagrams.length);
  }

  function onFrameOut(msg: Extract<SocketInbox, { kind: 'frameOut' }>): void {
    const target = resolve(msg.destination);
    if (target === undefined || endpoint === undefined) return;
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame(msg.frame);
    } catch (err) {
      counters.encodeErrors++;
      throw err;
    }
    const out = wire(bytes);
    sendTo(target, out, outDatagramBytes(out));
  }

  function onGroupsWanted(groups: readonly string[]): void {
    wantedGroups = new Set(groups);
    // Joins are asynchronous: run them one after another, each against the latest wish.
    groupOps = groupOps.then(syncGroups).catch(onGroupError);
  }

  async function syncGroups(): Promise<void> {
    const ep = endpoint;
    if (ep === undefined || stopped || !multicast) return;
    for (const g of ep.joinedGroups) if (!wantedGroups.has(g)) ep.leaveGroup(g);
    for (const g of wantedGroups) {
      if (stopped || ep.joinedGroups.includes(g)) continue;
      try {
        await ep.joinGroup(g);
      } catch (err) {
        onGroupError(err);
      }
    }
  }

  function onGroupError(err: unknown): void {
    counters.groupJoinErrors++;
    emit({ kind: 'error', error: serializeError(err) });
  }

  function onPeerAddress(msg: Extract<SocketInbox, { kind: 'peerAddress' }>): void {
    const key = peerKey(msg.peer);
    if (msg.host === undefined || msg.port === undefined) {
      validator.forgetPeer(key, addresses.get(key)?.key);
      addresses.delete(key);
    } else addresses.set(key, { host: msg.host, port: msg.port, key: addressKey(msg.host, msg.port) });
  }

  return {
    name: ctx.name,

    async start() {
      owners = {
        receiver: ctx.ref<DatagramIn>('receiver'),
        retransmit: ctx.ref<DatagramIn>('retransmit'),
        receivers: ctx.ref<DatagramIn>('receivers'),
      };
      receivers = ctx.ref<ReceiversInbox>('receivers');
      sender = ctx.ref<SenderInbox>('sender');
      const ep = await openEndpoint(config.socket, onDatagram);
      ep.setErrorHandler((err) => {
        counters.socketErrors++;
        emit({ kind: 'error', error: serializeError(err) });
      });
      endpoint = ep;
      const { host, port } = ep.unicastAddress;
      receivers.send({ kind: 'localAddress', host, port });
    },

    receive(msg) {
      switch (msg.kind) {
        case 'datagramsOut':
          onDatagramsOut(msg);
          return;
        case 'frameOut':
          onFrameOut(msg);
          return;
        case 'groupsWanted':
          onGroupsWanted(msg.groups);
          return;
        case 'peerAddress':
          onPeerAddress(msg);
          return;
        default:
          assertNever(msg);
      }
    },

    async stop() {
      stopped = true;
      // A join in flight would add a socket after close: let it finish first.
      await groupOps;
      await endpoint?.close();
      addresses.clear();
      lastHeard.clear();
      validator.clear();
    },

    stats() {
      return {
        ...(endpoint?.counters ?? zeroUdpCounters()),
        ...counters,
        dropped: { ...counters.dropped },
        refused: { ...counters.refused },
        forwarded: { ...counters.forwarded },
        unicastGuard: { ...validator.counters, addresses: validator.size },
        joinedGroups: endpoint?.joinedGroups ?? [],
        knownPeers: addresses.size,
        unicastPort: endpoint?.unicastAddress.port ?? 0,
      };
    },
  };
}

function newCounters(): SocketActorCounters {
  const dropped = { ownFrame: 0, ownNameOtherIncarnation: 0, backpressure: 0, ownerClosed: 0 } as InboundDrops;
  for (const reason of DECODE_ERROR_REASONS) dropped[reason] = 0;
  const refused = {} as Record<OpenFailure, number>;
  for (const reason of OPEN_FAILURES) refused[reason] = 0;
  return {
    dropped,
    forwarded: { data: 0, heartbeat: 0, nak: 0, retransmit: 0, ack: 0, advert: 0, bye: 0, patternsRequest: 0, patternsDelta: 0, patternsDeltaRequest: 0 },
    heardSent: 0,
    dataDatagramsSent: 0,
    largestDataOutDatagrams: 0,
    unknownPeer: 0,
    multicastOff: 0,
    encodeErrors: 0,
    groupJoinErrors: 0,
    socketErrors: 0,
    refused,
  };
}

function zeroUdpCounters(): UdpCounters {
  return {
    datagramsSent: 0,
    bytesSent: 0,
    sendErrors: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    faultDropped: 0,
    faultDuplicated: 0,
    faultReordered: 0,
  };
}
