/**
 * A zone bridge's figures as Prometheus metrics (prom-client), beside its peer's own
 * (`createMetrics`, monitor/metrics.ts): what crossed out and in, what is in flight, what the
 * engine de-duplicated, what came again after a restart, which zones are imported. Each metric
 * reads `bridge.stats()` at a scrape (synchronous: a few counters); nothing runs between scrapes. Every metric carries `zone` (this bridge's zone) and `bridge`
 * (its peer's name). Names are listed in docs/ZONES.md "What to monitor".
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { InvalidOptionError } from '../errors.js';
import { setMetric } from '../monitor/metrics.js';
import type { BridgeStats } from './bridge.js';
import type { ZoneImportStats } from './import-progress.js';

/** What {@link createBridgeMetrics} reads: a {@link Bridge} (or anything with its stats). */
export interface MonitoredBridge {
  readonly zone: string;
  stats(): BridgeStats;
}

/** Options of {@link createBridgeMetrics}. */
export interface BridgeMetricsOptions {
  /** The registry to register into (one bridge per registry). @default a new `Registry` */
  registry?: Registry;
  /** The `bridge` label: the bridge peer's name. */
  name: string;
}

/** The metrics of one bridge. */
export interface BridgeMetrics {
  readonly registry: Registry;
  /** The Prometheus text exposition of the registry (reads the bridge's stats once). */
  metrics(): Promise<string>;
}

interface Spec {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  /** One value, or values by `label`. */
  readonly read: (s: BridgeStats) => number | Readonly<Record<string, number>>;
  readonly label?: string;
}

/** `read` of each remote zone imported from, by zone (the `from_zone` label); a zone where it is undefined is left out. */
function byZone(read: (z: ZoneImportStats) => number | undefined): (s: BridgeStats) => Record<string, number> {
  return (s) => {
    const out: Record<string, number> = {};
    for (const z of s.import.byZone) {
      const v = read(z);
      if (v !== undefined) out[z.zone] = v;
    }
    return out;
  };
}

/** Every bridge metric. */
export const BRIDGE_METRIC_SPECS: readonly Spec[] = [
  { name: 'ledgecast_bridge_exported_total', type: 'counter', help: 'Messages of this zone stored by JetStream (then confirmed to ledgecast).', read: (s) => s.export.acked },
  {
    name: 'ledgecast_bridge_export_deduplicated_total',
    type: 'counter',
    help: 'Exported messages JetStream already held (same message id: a restart or the other bridge of the zone).',
    read: (s) => s.export.duplicates,
  },
  { name: 'ledgecast_bridge_export_retries_total', type: 'counter', help: 'Export publishes retried after a failure.', read: (s) => s.export.retried },
  { name: 'ledgecast_bridge_export_in_flight', type: 'gauge', help: 'Exported messages waiting for JetStream now.', read: (s) => s.export.inFlight },
  { name: 'ledgecast_bridge_export_pending', type: 'gauge', help: 'Exported messages held now (in flight and waiting).', read: (s) => s.export.pending },
  { name: 'ledgecast_bridge_export_blocked_total', type: 'counter', help: 'Times exporting stopped (NATS failed, or maxPending held).', read: (s) => s.export.blocked },
  { name: 'ledgecast_bridge_export_losses_total', type: 'counter', help: 'Loss records exported (ranges of this zone the bridge will never get).', read: (s) => s.export.losses },
  {
    name: 'ledgecast_bridge_export_overflowed_total',
    type: 'counter',
    help: 'Messages an export subscription dropped (more than maxQueuedPerSubscription unacknowledged): exported after the bridge and its peer restart.',
    read: (s) => s.export.overflowed,
  },
  {
    name: 'ledgecast_bridge_export_skipped_total',
    type: 'counter',
    help: 'Messages seen and not exported, by reason (notLocal: from another zone; requests: request/reply traffic; tooLarge: over the NATS max_payload).',
    label: 'reason',
    read: (s) => ({ notLocal: s.export.notLocal, requests: s.export.requests, tooLarge: s.export.tooLarge }),
  },
  { name: 'ledgecast_bridge_checkpoint_writes_total', type: 'counter', help: 'Export checkpoints written to the engine (key-value lc_bridges, key export.<zone>).', read: (s) => s.export.checkpoint?.writes ?? 0 },
  { name: 'ledgecast_bridge_checkpoint_failures_total', type: 'counter', help: 'Export checkpoint writes that failed (retried at the next interval).', read: (s) => s.export.checkpoint?.failures ?? 0 },
  {
    name: 'ledgecast_bridge_checkpoint_stored_skipped_total',
    type: 'counter',
    help: 'Messages and loss ranges not exported again: the checkpoint, or the stream read at start, showed them stored.',
    read: (s) => s.export.checkpoint?.skipped ?? 0,
  },
  {
    name: 'ledgecast_bridge_checkpoint_streams_left_out',
    type: 'gauge',
    help: 'Origin streams left out of the last checkpoint written, and forgotten since start (over checkpoint.maxStreams or max_payload): a bridge starting from it exports what their senders hold again.',
    read: (s) => (s.export.checkpoint === undefined ? 0 : s.export.checkpoint.droppedStreams + s.export.checkpoint.evictedStreams),
  },
  { name: 'ledgecast_bridge_importing', type: 'gauge', help: '1 while this bridge holds the zone\'s import lease and imports, else 0.', read: (s) => (s.import.active ? 1 : 0) },
  { name: 'ledgecast_bridge_lease_acquired_total', type: 'counter', help: 'Times this bridge took the import lease.', read: (s) => s.import.leaseAcquired },
  { name: 'ledgecast_bridge_zones_imported', type: 'gauge', help: 'Remote zones imported from now.', read: (s) => s.import.zones.length },
  { name: 'ledgecast_bridge_imported_total', type: 'counter', help: 'Messages of other zones published in this zone.', read: (s) => s.import.imported },
  {
    name: 'ledgecast_bridge_import_redelivered_total',
    type: 'counter',
    help: 'Messages JetStream delivered again (not acknowledged before a restart or a consumer failover).',
    read: (s) => s.import.redelivered,
  },
  { name: 'ledgecast_bridge_import_caught_up_total', type: 'counter', help: 'Messages published at an import start that a previous bridge had taken and not acknowledged.', read: (s) => s.import.caughtUp },
  { name: 'ledgecast_bridge_import_losses_total', type: 'counter', help: 'Loss markers published (ranges of other zones that will never cross).', read: (s) => s.import.losses },
  {
    name: 'ledgecast_bridge_import_expired_total',
    type: 'counter',
    help: "Messages of other zones' JetStream streams deleted before this bridge read them (max_age, max_msgs, a purge).",
    read: (s) => s.import.expired,
  },
  { name: 'ledgecast_bridge_import_restarts_total', type: 'counter', help: 'Import consumers started again after missed heartbeats.', read: (s) => s.import.restarts },
  {
    name: 'ledgecast_bridge_import_ack_confirms_total',
    type: 'counter',
    help: 'Requests confirming the last acknowledgement to JetStream (the consumer idle after it, a reconnect, or consumer info showing it lost).',
    read: (s) => s.import.ackConfirms,
  },
  {
    name: 'ledgecast_bridge_import_skipped_total',
    type: 'counter',
    help: 'Messages taken from JetStream and not published, by reason (filtered: outside the import rules; malformed; tooLarge: over maxMessageBytes; sameDomain: the origin is a peer of this zone\'s own multicast domain).',
    label: 'reason',
    read: (s) => ({ filtered: s.import.filtered, malformed: s.import.malformed, tooLarge: s.import.tooLarge, sameDomain: s.import.sameDomain }),
  },
  {
    name: 'ledgecast_bridge_zone_imported_total',
    type: 'counter',
    help: 'Messages of each remote zone (from_zone) published in this zone.',
    label: 'from_zone',
    read: byZone((z) => z.imported),
  },
  {
    name: 'ledgecast_bridge_zone_redelivered_total',
    type: 'counter',
    help: 'Messages of each remote zone (from_zone) JetStream delivered again (a restart, a takeover, a late acknowledgement).',
    label: 'from_zone',
    read: byZone((z) => z.redelivered),
  },
  {
    name: 'ledgecast_bridge_zone_losses_total',
    type: 'counter',
    help: 'Loss markers published for each remote zone (from_zone): ranges that will never cross.',
    label: 'from_zone',
    read: byZone((z) => z.losses),
  },
  {
    name: 'ledgecast_bridge_import_lag_messages',
    type: 'gauge',
    help: "Messages of each remote zone's stream (from_zone) this zone has not imported yet: not yet delivered (JetStream num_pending) plus in flight. While this bridge imports (JetStream engine).",
    label: 'from_zone',
    read: byZone((z) => z.lagMessages),
  },
  {
    name: 'ledgecast_bridge_import_in_flight',
    type: 'gauge',
    help: 'Messages of each remote zone (from_zone) delivered to this bridge and not yet acknowledged to JetStream (core engine: local publishes not yet done).',
    label: 'from_zone',
    read: byZone((z) => z.inFlight),
  },
  {
    name: 'ledgecast_bridge_import_delay_seconds',
    type: 'gauge',
    help: "For the newest message of each remote zone (from_zone) published here: seconds from its storing in JetStream (the NATS server's clock) to its publish here (this host's clock). JetStream engine.",
    label: 'from_zone',
    read: byZone((z) => (z.delayMs === undefined ? undefined : z.delayMs / 1000)),
  },
  {
    name: 'ledgecast_bridge_requests_total',
    type: 'counter',
    help: 'Requests relayed across zones, by outcome (out: relayed out; outReplies; outNoResponders; outFailed; in: from other zones; inReplies; inTimeouts; refused).',
    label: 'outcome',
    read: (s) => ({ ...s.requests }),
  },
];

/**
 * Registers `bridge`'s metrics in a registry (a new one by default).
 * @throws InvalidOptionError when `options.registry` is not a prom-client Registry or already
 *   holds bridge metrics.
 */
export function createBridgeMetrics(bridge: MonitoredBridge, options: BridgeMetricsOptions): BridgeMetrics {
  const registry = options.registry ?? new Registry();
  if (!(registry instanceof Registry)) throw new InvalidOptionError('createBridgeMetrics options.registry must be a prom-client Registry');
  if (registry.getSingleMetric(BRIDGE_METRIC_SPECS[0]!.name) !== undefined) {
    throw new InvalidOptionError('createBridgeMetrics: the registry already holds bridge metrics (one bridge per registry)');
  }
  const base = { zone: bridge.zone, bridge: options.name };
  for (const spec of BRIDGE_METRIC_SPECS) {
    const config = {
      name: spec.name,
      help: spec.help,
      labelNames: spec.label === undefined ? ['zone', 'bridge'] : ['zone', 'bridge', spec.label],
      registers: [registry],
      collect(this: Counter | Gauge): void {
        this.reset();
        const v = spec.read(bridge.stats());
        if (typeof v === 'number') setMetric(this, base, v);
        else for (const [value, n] of Object.entries(v)) setMetric(this, { ...base, [spec.label as string]: value }, n);
      },
    };
    if (spec.type === 'counter') new Counter(config);
    else new Gauge(config);
  }
  return { registry, metrics: () => registry.metrics() };
}
