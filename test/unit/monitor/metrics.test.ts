/**
 * createMetrics maps a peer's stats to Prometheus metrics, read on the scrape only: a fake peer
 * counts its `stats()` calls.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, METRIC_SPECS } from '../../../monitor/metrics.js';
import type { Peer } from '../../../actors/app/peer.js';

function fakePeer(stats: () => unknown): Peer & { calls: number } {
  const peer = {
    name: 'feed-1',
    calls: 0,
    stats: async () => {
      peer.calls++;
      return stats();
    },
  };
  return peer as unknown as Peer & { calls: number };
}

const STATS = {
  app: { published: 120, delivered: 7, dataLossEvents: 2, subscriptions: 3, pendingPublishes: 0, unconfirmed: 0, awaitingMark: 12 },
  actors: {
    socket: { bytesSent: 5000, dropped: { ownFrame: 9, badMagic: 4 }, refused: { badTag: 1 } },
    receiver: { naksSent: 5, nakSeqsRequested: 11, dataLossMessages: 6, streams: 2, bufferedMessages: 1 },
    retransmit: { planner: { naksReceived: 3, retransmitsUnicast: 2, retransmitsMulticast: 1, messagesResent: 8 }, window: { messages: 120, bytes: 9000 } },
    flow: { core: { slowConsumerEvents: 1, stalledReceivers: 1 } },
    sender: { streams: 4, blockedByCredit: 2 },
    receivers: { peers: 5, peersJoined: 6, peersLeftBye: 1, peersExpired: 0 },
  },
};

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('createMetrics', () => {
  it('reads the stats on the scrape only, once per scrape', async () => {
    const peer = fakePeer(() => STATS);
    const m = createMetrics(peer);
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.calls).toBe(0);
    await m.metrics();
    expect(peer.calls).toBe(1);
    await new Promise((r) => setTimeout(r, 150));
    await m.metrics();
    expect(peer.calls).toBe(2);
  });

  it('exposes counters and gauges with the peer label, by reason where there are several', async () => {
    const text = await createMetrics(fakePeer(() => STATS)).metrics();
    expect(text).toContain('# TYPE ledgecast_messages_published_total counter');
    expect(text).toContain('# TYPE ledgecast_peers gauge');
    expect(sample(text, 'ledgecast_messages_published_total{peer="feed-1"}')).toBe(120);
    expect(sample(text, 'ledgecast_messages_delivered_total{peer="feed-1"}')).toBe(7);
    expect(sample(text, 'ledgecast_durable_awaiting_mark_messages{peer="feed-1"}')).toBe(12);
    expect(sample(text, 'ledgecast_naks_sent_total{peer="feed-1"}')).toBe(5);
    expect(sample(text, 'ledgecast_naks_received_total{peer="feed-1"}')).toBe(3);
    expect(sample(text, 'ledgecast_retransmissions_total{peer="feed-1",mode="unicast"}')).toBe(2);
    expect(sample(text, 'ledgecast_retransmissions_total{peer="feed-1",mode="multicast"}')).toBe(1);
    expect(sample(text, 'ledgecast_messages_retransmitted_total{peer="feed-1"}')).toBe(8);
    expect(sample(text, 'ledgecast_data_loss_events_total{peer="feed-1"}')).toBe(2);
    expect(sample(text, 'ledgecast_data_loss_messages_total{peer="feed-1"}')).toBe(6);
    expect(sample(text, 'ledgecast_slow_consumers_total{peer="feed-1"}')).toBe(1);
    expect(sample(text, 'ledgecast_socket_dropped_total{peer="feed-1",reason="badMagic"}')).toBe(4);
    expect(sample(text, 'ledgecast_socket_dropped_total{peer="feed-1",reason="ownFrame"}')).toBe(9);
    expect(sample(text, 'ledgecast_socket_refused_total{peer="feed-1",reason="badTag"}')).toBe(1);
    expect(sample(text, 'ledgecast_peers_left_total{peer="feed-1",reason="bye"}')).toBe(1);
    expect(sample(text, 'ledgecast_peers{peer="feed-1"}')).toBe(5);
    expect(sample(text, 'ledgecast_streams{peer="feed-1",direction="out"}')).toBe(4);
    expect(sample(text, 'ledgecast_streams{peer="feed-1",direction="in"}')).toBe(2);
    expect(sample(text, 'ledgecast_window_bytes{peer="feed-1"}')).toBe(9000);
  });

  it('follows the stats from scrape to scrape', async () => {
    let published = 1;
    const m = createMetrics(fakePeer(() => ({ app: { published }, actors: {} })));
    expect(sample(await m.metrics(), 'ledgecast_messages_published_total{peer="feed-1"}')).toBe(1);
    published = 50;
    await new Promise((r) => setTimeout(r, 150));
    expect(sample(await m.metrics(), 'ledgecast_messages_published_total{peer="feed-1"}')).toBe(50);
  });

  it('a closed peer (stats rejects) gives an empty scrape, not a failed one', async () => {
    const text = await createMetrics(
      fakePeer(() => {
        throw new Error('the peer is closed');
      }),
    ).metrics();
    expect(text).not.toMatch(/^ledgecast_\w+\{/m);
  });

  it('registers into a given registry, and refuses a second peer in it', () => {
    const registry = new Registry();
    const m = createMetrics(fakePeer(() => STATS), { registry });
    expect(m.registry).toBe(registry);
    expect(registry.getMetricsAsArray()).toHaveLength(METRIC_SPECS.length);
    expect(() => createMetrics(fakePeer(() => STATS), { registry })).toThrow(/one peer per registry/);
  });

  it('every metric name is a valid Prometheus name in the ledgecast_ namespace; counters end in _total', () => {
    for (const s of METRIC_SPECS) {
      expect(s.name).toMatch(/^ledgecast_[a-z_]+$/);
      expect(s.name.endsWith('_total')).toBe(s.type === 'counter');
    }
  });
});
