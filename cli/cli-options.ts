/**
 * The options of every `ledgecast` subcommand, their defaults, and their resolution from the
 * raw strings commander hands over into plain data (STYLE rule 11). Pure: no sockets, no
 * process state, so every mapping is unit-tested. Every bad value is an `InvalidOptionError`
 * naming the flag (`--count must be a positive integer, got "x"`); the entry point turns it
 * into a one-line message and exit code 2.
 */
import { isIPv4 } from 'node:net';
import { InvalidOptionError } from '../errors.js';
import { validatePattern, validateSubject } from '../actors/subjects/subject.js';
import { DEFAULT_PEER_OPTIONS, type PeerOptions } from '../actors/app/peer-options.js';
import { readKeyFile } from './key-file.js';

/** Process exit codes of the CLI. */
export const EXIT_CODES = Object.freeze({
  ok: 0,
  /** An internal error (a bug, or the environment: a port in use, no such interface). */
  internal: 1,
  /** Bad input: unknown flag, bad number, invalid subject, invalid option. */
  usage: 2,
  /** `sub --timeout` ran out before `--count` messages arrived. */
  timeout: 3,
  /** Interrupted by SIGINT (128 + 2). */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15). */
  terminated: 143,
});

/** Options every subcommand accepts, as commander hands them over (strings and flags). */
export interface RawCommonOptions {
  name?: string;
  interface?: string;
  group?: string;
  port?: string;
  /** `--unicast-port`: the library's `unicastPort` (not for `bench`, whose two peers share a process). */
  unicastPort?: string;
  ttl?: string;
  peers?: string;
  /** commander's `--no-multicast`: true unless the flag was given. */
  multicast?: boolean;
  ledger?: string;
  durability?: string;
  /** `--on-damaged refuse|move-aside`: the library's `LedgerOptions.onDamaged`. */
  onDamaged?: string;
  topology?: string;
  /** `--key-file PATH`: the domain key (see {@link readKeyFile}). */
  keyFile?: string;
}

/** The durability modes `--durability` accepts (the library's `LedgerOptions.durability`). */
export const DURABILITY_MODES = ['none', 'async', 'sync'] as const;
/** One of {@link DURABILITY_MODES}. */
export type Durability = (typeof DURABILITY_MODES)[number];

/** What `--on-damaged` accepts, and the library's `LedgerOptions.onDamaged` for each. */
export const ON_DAMAGED = { refuse: 'refuse', 'move-aside': 'moveAside' } as const;

/**
 * Maps the common flags to `PeerOptions` (`--key-file` is read with `readKey`: the one flag
 * that touches the file system). Only flags that were given are set, so the
 * library's own defaults (`DEFAULT_PEER_OPTIONS`) stay the single source of truth. `--ledger`
 * and `--durability` become `ledger: { path, durability }` (each only when given): the library
 * validates it, so its message (a missing path, or a version without the ledger) is the one
 * the user sees.
 */
export function resolveCommonOptions(raw: RawCommonOptions, readKey: (path: string) => Uint8Array = readKeyFile): PeerOptions {
  const o: PeerOptions = {};
  if (raw.keyFile !== undefined) o.security = { key: readKey(raw.keyFile) };
  if (raw.name !== undefined) o.name = raw.name;
  if (raw.interface !== undefined) o.interface = raw.interface;
  if (raw.group !== undefined) o.group = raw.group;
  if (raw.port !== undefined) o.port = parseInteger('--port', raw.port, 1, 65_535);
  if (raw.unicastPort !== undefined) o.unicastPort = parseInteger('--unicast-port', raw.unicastPort, 1, 65_535);
  if (raw.ttl !== undefined) o.ttl = parseInteger('--ttl', raw.ttl, 0, 255);
  if (raw.peers !== undefined) o.peers = parsePeerList(raw.peers);
  if (raw.multicast === false) o.multicast = false;
  if (raw.topology !== undefined) o.topology = raw.topology as PeerOptions['topology'];
  if (raw.durability !== undefined && !(DURABILITY_MODES as readonly string[]).includes(raw.durability)) {
    throw new InvalidOptionError(`--durability must be one of ${DURABILITY_MODES.join(', ')}, got ${JSON.stringify(raw.durability)}`);
  }
  if (raw.ledger !== undefined && raw.ledger.length === 0) throw new InvalidOptionError('--ledger must name a directory');
  if (raw.ledger !== undefined && raw.name === undefined) {
    throw new InvalidOptionError('--ledger needs --name: a ledger belongs to one peer name, and the default (hostname-pid) changes at every start');
  }
  if (raw.onDamaged !== undefined && !Object.hasOwn(ON_DAMAGED, raw.onDamaged)) {
    throw new InvalidOptionError(`--on-damaged must be one of ${Object.keys(ON_DAMAGED).join(', ')}, got ${JSON.stringify(raw.onDamaged)}`);
  }
  if (raw.onDamaged !== undefined && raw.ledger === undefined) throw new InvalidOptionError('--on-damaged needs --ledger');
  if (raw.ledger !== undefined || raw.durability !== undefined) {
    // Only what was given: the library owns the defaults and says what is missing or unsupported.
    o.ledger = {
      ...(raw.ledger !== undefined ? { path: raw.ledger } : {}),
      ...(raw.durability !== undefined ? { durability: raw.durability as Durability } : {}),
      ...(raw.onDamaged !== undefined ? { onDamaged: ON_DAMAGED[raw.onDamaged as keyof typeof ON_DAMAGED] } : {}),
    };
  }
  return o;
}

/** `host:port,host:port` → `['host:port', …]` (format checked by the library). */
export function parsePeerList(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new InvalidOptionError(`--peers must list host:port entries separated by commas, got ${JSON.stringify(text)}`);
  return list;
}

/** A decimal integer in `min..max`; rejects `1e3`, `0x10`, `1.5`, `''` and friends. */
export function parseInteger(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    // Digits past what a double holds exactly say so: "a positive integer" alone reads as wrong for 20 digits.
    const tooLarge = max === Number.MAX_SAFE_INTEGER && Number.isFinite(n) && n > max;
    const range = tooLarge ? `an integer in ${min}..${max}` : max === Number.MAX_SAFE_INTEGER ? (min === 1 ? 'a positive integer' : `an integer >= ${min}`) : `an integer in ${min}..${max}`;
    throw new InvalidOptionError(`${flag} must be ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A finite decimal number greater than 0 (seconds, rates). */
export function parsePositiveNumber(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+]?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > max) {
    throw new InvalidOptionError(`${flag} must be a number > 0${max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** A finite decimal number >= 0 (`--linger 0` is allowed). */
export function parseNonNegativeNumber(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^[+]?(\d+\.?\d*|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isFinite(n) || n < 0 || n > max) {
    throw new InvalidOptionError(`${flag} must be a number >= 0${max === Number.MAX_SAFE_INTEGER ? '' : ` and <= ${max}`}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** `[data]` of `pub` and each stdin line: a JSON value when it parses as one, else the text. */
export function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------- sub

/** `ledgecast sub <pattern>`, resolved. */
export interface SubOptions {
  readonly pattern: string;
  /** Exit 0 after this many messages. @default undefined (run until --timeout or a signal) */
  readonly count: number | undefined;
  /** Stop after this many seconds (exit 3 if --count was given and not reached). @default undefined */
  readonly timeoutSec: number | undefined;
  /** Durable subscription name (needs the ledger). @default undefined */
  readonly durable: string | undefined;
  readonly peer: PeerOptions;
}

/** `sub`'s own flags, as commander hands them over. */
export interface RawSubOptions extends RawCommonOptions {
  count?: string;
  timeout?: string;
  durable?: string;
}

/** Resolves `sub <pattern>`. @throws InvalidSubjectError for a bad pattern, InvalidOptionError for a bad flag. */
export function resolveSubOptions(pattern: string, raw: RawSubOptions): SubOptions {
  validatePattern(pattern);
  if (raw.durable !== undefined) {
    if (raw.durable.length === 0) throw new InvalidOptionError('--durable must name the subscription');
    if (raw.ledger === undefined) throw new InvalidOptionError('--durable requires --ledger DIR');
  }
  return {
    pattern,
    count: raw.count === undefined ? undefined : parseInteger('--count', raw.count, 1),
    timeoutSec: raw.timeout === undefined ? undefined : parsePositiveNumber('--timeout', raw.timeout, MAX_SECONDS),
    durable: raw.durable,
    peer: resolveCommonOptions(raw),
  };
}

// ---------------------------------------------------------------- pub

/** Defaults of `ledgecast pub`. */
export const DEFAULT_PUB_OPTIONS = Object.freeze({
  /** Seconds to stay up after the last message, serving NAKs. */
  lingerSec: 2,
});

/**
 * Where `pub`'s messages come from:
 * - `value`: the `[data]` argument, `count` times;
 * - `sequence`: `--count N` without data, message i carrying the JSON number i (from 0);
 * - `bytes`: `--size B`, `count` raw payloads of B bytes;
 * - `stdin`: one message per non-empty line.
 */
export type PubSource =
  | { readonly kind: 'value'; readonly value: unknown; readonly count: number }
  | { readonly kind: 'sequence'; readonly count: number }
  | { readonly kind: 'bytes'; readonly sizeBytes: number; readonly count: number }
  | { readonly kind: 'stdin' };

/** `ledgecast pub <subject> [data]`, resolved. */
export interface PubOptions {
  readonly subject: string;
  readonly source: PubSource;
  /** Messages per second, paced; undefined = as fast as backpressure allows. @default undefined */
  readonly ratePerSec: number | undefined;
  /** Seconds to stay up after the last message to serve NAKs. @default 2 */
  readonly lingerSec: number;
  readonly peer: PeerOptions;
}

/** `pub`'s own flags, as commander hands them over. */
export interface RawPubOptions extends RawCommonOptions {
  count?: string;
  rate?: string;
  size?: string;
  linger?: string;
}

/** Largest `--size`: the peer's maxMessageBytes (the CLI keeps the library default). */
export const MAX_PUB_SIZE_BYTES = DEFAULT_PEER_OPTIONS.maxMessageBytes;
/** Longest duration any flag accepts (a day), so timers stay far from Node's 2^31 ms limit. */
export const MAX_SECONDS = 86_400;

/** Resolves `pub <subject> [data]`. @throws InvalidSubjectError for a bad subject, InvalidOptionError for a bad flag. */
export function resolvePubOptions(subject: string, data: string | undefined, raw: RawPubOptions): PubOptions {
  validateSubject(subject);
  const count = raw.count === undefined ? undefined : parseInteger('--count', raw.count, 1);
  const sizeBytes = raw.size === undefined ? undefined : parseInteger('--size', raw.size, 0, MAX_PUB_SIZE_BYTES);
  if (sizeBytes !== undefined && data !== undefined) throw new InvalidOptionError('--size and a data argument are mutually exclusive');
  let source: PubSource;
  if (data !== undefined) source = { kind: 'value', value: parseData(data), count: count ?? 1 };
  else if (sizeBytes !== undefined) source = { kind: 'bytes', sizeBytes, count: count ?? 1 };
  else if (count !== undefined) source = { kind: 'sequence', count };
  else source = { kind: 'stdin' };
  return {
    subject,
    source,
    ratePerSec: raw.rate === undefined ? undefined : parsePositiveNumber('--rate', raw.rate, 10_000_000),
    lingerSec: raw.linger === undefined ? DEFAULT_PUB_OPTIONS.lingerSec : parseNonNegativeNumber('--linger', raw.linger, MAX_SECONDS),
    peer: resolveCommonOptions(raw),
  };
}

// ---------------------------------------------------------------- peers

/** Defaults of `ledgecast peers`. */
export const DEFAULT_PEERS_OPTIONS = Object.freeze({
  /** Seconds to listen for advertisements. */
  seconds: 3,
});

/** `ledgecast peers`, resolved. */
export interface PeersOptions {
  /** Seconds to listen. @default 3 */
  readonly seconds: number;
  /** Print JSON instead of a table. @default false */
  readonly json: boolean;
  readonly peer: PeerOptions;
}

/** `peers`' own flags, as commander hands them over. */
export interface RawPeersOptions extends RawCommonOptions {
  seconds?: string;
  json?: boolean;
}

/** Resolves `peers`. @throws InvalidOptionError for a bad flag. */
export function resolvePeersOptions(raw: RawPeersOptions): PeersOptions {
  return {
    seconds: raw.seconds === undefined ? DEFAULT_PEERS_OPTIONS.seconds : parsePositiveNumber('--seconds', raw.seconds, MAX_SECONDS),
    json: raw.json === true,
    peer: resolveCommonOptions(raw),
  };
}

// ---------------------------------------------------------------- bench

/** Defaults of `ledgecast bench`. */
export const DEFAULT_BENCH_OPTIONS = Object.freeze({
  /** Seconds of publishing. */
  seconds: 5,
  /** Payload bytes per message (the first 8 carry the send time). */
  sizeBytes: 64,
});

/** Smallest bench payload: it carries the send time (float64). */
export const MIN_BENCH_SIZE_BYTES = 8;

/** `ledgecast bench`, resolved. */
export interface BenchOptions {
  /** Seconds of publishing. @default 5 */
  readonly seconds: number;
  /** Payload bytes per message, at least 8. @default 64 */
  readonly sizeBytes: number;
  /** Print JSON instead of a table. @default false */
  readonly json: boolean;
  /** Prefix of the two peers' names (`<prefix>-pub`, `<prefix>-sub`). @default `bench-${pid}` */
  readonly namePrefix: string | undefined;
  /**
   * Options of both peers (without `name`). Without `--group`/`--port` the bench draws a random 239.255.x.y
   * group and port, so it never mixes with peers on the library defaults.
   */
  readonly peer: PeerOptions;
}

/** `bench`'s own flags, as commander hands them over. */
export interface RawBenchOptions extends RawCommonOptions {
  seconds?: string;
  size?: string;
  json?: boolean;
}

/**
 * Resolves `bench`; `random` supplies integers in [min, max) (injected so this stays pure).
 * @throws InvalidOptionError for a bad flag.
 */
export function resolveBenchOptions(raw: RawBenchOptions, random: (min: number, max: number) => number): BenchOptions {
  const { name, ...rest } = raw;
  const peer = resolveCommonOptions(rest);
  // Not the library's default group: a bench must not reach peers left on the defaults.
  if (peer.group === undefined) {
    do peer.group = `239.255.${random(1, 255)}.${random(1, 255)}`;
    while (peer.group === '239.255.76.67');
  }
  if (peer.port === undefined) peer.port = random(20_000, 32_000);
  return {
    seconds: raw.seconds === undefined ? DEFAULT_BENCH_OPTIONS.seconds : parsePositiveNumber('--seconds', raw.seconds, 3600),
    sizeBytes: raw.size === undefined ? DEFAULT_BENCH_OPTIONS.sizeBytes : parseInteger('--size', raw.size, MIN_BENCH_SIZE_BYTES, MAX_PUB_SIZE_BYTES),
    json: raw.json === true,
    namePrefix: name,
    peer,
  };
}

// ---------------------------------------------------------------- request

/** Defaults of `ledgecast request`. */
export const DEFAULT_REQUEST_OPTIONS = Object.freeze({
  /** Seconds to wait for the reply. */
  timeoutSec: 5,
});

/** `ledgecast request <subject> <data>`, resolved. */
export interface RequestCliOptions {
  readonly subject: string;
  /** The request's payload: `<data>` as a JSON value, else the string. */
  readonly data: unknown;
  /** Seconds to wait for the reply (exit 3 without one). @default 5 */
  readonly timeoutSec: number;
  readonly peer: PeerOptions;
}

/** `request`'s own flags, as commander hands them over. */
export interface RawRequestOptions extends RawCommonOptions {
  timeout?: string;
}

/** Resolves `request <subject> <data>`. @throws InvalidSubjectError, InvalidOptionError */
export function resolveRequestOptions(subject: string, data: string, raw: RawRequestOptions): RequestCliOptions {
  validateSubject(subject);
  return {
    subject,
    data: parseData(data),
    timeoutSec: raw.timeout === undefined ? DEFAULT_REQUEST_OPTIONS.timeoutSec : parsePositiveNumber('--timeout', raw.timeout, MAX_SECONDS),
    peer: resolveCommonOptions(raw),
  };
}

// ---------------------------------------------------------------- reply

/** What `reply` answers: a fixed value (`--data`), or the request's own data (`--echo`). */
export type ReplyAnswer = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'echo' };

/** `ledgecast reply <pattern>`, resolved. */
export interface ReplyCliOptions {
  readonly pattern: string;
  readonly answer: ReplyAnswer;
  /** Exit 0 after answering this many requests. @default undefined (until Ctrl-C) */
  readonly count: number | undefined;
  readonly peer: PeerOptions;
}

/** `reply`'s own flags, as commander hands them over. */
export interface RawReplyOptions extends RawCommonOptions {
  data?: string;
  echo?: boolean;
  count?: string;
}

/** Resolves `reply <pattern>`. @throws InvalidSubjectError, InvalidOptionError */
export function resolveReplyOptions(pattern: string, raw: RawReplyOptions): ReplyCliOptions {
  validatePattern(pattern);
  if (raw.data !== undefined && raw.echo === true) throw new InvalidOptionError('--data and --echo are mutually exclusive');
  if (raw.data === undefined && raw.echo !== true) throw new InvalidOptionError('reply needs --data VALUE or --echo');
  return {
    pattern,
    answer: raw.echo === true ? { kind: 'echo' } : { kind: 'value', value: parseData(raw.data as string) },
    count: raw.count === undefined ? undefined : parseInteger('--count', raw.count, 1),
    peer: resolveCommonOptions(raw),
  };
}

// ---------------------------------------------------------------- monitor

/** Defaults of `ledgecast monitor`. */
export const DEFAULT_MONITOR_CLI_OPTIONS = Object.freeze({
  /** TCP port of the page (9464: the port Prometheus exporters commonly use). */
  httpPort: 9464,
  /** Address the page listens on: the loopback, never more by default. */
  httpHost: '127.0.0.1',
});

/** `ledgecast monitor`, resolved. */
export interface MonitorCliOptions {
  /** @default 9464 */
  readonly httpPort: number;
  /** @default '127.0.0.1' */
  readonly httpHost: string;
  /** Patterns the monitor subscribes to, to list the streams it hears. @default [] */
  readonly subscribe: readonly string[];
  readonly peer: PeerOptions;
}

/** `monitor`'s own flags, as commander hands them over. */
export interface RawMonitorCliOptions extends RawCommonOptions {
  httpPort?: string;
  httpHost?: string;
  subscribe?: string[];
}

/** Resolves `monitor`. @throws InvalidSubjectError, InvalidOptionError */
export function resolveMonitorCliOptions(raw: RawMonitorCliOptions): MonitorCliOptions {
  const subscribe = raw.subscribe ?? [];
  for (const p of subscribe) validatePattern(p);
  const httpHost = raw.httpHost ?? DEFAULT_MONITOR_CLI_OPTIONS.httpHost;
  if (!/^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$|^localhost$/.test(httpHost) || (httpHost.includes('.') && !isIPv4(httpHost))) {
    throw new InvalidOptionError(`--http-host must be an IP address or 'localhost', got ${JSON.stringify(httpHost)}`);
  }
  return {
    httpPort: raw.httpPort === undefined ? DEFAULT_MONITOR_CLI_OPTIONS.httpPort : parseInteger('--http-port', raw.httpPort, 0, 65_535),
    httpHost,
    subscribe,
    peer: resolveCommonOptions(raw),
  };
}
