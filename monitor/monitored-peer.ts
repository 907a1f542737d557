/**
 * What the monitor, the metrics and the logger use of a `Peer`. A `Peer` is one; declared here,
 * from the peer's event and stats types, so that the peer can start them without the two
 * modules importing each other.
 */
import type { EventEmitter } from 'node:events';
import type { PeerEvents, PeerJoinedEvent } from '../actors/app/peer-events.js';
import type { PeerStats } from '../actors/app/peer-stats.js';
import type { Message } from '../actors/app/message.js';
import type { Subscription } from '../actors/app/subscription.js';
import type { ZoneImportStats } from '../bridge/import-progress.js';

export interface MonitoredPeer extends Pick<EventEmitter<PeerEvents>, 'on' | 'off'> {
  readonly name: string;
  readonly incarnation: number;
  stats(): Promise<PeerStats>;
  peers(): PeerJoinedEvent[];
  subscribe(pattern: string, handler: (msg: Message) => void): Subscription;
}

/**
 * What the monitor uses of a zone bridge's stats (`Bridge.stats()` is one). Declared here, not
 * taken from bridge/, for the same reason as {@link MonitoredPeer}: the bridge works through a
 * peer, and a peer can start a monitor.
 */
export interface MonitorBridgeStats {
  readonly zone: string;
  readonly import: {
    readonly active: boolean;
    readonly zones: readonly string[];
    readonly byZone: readonly ZoneImportStats[];
  };
}

/** What the monitor uses of a zone bridge (`ledgecast bridge --http-port`). */
export interface MonitorBridge {
  stats(): MonitorBridgeStats;
  /** The bridge's Prometheus metrics text (bridge/bridge-metrics.ts), appended to `/metrics`. */
  metrics(): Promise<string>;
}
