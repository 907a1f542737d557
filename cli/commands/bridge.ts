/**
 * `ledgecast bridge --config FILE`: runs a zone bridge (bridge/, docs/ZONES.md) until Ctrl-C; after
 * an `overflowed` event it closes the bridge and its peer and starts both again.
 * The file (JSON, or YAML for .yaml/.yml) is read and checked when the command line is parsed,
 * so a bad configuration is one line and exit 2 before anything connects. Events (`blocked`,
 * `resumed`, `importing`, `overflowed`, `error`, and the bridge peer's `dataLoss`) print as JSON lines on stderr; with `--stats S` the bridge's counters
 * print as a JSON line on stdout every S seconds; with `--http-port P` the bridge peer's monitor
 * (monitor/) is served at `http://127.0.0.1:P/`: the page with a Zones section (each remote zone's
 * import: lag, in flight, redelivered) and this bridge's figures, `/api/state`, and `/metrics` for
 * Prometheus (the peer's metrics and the bridge's, bridge/bridge-metrics.ts).
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { createPeer } from '../../actors/app/peer.js';
import { createBridge } from '../../bridge/bridge.js';
import { createBridgeMetrics } from '../../bridge/bridge-metrics.js';
import { startMonitor, type Monitor } from '../../monitor/monitor-server.js';
import { resolveMonitorOptions } from '../../monitor/options.js';
import { parseBridgeConfig, type BridgeConfig } from '../../bridge/config-file.js';
import { InvalidOptionError } from '../../errors.js';
import { aborted, stopExitCode, type CliIo } from '../cli-io.js';
import { parseInteger, resolveCommonOptions, type RawCommonOptions } from '../cli-options.js';
import { dataLossToJsonLine, toJsonLine } from '../json-line.js';

/** The bridge subcommand's flags as commander gives them. */
export interface RawBridgeOptions extends RawCommonOptions {
  config?: string;
  zone?: string;
  nats?: string;
  stats?: string;
  httpPort?: string;
  httpHost?: string;
}

/** The bridge subcommand, resolved. */
export interface BridgeCliOptions {
  readonly config: BridgeConfig;
  /** NATS connect() options, files (creds, TLS) read. */
  readonly nats: NodeConnectionOptions;
  /** Seconds between stats lines on stdout; 0 = none. */
  readonly statsSec: number;
  /** Where the monitor (`/`, `/api/state`, `/metrics`: the bridge peer's and the bridge's) is served; undefined = not served. */
  readonly http: { readonly port: number; readonly host: string } | undefined;
}

/**
 * Reads and checks the configuration file with the flags applied.
 * @throws InvalidOptionError for any mistake (the entry point prints one line, exit 2).
 */
export function resolveBridgeCliOptions(raw: RawBridgeOptions): BridgeCliOptions {
  if (raw.config === undefined || raw.config === '') throw new InvalidOptionError('--config FILE is required (the bridge configuration, JSON or YAML)');
  const text = readText(raw.config, '--config');
  const servers = raw.nats?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (raw.nats !== undefined && servers?.length === 0) throw new InvalidOptionError(`--nats must list server URLs separated by commas, got ${JSON.stringify(raw.nats)}`);
  const config = parseBridgeConfig(raw.config, text, { zone: raw.zone, servers, peer: resolveCommonOptions(raw) });
  const { credsFile, tls, ...rest } = config.nats;
  const nats: NodeConnectionOptions = { ...rest };
  if (credsFile !== undefined) nats.authenticator = credsAuthenticator(new Uint8Array(readFileSync(checkedFile(credsFile, 'nats.credsFile'))));
  if (tls !== undefined) {
    for (const [k, f] of Object.entries(tls)) checkedFile(f as string, `nats.tls.${k}`);
    nats.tls = { ...tls };
  }
  if (raw.httpHost !== undefined && raw.httpPort === undefined) throw new InvalidOptionError('--http-host needs --http-port (the port of /metrics)');
  const http =
    raw.httpPort === undefined ? undefined : resolveMonitorOptions({ port: parseInteger('--http-port', raw.httpPort, 0, 65_535), host: raw.httpHost }, '--http-port/--http-host');
  return { config, nats, statsSec: raw.stats === undefined ? 0 : parseInteger('--stats', raw.stats, 0), http: http === undefined ? undefined : { port: http.port, host: http.host } };
}

/** Runs the bridge until a stop signal; returns the exit code. */
export async function runBridge(o: BridgeCliOptions, io: CliIo): Promise<number> {
  // An export subscription that overflowed needs the bridge and its peer started again: the
  // durable subscriptions then resume before the gap (bridge/exporter.ts).
  for (;;) {
    const code = await runBridgeOnce(o, io);
    if (code !== RESTART) return code;
    io.err(`ledgecast: bridge of zone ${o.config.zone} restarting (its peer too, same ledger) to export what an export subscription dropped`);
  }
}

/** What {@link runBridgeOnce} returns when the bridge must start again. */
const RESTART = -1;

/** Runs the bridge until a stop signal (its exit code) or an `overflowed` event ({@link RESTART}). */
async function runBridgeOnce(o: BridgeCliOptions, io: CliIo): Promise<number> {
  const peer = await createPeer(o.config.peer);
  let bridge: Awaited<ReturnType<typeof createBridge>> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let monitor: Monitor | undefined;
  try {
    peer.on('error', (err: Error) => io.err(toJsonLine({ event: 'error', message: err.message })));
    // What the export subscriptions lost (a sender no longer held it, or subscriberOverflow).
    peer.on('dataLoss', (e) => io.err(dataLossToJsonLine(e)));
    io.err(`ledgecast: bridge of zone ${o.config.zone} (peer ${peer.name}) connecting to NATS ${String(o.nats.servers)}`);
    bridge = await Promise.race([createBridge({ ...o.config.bridge, peer, nats: o.nats, zone: o.config.zone }), aborted(io.stop).then(() => undefined)]);
    if (bridge === undefined) return stopExitCode(io.stop);
    bridge.on('blocked', (e) => io.err(toJsonLine({ event: 'blocked', ...e })));
    bridge.on('resumed', () => io.err(toJsonLine({ event: 'resumed' })));
    bridge.on('error', (err) => io.err(toJsonLine({ event: 'error', message: err.message })));
    const overflowed = new Promise<void>((resolve) =>
      bridge!.once('overflowed', (e) => {
        io.err(toJsonLine({ event: 'overflowed', ...e }));
        resolve();
      }),
    );
    const b = bridge;
    b.on('importing', (active) => io.err(toJsonLine({ event: 'importing', active, id: b.id })));
    // Before the 'running' line: whoever waits for it may read the monitor's address.
    if (o.http !== undefined) {
      const bridgeMetrics = createBridgeMetrics(b, { name: peer.name });
      monitor = await startMonitor(peer, { port: o.http.port, host: o.http.host }, { bridge: { stats: () => b.stats(), metrics: () => bridgeMetrics.metrics() } });
      io.err(`ledgecast: bridge metrics at ${monitor.url}metrics (monitor page: ${monitor.url})`);
    }
    io.err(`ledgecast: bridge of zone ${o.config.zone} running (stream LC_${o.config.zone}); Ctrl-C to stop`);
    if (o.statsSec > 0) timer = setInterval(() => io.out(toJsonLine({ event: 'stats', ...b.stats() })), o.statsSec * 1000);
    const restart = await Promise.race([aborted(io.stop).then(() => false), overflowed.then(() => true)]);
    return restart ? RESTART : stopExitCode(io.stop);
  } finally {
    clearInterval(timer);
    await monitor?.close();
    await bridge?.close();
    await peer.close({ timeoutMs: 0 });
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidOptionError(`${what} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

function checkedFile(path: string, what: string): string {
  readText(path, what);
  return path;
}
