/**
 * The options of `createBridge`: their documentation, defaults and validation (pure: every bad
 * value is an `InvalidOptionError` naming the option, thrown before anything connects).
 */
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { Peer } from '../actors/app/peer.js';
import { InvalidOptionError } from '../errors.js';
import { patternProblem, zoneNameProblem } from './naming.js';

/** The JetStream stream the bridge creates for its zone when it does not exist yet. */
export interface BridgeStreamOptions {
  /** How long the zone's stream keeps a message (ms): the longest outage another zone's bridge may have and still catch up. @default 604800000 (7 days) */
  maxAgeMs?: number;
  /** Most bytes the stream holds; -1 = no limit. When full, new exports are refused (`discard: new`) and retried, never dropped. @default -1 */
  maxBytes?: number;
  /** Replicas (1, or 3 on a 3-node cluster). @default 1 */
  replicas?: number;
  /** JetStream's `Nats-Msg-Id` de-duplication window (ms). @default 120000 */
  duplicateWindowMs?: number;
}

/** The export checkpoint in the engine (docs/ZONES.md, "Export checkpoint"). */
export interface BridgeCheckpointOptions {
  /**
   * How often the export positions are written to the key-value bucket `lc_bridges` (key
   * `export.<zone>`) while they change, ms (also at close). A bridge starting from the checkpoint
   * reads the stream `LC_<zone>` stored since, so this bounds that read, not exactness.
   * @default 1000
   */
  intervalMs?: number;
  /**
   * Origin streams the checkpoint holds at most (the most recently exported are kept; the value
   * must also fit the NATS server's `max_payload`). Streams left out are said (`error` event) and
   * counted (`stats().export.checkpoint.droppedStreams`): a bridge starting from the checkpoint
   * exports what their senders still hold again. @default 10000
   */
  maxStreams?: number;
}

/** Options of {@link createBridge}. */
export interface BridgeOptions {
  /**
   * The ledgecast peer the bridge works through: an ordinary peer of its zone, with a `ledger`
   * (durability `'sync'` advised): the export subscriptions are durable, so nothing is lost while
   * NATS is slow or the bridge restarts, and imported messages are acknowledged to JetStream once
   * published, so a restarted bridge must still serve their repairs. Not closed by the bridge.
   */
  peer: Peer;
  /**
   * NATS: an open connection (not closed by the bridge), or the options of `connect()` from
   * `@nats-io/transport-node` (servers, TLS, user/pass, token, authenticator, …: as the NATS
   * client takes them), in which case the bridge connects, retries for ever, and closes it.
   */
  nats: NatsConnection | NodeConnectionOptions;
  /** This zone's name: letters, digits, `_`, `-`. Its stream is `LC_<zone>`, its subjects `lc.<zone>.>`. */
  zone: string;
  /**
   * What carries the messages between zones. `'jetstream'`: the zones' JetStream streams (stored,
   * nothing lost, resumed after any outage within the stream's `maxAgeMs`). `'core'`: core NATS
   * only (lowest latency, no JetStream needed; at most once: what the WAN or NATS loses while a
   * bridge is disconnected is lost, and reported to the importing zone's subscribers as one
   * `dataLoss` per gap, naming the origin). All bridges of all zones must use the same engine.
   * @default 'jetstream'
   */
  engine?: 'jetstream' | 'core';
  /** Patterns of the messages published in this zone that are exported to the others. @default [] */
  export?: readonly string[];
  /** Patterns of the other zones' messages that are published in this zone. @default [] */
  import?: readonly string[];
  /**
   * Patterns of the request subjects that cross zones, both ways (`peer.request()` in one zone,
   * a responder in another; core NATS, at most once). The bridge subscribes to them in its zone:
   * use subjects of their own for requests (data published on them reaches the bridge too).
   * @default []
   */
  requests?: readonly string[];
  /** How long a request relayed to or from another zone waits for its reply at most, ms. @default 30000 */
  requestTimeoutMs?: number;
  /**
   * The zones imported from. Undefined: every zone that has a stream `LC_<zone>` (looked up at
   * start and every `zoneScanIntervalMs`). @default undefined
   */
  importFrom?: readonly string[];
  /** How often the streams are listed to find new zones (when `importFrom` is undefined), ms. @default 5000 */
  zoneScanIntervalMs?: number;
  /**
   * How often the importing bridge reads each remote zone's consumer info (one JetStream API
   * request per zone) to know how much of that zone's stream waits for it (`import.byZone[].pending`
   * and `lagMessages`, metric `ledgecast_bridge_import_lag_messages`) while nothing is delivered;
   * deliveries update it meanwhile. ms; 0 = never (the lag is then as of the last delivery).
   * @default 5000
   */
  lagCheckIntervalMs?: number;
  /** Exported messages waiting for JetStream's acknowledgement at most (pipelined publishes). @default 1024 */
  maxInFlight?: number;
  /**
   * How long exported messages may wait to be published to NATS together, ms. 0: each is sent
   * as soon as it is delivered and the window allows (the NATS client writes what one event-loop
   * turn published in one socket write). A few ms add up to that much latency and save bridge
   * CPU when messages come a few at a time: fewer, larger writes to NATS, and fewer
   * acknowledgement turns. @default 0
   */
  exportBatchDelayMs?: number;
  /**
   * Exported messages held (in flight and waiting for JetStream) above which the bridge says it
   * is blocked (`blocked` event, reason `'pending'`; `resumed` once all were stored). It keeps
   * taking them: each export subscription holds at most the peer's `maxQueuedPerSubscription`
   * unacknowledged messages, past which ledgecast reports `dataLoss` (`subscriberOverflow`) and
   * the range comes again when the bridge restarts. @default 16384
   */
  maxPending?: number;
  /** How long a JetStream publish waits for its acknowledgement before it is retried, ms. @default 5000 */
  publishTimeoutMs?: number;
  /** Pause before retrying failed publishes, ms. @default 500 */
  retryDelayMs?: number;
  /**
   * With connect() options: how long `createBridge` tries to reach a NATS server the first time
   * before it rejects with a `TimeoutError` naming the servers and the last failure, ms. 0: try
   * for ever. Once connected, the bridge reconnects for ever. Also how long it waits, at start, for a
   * JetStream that cannot serve it yet (a cluster forming or a node down: the zone's stream, the
   * lease bucket, the export checkpoint), trying every `retryDelayMs`; a setting JetStream refuses
   * (replicas on a single server, a permissions violation) fails at once. @default 30000
   */
  connectTimeoutMs?: number;
  /** Imported messages being published locally, not yet acknowledged to JetStream, at most (per zone). @default 1024 */
  maxImportInFlight?: number;
  /**
   * How long imported messages may wait to be published in this zone together, ms. 0: the
   * messages of each NATS read are published at once, as one batch (lowest latency). A few ms
   * add up to that much latency and save bridge CPU when messages come a few at a time (a few
   * thousand per second): each batch costs one ledger commit, one DATA datagram per route and
   * one event-loop turn, whatever its size. At most `maxImportInFlight` messages wait.
   * @default 0
   */
  importBatchDelayMs?: number;
  /**
   * The import lease's time to live, ms. Of a zone's bridges, one imports at a time: the holder
   * of a lease in the JetStream key-value bucket `lc_bridges` (key `import.<zone>`), which it
   * rewrites every third of this time. A standby takes it over when nobody rewrote it for this
   * long: a holder killed is replaced within about 4/3 of it. A holder that cannot rewrite it
   * stops importing after this long. @default 3000
   */
  importLeaseMs?: number;
  /** The zone's stream, as created when missing. */
  stream?: BridgeStreamOptions;
  /** The export checkpoint in the engine (JetStream only). */
  checkpoint?: BridgeCheckpointOptions;
}

/** The defaults of {@link BridgeOptions} (what is not required). */
export const DEFAULT_BRIDGE_OPTIONS = Object.freeze({
  engine: 'jetstream' as 'jetstream' | 'core',
  export: Object.freeze([]) as readonly string[],
  import: Object.freeze([]) as readonly string[],
  requests: Object.freeze([]) as readonly string[],
  requestTimeoutMs: 30_000,
  importFrom: undefined as readonly string[] | undefined,
  zoneScanIntervalMs: 5000,
  lagCheckIntervalMs: 5000,
  maxInFlight: 1024,
  exportBatchDelayMs: 0,
  maxPending: 16384,
  publishTimeoutMs: 5000,
  retryDelayMs: 500,
  connectTimeoutMs: 30_000,
  maxImportInFlight: 1024,
  importBatchDelayMs: 0,
  importLeaseMs: 3000,
  stream: Object.freeze({ maxAgeMs: 7 * 24 * 3600 * 1000, maxBytes: -1, replicas: 1, duplicateWindowMs: 120_000 }),
  checkpoint: Object.freeze({ intervalMs: 1000, maxStreams: 10_000 }),
});

/** Options with every default applied. */
export interface ResolvedBridgeOptions {
  readonly peer: Peer;
  readonly nats: NatsConnection | NodeConnectionOptions;
  readonly zone: string;
  readonly engine: 'jetstream' | 'core';
  readonly export: readonly string[];
  readonly import: readonly string[];
  readonly requests: readonly string[];
  readonly requestTimeoutMs: number;
  readonly importFrom: readonly string[] | undefined;
  readonly zoneScanIntervalMs: number;
  readonly lagCheckIntervalMs: number;
  readonly maxInFlight: number;
  readonly exportBatchDelayMs: number;
  readonly maxPending: number;
  readonly publishTimeoutMs: number;
  readonly retryDelayMs: number;
  readonly connectTimeoutMs: number;
  readonly maxImportInFlight: number;
  readonly importBatchDelayMs: number;
  readonly importLeaseMs: number;
  readonly stream: Required<BridgeStreamOptions>;
  readonly checkpoint: Required<BridgeCheckpointOptions>;
}

const KNOWN = new Set(['peer', 'nats', ...Object.keys(DEFAULT_BRIDGE_OPTIONS), 'zone']);
const KNOWN_STREAM = new Set(Object.keys(DEFAULT_BRIDGE_OPTIONS.stream));
const KNOWN_CHECKPOINT = new Set(Object.keys(DEFAULT_BRIDGE_OPTIONS.checkpoint));

/**
 * Merges `o` with the defaults and validates it.
 * @throws InvalidOptionError naming the first bad option.
 */
export function resolveBridgeOptions(o: BridgeOptions): ResolvedBridgeOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('bridge options must be an object');
  const peer = o.peer as Partial<Peer> | undefined;
  if (typeof peer !== 'object' || peer === null || typeof peer.subscribe !== 'function' || typeof peer.publish !== 'function') {
    throw new InvalidOptionError('options.peer must be a ledgecast Peer (from createPeer)');
  }
  if (typeof o.nats !== 'object' || o.nats === null) throw new InvalidOptionError('options.nats must be a NATS connection or the options of connect()');
  return { peer: o.peer, nats: o.nats, ...resolveBridgeSettings(o) };
}

/**
 * Validates every option but `peer` and `nats` (for a configuration file, before any peer or
 * connection exists).
 * @throws InvalidOptionError naming the first bad option.
 */
export function resolveBridgeSettings(o: Omit<BridgeOptions, 'peer' | 'nats'>): Omit<ResolvedBridgeOptions, 'peer' | 'nats'> {
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new InvalidOptionError(`options.${k} is not a bridge option`);
  const zoneProblem = zoneNameProblem(o.zone);
  if (zoneProblem !== undefined) throw new InvalidOptionError(`options.zone ${zoneProblem}`);
  const d = DEFAULT_BRIDGE_OPTIONS;
  const exported = patterns('export', o.export ?? d.export);
  const imported = patterns('import', o.import ?? d.import);
  const requests = patterns('requests', o.requests ?? d.requests);
  let importFrom: readonly string[] | undefined;
  if (o.importFrom !== undefined) {
    if (!Array.isArray(o.importFrom)) throw new InvalidOptionError('options.importFrom must be an array of zone names');
    importFrom = o.importFrom.map((z: unknown, i) => {
      const problem = zoneNameProblem(z);
      if (problem !== undefined) throw new InvalidOptionError(`options.importFrom[${i}] ${problem}`);
      if (z === o.zone) throw new InvalidOptionError(`options.importFrom[${i}] is this bridge's own zone ${JSON.stringify(z)} (a zone never imports its own messages)`);
      return z as string;
    });
  }
  const s = o.stream ?? {};
  if (typeof s !== 'object' || s === null) throw new InvalidOptionError('options.stream must be an object');
  for (const k of Object.keys(s)) if (!KNOWN_STREAM.has(k)) throw new InvalidOptionError(`options.stream.${k} is not a stream option`);
  const maxBytes = s.maxBytes ?? d.stream.maxBytes;
  if (maxBytes !== -1) positiveInt('stream.maxBytes', maxBytes);
  const replicas = positiveInt('stream.replicas', s.replicas ?? d.stream.replicas);
  if (replicas > 5) throw new InvalidOptionError(`options.stream.replicas must be at most 5 (JetStream's limit), got ${replicas}`);
  const maxInFlight = positiveInt('maxInFlight', o.maxInFlight ?? d.maxInFlight);
  const maxPending = positiveInt('maxPending', o.maxPending ?? d.maxPending);
  if (maxPending < maxInFlight) throw new InvalidOptionError(`options.maxPending (${maxPending}) must be at least options.maxInFlight (${maxInFlight})`);
  const c = o.checkpoint ?? {};
  if (typeof c !== 'object' || c === null) throw new InvalidOptionError('options.checkpoint must be an object');
  for (const k of Object.keys(c)) if (!KNOWN_CHECKPOINT.has(k)) throw new InvalidOptionError(`options.checkpoint.${k} is not a checkpoint option`);
  const engine = o.engine ?? d.engine;
  if (engine !== 'jetstream' && engine !== 'core') throw new InvalidOptionError(`options.engine must be 'jetstream' or 'core', got ${JSON.stringify(engine)}`);
  return {
    zone: o.zone,
    engine,
    export: exported,
    import: imported,
    requests,
    requestTimeoutMs: positiveInt('requestTimeoutMs', o.requestTimeoutMs ?? d.requestTimeoutMs),
    importFrom,
    zoneScanIntervalMs: positiveInt('zoneScanIntervalMs', o.zoneScanIntervalMs ?? d.zoneScanIntervalMs),
    lagCheckIntervalMs: nonNegativeInt('lagCheckIntervalMs', o.lagCheckIntervalMs ?? d.lagCheckIntervalMs),
    maxInFlight,
    exportBatchDelayMs: batchDelayMs('exportBatchDelayMs', o.exportBatchDelayMs ?? d.exportBatchDelayMs),
    maxPending,
    publishTimeoutMs: positiveInt('publishTimeoutMs', o.publishTimeoutMs ?? d.publishTimeoutMs),
    retryDelayMs: positiveInt('retryDelayMs', o.retryDelayMs ?? d.retryDelayMs),
    connectTimeoutMs: nonNegativeInt('connectTimeoutMs', o.connectTimeoutMs ?? d.connectTimeoutMs),
    maxImportInFlight: positiveInt('maxImportInFlight', o.maxImportInFlight ?? d.maxImportInFlight),
    importBatchDelayMs: batchDelayMs('importBatchDelayMs', o.importBatchDelayMs ?? d.importBatchDelayMs),
    importLeaseMs: leaseMs(o.importLeaseMs ?? d.importLeaseMs),
    stream: {
      maxAgeMs: positiveInt('stream.maxAgeMs', s.maxAgeMs ?? d.stream.maxAgeMs),
      maxBytes,
      replicas,
      duplicateWindowMs: positiveInt('stream.duplicateWindowMs', s.duplicateWindowMs ?? d.stream.duplicateWindowMs),
    },
    checkpoint: {
      intervalMs: positiveInt('checkpoint.intervalMs', c.intervalMs ?? d.checkpoint.intervalMs),
      maxStreams: positiveInt('checkpoint.maxStreams', c.maxStreams ?? d.checkpoint.maxStreams),
    },
  };
}

function patterns(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(`options.${name} must be an array of subject patterns`);
  return value.map((p: unknown, i) => {
    const problem = patternProblem(p);
    if (problem !== undefined) throw new InvalidOptionError(`options.${name}[${i}] ${problem}`);
    return p as string;
  });
}

function batchDelayMs(name: string, value: unknown): number {
  const ms = nonNegativeInt(name, value);
  if (ms > 1000) throw new InvalidOptionError(`options.${name} must be at most 1000 (it is added to the latency of every message), got ${ms}`);
  return ms;
}

function leaseMs(value: unknown): number {
  const ms = positiveInt('importLeaseMs', value);
  if (ms < 300) throw new InvalidOptionError(`options.importLeaseMs must be at least 300 (a third of it is the renewal period), got ${ms}`);
  return ms;
}

function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(`options.${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonNegativeInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(`options.${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}
