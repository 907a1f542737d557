/**
 * The HTTP monitor of one peer (node:http, no framework): `/` the page (monitor-page.ts),
 * `/api/state` the JSON it polls ({@link MonitorSnapshot}), `/metrics` the Prometheus text.
 *
 * Ownership: everything here lives on the application thread. One timer samples the figures
 * (one `peer.stats()` per `sampleIntervalMs`) into a fixed-size ring; `/metrics` reads the stats
 * on each scrape; nothing touches the data path. Memory is bounded (history ring, events ring,
 * at most 1000 streams). `close()` stops the timer, the listeners and the server; the peer
 * calls it when it closes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataLossEvent, PeerJoinedEvent, PeerLeftEvent } from '../actors/app/peer-events.js';
import type { MonitorBridge, MonitoredPeer } from './monitored-peer.js';
import type { Subscription } from '../actors/app/subscription.js';
import { figuresOf } from './figures.js';
import { createMetrics } from './metrics.js';
import { MonitorState } from './monitor-state.js';
import { MONITOR_PAGE_HTML } from './monitor-page.js';
import { resolveMonitorOptions, type MonitorOptions } from './options.js';

/** What a monitor shows beyond its peer (live objects, not options). */
export interface MonitorExtras {
  /**
   * The zone bridge working through this peer (`ledgecast bridge --http-port`): its stats in
   * `/api/state` (`bridge`, and `zones.remote[].import`: lag, in flight, redelivered per remote
   * zone), its metrics in `/metrics` (`metrics()`: bridge/bridge-metrics.ts), and a Zones
   * section on the page.
   */
  readonly bridge?: MonitorBridge;
}
/** A running monitor. */
export interface Monitor {
  /** `http://host:port/` (the port actually bound: useful with `port: 0`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops serving (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts the HTTP monitor of `peer` (an open peer). `createPeer({ monitor })` calls this and
 * closes it with the peer; call it yourself to monitor with a lifetime of your own.
 * @throws InvalidOptionError for bad options; the listen error (EADDRINUSE…) when the port
 *   cannot be bound.
 */
export async function startMonitor(peer: MonitoredPeer, options: MonitorOptions, extras: MonitorExtras = {}): Promise<Monitor> {
  const o = resolveMonitorOptions(options, 'monitor options');
  const state = new MonitorState({ historySize: o.historySize });
  const metrics = createMetrics(peer);
  const bridge = extras.bridge;
  const self = { name: peer.name, incarnation: peer.incarnation, startedMs: Date.now() };

  const onDataLoss = (e: DataLossEvent): void => state.onEvent(Date.now(), 'dataLoss', `${e.sender} ${e.subject} #${e.fromSeq}..${e.toSeq} (${e.reason})`);
  const onSlow = (e: { name: string; subject: string; lagMessages: number }): void =>
    state.onEvent(Date.now(), 'slowConsumer', `${e.name} on ${e.subject}, ${e.lagMessages} behind`);
  const onJoined = (e: PeerJoinedEvent): void => state.onEvent(Date.now(), 'peerJoined', `${e.name} (${e.incarnation}) at ${e.host}:${e.port}`);
  const onLeft = (e: PeerLeftEvent): void => state.onEvent(Date.now(), 'peerLeft', `${e.name} (${e.incarnation}): ${e.reason}`);
  const onUnreachable = (e: { name: string }): void => state.onEvent(Date.now(), 'multicastUnreachable', `${e.name}: switched to unicast`);
  peer.on('dataLoss', onDataLoss);
  peer.on('slowConsumer', onSlow);
  peer.on('peerJoined', onJoined);
  peer.on('peerLeft', onLeft);
  peer.on('multicastUnreachable', onUnreachable);
  const subscriptions: Subscription[] = o.subscribe.map((pattern) => peer.subscribe(pattern, (msg) => state.onMessage(msg.sender, msg.subject, msg.seq, Date.now(), msg.origin)));

  let sampling = false;
  const sample = async (): Promise<void> => {
    if (sampling) return; // a slow stats() (busy workers) must not pile up
    sampling = true;
    try {
      state.sample(Date.now(), figuresOf(await peer.stats()));
    } catch {
      /* the peer is closing: the monitor closes with it */
    } finally {
      sampling = false;
    }
  };
  const timer = setInterval(() => void sample(), o.sampleIntervalMs);
  timer.unref();
  void sample();

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `monitor error: ${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', MONITOR_PAGE_HTML);
      case '/api/state':
        return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(state.snapshot(self, peer.peers(), Date.now(), bridge?.stats())));
      case '/metrics':
        return send(res, 200, metrics.registry.contentType, bridge === undefined ? await metrics.metrics() : `${await metrics.metrics()}\n${await bridge.metrics()}`);
      case '/favicon.ico':
        return send(res, 204, 'image/x-icon', '');
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found (try /, /api/state or /metrics)\n');
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      err.message = `monitor: cannot listen on ${o.host}:${o.port}: ${err.message}`;
      reject(err);
    });
    server.listen(o.port, o.host, () => resolve());
  }).catch((err: unknown) => {
    stop();
    throw err;
  });
  server.unref(); // the peer's own handles keep the process up; the monitor follows them
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  function stop(): void {
    clearInterval(timer);
    peer.off('dataLoss', onDataLoss);
    peer.off('slowConsumer', onSlow);
    peer.off('peerJoined', onJoined);
    peer.off('peerLeft', onLeft);
    peer.off('multicastUnreachable', onUnreachable);
    for (const s of subscriptions) s.unsubscribe();
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        stop();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
