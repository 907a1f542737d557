/**
 * The options of `createPeer`, their defaults, and their resolution into the plain-data
 * {@link PeerConfig} every actor receives. Resolved once; every bad value is an
 * `InvalidOptionError` naming the option.
 */
import { hostname } from 'node:os';
import { randomInt } from 'node:crypto';
import { InvalidOptionError } from '../../errors.js';
import { MAX_NAME_BYTES, utf8Length } from '../../codecs/wire-primitives.js';
import {
  checkBoolean,
  checkHostPort,
  checkInteger,
  checkIpv4,
  checkMulticastGroup,
  checkOneOf,
  definedOnly,
  rejectUnknownKeys,
} from '../option-checks.js';
import { resolveSocketOptions, type FaultOptions } from '../socket/options.js';
import { resolveSecurityOptions, type SecurityOptions } from '../socket/security-options.js';
import { SEAL_TRAILER_BYTES } from '../socket/domain-seal.js';
import { FLOW_WINDOW_BYTES_LARGE_DATAGRAMS, LARGE_DATAGRAM_BYTES, resolveSenderOptions, type SenderOptions, type FlowPolicy } from '../sender/options.js';
import { resolveRetransmitOptions, type RetransmitOptions } from '../retransmit/options.js';
import { resolveReceiverOptions, type ReceiverOptions } from '../receiver/options.js';
import { resolveGroupMapOptions, resolveReceiverListOptions } from '../subjects/options.js';
import { TOPOLOGY_PRESETS, type Topology, type TopologyPreset } from '../../runtime/topology.js';
import type { PeerConfig } from './peer-config.js';
import { resolveLedgerOptions, type LedgerOptions } from '../ledger/options.js';
import { resolveMonitorOptions, type MonitorOptions, type ResolvedMonitorOptions } from '../../monitor/options.js';
import { checkLogger, type Logger } from '../../monitor/logger.js';
import { resolveCodec, type Codec, type CodecOption } from './codec.js';

/** Everything `createPeer` accepts. Every field is optional; defaults in `DEFAULT_PEER_OPTIONS`. */
export interface PeerOptions {
  /** Stable peer name (streams are per sender name). @default `${hostname}-${pid}` */
  name?: string;
  /** Interface address for multicast and the unicast listener. @default '127.0.0.1' */
  interface?: string;
  /** Base multicast group (IPv4 224.0.0.0/4). @default '239.255.76.67' */
  group?: string;
  /** Number of multicast groups subjects are spread over (by first token). @default 1 */
  groupCount?: number;
  /** UDP port of the groups; also the unicast listener's port when it is free. @default 47800 */
  port?: number;
  /** Unicast listener port; 0 = the group port when free, else ephemeral. @default 0 */
  unicastPort?: number;
  /** Multicast TTL (1 = this network segment). @default 1 */
  ttl?: number;
  /** Send and listen by multicast; false = unicast to the peers found through `peers`. @default true */
  multicast?: boolean;
  /** Seed peers' unicast listeners, `'host:port'`, for discovery without multicast. @default [] */
  peers?: string[];
  /** Actor placement: a preset name or a map actor → thread. @default 'single' */
  topology?: TopologyPreset | Topology;
  /**
   * Largest datagram built (DATA batches, RETRANSMIT), 1024..65507. 1472 suits a 1500-byte MTU
   * LAN. @default 8192, or {@link LOOPBACK_MAX_DATAGRAM_BYTES} (32768) when `interface` is a
   * loopback address (127.x.y.z: no IP fragmentation there; docs/OPERATIONS.md, "Datagram size")
   */
  maxDatagramBytes?: number;
  /**
   * Largest application payload (fragmented above one datagram). Also sizes the rings between
   * threads, which must hold one whole message. @default 1048576
   */
  maxMessageBytes?: number;
  /** Publish rate limit in payload bytes/s; 0 = unlimited. @default 0 */
  rateBytesPerSec?: number;
  /** Messages kept per peer to serve retransmissions. @default 65536 */
  windowMessages?: number;
  /** Bytes kept per peer to serve retransmissions. @default 67108864 */
  windowBytes?: number;
  /**
   * Slow-consumer policy: 'min' paces the slowest live receiver (one that makes no progress for
   * 2 s while it holds the stream is named in `slowConsumer` and no longer waited for); 'max'
   * keeps pace with the fastest (slow ones recover from the window or get `dataLoss`).
   * @default 'min'
   */
  flowPolicy?: FlowPolicy;
  /** In-flight messages per stream beyond the receivers' reported position (see the sender's option). @default 32768 */
  flowWindowMessages?: number;
  /**
   * Publishes accepted but not yet handed to the wire before `publish` waits and `tryPublish`
   * says false. Each one is held as objects the garbage collector traces again and again while
   * it waits (for credit, mostly): more than a few thousand cost throughput. 2,048 gave the best
   * 64-byte throughput on 2 cores (docs/PROFILE.md, step 6); 65,536 (the earlier default) gave
   * 0.67x of it under `single` and 0.42x under `sharedNetwork`.
   * @default 2048
   */
  maxPendingPublishes?: number;
  /**
   * How long `close()` waits, at most, for every live receiver to confirm the end of each
   * stream (publishes still sent, NAKs still served); `close({ timeoutMs })` overrides it.
   * @default 10000
   */
  closeTimeoutMs?: number;
  /** Messages queued per async-iterator subscription before it fails with a slow-consumer error. @default 100000 */
  maxQueuedPerSubscription?: number;
  /**
   * Durable subscriptions pace their senders: while one has this many messages of a stream
   * delivered and not confirmed (an iterated subscription: waiting in its queue; any subscription:
   * deliveries waiting for a busy handler's turn), the position this peer reports for the stream stays at most
   * this far beyond the oldest of them, so the sender's flow control (`flowPolicy: 'min'`) holds
   * the stream instead of the subscription overflowing `maxQueuedPerSubscription`. Lifted at half
   * of it. A subscriber that confirms nothing for the sender's stall bound (2 s) is named in its
   * `slowConsumer` event and no longer waited for. 0 = off.
   * @default 16384
   */
  durablePaceMessages?: number;
  /**
   * How long the positions durable subscriptions confirmed (and the marks of what they were
   * handed) may wait before one ledger write takes them all. 0: in the microtask after the
   * acknowledgement, a write per event-loop turn, and a message is handed only once the ledger
   * committed its mark (`msg.redelivered` false means never handed before; a live durable
   * delivery waits for one commit). Above 0, messages are handed at once, and a crash forgets up
   * to this much more: those messages come again after the restart (and ones handed in that
   * time may come again without `redelivered` set). Worth it where every turn confirms a few
   * messages and repeats are told apart otherwise (the zone bridge's export sets 50).
   * @default 0
   */
  durableConfirmDelayMs?: number;
  /** How often the peer advertises its subscriptions. @default 1000 */
  advertIntervalMs?: number;
  /**
   * Start-up discovery: for this long after `createPeer` a stream with no known receiver sends
   * only a small first window (1/16 of the flow window) while the peers that answer our
   * soliciting advert are learnt; receivers learnt in this time are counted from the stream's
   * first message. 0 = no wait. @default 300
   */
  discoveryMs?: number;
  /** A peer not heard for this long is considered gone. @default 5000 */
  peerExpiryMs?: number;
  /** How often a receiver reports its positions to senders. @default 50 */
  ackIntervalMs?: number;
  /** Advanced receiver tuning (NAK delays, buffers). @default {} */
  receiver?: ReceiverOptions;
  /** Advanced retransmission tuning (RTO, coalescing). @default {} */
  retransmit?: RetransmitOptions;
  /** Advanced sender tuning (heartbeats, stalls). @default {} */
  sender?: Omit<SenderOptions, 'maxMessageBytes' | 'rateBytesPerSec' | 'windowMaxMessages' | 'windowMaxBytes' | 'flowPolicy' | 'flowWindowMessages'>;
  /**
   * The ledger (LMDB): crash recovery of sent streams (numbering continues, NAKs for what was
   * sent before a crash are served) and durable subscriptions. See {@link LedgerOptions} for
   * what each `durability` mode can lose on a process crash and on a power loss.
   * Absent: memory only (a restart begins every stream at 1; durable subscriptions refused).
   * Needs `name`: a ledger belongs to one peer name, and the default name changes at every start.
   * @default undefined
   */
  ledger?: LedgerOptions;
  /**
   * An authenticated domain: every datagram is sealed with this key (and its body encrypted with
   * `encrypt`); datagrams without a valid seal, replays and stale ones are dropped and counted
   * (`stats().actors.socket.refused`). Peers with other keys do not hear each other (said once, as an
   * `ERR_DOMAIN_KEY` error event). Each datagram carries 40 bytes more (taken from
   * `maxDatagramBytes`). See docs/SECURITY.md. Absent: no authentication: run on networks you trust.
   * @default undefined
   */
  security?: SecurityOptions;
  /**
   * An HTTP monitor for people and Prometheus: `/` a page with live figures and charts, `/api/state`
   * its JSON, `/metrics` the Prometheus text (see `MonitorOptions`; listens on 127.0.0.1 unless
   * `host` says otherwise; `peer.monitorUrl` is its address). Closed with the peer.
   * @default undefined (no monitor)
   */
  monitor?: MonitorOptions;
  /**
   * A pino-compatible logger (`debug/info/warn/error(obj, msg)`, optional `child`): the peer logs
   * its start and close, peers joining and leaving (info), data loss, slow consumers (warn) and
   * errors (error; with a logger, an `'error'` without listener is logged instead of printed as a
   * process warning). @default undefined (no logging)
   */
  logger?: Logger;
  /**
   * How payloads are encoded (publish, request, respond) and `msg.data` decoded:
   * `'msgpack'` (a `Uint8Array` goes as raw bytes, any other value as msgpack; `msg.data` is the
   * bytes or the value, by the message's flag), `'json'` (UTF-8 JSON; `msg.data` is parsed, and
   * throws on bytes that are not JSON), `'raw'` (`Uint8Array` only; `msg.data` is the bytes), or
   * the application's own `{ encode(value): Uint8Array, decode(bytes): T }`. Whatever the
   * codec, a published `Uint8Array` goes as it is (taken as already encoded). Subscriptions,
   * publishes and requests may each name another. `subscribe<T>` / `request<T>` type `data`
   * as `T` without checking it: validate in your own `decode` if the senders are not trusted.
   * @default 'msgpack'
   */
  codec?: CodecOption;
  /**
   * Deliver this peer's own publishes to its own matching (non-durable) subscriptions, as NATS
   * does: once, in seq order, `msg.sender` this peer, before `publish` resolves; a request to a
   * subject this peer answers is answered by it. A peer with no matching subscription pays
   * nothing for it. false: own publishes only go to other peers.
   * @default true
   */
  echo?: boolean;
  /** @internal Test only: drop (at a rate, every multicast one, or by frame kind), duplicate or reorder received datagrams. @default undefined */
  fault?: Partial<FaultOptions>;
}

/**
 * The default `maxDatagramBytes` on a loopback interface. Loopback's MTU is 65,536, so a larger
 * datagram is never IP-fragmented, and each one costs a `sendmsg` and a kernel delivery:
 * `bench/e2e-throughput.mjs`, 3 runs each, 8 KiB → 32 KiB: 64 B 1.26 → 1.36 M msg/s, 1 KB 242 →
 * 376 k, 5 % loss 847 → 948 k; 64 KiB lost more under loss (905 k: 62 % of its lossless rate).
 */
export const LOOPBACK_MAX_DATAGRAM_BYTES = 32_768;

export const DEFAULT_PEER_OPTIONS = Object.freeze({
  interface: '127.0.0.1',
  group: '239.255.76.67',
  groupCount: 1,
  port: 47800,
  unicastPort: 0,
  ttl: 1,
  multicast: true,
  peers: [] as readonly string[],
  topology: 'single' as TopologyPreset,
  maxDatagramBytes: 8192,
  maxMessageBytes: 1024 * 1024,
  rateBytesPerSec: 0,
  windowMessages: 65_536,
  windowBytes: 64 * 1024 * 1024,
  flowPolicy: 'min' as FlowPolicy,
  flowWindowMessages: 32_768,
  maxPendingPublishes: 2048,
  closeTimeoutMs: 10_000,
  maxQueuedPerSubscription: 100_000,
  durablePaceMessages: 16_384,
  durableConfirmDelayMs: 0,
  advertIntervalMs: 1000,
  discoveryMs: 300,
  peerExpiryMs: 5000,
  ackIntervalMs: 50,
  codec: 'msgpack' as CodecOption,
  echo: true,
});

/** What the application side keeps beside the actors' config. */
export interface ResolvedPeerOptions {
  readonly config: PeerConfig;
  readonly topology: Topology;
  readonly maxPendingPublishes: number;
  readonly closeTimeoutMs: number;
  readonly maxQueuedPerSubscription: number;
  readonly durablePaceMessages: number;
  readonly durableConfirmDelayMs: number;
  readonly maxMessageBytes: number;
  readonly monitor: ResolvedMonitorOptions | undefined;
  readonly logger: Logger | undefined;
  readonly codec: Codec;
  readonly echo: boolean;
}

const KNOWN_KEYS = { ...DEFAULT_PEER_OPTIONS, name: '', receiver: {}, retransmit: {}, sender: {}, ledger: undefined, fault: undefined, security: undefined, monitor: undefined, logger: undefined };

/** The actors of every peer; `ledger` is added (first) when `options.ledger` is given. */
export const ACTOR_NAMES = Object.freeze(['socket', 'subjects', 'receivers', 'flow', 'sender', 'retransmit', 'receiver'] as const);

/**
 * The actors of a peer with this resolved configuration, in start order (stopped in reverse).
 * The ledger starts first (on its thread) so that, where it shares a thread with the socket, the
 * peer advertises itself only once its ledger is open, and it stops last, after everything that
 * writes to it.
 */
export function actorNamesOf(config: PeerConfig): readonly string[] {
  return config.ledger === undefined ? ACTOR_NAMES : ['ledger', ...ACTOR_NAMES];
}

export function resolvePeerOptions(o: PeerOptions = {}): ResolvedPeerOptions {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InvalidOptionError('options must be an object');
  rejectUnknownKeys('options', o, KNOWN_KEYS);
  const m = { ...DEFAULT_PEER_OPTIONS, ...definedOnly(o) };
  // A ledger belongs to one peer name (its streams are that sender's); the default name changes
  // at every start, so the ledger could never be opened again: said now, not at the restart.
  if (typeof o.ledger === 'object' && o.ledger !== null && (o.ledger as { path?: unknown }).path !== undefined && o.name === undefined) {
    throw new InvalidOptionError(
      'options.ledger needs options.name: a ledger belongs to one peer name, and the default (hostname-pid) changes at every start, so the ledger could not be opened again after a restart',
    );
  }
  const name = m.name ?? `${hostname()}-${process.pid}`;
  // A lone surrogate has no UTF-8 form: before, it failed later as a plain RangeError naming sender.name.
  const nameBytes = typeof name === 'string' ? utf8Length(name) : -1;
  if (typeof name !== 'string' || name.length === 0 || nameBytes < 0 || nameBytes > MAX_NAME_BYTES || /[\u0000-\u001f]/.test(name)) {
    throw new InvalidOptionError(
      `options.name must be a non-empty string of at most ${MAX_NAME_BYTES} UTF-8 bytes without control characters or lone surrogates, got ${JSON.stringify(name)}`,
    );
  }
  const iface = checkIpv4('options.interface', m.interface);
  const group = checkMulticastGroup('options.group', m.group);
  const security = resolveSecurityOptions(o.security);
  // With a domain key every datagram carries the seal's trailer: the frames get the rest.
  const datagramBytes = o.maxDatagramBytes === undefined && iface.startsWith('127.') ? LOOPBACK_MAX_DATAGRAM_BYTES : m.maxDatagramBytes;
  const maxDatagramBytes = checkInteger('options.maxDatagramBytes', datagramBytes, 1024, 65_507) - (security === undefined ? 0 : SEAL_TRAILER_BYTES);
  const maxMessageBytes = checkInteger('options.maxMessageBytes', m.maxMessageBytes, 1, 1 << 30);
  if (!Array.isArray(m.peers)) throw new InvalidOptionError(`options.peers must be an array of 'host:port' strings`);
  const seeds = m.peers.map((p, i) => checkHostPort(`options.peers[${i}]`, p));
  const multicast = checkBoolean('options.multicast', m.multicast);
  if (!multicast && seeds.length === 0) {
    throw new InvalidOptionError('options.peers must name at least one seed peer (host:port) when options.multicast is false');
  }
  const socket = resolveSocketOptions(
    {
      interface: iface,
      port: m.port,
      unicastPort: m.unicastPort,
      ttl: m.ttl,
      multicast,
      ...(o.fault !== undefined ? { fault: o.fault as FaultOptions } : {}),
    },
    'options',
  );
  const windowMessages = checkInteger('options.windowMessages', m.windowMessages, 16);
  const senderGiven = checkObject('options.sender', o.sender) as SenderOptions;
  for (const [key, top] of Object.entries(SENDER_KEYS_AT_TOP)) {
    // Set from the top level below: a value here would be ignored without a word.
    if ((senderGiven as Record<string, unknown>)[key] !== undefined) throw new InvalidOptionError(`options.sender.${key} is not a sender option here: set options.${top}`);
  }
  // Larger datagrams fill a receive buffer with less overhead: the flow window's bytes follow.
  const largeDatagrams = (datagramBytes as number) >= LARGE_DATAGRAM_BYTES;
  const sender = resolveSenderOptions(
    {
      ...senderGiven,
      flowWindowBytes: senderGiven.flowWindowBytes ?? (largeDatagrams ? FLOW_WINDOW_BYTES_LARGE_DATAGRAMS : undefined),
      maxMessageBytes,
      rateBytesPerSec: checkInteger('options.rateBytesPerSec', m.rateBytesPerSec, 0),
      windowMaxMessages: windowMessages,
      windowMaxBytes: checkInteger('options.windowBytes', m.windowBytes, 1024),
      flowPolicy: checkOneOf('options.flowPolicy', m.flowPolicy, ['min', 'max'] as const),
      flowWindowMessages: checkInteger('options.flowWindowMessages', m.flowWindowMessages, 1),
      maxFragmentBytes: maxDatagramBytes,
    },
    'options',
  );
  const peerExpiryMs = checkInteger('options.peerExpiryMs', m.peerExpiryMs, 100);
  const advertIntervalMs = checkInteger('options.advertIntervalMs', m.advertIntervalMs, 10);
  if (advertIntervalMs * 2 > peerExpiryMs) {
    throw new InvalidOptionError(`options.peerExpiryMs (${peerExpiryMs}) must be at least twice options.advertIntervalMs (${advertIntervalMs})`);
  }
  const config: PeerConfig = {
    self: { name, incarnation: randomInt(1, 0xffffffff) },
    socket,
    groupMap: resolveGroupMapOptions({ baseGroup: group, groupCount: m.groupCount }, 'options'),
    receiverList: resolveReceiverListOptions({ peerExpiryMs, multicastProbeMs: Math.max(3 * advertIntervalMs, 1000), restartQuietMs: Math.round(1.5 * advertIntervalMs) }, 'options'),
    sender,
    retransmit: resolveRetransmitOptions(checkObject('options.retransmit', o.retransmit) as RetransmitOptions, 'options.retransmit'),
    receiver: resolveReceiverOptions(
      {
        maxMessageBytes,
        maxBufferedBytes: Math.max(64 * 1024 * 1024, 2 * maxMessageBytes),
        // A receiver must be able to hold what a sender may have in flight beyond a gap, or it
        // drops what it already received and the repair cannot keep up with the stream.
        maxBufferedMessages: Math.max(32_768, 2 * sender.flowWindowMessages),
        // A sender not listed within a peer's expiry time will not be: its adverts do not come.
        unlistedSenderExpiryMs: peerExpiryMs,
        ...(checkObject('options.receiver', o.receiver) as ReceiverOptions),
      },
      'options.receiver',
    ),
    maxDatagramBytes,
    advertIntervalMs,
    discoveryMs: checkInteger('options.discoveryMs', m.discoveryMs, 0, 60_000),
    ackIntervalMs: checkInteger('options.ackIntervalMs', m.ackIntervalMs, 1, 60_000),
    seeds,
    ...(o.ledger !== undefined ? { ledger: resolveLedgerOptions(o.ledger, name) } : {}),
    ...(security !== undefined ? { security } : {}),
  };
  return {
    config,
    topology: resolvePlacement(m.topology, config.ledger !== undefined),
    maxPendingPublishes: checkInteger('options.maxPendingPublishes', m.maxPendingPublishes, 1),
    closeTimeoutMs: checkInteger('options.closeTimeoutMs', m.closeTimeoutMs, 0, 3_600_000),
    maxQueuedPerSubscription: checkInteger('options.maxQueuedPerSubscription', m.maxQueuedPerSubscription, 1),
    durablePaceMessages: checkInteger('options.durablePaceMessages', m.durablePaceMessages, 0),
    durableConfirmDelayMs: checkInteger('options.durableConfirmDelayMs', m.durableConfirmDelayMs, 0, 60_000),
    maxMessageBytes,
    monitor: o.monitor === undefined ? undefined : resolveMonitorOptions(o.monitor),
    logger: o.logger === undefined ? undefined : checkLogger('options.logger', o.logger),
    codec: resolveCodec('options.codec', m.codec),
    echo: checkBoolean('options.echo', m.echo),
  };
}

/** A preset or map, restricted to the actors this peer has (`ledger` only with a ledger). */
function resolvePlacement(topology: unknown, withLedger: boolean): Topology {
  let map: Record<string, string>;
  if (typeof topology === 'string') {
    if (!Object.hasOwn(TOPOLOGY_PRESETS, topology)) {
      throw new InvalidOptionError(`options.topology must be one of ${Object.keys(TOPOLOGY_PRESETS).join(', ')} or a placement map, got ${JSON.stringify(topology)}`);
    }
    map = { ...TOPOLOGY_PRESETS[topology as TopologyPreset] };
  } else if (typeof topology === 'object' && topology !== null && !Array.isArray(topology)) {
    map = { ...(topology as Record<string, string>) };
  } else {
    throw new InvalidOptionError('options.topology must be a preset name or a placement map { actorName: threadName }');
  }
  if (!withLedger) delete map.ledger;
  else if (!Object.hasOwn(map, 'ledger')) map.ledger = 'main'; // a map written before the ledger existed
  return map;
}

/** Sender options a peer takes at its top level (`options.sender.<key>` is refused, naming the top-level one). */
const SENDER_KEYS_AT_TOP: Readonly<Record<string, string>> = {
  maxMessageBytes: 'maxMessageBytes',
  rateBytesPerSec: 'rateBytesPerSec',
  windowMaxMessages: 'windowMessages',
  windowMaxBytes: 'windowBytes',
  flowPolicy: 'flowPolicy',
  flowWindowMessages: 'flowWindowMessages',
  maxFragmentBytes: 'maxDatagramBytes',
};

function checkObject(path: string, value: unknown): object {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(`${path} must be an object`);
  return value;
}
