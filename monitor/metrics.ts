/**
 * A peer's figures as Prometheus metrics (prom-client). Nothing runs between scrapes: each
 * metric's `collect()` reads one `peer.stats()` per scrape (shared by every metric of that
 * scrape), so the data path never pays for metrics. Every metric carries a `peer` label (the
 * peer's name); names are listed in docs/OPERATIONS.md.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { MonitoredPeer } from './monitored-peer.js';
import { InvalidOptionError } from '../errors.js';
import { figuresOf, type PeerFigures } from './figures.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * The registry to register into (one peer per registry: the metric names are fixed).
   * @default a new `Registry`
   */
  registry?: Registry;
}

/** The metrics of one peer. */
export interface PeerMetrics {
  /** The registry holding them (`registry.contentType` is the scrape's Content-Type). */
  readonly registry: Registry;
  /** The Prometheus text exposition of the registry: reads the peer's stats once. */
  metrics(): Promise<string>;
}

/** How one metric reads its value(s) out of the figures: a number, or values by label. */
interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  /** A label beside `peer` and the value of each of its series. */
  readonly by?: { readonly label: string; readonly read: (f: PeerFigures) => Readonly<Record<string, number>> };
  readonly read?: (f: PeerFigures) => number;
}

/** Every metric: name, type, what it counts. */
export const METRIC_SPECS: readonly MetricSpec[] = [
  { name: 'ledgecast_messages_published_total', type: 'counter', help: 'Messages this peer published.', read: (f) => f.published },
  { name: 'ledgecast_messages_delivered_total', type: 'counter', help: "Messages of other peers delivered to this peer's subscriptions (its own, echoed to them, are not counted: stats().app.echoed).", read: (f) => f.delivered },
  { name: 'ledgecast_bytes_sent_total', type: 'counter', help: 'UDP payload bytes sent.', read: (f) => f.bytesSent },
  { name: 'ledgecast_bytes_received_total', type: 'counter', help: 'UDP payload bytes received.', read: (f) => f.bytesReceived },
  { name: 'ledgecast_datagrams_sent_total', type: 'counter', help: 'Datagrams sent.', read: (f) => f.datagramsSent },
  { name: 'ledgecast_datagrams_received_total', type: 'counter', help: 'Datagrams received.', read: (f) => f.datagramsReceived },
  { name: 'ledgecast_naks_sent_total', type: 'counter', help: 'NAKs sent (this peer as a receiver missed messages).', read: (f) => f.naksSent },
  { name: 'ledgecast_nak_messages_requested_total', type: 'counter', help: 'Messages asked for by the NAKs sent.', read: (f) => f.nakMessagesRequested },
  { name: 'ledgecast_naks_received_total', type: 'counter', help: 'NAKs received (this peer as a sender was asked to resend).', read: (f) => f.naksReceived },
  {
    name: 'ledgecast_retransmissions_total',
    type: 'counter',
    help: 'Retransmissions sent, by unicast (one asker) or multicast (several).',
    by: { label: 'mode', read: (f) => ({ unicast: f.retransmitsUnicast, multicast: f.retransmitsMulticast }) },
  },
  { name: 'ledgecast_messages_retransmitted_total', type: 'counter', help: 'Messages resent in retransmissions.', read: (f) => f.messagesRetransmitted },
  { name: 'ledgecast_data_loss_events_total', type: 'counter', help: 'Data-loss events given to the application.', read: (f) => f.dataLossEvents },
  { name: 'ledgecast_data_loss_messages_total', type: 'counter', help: 'Messages reported lost (unrecoverable).', read: (f) => f.dataLossMessages },
  {
    name: 'ledgecast_data_loss_skipped_total',
    type: 'counter',
    help: 'Of the messages reported lost, numbers a restarted sender skipped that were never heard of here (most carried no message).',
    read: (f) => f.dataLossSkipped,
  },
  {
    name: 'ledgecast_origin_duplicates_total',
    type: 'counter',
    help: 'Messages from other zones not delivered again: already delivered (a zone bridge published them again after a restart or takeover).',
    read: (f) => f.originDuplicates,
  },
  { name: 'ledgecast_slow_consumers_total', type: 'counter', help: 'Slow-consumer events: a receiver stalled and is no longer waited for.', read: (f) => f.slowConsumerEvents },
  {
    name: 'ledgecast_publish_blocked_total',
    type: 'counter',
    help: 'Times the sender waited, for flow-control credit or for the rate limit.',
    by: { label: 'by', read: (f) => ({ credit: f.blockedByCredit, rate: f.blockedByRate }) },
  },
  { name: 'ledgecast_heartbeats_sent_total', type: 'counter', help: 'Heartbeat frames sent.', read: (f) => f.heartbeatsSent },
  { name: 'ledgecast_peers_joined_total', type: 'counter', help: 'Peers heard joining.', read: (f) => f.peersJoined },
  { name: 'ledgecast_peers_left_total', type: 'counter', help: 'Peers that left, by reason.', by: { label: 'reason', read: (f) => f.peersLeft } },
  {
    name: 'ledgecast_socket_dropped_total',
    type: 'counter',
    help: 'Datagrams dropped by the socket, by reason (ownFrame: our own multicast looped back, normal).',
    by: { label: 'reason', read: (f) => f.socketDropped },
  },
  {
    name: 'ledgecast_socket_refused_total',
    type: 'counter',
    help: 'Datagrams refused by the domain seal, by reason (with security only).',
    by: { label: 'reason', read: (f) => f.socketRefused },
  },
  { name: 'ledgecast_peers', type: 'gauge', help: 'Peers known now.', read: (f) => f.peers },
  {
    name: 'ledgecast_streams',
    type: 'gauge',
    help: 'Streams now: sent by this peer (out) and received (in).',
    by: { label: 'direction', read: (f) => ({ out: f.streamsOut, in: f.streamsIn }) },
  },
  { name: 'ledgecast_subscriptions', type: 'gauge', help: 'Subscriptions open.', read: (f) => f.subscriptions },
  { name: 'ledgecast_pending_publishes', type: 'gauge', help: 'Publishes accepted and not yet handed to the wire.', read: (f) => f.pendingPublishes },
  { name: 'ledgecast_window_messages', type: 'gauge', help: 'Messages kept in the sender window to serve NAKs.', read: (f) => f.windowMessages },
  { name: 'ledgecast_window_bytes', type: 'gauge', help: 'Bytes kept in the sender window to serve NAKs.', read: (f) => f.windowBytes },
  { name: 'ledgecast_receiver_buffered_messages', type: 'gauge', help: 'Messages held out of order, waiting for a gap to fill.', read: (f) => f.bufferedMessages },
  { name: 'ledgecast_stalled_receivers', type: 'gauge', help: 'Receivers excluded from the pace as stalled.', read: (f) => f.stalledReceivers },
  { name: 'ledgecast_unconfirmed_messages', type: 'gauge', help: 'Durable messages delivered and not yet confirmed.', read: (f) => f.unconfirmed },
  {
    name: 'ledgecast_durable_awaiting_mark_messages',
    type: 'gauge',
    help: 'Durable messages waiting for the ledger to commit their handed mark before they are handed.',
    read: (f) => f.awaitingMark,
  },
];

/** A scrape within this many ms of the last reuses its stats (the metrics of one scrape share one read). */
const SNAPSHOT_REUSE_MS = 100;

/**
 * Registers `peer`'s metrics in a registry (a new one by default). Reading them (a scrape)
 * calls `peer.stats()` once; nothing is read between scrapes.
 * @throws InvalidOptionError when `options.registry` is not a prom-client Registry or already
 *   holds ledgecast metrics.
 */
export function createMetrics(peer: MonitoredPeer, options: MetricsOptions = {}): PeerMetrics {
  const registry = options.registry ?? new Registry();
  if (!(registry instanceof Registry)) throw new InvalidOptionError('createMetrics options.registry must be a prom-client Registry');
  if (registry.getSingleMetric(METRIC_SPECS[0]!.name) !== undefined) {
    throw new InvalidOptionError('createMetrics: the registry already holds ledgecast metrics (one peer per registry)');
  }
  let last: { atMs: number; figures: Promise<PeerFigures | undefined> } | undefined;
  const figures = (): Promise<PeerFigures | undefined> => {
    const nowMs = performance.now();
    if (last === undefined || nowMs - last.atMs > SNAPSHOT_REUSE_MS) {
      // A closed peer has no stats: its metrics read as absent rather than failing the scrape.
      last = { atMs: nowMs, figures: peer.stats().then(figuresOf, () => undefined) };
    }
    return last.figures;
  };
  const peerLabel = { peer: peer.name };
  for (const spec of METRIC_SPECS) {
    const labelNames = spec.by === undefined ? ['peer'] : ['peer', spec.by.label];
    const config = {
      name: spec.name,
      help: spec.help,
      labelNames,
      registers: [registry],
      async collect(this: Counter | Gauge): Promise<void> {
        const f = await figures();
        this.reset();
        if (f === undefined) return;
        if (spec.read !== undefined) setMetric(this, peerLabel, spec.read(f));
        else if (spec.by !== undefined) for (const [value, n] of Object.entries(spec.by.read(f))) setMetric(this, { ...peerLabel, [spec.by.label]: value }, n);
      },
    };
    if (spec.type === 'counter') new Counter(config);
    else new Gauge(config);
  }
  return { registry, metrics: () => registry.metrics() };
}

/** Sets a gauge, or a counter (reset first) to `value`, for one label set. */
export function setMetric(metric: Counter | Gauge, labels: Record<string, string>, value: number): void {
  if (metric instanceof Gauge) metric.set(labels, value);
  else metric.inc(labels, Math.max(0, value));
}
