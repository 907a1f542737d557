/**
 * `createBridge`: a zone's bridge to the other zones through NATS JetStream (the shell that
 * owns the NATS connection, the zone's stream, the exporter and the importer).
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { jetstream, jetstreamManager, DiscardPolicy, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { InvalidOptionError, TimeoutError } from '../errors.js';
import { Exporter } from './exporter.js';
import { CheckpointKeeper, type CheckpointCounters } from './checkpoint-keeper.js';
import { withEngineRetry } from './engine-retry.js';
import { ImportLease } from './import-lease.js';
import { Importer } from './importer.js';
import { OriginGaps } from './origin-gaps.js';
import { CoreImporter } from './core-importer.js';
import { ImportProgress, type ZoneImportStats } from './import-progress.js';
import { LeaseKeeper, leaseKey, openLeaseBucket } from './lease-keeper.js';
import { bridgeMarkerPattern, RequestRelay, type RelayCounters } from './request-relay.js';
import type { Subscription } from '../actors/app/subscription.js';
import type { PeerJoinedEvent } from '../actors/app/peer-events.js';
import { ZONE_MARKER_PREFIX } from '../actors/app/origin.js';
import { streamName, zonePrefix } from './naming.js';
import { SharedDomain } from './shared-domain.js';
import { reportError } from '../actors/app/error-reporting.js';
import { resolveBridgeOptions, type BridgeOptions, type ResolvedBridgeOptions } from './options.js';

/** How long stopping the import may take before it is said (an `error` event). */
const STOP_WARN_MS = 10_000;

/** Why exporting stopped: NATS failed, or the bridge holds `maxPending` messages. */
export interface BridgeBlockedEvent {
  readonly reason: 'nats' | 'pending';
  /** One line for a log. */
  readonly detail: string;
}

/** The events of a {@link Bridge}. */
export interface BridgeEvents {
  /** Exporting is blocked: NATS fails, or more than `maxPending` are held (said once per episode); nothing is dropped: it resumes by itself. */
  blocked: [BridgeBlockedEvent];
  /** Exporting goes on after `blocked`. */
  resumed: [];
  /**
   * This bridge took the zone's import lease and imports (and relays this zone's requests out)
   * now (`true`), or lost or gave it up and stands by (`false`). One bridge of a zone does at a
   * time (docs/ZONES.md).
   */
  importing: [boolean];
  /**
   * A failure the bridge retries by itself (an import consumer, listing streams, a local
   * publish), a message it cannot export (larger than the NATS server's `max_payload`), or
   * messages of another zone deleted from its JetStream stream before this bridge imported them
   * (`import.expired`; the origin streams it can name also get a `dataLoss` 'expired').
   */
  error: [Error];
  /**
   * An export subscription fell more than the peer's `maxQueuedPerSubscription` messages behind
   * (NATS down or slow for long while the zone's publishers no longer waited for the bridge):
   * ledgecast dropped messages for it. The bridge exported what it held and exports nothing
   * more; close it and its peer and start both again (same ledger) to export the rest, in order,
   * from the senders' windows and ledgers. `ledgecast bridge` does so by itself.
   */
  overflowed: [{ readonly detail: string }];
}

/** Counters of a {@link Bridge} (`bridge.stats()`). */
export interface BridgeStats {
  readonly zone: string;
  readonly export: {
    /** Messages taken in for export. */
    readonly queued: number;
    /** Messages JetStream acknowledged (then acknowledged to ledgecast). */
    readonly acked: number;
    /** Of those, the ones JetStream had already stored (same Nats-Msg-Id). */
    readonly duplicates: number;
    /** Publishes retried after a failure. */
    readonly retried: number;
    /** Waiting for JetStream now. */
    readonly inFlight: number;
    /** Held now (in flight and waiting). */
    readonly pending: number;
    /** Messages from other zones the export subscriptions saw and did not export. */
    readonly notLocal: number;
    /** Loss records exported: ranges of this zone's streams the export subscriptions will never get. */
    readonly losses: number;
    /** Replies (`_INBOX.…`) and requests on `requests` subjects the export subscriptions saw and did not export. */
    readonly requests: number;
    /** `blocked` episodes. */
    readonly blocked: number;
    /** Messages not exported: larger than the NATS server's `max_payload` (less 1 KiB). */
    readonly tooLarge: number;
    /** Messages an export subscription dropped (`subscriberOverflow`; the `overflowed` event): exported after a restart. */
    readonly overflowed: number;
    /**
     * The export checkpoint in the engine (JetStream; undefined with core NATS or nothing to
     * export): what it resumed from, what it skipped as stored, its writes, and what its bounds
     * left out (docs/ZONES.md, "Export checkpoint").
     */
    readonly checkpoint:
      | (Readonly<CheckpointCounters> & {
          /** Origin streams it tracks now. */
          readonly streams: number;
          /** Streams left out of the last checkpoint written (past `checkpoint.maxStreams` or `max_payload`). */
          readonly droppedStreams: number;
          /** Streams forgotten since start (past `checkpoint.maxStreams`, the least recently exported). */
          readonly evictedStreams: number;
          /** Stored ranges read at start that could not be kept (past the bounds). */
          readonly droppedRanges: number;
          /** Where a bridge starting from the next checkpoint reads `LC_<zone>` from (stream sequence). */
          readonly scanFrom: number;
        })
      | undefined;
  };
  readonly import: {
    /** This bridge holds the zone's import lease and imports now (false: it stands by, or imports nothing). */
    readonly active: boolean;
    /** The import lease's holder as last read (this bridge's `id` when it holds it). */
    readonly leaseHolder: string | undefined;
    /** Times this bridge took the lease. */
    readonly leaseAcquired: number;
    /** Zones imported from. */
    readonly zones: readonly string[];
    readonly imported: number;
    readonly filtered: number;
    readonly redelivered: number;
    readonly malformed: number;
    /** Published at a (re)start from the stream: delivered to a previous bridge, never acknowledged. */
    readonly caughtUp: number;
    /** Not published: larger than the bridge peer's `maxMessageBytes`. */
    readonly tooLarge: number;
    /** Loss markers published: ranges of other zones' streams that will never cross (subscribers get one `dataLoss` naming the origin). */
    readonly losses: number;
    /** Messages of other zones' JetStream streams deleted before this bridge read them (each jump said by an `error` event). */
    readonly expired: number;
    /** Consumers started again after missed heartbeats (a NATS node, or the consumer's leader, gone). */
    readonly restarts: number;
    /** Requests confirming the last acknowledgement to JetStream (after it the consumer went idle, the connection came back, or consumer info showed it lost). */
    readonly ackConfirms: number;
    /**
     * Not published: their origin sender is a peer of this zone's own multicast domain, so this
     * zone's receivers had them from it (a bridge of another zone shares the domain; see
     * `sameDomainZones` and the `error` event).
     */
    readonly sameDomain: number;
    /** Other zones whose bridges were heard in this zone's multicast domain (a misconfiguration, said by an `error` event). */
    readonly sameDomainZones: readonly string[];
    /**
     * Each remote zone imported from (since this bridge started), by name: what crossed, what is
     * in flight, and how far behind that zone's stream the import is (`lagMessages`, `delayMs`;
     * bridge/import-progress.ts). In flight and lag only while this bridge imports.
     */
    readonly byZone: readonly ZoneImportStats[];
  };
  /** Requests relayed across zones (option `requests`). */
  readonly requests: Readonly<RelayCounters>;
}

/**
 * A zone bridge. Made by {@link createBridge}; `close()` stops it (the peer and a NATS
 * connection handed in stay open).
 */
export class Bridge extends EventEmitter<BridgeEvents> {
  private blockedCount = 0;
  private isBlocked = false;
  private closing: Promise<void> | undefined;
  private exporter: Exporter | undefined;
  private importer: Importer | CoreImporter | undefined;
  private lease: LeaseKeeper | undefined;
  /** Core NATS: the last seq imported per origin stream, kept across importers (gaps while not importing are reported). */
  private readonly coreLastSeqs = new Map<string, number>();
  /** JetStream: per zone imported from, the origin streams' last seqs, kept across importers (origin-gaps.ts). */
  private readonly originGaps = new Map<string, OriginGaps>();
  /** Core NATS without JetStream: no lease, this bridge imports alone. */
  private leaseless = false;
  private relay: RequestRelay | undefined;
  private marker: Subscription | undefined;
  /** The `_LC_ZONE.<zone>` subscriptions, by zone imported from. */
  private readonly zoneMarkers = new Map<string, Subscription>();
  /** Starting and stopping the importer, one after the other. */
  private importTurn: Promise<void> = Promise.resolve();
  /** Per remote zone: counters, in flight, lag (kept across importers, like the counters). */
  private readonly progress = new ImportProgress();
  private readonly importCounters = { imported: 0, filtered: 0, redelivered: 0, malformed: 0, caughtUp: 0, tooLarge: 0, losses: 0, expired: 0, restarts: 0, ackConfirms: 0, sameDomain: 0 };
  /** The peers heard in this zone's multicast domain (bridge/shared-domain.ts). */
  private readonly domain: SharedDomain;
  /** This bridge's unique id (in the import lease's key). */
  readonly id: string;

  /** @internal Made by {@link createBridge}. */
  constructor(
    private readonly o: ResolvedBridgeOptions,
    /** The NATS connection the bridge uses. */
    readonly nats: NatsConnection,
    private readonly ownsConnection: boolean,
  ) {
    super();
    this.id = `${o.peer.name}.${randomUUID()}`;
    this.domain = new SharedDomain(o.zone);
  }

  /** This bridge's zone. */
  get zone(): string {
    return this.o.zone;
  }

  /** @internal Creates the zone's stream if missing, then starts exporting and importing. */
  async start(): Promise<void> {
    const core = this.o.engine === 'core';
    // A cluster still forming answers late or cannot place the replicas yet: tried again (engine-retry.ts).
    const report = (err: Error): void => this.report(err);
    const jsm = core
      ? undefined
      : await withEngineRetry(this.o, `creating the zone's stream ${streamName(this.o.zone)}`, async () => {
          const m = await jetstreamManager(this.nats);
          await ensureStream(m, this.o);
          return m;
        }, report);
    const js = core ? undefined : jetstream(this.nats);
    if (this.o.export.length > 0) {
      // Export positions live in the engine: any bridge of the zone, on any host, resumes them.
      const checkpoint = js === undefined || jsm === undefined ? undefined : await CheckpointKeeper.open(this.o, this.nats, js, jsm, this.id, (err) => this.report(err));
      this.exporter = new Exporter(this.o, this.nats, {
        blocked: (reason, detail) => {
          if (this.isBlocked) return;
          this.isBlocked = true;
          this.blockedCount++;
          this.emit('blocked', { reason, detail });
        },
        resumed: () => {
          if (!this.isBlocked) return;
          this.isBlocked = false;
          this.emit('resumed');
        },
        refused: (err) => this.report(err),
        overflowed: (detail) => this.emit('overflowed', { detail }),
      }, checkpoint);
      this.exporter.start();
    }
    // Tells this zone's peers that this peer is a bridge (its patterns are relays, not responders).
    this.marker = this.o.peer.subscribe(bridgeMarkerPattern(this.o.zone), () => undefined);
    if (this.o.import.length > 0 || this.o.requests.length > 0) {
      // One bridge of the zone imports and relays requests out at a time: the holder of the zone's lease.
      const changed = (held: boolean): void => {
        // Core NATS has no replay: a holder that cannot renew (JetStream slow to answer after an
        // outage) keeps importing until it sees another holder in the key (`polled`).
        if (this.o.import.length > 0 && (held || !core)) this.importTurn = this.importTurn.then(() => (held ? this.startImporting(js, jsm) : this.stopImporting()));
        this.emit('importing', held);
      };
      const polled = (holder: string | undefined): void => {
        if (!core || this.importer === undefined || this.lease?.isHeld === true || holder === undefined || holder === this.id) return;
        this.importTurn = this.importTurn.then(() => this.stopImporting());
      };
      // Core NATS may run without JetStream, and so without the lease's key-value bucket: then
      // this bridge imports on its own (run one bridge per zone), and says so.
      const openBucket = (): ReturnType<typeof openLeaseBucket> => openLeaseBucket(this.nats, this.o.stream.replicas);
      const kv = await (core ? openBucket() : withEngineRetry(this.o, 'opening the import lease bucket', openBucket, report)).catch((err: unknown) => {
        if (!core) throw err;
        this.report(new Error(`no import lease (JetStream key-value unavailable: ${err instanceof Error ? err.message : String(err)}): this bridge imports alone; run one bridge per zone`));
        return undefined;
      });
      if (kv === undefined) {
        this.leaseless = true;
        setImmediate(() => changed(true));
      } else {
        this.lease = new LeaseKeeper(kv, leaseKey(this.o.zone), new ImportLease(this.id, this.o.importLeaseMs), this.o.peer.name, { changed, polled, error: (err) => this.report(err) });
        this.lease.start();
      }
    }
    if (this.o.requests.length > 0) {
      this.relay = new RequestRelay(this.o, this.nats, () => this.leaseless || (this.lease?.isHeld ?? false), (err) => this.report(err));
      this.relay.start();
    }
  }

  private async startImporting(js: JetStreamClient | undefined, jsm: JetStreamManager | undefined): Promise<void> {
    if (this.closing !== undefined || this.importer !== undefined) return;
    const onError = (err: Error): void => this.report(err);
    const onZone = (zone: string): void => this.markZone(zone);
    this.importer =
      js === undefined || jsm === undefined
        ? new CoreImporter(this.o, this.nats, this.importCounters, this.coreLastSeqs, this.progress, onError, onZone, this.isLocal)
        : new Importer(this.o, this.nats, js, jsm, this.importCounters, this.progress, this.originGaps, onError, onZone, this.isLocal);
    try {
      await this.importer.start();
    } catch (err) {
      this.report(new Error(`starting the import failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }

  /**
   * @internal Starts watching the peers of this zone's multicast domain, and the bridges of other
   * zones among them. Called once `createBridge` resolved, so that an `error` listener attached
   * then hears what is found.
   */
  watchDomain(): void {
    if (this.closing !== undefined) return;
    this.o.peer.on('peerJoined', this.onPeerHeard);
    this.o.peer.on('peerUpdated', this.onPeerHeard);
    for (const p of this.o.peer.peers()) this.onPeerHeard(p);
  }

  /** A peer of this zone's multicast domain advertised: remembered as local; a bridge of another zone there is said once per zone. */
  private readonly onPeerHeard = (p: PeerJoinedEvent): void => {
    const foreign = this.domain.heard(p.name, p.incarnation, p.patterns);
    if (foreign === undefined) return;
    this.report(
      new Error(
        `bridge ${JSON.stringify(foreign.name)} of zone ${JSON.stringify(foreign.zone)} is in the multicast domain of zone ${JSON.stringify(this.o.zone)} ` +
          `(same group, port and network): both bridges export what its peers publish, so other zones get it twice. Give each zone its own ` +
          `multicast group or port (peer options group, port), or both bridges one zone name. Messages of peers heard here are not imported back (import.sameDomain).`,
      ),
    );
  };

  /** Whether a message imported from `zone` came from this zone's own multicast domain (bridge/shared-domain.ts). */
  private readonly isLocal = (zone: string, sender: string, incarnation: number): boolean => this.domain.isLocal(zone, sender, incarnation);

  /** Zone `zone` is imported from: the zone's peers see it in this bridge's patterns (`ledgecast peers`). */
  private markZone(zone: string): void {
    if (this.closing !== undefined || this.zoneMarkers.has(zone)) return;
    this.zoneMarkers.set(zone, this.o.peer.subscribe(`${ZONE_MARKER_PREFIX}${zone}`, () => undefined));
  }

  private async stopImporting(): Promise<void> {
    const importer = this.importer;
    this.importer = undefined;
    for (const m of this.zoneMarkers.values()) m.unsubscribe();
    this.zoneMarkers.clear();
    // The next start of the import waits for this one's end: a stop that takes long is said,
    // not left silent (a consumer started after the stop once made it wait for ever).
    const slow = setTimeout(() => this.report(new Error(`stopping the import has taken ${STOP_WARN_MS / 1000} s; the import starts again only once it ends`)), STOP_WARN_MS);
    slow.unref?.();
    try {
      await importer?.close();
    } finally {
      clearTimeout(slow);
    }
    if (importer !== undefined) this.progress.stopped();
  }

  /** An `error` event, or a process warning when nobody listens (never thrown, never silent). */
  private report(err: Error): void {
    reportError(this as EventEmitter, err, { type: 'LedgecastBridgeWarning' });
  }

  /** The bridge's counters. */
  stats(): BridgeStats {
    const e = this.exporter;
    const i = this.importer;
    return {
      zone: this.o.zone,
      export: {
        queued: e?.queue.counters.queued ?? 0,
        acked: e?.queue.counters.acked ?? 0,
        duplicates: e?.counters.duplicates ?? 0,
        retried: e?.queue.counters.retried ?? 0,
        inFlight: e?.queue.inFlight ?? 0,
        pending: e?.queue.pending ?? 0,
        notLocal: e?.counters.notLocal ?? 0,
        losses: e?.counters.losses ?? 0,
        requests: e?.counters.requests ?? 0,
        blocked: this.blockedCount,
        tooLarge: e?.counters.tooLarge ?? 0,
        overflowed: e?.counters.overflowed ?? 0,
        checkpoint: e?.checkpoint === undefined ? undefined : { ...e.checkpoint.counters, streams: e.checkpoint.ckpt.streams, droppedStreams: e.checkpoint.ckpt.droppedStreams, evictedStreams: e.checkpoint.ckpt.evictedStreams, droppedRanges: e.checkpoint.ckpt.droppedRanges, scanFrom: e.checkpoint.ckpt.scanFrom() },
      },
      import: {
        active: this.leaseless || (this.lease?.isHeld ?? false),
        leaseHolder: this.lease?.lease.holder,
        leaseAcquired: this.lease?.lease.acquisitions ?? 0,
        zones: [...(i?.zones ?? [])],
        ...this.importCounters,
        sameDomainZones: this.domain.zones,
        byZone: this.progress.snapshot(performance.now()),
      },
      requests: { ...(this.relay?.counters ?? { out: 0, outReplies: 0, outNoResponders: 0, outFailed: 0, in: 0, inReplies: 0, inTimeouts: 0, refused: 0 }) },
    };
  }

  /**
   * Stops exporting and importing. Messages held and not yet stored (export) or published
   * (import) are not acknowledged, so the next bridge of the zone takes them again. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.exporter?.close();
      this.relay?.close();
      this.marker?.unsubscribe();
      this.o.peer.off('peerJoined', this.onPeerHeard);
      this.o.peer.off('peerUpdated', this.onPeerHeard);
      for (const m of this.zoneMarkers.values()) m.unsubscribe();
      await this.lease?.close();
      await this.importTurn;
      await this.stopImporting();
      if (this.ownsConnection) await this.nats.drain().catch(() => this.nats.close());
    })();
    return this.closing;
  }
}

/**
 * Starts a zone bridge: an ordinary ledgecast peer of its zone (`options.peer`) that is also a
 * NATS client. It exports this zone's messages matching `export` to the zone's JetStream stream
 * and imports the other zones' messages matching `import` (docs/ZONES.md).
 * @throws InvalidOptionError for a bad option or a peer without a ledger (before anything
 *   connects); `TimeoutError` when connect() options were given and no server was reached
 *   within `connectTimeoutMs`; NATS errors when the stream cannot be created. Resolves once NATS
 *   was reached.
 */
export async function createBridge(options: BridgeOptions): Promise<Bridge> {
  const o = resolveBridgeOptions(options);
  if ((await o.peer.stats()).actors.ledger === undefined) {
    throw new InvalidOptionError(
      "options.peer needs a ledger (createPeer({ ledger: { path, durability: 'sync' } })): export subscriptions are durable (their positions are also checkpointed in the engine), and imported messages must survive a bridge crash to be repaired",
    );
  }
  const given = isConnection(o.nats);
  const nc = given ? (o.nats as NatsConnection) : await connectFirst(o.nats as NodeConnectionOptions, o.connectTimeoutMs, o.retryDelayMs);
  const bridge = new Bridge(o, nc, !given);
  try {
    await bridge.start();
  } catch (err) {
    await bridge.close();
    throw err;
  }
  setImmediate(() => bridge.watchDomain());
  return bridge;
}

/** Pause between first-connection attempts, ms (within `connectTimeoutMs`). */
const MAX_CONNECT_PAUSE_MS = 2000;
/** The NATS client's own default for one connection attempt, ms. */
const NATS_CONNECT_TIMEOUT_MS = 20_000;

/**
 * Connects with `options` (then reconnecting for ever), trying again every `retryDelayMs`
 * (doubling up to 2 s) until `timeoutMs` (0: for ever).
 * @throws TimeoutError naming the servers and the last failure.
 */
async function connectFirst(options: NodeConnectionOptions, timeoutMs: number, retryDelayMs: number): Promise<NatsConnection> {
  const deadline = timeoutMs === 0 ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
  let pause = retryDelayMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    let failure: unknown;
    try {
      // Not `waitOnFirstConnect`: that would retry inside connect() with no way to stop it.
      // Each attempt ends by the deadline: a server that takes the TCP connection and never
      // answers held one for the client's own `timeout` (20 s) past it.
      const timeout = Math.max(1, Math.min(options.timeout ?? NATS_CONNECT_TIMEOUT_MS, deadline - Date.now()));
      return await connect({ maxReconnectAttempts: -1, ...options, timeout, waitOnFirstConnect: false });
    } catch (err) {
      failure = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const servers = options.servers === undefined ? '127.0.0.1:4222 (the default)' : [options.servers].flat().join(', ');
      const why = failure instanceof Error ? failure.message : String(failure);
      throw new TimeoutError(`no NATS server reached within connectTimeoutMs ${timeoutMs} ms (${attempts} attempts): ${servers}; last failure: ${why}`, { cause: failure });
    }
    await new Promise((r) => setTimeout(r, Math.min(pause, left)));
    pause = Math.min(pause * 2, MAX_CONNECT_PAUSE_MS);
  }
}

function isConnection(n: object): boolean {
  const c = n as Partial<NatsConnection>;
  return typeof c.publish === 'function' && typeof c.subscribe === 'function' && typeof c.close === 'function';
}

/** Creates zone `o.zone`'s stream, or checks that the existing one holds its subjects. */
async function ensureStream(jsm: JetStreamManager, o: ResolvedBridgeOptions): Promise<void> {
  const name = streamName(o.zone);
  const subject = `${zonePrefix(o.zone)}>`;
  let info;
  try {
    info = await jsm.streams.info(name);
  } catch (err) {
    if (!/not found/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  if (info !== undefined) {
    if (!info.config.subjects?.includes(subject)) {
      throw new InvalidOptionError(`JetStream stream ${name} exists without the subjects ${subject}: it is not zone ${o.zone}'s bridge stream`);
    }
    return;
  }
  await jsm.streams.add({
    name,
    subjects: [subject],
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.New,
    storage: StorageType.File,
    max_age: nanos(o.stream.maxAgeMs),
    max_bytes: o.stream.maxBytes,
    num_replicas: o.stream.replicas,
    duplicate_window: nanos(o.stream.duplicateWindowMs),
  });
}
