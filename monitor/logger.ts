/**
 * The `logger` option: a pino-compatible logger (pino, or anything with
 * `debug/info/warn/error(obj, msg)` and optionally `child(bindings)`) that the peer tells about
 * its lifecycle. Levels: `info` start, close, peers joining and leaving; `warn` data loss, slow
 * consumers, multicast unreachable, stream resets; `error` errors; `debug` close requested.
 * No logger, no logging (the default).
 *
 * The adapter listens to the peer's public events, so it sees what the application sees and
 * adds nothing to the data path. With a logger, the peer's `'error'` events go to it (at
 * `error`) instead of being printed as process warnings when the application has no listener.
 */
import type { DataLossEvent, PeerJoinedEvent, PeerLeftEvent } from '../actors/app/peer-events.js';
import type { MonitoredPeer } from './monitored-peer.js';
import { InvalidOptionError } from '../errors.js';

/** One logging method, pino's shape: a bindings object, then the message. */
export type LogFn = (obj: Record<string, unknown>, msg?: string) => void;

/** A pino-compatible logger (pino itself fits). */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger whose every line carries `bindings` (pino's `child`); used when present. */
  child?: (bindings: Record<string, unknown>) => Logger;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Checks that `value` is a {@link Logger}. @throws InvalidOptionError */
export function checkLogger(path: string, value: unknown): Logger {
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError(`${path} must be a logger object with debug, info, warn and error methods (pino fits)`);
  for (const level of LEVELS) {
    if (typeof (value as Record<string, unknown>)[level] !== 'function') throw new InvalidOptionError(`${path}.${level} must be a function (a pino-compatible logger)`);
  }
  const child = (value as Record<string, unknown>).child;
  if (child !== undefined && typeof child !== 'function') throw new InvalidOptionError(`${path}.child must be a function when given`);
  return value as Logger;
}

/** What the peer tells the adapter beyond its events. */
export interface PeerLog {
  /** The peer is closing (before the drain). */
  closing(): void;
  /** The peer closed. */
  closed(): void;
}

/**
 * Logs `peer`'s lifecycle to `logger` (a child with `{ peer: name }` when the logger has
 * `child`, else `peer` is in every line's object) and logs the start at once.
 */
export function attachLogger(peer: MonitoredPeer, logger: Logger, topology: Readonly<Record<string, string>>): PeerLog {
  const log = typeof logger.child === 'function' ? logger.child({ peer: peer.name }) : withBindings(logger, { peer: peer.name });
  // A logger that throws must not break the peer's event delivery.
  const safe =
    (level: (typeof LEVELS)[number]) =>
    (obj: Record<string, unknown>, msg: string): void => {
      try {
        log[level](obj, msg);
      } catch {
        /* the application's logger failed: nothing sensible to do here */
      }
    };
  const debug = safe('debug');
  const info = safe('info');
  const warn = safe('warn');
  const error = safe('error');
  peer.on('peerJoined', (e: PeerJoinedEvent) => info({ event: 'peerJoined', name: e.name, incarnation: e.incarnation, host: e.host, port: e.port, patterns: [...e.patterns] }, `peer ${e.name} joined`));
  peer.on('peerLeft', (e: PeerLeftEvent) => info({ event: 'peerLeft', name: e.name, incarnation: e.incarnation, reason: e.reason }, `peer ${e.name} left (${e.reason})`));
  peer.on('dataLoss', (e: DataLossEvent) =>
    warn({ event: 'dataLoss', sender: e.sender, subject: e.subject, fromSeq: e.fromSeq, toSeq: e.toSeq, reason: e.reason }, `data loss: ${e.subject} from ${e.sender}, seq ${e.fromSeq}..${e.toSeq} (${e.reason})`),
  );
  peer.on('slowConsumer', (e: { name: string; subject: string; lagMessages: number }) =>
    warn({ event: 'slowConsumer', name: e.name, subject: e.subject, lagMessages: e.lagMessages }, `slow consumer ${e.name} on ${e.subject}, ${e.lagMessages} messages behind`),
  );
  peer.on('multicastUnreachable', (e: { name: string; incarnation: number }) =>
    warn({ event: 'multicastUnreachable', name: e.name, incarnation: e.incarnation }, `multicast from ${e.name} does not arrive: switched to unicast`),
  );
  peer.on('streamReset', (e: { sender: string; subject: string; fromSeq: number }) =>
    warn({ event: 'streamReset', sender: e.sender, subject: e.subject, fromSeq: e.fromSeq }, `stream ${e.subject} from ${e.sender} reset at seq ${e.fromSeq}`),
  );
  peer.on('error', (err: Error) => error({ event: 'error', err: { name: err.name, message: err.message, code: (err as { code?: unknown }).code, stack: err.stack } }, err.message));
  info({ event: 'started', incarnation: peer.incarnation, topology: { ...topology } }, `peer ${peer.name} started`);
  return {
    closing: () => debug({ event: 'closing' }, `peer ${peer.name} closing`),
    closed: () => info({ event: 'closed' }, `peer ${peer.name} closed`),
  };
}

/** A logger that adds `bindings` to every line (for loggers without `child`). */
function withBindings(logger: Logger, bindings: Record<string, unknown>): Logger {
  const wrap =
    (level: (typeof LEVELS)[number]): LogFn =>
    (obj, msg) =>
      logger[level].call(logger, { ...bindings, ...obj }, msg);
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
