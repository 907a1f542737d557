/**
 * Options of the ledger store: where it lives, whose it is, how durable an append is, how much
 * it keeps, and what to do with a damaged file. Resolved once by {@link resolveLedgerStoreOptions}.
 */
import { InvalidOptionError } from '../errors.js';
import { checkInteger, checkOneOf, rejectUnknownKeys } from '../actors/option-checks.js';

/** How durable a resolved `appendSent` is (see the `storage` overview for what each mode can lose). */
export type LedgerDurability = 'none' | 'async' | 'sync';

/** What `LedgerStore.open` does with a damaged, truncated or non-LMDB data file. */
export type LedgerDamagePolicy = 'refuse' | 'moveAside';


export const LEDGER_DURABILITIES: readonly LedgerDurability[] = Object.freeze(['none', 'async', 'sync'] as const);
export const LEDGER_DAMAGE_POLICIES: readonly LedgerDamagePolicy[] = Object.freeze(['refuse', 'moveAside'] as const);

/**
 * Per-stream bounds of the sent messages kept for retransmission (the stream's `highSeq` is
 * always kept). Count and bytes are enforced on every append: a stream over either bound is cut
 * to 63/64 of it (oldest first), so the cut is amortized over many appends. Age is enforced by
 * `applyRetention(nowMs)`.
 */
export interface LedgerRetentionOptions {
  /** Most messages kept per stream (oldest deleted first). @default 100000 */
  maxMessagesPerStream?: number;
  /**
   * Most bytes kept per stream, counted as stored record bytes (payload + reply subject + 12).
   * @default 67108864 (64 MiB)
   */
  maxBytesPerStream?: number;
  /** Messages whose `sentAtMs` is older than this are deleted by `applyRetention(nowMs)`. @default 86400000 (24 h) */
  maxAgeMs?: number;
}

export interface LedgerStoreOptions {
  /**
   * Directory of the ledger (created if missing): it holds LMDB's `data.mdb` and `lock.mdb` and
   * the ledger lock `ledger.lock`. `undefined`: a temporary database deleted on close (tests).
   * @default undefined
   */
  path?: string;
  /** Name of the peer that owns the ledger; a ledger written under another name is refused. Required. */
  peerName: string;
  /**
   * `'sync'`: `appendSent` resolves once the commit is flushed to disk. `'async'`: it resolves as
   * soon as the write is queued (commits are batched per event turn). `'none'`: the store never
   * touches `path`; it writes to a temporary database deleted on close.
   * @default 'async'
   */
  durability?: LedgerDurability;
  /** Retention bounds per stream. */
  retention?: LedgerRetentionOptions;
  /**
   * `'refuse'`: a damaged file makes `open` throw `LedgerError`. `'moveAside'`: its LMDB files are
   * moved to `<path>.damaged-<timestamp>/` and a fresh ledger starts with `freshAfterDamage`
   * set and a sequence floor (see `LedgerStore.seqFloor`). A valid foreign LMDB database, another
   * schema version or another peer name is always refused, never moved.
   * @default 'refuse'
   */
  onDamaged?: LedgerDamagePolicy;
  /**
   * In `'async'` mode, most appended messages per stream not yet flushed to disk; an append
   * beyond it waits for the flush. After an unclean shutdown of an `'async'` ledger every stream
   * resumes this far above its stored `highSeq`, so a number that reached the wire but not the
   * disk is never reused.
   * @default 16384
   */
  maxUnflushedPerStream?: number;
  /**
   * A ledger whose `data.mdb` holds at least this many bytes is scanned at open (the recovery
   * scan reads every stored record) on a piscina worker thread, so that the thread opening it
   * keeps serving its timers and sockets: a scan in the opening thread blocks it for about
   * 3 s per million stored messages. Smaller ledgers are scanned in the opening thread (a
   * worker costs tens of ms to start). `0`: always on a worker. If the worker cannot run, the
   * scan runs in the opening thread. `LedgerStore.recovery.scanInWorker` tells which ran.
   * @default 8388608 (8 MiB)
   */
  scanInWorkerMinBytes?: number;
}

/** Every option resolved; `path` stays `undefined` for a temporary database. */
export interface ResolvedLedgerStoreOptions {
  readonly path: string | undefined;
  readonly peerName: string;
  readonly durability: LedgerDurability;
  readonly retention: Readonly<Required<LedgerRetentionOptions>>;
  readonly onDamaged: LedgerDamagePolicy;
  readonly maxUnflushedPerStream: number;
  readonly scanInWorkerMinBytes: number;
}

export const DEFAULT_LEDGER_RETENTION: Readonly<Required<LedgerRetentionOptions>> = Object.freeze({
  maxMessagesPerStream: 100_000,
  maxBytesPerStream: 64 * 1024 * 1024,
  maxAgeMs: 24 * 3600 * 1000,
});

/** Defaults of every option but `path` and `peerName`. */
export const DEFAULT_LEDGER_STORE_OPTIONS = Object.freeze({
  path: undefined,
  durability: 'async' as LedgerDurability,
  retention: DEFAULT_LEDGER_RETENTION,
  onDamaged: 'refuse' as LedgerDamagePolicy,
  maxUnflushedPerStream: 16_384,
  scanInWorkerMinBytes: 8 * 1024 * 1024,
});

/** Longest peer name, durable name, sender name or subject, in UTF-8 bytes (keeps LMDB keys small). */
export const MAX_LEDGER_NAME_BYTES = 512;

/** Why `value` cannot be a ledger name or subject (it becomes part of LMDB keys), or `undefined` if it can. */
export function ledgerNameProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\u0000')) {
    return `must be a non-empty string without NUL characters, got ${JSON.stringify(value)}`;
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_LEDGER_NAME_BYTES) return `must be at most ${MAX_LEDGER_NAME_BYTES} UTF-8 bytes`;
  return undefined;
}

function checkLedgerName(path: string, value: unknown): string {
  const problem = ledgerNameProblem(value);
  if (problem !== undefined) throw new InvalidOptionError(`${path} ${problem}`);
  return value as string;
}

const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

/** Merges `o` over the defaults and validates every value. */
export function resolveLedgerStoreOptions(o: LedgerStoreOptions, path = 'options'): ResolvedLedgerStoreOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError(`${path} must be an object`);
  rejectUnknownKeys(path, o, { ...DEFAULT_LEDGER_STORE_OPTIONS, peerName: '' });
  const retentionIn = o.retention ?? {};
  if (typeof retentionIn !== 'object' || retentionIn === null) {
    throw new InvalidOptionError(`${path}.retention must be an object`);
  }
  rejectUnknownKeys(`${path}.retention`, retentionIn, DEFAULT_LEDGER_RETENTION);
  const r = { ...DEFAULT_LEDGER_RETENTION } as Record<string, unknown>;
  for (const [k, v] of Object.entries(retentionIn)) if (v !== undefined) r[k] = v;
  if (o.path !== undefined && (typeof o.path !== 'string' || o.path.length === 0)) {
    throw new InvalidOptionError(`${path}.path must be a non-empty string or undefined, got ${JSON.stringify(o.path)}`);
  }
  return Object.freeze({
    path: o.path,
    peerName: checkLedgerName(`${path}.peerName`, o.peerName),
    durability: checkOneOf(`${path}.durability`, o.durability ?? DEFAULT_LEDGER_STORE_OPTIONS.durability, LEDGER_DURABILITIES),
    retention: Object.freeze({
      maxMessagesPerStream: checkInteger(`${path}.retention.maxMessagesPerStream`, r.maxMessagesPerStream, 1),
      maxBytesPerStream: checkInteger(`${path}.retention.maxBytesPerStream`, r.maxBytesPerStream, 1),
      maxAgeMs: checkInteger(`${path}.retention.maxAgeMs`, r.maxAgeMs, 1, 100 * ONE_YEAR_MS),
    }),
    onDamaged: checkOneOf(`${path}.onDamaged`, o.onDamaged ?? DEFAULT_LEDGER_STORE_OPTIONS.onDamaged, LEDGER_DAMAGE_POLICIES),
    maxUnflushedPerStream: checkInteger(
      `${path}.maxUnflushedPerStream`,
      o.maxUnflushedPerStream ?? DEFAULT_LEDGER_STORE_OPTIONS.maxUnflushedPerStream,
      1,
      1_000_000_000,
    ),
    scanInWorkerMinBytes: checkInteger(
      `${path}.scanInWorkerMinBytes`,
      o.scanInWorkerMinBytes ?? DEFAULT_LEDGER_STORE_OPTIONS.scanInWorkerMinBytes,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
  });
}
