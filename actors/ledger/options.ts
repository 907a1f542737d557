/**
 * The `ledger` option of `createPeer` and its resolution into the plain data the ledger actor
 * (and the sender, which gates the wire on it) receive. Resolved once, with the peer's name.
 */
import { InvalidOptionError } from '../../errors.js';
import { DEFAULT_LEDGER_STORE_OPTIONS, resolveLedgerStoreOptions } from '../../storage/options.js';
import type {
  LedgerDamagePolicy,
  LedgerDurability,
  LedgerRetentionOptions,
  ResolvedLedgerStoreOptions,
} from '../../storage/options.js';
import { checkInteger, rejectUnknownKeys } from '../option-checks.js';

/**
 * Where and how a peer keeps its ledger: the messages it sent (so that after a crash it
 * continues every stream's numbering and still answers NAKs for what it sent before) and the
 * positions of its durable subscriptions. Without this option a peer keeps everything in memory
 * and a restart begins every stream at 1 again.
 *
 * Restart rule: start the peer again with the same `name` and the same `path`. Two live
 * processes can never hold one ledger under one name (the second `createPeer` rejects with
 * `LedgerError`).
 */
export interface LedgerOptions {
  /**
   * Directory of the ledger (created if missing; it holds LMDB's `data.mdb` and `lock.mdb` and
   * the lock file `ledger.lock`). Required unless `durability` is `'none'`.
   */
  path?: string;
  /**
   * What a resolved `publish()` (and a confirmed durable position) survives.
   *
   * - `'sync'`: a message is committed and flushed (fdatasync) before it goes on the wire, and
   *   `publish()` resolves only after that. A **process crash** (SIGKILL, OOM kill, uncaught
   *   exception) loses nothing that was put on the wire: the restarted peer continues each
   *   stream above the last number used and serves NAKs for it. A **power loss or kernel
   *   crash** loses nothing either, as far as the disk honours fdatasync. Publishes still
   *   pending (not resolved) may be lost in both cases; those never reached the wire. Cost: one
   *   flush per commit batch (see `bench/ledger-publish.mjs`).
   * - `'async'`: a message goes on the wire at once and to the ledger in the same event turn;
   *   commits are batched and flushed in the background. A **process crash** loses the commit
   *   in progress and the writes of the current event turn (milliseconds of messages); a
   *   **power loss** also loses what was committed but not yet flushed. Either way at most
   *   `maxUnflushedPerStream` sequences per stream were on the wire without being on disk (the
   *   sender waits for a flush before going further), and after an unclean shutdown every
   *   stream skips that many numbers, so no number is ever reused. Receivers that asked for a
   *   lost message get a data-loss event for it; the skipped numbers that were never used are
   *   reported as lost too (an over-report bounded by the skip).
   * - `'none'`: the ledger lives in a temporary database deleted when the peer closes or the
   *   process exits: it serves NAKs beyond the in-memory window, but nothing survives a restart
   *   (sequence numbers begin at 1 again, durable positions are forgotten). `path` is not used.
   *
   * @default 'async'
   */
  durability?: LedgerDurability;
  /**
   * Per-stream bounds of the sent messages kept to answer NAKs: `maxMessagesPerStream`
   * (@default 100000), `maxBytesPerStream` (@default 67108864), `maxAgeMs` (@default 86400000).
   * The newest sequence of every stream is kept forever (it is what numbering resumes from).
   * @default {}
   */
  retention?: LedgerRetentionOptions;
  /**
   * A damaged, truncated or non-LMDB ledger file: `'refuse'` makes `createPeer` reject with
   * `LedgerError`; `'moveAside'` moves its files to `<path>.damaged-<time>/` and starts a
   * fresh ledger whose sequence numbers begin above a floor derived from the wall clock, so no
   * number the lost ledger handed out is reused. A valid ledger of another peer name or
   * another schema, or a foreign LMDB database, is always refused.
   * @default 'refuse'
   */
  onDamaged?: LedgerDamagePolicy;
  /** `'async'` only: most sequences per stream on the wire but not yet flushed. @default 16384 */
  maxUnflushedPerStream?: number;
  /**
   * A ledger file of at least this many bytes is scanned at startup (every stored message is
   * read to resume the streams) on a piscina worker thread, so that `createPeer` does not
   * block the thread it runs on (about 3 s per million stored messages); smaller ones are
   * scanned in place. `0`: always on a worker. `stats().actors.ledger.recovery.scanInWorker`
   * tells which ran.
   * @default 8388608 (8 MiB)
   */
  scanInWorkerMinBytes?: number;
  /** How often age-based retention runs (count and bytes are enforced on every append). @default 60000 */
  retentionIntervalMs?: number;
}

/** The resolved ledger configuration (plain data, cloned to the ledger's thread). */
export interface ResolvedLedgerOptions {
  /** What `LedgerStore.open` receives (the peer's name is the ledger's `peerName`). */
  readonly store: ResolvedLedgerStoreOptions;
  readonly retentionIntervalMs: number;
}

/** Defaults of {@link LedgerOptions} (`path` has none). */
export const DEFAULT_LEDGER_OPTIONS = Object.freeze({
  durability: DEFAULT_LEDGER_STORE_OPTIONS.durability,
  retention: DEFAULT_LEDGER_STORE_OPTIONS.retention,
  onDamaged: DEFAULT_LEDGER_STORE_OPTIONS.onDamaged,
  maxUnflushedPerStream: DEFAULT_LEDGER_STORE_OPTIONS.maxUnflushedPerStream,
  scanInWorkerMinBytes: DEFAULT_LEDGER_STORE_OPTIONS.scanInWorkerMinBytes,
  retentionIntervalMs: 60_000,
});

/**
 * Validates `o` (the `ledger` option) for peer `peerName`.
 * @throws InvalidOptionError naming the bad field (`options.ledger.durability`, …).
 */
export function resolveLedgerOptions(o: unknown, peerName: string, path = 'options.ledger'): ResolvedLedgerOptions {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new InvalidOptionError(`${path} must be an object such as { path: './ledger', durability: 'sync' }`);
  }
  rejectUnknownKeys(path, o, { ...DEFAULT_LEDGER_OPTIONS, path: '' });
  const { retentionIntervalMs, ...storeOptions } = o as LedgerOptions;
  const durability = storeOptions.durability ?? DEFAULT_LEDGER_OPTIONS.durability;
  if (storeOptions.path === undefined && durability !== 'none') {
    throw new InvalidOptionError(`${path}.path is required (a directory for the ledger) unless ${path}.durability is 'none'`);
  }
  const store = resolveLedgerStoreOptions({ ...storeOptions, durability, peerName }, path);
  return Object.freeze({
    store,
    retentionIntervalMs: checkInteger(
      `${path}.retentionIntervalMs`,
      retentionIntervalMs ?? DEFAULT_LEDGER_OPTIONS.retentionIntervalMs,
      10,
      24 * 3600 * 1000,
    ),
  });
}
