/**
 * The `monitor` option of `createPeer` (and of {@link startMonitor}): where the HTTP monitor
 * listens and how much history it keeps. Resolved once; a bad value is an `InvalidOptionError`.
 */
import { isIP } from 'node:net';
import { InvalidOptionError } from '../errors.js';
import { validatePattern } from '../actors/subjects/subject.js';
import { checkInteger, rejectUnknownKeys } from '../actors/option-checks.js';

/** The HTTP monitor: `/` (a page with charts), `/api/state` (JSON), `/metrics` (Prometheus). */
export interface MonitorOptions {
  /** TCP port to listen on; 0 = any free port (see `peer.monitorUrl`). */
  port: number;
  /**
   * Address to listen on. The monitor has no authentication: keep it on the loopback unless
   * the network is trusted (`'0.0.0.0'` opens it to every interface). @default '127.0.0.1'
   */
  host?: string;
  /** Samples of the figures kept for the charts (one per `sampleIntervalMs`). @default 300 */
  historySize?: number;
  /** How often the figures are sampled for the charts (one `peer.stats()` each). @default 1000 */
  sampleIntervalMs?: number;
  /**
   * Patterns the monitor subscribes to itself, to list the streams it hears (sender, subject,
   * messages, last sequence) and count what it receives. A subscription like any other: the
   * publishers count this peer among their receivers. @default []
   */
  subscribe?: readonly string[];
}

export const DEFAULT_MONITOR_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  historySize: 300,
  sampleIntervalMs: 1000,
  subscribe: [] as readonly string[],
});

/** {@link MonitorOptions}, checked and with every default applied. */
export type ResolvedMonitorOptions = Readonly<Required<Omit<MonitorOptions, 'subscribe'>>> & { readonly subscribe: readonly string[] };

/** Checks `o` (named `path` in messages). @throws InvalidOptionError */
export function resolveMonitorOptions(o: unknown, path = 'options.monitor'): ResolvedMonitorOptions {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InvalidOptionError(`${path} must be an object such as { port: 9464 }`);
  rejectUnknownKeys(path, o, { port: 0, ...DEFAULT_MONITOR_OPTIONS });
  const m = { ...DEFAULT_MONITOR_OPTIONS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as MonitorOptions;
  const host = m.host;
  if (typeof host !== 'string' || (isIP(host) === 0 && host !== 'localhost')) {
    throw new InvalidOptionError(`${path}.host must be an IP address or 'localhost', got ${JSON.stringify(host)}`);
  }
  if (!Array.isArray(m.subscribe)) throw new InvalidOptionError(`${path}.subscribe must be an array of patterns`);
  for (const p of m.subscribe) validatePattern(p);
  return {
    port: checkInteger(`${path}.port`, m.port, 0, 65_535),
    host,
    historySize: checkInteger(`${path}.historySize`, m.historySize, 2, 100_000),
    sampleIntervalMs: checkInteger(`${path}.sampleIntervalMs`, m.sampleIntervalMs, 100, 3_600_000),
    subscribe: [...m.subscribe],
  };
}
