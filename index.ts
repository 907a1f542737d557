/**
 * ledgecast: brokerless, daemonless, reliable publish/subscribe over UDP multicast.
 *
 * @example
 * ```ts
 * import { createPeer } from 'ledgecast';
 * const peer = await createPeer({ name: 'quotes-feed' });
 * peer.subscribe('quotes.>', (msg) => console.log(msg.subject, msg.data));
 * await peer.publish('quotes.eu.acme', { bid: 101.5 });
 * await peer.close();
 * ```
 * @packageDocumentation
 */
export { createPeer, Peer } from './actors/app/peer.js';
export { Message } from './actors/app/message.js';
export { Subscription } from './actors/app/subscription.js';
export { DEFAULT_PEER_OPTIONS } from './actors/app/peer-options.js';
export { DEFAULT_LEDGER_OPTIONS } from './actors/ledger/options.js';
export { TOPOLOGY_PRESETS } from './runtime/topology.js';
export { generateDomainKey } from './actors/socket/security-options.js';
export { createMetrics, startMonitor, DEFAULT_MONITOR_OPTIONS } from './monitor/index.js';
export { createBridge, createBridgeMetrics, Bridge, DEFAULT_BRIDGE_OPTIONS } from './bridge/index.js';
export {
  ERROR_CODES,
  LedgecastError,
  InvalidSubjectError,
  InvalidOptionError,
  BackpressureError,
  PeerClosedError,
  LedgerError,
  PayloadTooLargeError,
  EncodeError,
  DecodeError,
  TimeoutError,
  ChannelGaveUpError,
  DataLossError,
  HandlerError,
  NoRespondersError,
  AbortError,
} from './errors.js';
export type { PeerOptions } from './actors/app/peer-options.js';
export type {
  DataLossEvent,
  PeerJoinedEvent,
  PeerLeftEvent,
  PeerStats,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
} from './actors/app/peer.js';
export type {
  DataLossReason,
  MulticastUnreachableEvent,
  PeerEvents,
  PeerLeftReason,
  PeerUpdatedEvent,
  SlowConsumerEvent,
  StreamResetEvent,
} from './actors/app/peer-events.js';
export type {
  ActorStats,
  AppStats,
  FlowStats,
  LedgerStats,
  MailboxStats,
  PeerActorsStats,
  ReceiverStats,
  ReceiversStats,
  RetransmitStats,
  SenderStats,
  SocketStats,
  SubjectsStats,
} from './actors/app/peer-stats.js';
export type { CodecOption, PayloadCodec } from './actors/app/codec.js';
export type { LedgerOptions } from './actors/ledger/options.js';
export type { SecurityOptions } from './actors/socket/security-options.js';
export type { LedgerDamagePolicy, LedgerDurability, LedgerRetentionOptions } from './storage/options.js';
export type { Topology, TopologyPreset } from './runtime/topology.js';
export type { ErrorCode } from './errors.js';
export type { MetricsOptions, PeerMetrics, Monitor, MonitorExtras, MonitorBridge, MonitorBridgeStats, MonitorOptions, MonitorSnapshot, Logger, LogFn, PeerFigures, MonitoredPeer, BridgeRow, ZoneRow, ZonesView } from './monitor/index.js';
export type { BridgeCheckpointOptions, BridgeOptions, BridgeStreamOptions, BridgeBlockedEvent, BridgeEvents, BridgeStats, BridgeMetrics, BridgeMetricsOptions, MonitoredBridge, ZoneImportStats } from './bridge/index.js';
export type { MessageOrigin } from './actors/app/origin.js';
