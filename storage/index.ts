/**
 * The ledger: what a peer keeps on disk so that a restart under the same name and path
 * continues where it stopped. `storage/` is the only importer of `lmdb` in ledgecast.
 *
 * ## What it owns
 *
 * One {@link LedgerStore} per peer, opened by {@link LedgerStore.open} on a directory `path`
 * (or, with no path or `durability: 'none'`, a temporary database deleted on close). The store
 * is a shell over LMDB and belongs to the one thread that opened it (the ledger actor): all its
 * methods are called from that thread. It holds, per peer:
 *
 * - **sent messages** per stream (subject), for answering NAKs after a restart, bounded per
 *   stream by count, bytes and age ({@link LedgerStore.applyRetention}; count and bytes are also
 *   enforced on every append) and trimmable up to a confirmed sequence
 *   ({@link LedgerStore.discardThrough});
 * - **`highSeq`** per stream: the newest sequence ever used. It never goes down, not even when
 *   retention deleted every message, so a sequence number is never handed out twice;
 * - **durable positions**: per durable subscription and stream (sender name + subject) the last
 *   delivered or confirmed sequence;
 * - **meta**: magic, schema version, peer name, the incarnation (bumped and flushed at each
 *   open), `seqFloor`, and whether the last run closed cleanly.
 *
 * ## Schema (schema version 1, one LMDB environment, see `ledger-schema.ts`)
 *
 *     ledgecast.meta       'meta'                               → LedgerMeta (msgpack, shared structures)
 *     ledgecast.streams    subject                              → highSeq (msgpack number)
 *     ledgecast.sent       [subject, seq]                       → 12-byte header + replyTo + payload (binary)
 *     ledgecast.delivered  [durableName, senderName, subject]   → seq (msgpack number)
 *
 * Keys are lmdb's ordered-binary: one stream's messages are contiguous and in `seq` order.
 *
 * ## Opening, locking and recovery
 *
 * 1. A second open of one path in the same process, or by another live process under any peer
 *    name (lock file `<path>/ledger.lock`, O_EXCL, pid + start time; taken before the files are
 *    read, so nobody judges them while another process writes them), is refused with
 *    `LedgerError`. The lock of a dead process is taken over; locks are released on `close()`
 *    and on process exit.
 * 2. An existing `data.mdb` is checked before LMDB maps it: header and size with plain reads,
 *    then (by default) every page read in a child process, because LMDB answers a corrupt page
 *    with SIGSEGV/SIGBUS, which no `try` catches.
 * 3. {@link scanLedger} (pure, plain-data result) verifies the meta record and rebuilds every
 *    stream's counters from the data; a stored `highSeq` behind the newest stored message is
 *    raised. A file of `scanInWorkerMinBytes` or more is scanned on a piscina worker
 *    (`scan-worker.ts`), so the opening thread is not blocked for seconds.
 * 4. A damaged, truncated or non-LMDB file is refused, or with `onDamaged: 'moveAside'` its
 *    LMDB files move to `<path>.damaged-<timestamp>/` and a fresh ledger starts. A valid LMDB
 *    database that is not a ledger, a ledger of another schema version or of another peer name
 *    is always refused.
 *
 * ## Sequence numbers after a restart: the rule
 *
 * A stream resumes at `max(highSeqs()[subject] ?? 0, seqFloor) + 1`; a subject absent from
 * `highSeqs()` starts at `seqFloor + 1`. `seqFloor` is persisted and only grows:
 *
 * - after a move aside (`freshAfterDamage`), nothing is known of the old numbers, so
 *   `seqFloor = max(now, mtime of the damaged file) × 1000` (ms × 1000). Every earlier number
 *   is below it as long as no stream ever averaged more than 1000 messages per millisecond since
 *   its epoch began (a ledger never damaged began at 1, so it only needs fewer than ~1.7e15
 *   messages). The floor stays a safe integer until the year 2255.
 * - after an unclean shutdown of an `'async'` ledger, every stream's `highSeq` is raised by
 *   `maxUnflushedPerStream` and so is `seqFloor`: an `'async'` append may reach the wire without
 *   reaching the disk, but never more than that many sequences ahead of the last flush (the
 *   store makes the appender wait beyond it).
 *
 * A skip shows up on the wire only at a new incarnation. The sender must answer a NAK into a
 * skipped range as "unavailable" (`getSent` returns nothing there); receivers then report those
 * numbers as lost, an over-report bounded by the skip, never a reused number: the ledger actor
 * answers the whole skip at once (`widenToSkip`), and receivers mark what they never heard of
 * as `skipped` (one `dataLoss` per stream).
 *
 * ## Durability: what can be lost
 *
 * Contract: the sender appends a message before it goes on the wire and, in `'sync'` mode,
 * sends it only after `appendSent` resolved. lmdb commits on its own thread, batching every
 * write of one event turn into one transaction; with overlapping sync (the default on Linux)
 * the flush (fdatasync) of a commit runs after the commit, and after a process crash LMDB keeps
 * the committed transactions if the machine did not reboot.
 *
 * - `'sync'`: `appendSent` resolves after commit and flush. A process crash loses nothing that
 *   resolved; a power loss loses nothing that resolved, as far as the disk honours fdatasync.
 *   Writes still pending (not resolved) may be lost in both cases.
 * - `'async'`: `appendSent` resolves once queued. A process crash loses the writes not yet
 *   committed (those of the current event turn and the commit in progress); a power loss also
 *   loses committed writes not yet flushed. What went on the wire without reaching the disk is
 *   at most `maxUnflushedPerStream` sequences per stream (an append further ahead resolves only
 *   after the flush), and a restart after an unclean shutdown skips that many (above).
 * - `'none'`: nothing is written to `path`; the store writes to a temporary database (so the
 *   same code runs) and everything is gone at close or exit. Sequence numbers restart at 1.
 *
 * LMDB keeps the file itself consistent in every case (copy-on-write B-tree, meta pages written
 * last). Durable positions (`setDelivered`) follow the same mode. The incarnation is flushed
 * before `open` resolves.
 *
 * @packageDocumentation
 */
export { LedgerStore } from './ledger-store.js';
export { scanLedger } from './ledger-scan.js';
export { SCAN_WORKER_URL } from './scan-worker.js';
export { checkLmdbDataFile } from './lmdb-file-check.js';
export { LEDGER_MAGIC, LEDGER_SCHEMA_VERSION } from './ledger-schema.js';
export {
  DEFAULT_LEDGER_RETENTION,
  DEFAULT_LEDGER_STORE_OPTIONS,
  LEDGER_DAMAGE_POLICIES,
  LEDGER_DURABILITIES,
  MAX_LEDGER_NAME_BYTES,
  resolveLedgerStoreOptions,
} from './options.js';

export type { LedgerCounters, LedgerRecovery, LedgerStats, RetentionResult } from './ledger-store.js';
export type { LedgerStoreDeps } from './ledger-open.js';
export type { LedgerScan, StreamScan } from './ledger-scan.js';
export type { LmdbFileCheck } from './lmdb-file-check.js';
export type { LedgerMeta } from './ledger-schema.js';
export type { LedgerMessage } from './sent-record.js';
export type {
  LedgerDamagePolicy,
  LedgerDurability,
  LedgerRetentionOptions,
  LedgerStoreOptions,
  ResolvedLedgerStoreOptions,
} from './options.js';
