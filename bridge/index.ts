/**
 * Zone bridges: joining ledgecast multicast zones (one per data centre, region or site) through
 * NATS JetStream. docs/ZONES.md has the topology, the guarantees and their limits.
 *
 * **What it owns.** A bridge is an ordinary peer of its zone (the application's `Peer`, which
 * the bridge uses through its public API only) plus a NATS client. It owns: the zone's stream
 * `LC_<zone>` (created when missing), its durable export subscriptions (positions in the
 * peer's ledger and, for any bridge of the zone on any host, in the export checkpoint: key
 * `export.<zone>` of the JetStream key-value bucket `lc_bridges`), and one durable JetStream
 * consumer per other zone (`lc_import_<zone>`, positions in JetStream). Everything runs on the
 * application thread.
 *
 * **Parts.** `naming.ts` (stream, subjects, `Nats-Msg-Id`, headers; pure), `options.ts`
 * (defaults, validation; pure), `export-queue.ts` (ordering, in-flight window, retries; pure),
 * `export-checkpoint.ts` (export positions and where a restart
 * reads the stream's tail from; pure), `exporter.ts`, `checkpoint-keeper.ts` and `importer.ts` (shells), `import-progress.ts` (per remote zone: counters, in
 * flight, lag; pure), `bridge-metrics.ts` (Prometheus), `bridge.ts` (`createBridge`, the `Bridge`),
 * `config-file.ts` (the `ledgecast bridge --config FILE` format; pure). The origin marker and
 * the receivers' per-origin de-duplication live in `actors/app/origin.ts`.
 *
 * **Invariants.** A message is exported only if it originated in this zone (no origin marker),
 * once per pattern set; it is acknowledged to ledgecast only after JetStream acknowledged it.
 * An imported message is acknowledged to JetStream only after the local publish resolved. The
 * bridge never drops a message silently: a failure pauses and retries, more than `maxPending`
 * held is said by a `blocked` event, and what the durable subscriptions cannot hold is a
 * ledgecast `dataLoss` recovered at the next restart.
 *
 * @packageDocumentation
 */
export { Bridge, createBridge } from './bridge.js';
export { createBridgeMetrics } from './bridge-metrics.js';
export type { BridgeMetrics, BridgeMetricsOptions, MonitoredBridge } from './bridge-metrics.js';
export type { BridgeBlockedEvent, BridgeEvents, BridgeStats } from './bridge.js';
export type { ZoneImportStats } from './import-progress.js';
export { DEFAULT_BRIDGE_OPTIONS, resolveBridgeOptions } from './options.js';
export type { BridgeCheckpointOptions, BridgeOptions, BridgeStreamOptions, ResolvedBridgeOptions } from './options.js';
