/**
 * Observability of a peer, outside the actors: nothing here is on the data path.
 *
 * - `figures.ts`: the figures an operator watches, read out of `peer.stats()` (pure);
 * - `monitored-peer.ts`: what they use of a `Peer` (an interface, so the peer and the monitor do not import each other);
 * - `metrics.ts`: those figures as Prometheus metrics (prom-client), read on each scrape;
 * - `monitor-state.ts`: the monitor's bounded memory (history ring, streams heard, events; pure);
 * - `zones-view.ts`: the bridges heard and the remote zones, with a bridge's import of each (pure);
 * - `monitor-server.ts`: the HTTP monitor (node:http): `/`, `/api/state`, `/metrics`;
 * - `monitor-page.ts`: the page, self-contained HTML with inline SVG charts;
 * - `logger.ts`: the `logger` option's adapter (pino-compatible), fed by the peer's events;
 * - `options.ts`: the `monitor` option, its defaults and resolver.
 *
 * Ownership: all of it runs on the application thread and reaches the peer through its public
 * API (`stats()`, `peers()`, events, `subscribe`); the peer starts the logger adapter and the
 * monitor after its actors and closes the monitor first when it closes.
 *
 * @packageDocumentation
 */
export { createMetrics, METRIC_SPECS, type MetricsOptions, type PeerMetrics } from './metrics.js';
export { startMonitor, type Monitor, type MonitorExtras } from './monitor-server.js';
export type { MonitorBridge, MonitorBridgeStats } from './monitored-peer.js';
export { zonesView, type BridgeRow, type ZoneRow, type ZonesView } from './zones-view.js';
export { DEFAULT_MONITOR_OPTIONS, resolveMonitorOptions, type MonitorOptions, type ResolvedMonitorOptions } from './options.js';
export { attachLogger, checkLogger, type Logger, type LogFn, type PeerLog } from './logger.js';
export { figuresOf, type PeerFigures } from './figures.js';
export type { MonitoredPeer } from './monitored-peer.js';
export { MonitorState, type MonitorSnapshot, type HistoryPoint, type StreamRow, type MonitorEvent } from './monitor-state.js';
