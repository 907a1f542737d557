/**
 * The configuration file of `ledgecast bridge --config FILE` (JSON, or YAML for `.yaml`/`.yml`):
 * parsed and checked here, pure (the caller reads the file). Every mistake is one
 * `InvalidOptionError` naming the key, so the command prints one line and exits 2.
 *
 * ```yaml
 * zone: paris
 * nats:                      # as @nats-io/transport-node's connect() takes them, plus credsFile
 *   servers: [nats://127.0.0.1:4222]
 *   user: bridge-paris
 *   pass: secret
 *   tls: { caFile: ca.pem }  # certFile, keyFile too
 * export: ['orders.>']       # this zone's messages sent to the others
 * import: ['orders.>', 'prices.*']
 * importFrom: [london]       # default: every zone with a stream LC_<zone>
 * peer:                      # createPeer options of the bridge's own peer
 *   name: bridge-paris
 *   ledger: { path: /var/lib/ledgecast/bridge-paris }
 * maxInFlight: 1024          # and the other createBridge options
 * ```
 */
import { parse as parseYaml } from 'yaml';
import type { PeerOptions } from '../actors/app/peer-options.js';
import { InvalidOptionError } from '../errors.js';
import { patternProblem, zoneNameProblem } from './naming.js';
import { DEFAULT_BRIDGE_OPTIONS, resolveBridgeSettings, type BridgeOptions } from './options.js';

/** NATS connection settings a file may hold (the rest of connect()'s options are code, not data). */
export interface NatsFileOptions {
  servers: string | string[];
  name?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** A NATS `.creds` file (JWT + nkey seed); read by the command. */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  timeout?: number;
  pingInterval?: number;
  reconnectTimeWait?: number;
}

/** A parsed configuration file: the bridge options without `peer` and `nats`, and what makes them. */
export interface BridgeConfig {
  readonly zone: string;
  readonly nats: NatsFileOptions;
  readonly peer: PeerOptions;
  readonly bridge: Omit<BridgeOptions, 'peer' | 'nats'>;
}

const NATS_KEYS = new Set(['servers', 'name', 'user', 'pass', 'token', 'credsFile', 'tls', 'timeout', 'pingInterval', 'reconnectTimeWait']);
const TLS_KEYS = new Set(['caFile', 'certFile', 'keyFile']);
const TOP_KEYS = new Set(['zone', 'nats', 'peer', ...Object.keys(DEFAULT_BRIDGE_OPTIONS)]);

/** What the command line overrides in the file (flags win). */
export interface BridgeConfigOverrides {
  readonly zone?: string;
  /** `--nats URL,URL`: the servers. */
  readonly servers?: readonly string[];
  /** Peer options from the common flags (`--name`, `--ledger`, `--group`, …). */
  readonly peer?: PeerOptions;
}

/**
 * Parses `text` (the file `path`, whose extension picks YAML or JSON), with `overrides` applied.
 * @throws InvalidOptionError for a file that does not parse or holds a bad or unknown key.
 */
export function parseBridgeConfig(path: string, text: string, overrides: BridgeConfigOverrides = {}): BridgeConfig {
  const yaml = /\.ya?ml$/i.test(path);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new InvalidOptionError(`${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${why}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InvalidOptionError(`${path} must hold an object (zone, nats, export, import, peer, …)`);
  const o = { ...(raw as Record<string, unknown>) };
  if (overrides.zone !== undefined) o.zone = overrides.zone;
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (overrides.servers !== undefined && (o.nats === undefined || isObject(o.nats))) o.nats = { ...(typeof o.nats === 'object' && o.nats !== null ? o.nats : {}), servers: [...overrides.servers] };
  if (overrides.peer !== undefined && (o.peer === undefined || isObject(o.peer))) {
    const filePeer = (typeof o.peer === 'object' && o.peer !== null ? o.peer : {}) as PeerOptions;
    const ledger = filePeer.ledger !== undefined || overrides.peer.ledger !== undefined ? { ...filePeer.ledger, ...overrides.peer.ledger } : undefined;
    o.peer = { ...filePeer, ...overrides.peer, ...(ledger !== undefined ? { ledger } : {}) };
  }
  for (const k of Object.keys(o)) if (!TOP_KEYS.has(k)) throw new InvalidOptionError(`${path}: ${JSON.stringify(k)} is not a bridge setting (known: ${[...TOP_KEYS].join(', ')})`);
  const zoneProblem = zoneNameProblem(o.zone);
  if (zoneProblem !== undefined) throw new InvalidOptionError(`${path}: zone ${zoneProblem}`);
  const nats = natsOptions(path, o.nats);
  const peer = o.peer ?? {};
  if (typeof peer !== 'object' || peer === null || Array.isArray(peer)) throw new InvalidOptionError(`${path}: peer must be an object of createPeer options`);
  for (const key of ['export', 'import'] as const) {
    const list = o[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new InvalidOptionError(`${path}: ${key} must be a list of subject patterns`);
    list.forEach((p: unknown, i) => {
      const problem = patternProblem(p);
      if (problem !== undefined) throw new InvalidOptionError(`${path}: ${key}[${i}] ${problem}`);
    });
  }
  const exported = (o.export as string[] | undefined) ?? [];
  const imported = (o.import as string[] | undefined) ?? [];
  const requests = (o.requests as string[] | undefined) ?? [];
  if (exported.length === 0 && imported.length === 0 && requests.length === 0) {
    throw new InvalidOptionError(`${path}: neither export, import nor requests lists a pattern: the bridge would do nothing`);
  }
  const ledger = (peer as PeerOptions).ledger;
  if (typeof ledger !== 'object' || ledger === null || Array.isArray(ledger) || ledger.path === undefined) {
    throw new InvalidOptionError(
      `${path}: the bridge's peer needs a ledger (peer.ledger.path, or --ledger DIR): export positions are kept there, and imported messages are committed there before JetStream is told`,
    );
  }
  const { zone: _z, nats: _n, peer: _p, ...bridge } = o;
  try {
    resolveBridgeSettings({ ...(bridge as Omit<BridgeOptions, 'peer' | 'nats'>), zone: o.zone as string });
  } catch (err) {
    if (err instanceof InvalidOptionError) throw new InvalidOptionError(`${path}: ${err.message.replace(/^options\./, '')}`);
    throw err;
  }
  // Imported messages are acknowledged to JetStream once published: with 'sync' that is once
  // committed, so a bridge restarted with the same name and ledger still serves their repairs.
  const withSync = { ...BRIDGE_PEER_DEFAULTS, ...(peer as PeerOptions), ledger: { durability: 'sync' as const, ...(ledger as object) } };
  return { zone: o.zone as string, nats, peer: withSync, bridge: bridge as Omit<BridgeOptions, 'peer' | 'nats'> };
}

/**
 * The bridge's own peer, where the file does not say otherwise: a smaller retransmit window than
 * an ordinary peer's (65,536 messages, 64 MiB). The bridge's peer always has a ledger, which
 * serves the repairs the window no longer holds; at full rate the window of imported messages was
 * the largest part of the importing bridge's memory (its RSS over the 150 MB goal at 1 KB).
 *
 * Export positions go to the ledger at most every 50 ms (`durableConfirmDelayMs`): at 5,000
 * msg/s a ledger write batch per event-loop turn (each turn confirming a few messages, and
 * marking a few handed) was a third of the exporting bridge's CPU. A crash forgets up to 50 ms
 * more of positions; what comes again is not stored twice (its `Nats-Msg-Id` within JetStream's
 * duplicate window, the export checkpoint past it).
 */
export const BRIDGE_PEER_DEFAULTS: Readonly<Pick<PeerOptions, 'windowMessages' | 'windowBytes' | 'durableConfirmDelayMs'>> = Object.freeze({
  windowMessages: 8192,
  windowBytes: 8 * 1024 * 1024,
  durableConfirmDelayMs: 50,
});

/**
 * Whether `server` is a URL the NATS client can dial: `scheme://host[:port]` or `host[:port]` (the
 * client adds `nats://`). Without this check a typo was retried for `connectTimeoutMs` (30 s), then
 * exit 1, instead of the one-line error and exit 2 of every other bad setting.
 */
function isServerUrl(server: string): boolean {
  if (/\s/.test(server)) return false;
  let url: URL;
  try {
    url = new URL(server.includes('://') ? server : `nats://${server}`);
  } catch {
    return false;
  }
  // A scheme the Node client speaks, and nothing after host:port: `nats//host:4222` read as the
  // host "nats" (with a path), and `http://…`, were retried for connectTimeoutMs, then exit 1
  // (a user-style check, 7 December).
  if (url.protocol !== 'nats:' && url.protocol !== 'tls:') return false;
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') return false;
  return url.hostname !== '' && (url.port === '' || (Number(url.port) >= 1 && Number(url.port) <= 65535));
}

function natsOptions(path: string, value: unknown): NatsFileOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(`${path}: nats must be an object with at least servers (e.g. { "servers": ["nats://127.0.0.1:4222"] })`);
  }
  const n = value as Record<string, unknown>;
  for (const k of Object.keys(n)) if (!NATS_KEYS.has(k)) throw new InvalidOptionError(`${path}: nats.${k} is not a NATS setting a file may hold (known: ${[...NATS_KEYS].join(', ')})`);
  const servers = n.servers;
  const list = typeof servers === 'string' ? [servers] : servers;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new InvalidOptionError(`${path}: nats.servers must be a server URL or a non-empty list of them, got ${JSON.stringify(servers)}`);
  }
  for (const server of list as string[]) {
    if (!isServerUrl(server)) throw new InvalidOptionError(`${path}: nats.servers has ${JSON.stringify(server)}, not a server URL (e.g. nats://127.0.0.1:4222, tls://host:4222 or host:4222)`);
  }
  for (const k of ['name', 'user', 'pass', 'token', 'credsFile'] as const) {
    if (n[k] !== undefined && (typeof n[k] !== 'string' || n[k] === '')) throw new InvalidOptionError(`${path}: nats.${k} must be a non-empty string`);
  }
  for (const k of ['timeout', 'pingInterval', 'reconnectTimeWait'] as const) {
    if (n[k] !== undefined && (typeof n[k] !== 'number' || !Number.isSafeInteger(n[k]) || (n[k] as number) < 1)) {
      throw new InvalidOptionError(`${path}: nats.${k} must be a positive integer (ms), got ${JSON.stringify(n[k])}`);
    }
  }
  if (n.tls !== undefined) {
    if (typeof n.tls !== 'object' || n.tls === null || Array.isArray(n.tls)) throw new InvalidOptionError(`${path}: nats.tls must be an object (caFile, certFile, keyFile)`);
    for (const [k, v] of Object.entries(n.tls)) {
      if (!TLS_KEYS.has(k)) throw new InvalidOptionError(`${path}: nats.tls.${k} is not a TLS setting (known: caFile, certFile, keyFile)`);
      if (typeof v !== 'string' || v === '') throw new InvalidOptionError(`${path}: nats.tls.${k} must be a file path`);
    }
  }
  if ((n.user === undefined) !== (n.pass === undefined)) throw new InvalidOptionError(`${path}: nats.user and nats.pass go together`);
  return n as unknown as NatsFileOptions;
}
