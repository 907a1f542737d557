/**
 * Turns queued lmdb writes into the promises each durability mode promises, and keeps the
 * per-stream "flushed up to" mark that bounds what an `'async'` crash can lose.
 *
 * Cheap on the `'async'` path on purpose: lmdb hands every write of one batch the same commit
 * promise, so the error handler is attached once per batch, and each stream keeps at most one
 * flush watcher (asking lmdb for `flushed` on every append costs more than the append itself).
 * A lagging `flushedSeq` only makes an appender wait a little early, never too late.
 */
import { statfsSync } from 'node:fs';
import type { RootDatabase } from 'lmdb';
import { LedgerError } from '../errors.js';
import type { LedgerDurability } from './options.js';
import type { StreamState } from './stream-retention.js';

export class WriteSettler {
  /** The first failed commit; every later call of the store throws it. */
  failure: LedgerError | undefined;
  /**
   * Resolves at the first failed commit. After one, lmdb never resolves `env.flushed` nor
   * `env.close()`: whatever waits for them races this instead.
   */
  readonly failed: Promise<void>;
  private onFailed!: () => void;
  private lastCommit: Promise<boolean> | undefined;
  private lastChecked: Promise<void> = Promise.resolve();
  private batchStartWatched = false;

  constructor(
    private readonly env: RootDatabase,
    private readonly durability: LedgerDurability,
    private readonly maxUnflushedPerStream: number,
    private readonly counters: { flushWaits: number; writeErrors: number },
    private readonly shownPath: string,
    /** The ledger's directory (undefined: a temporary ledger): a failure says how full its file system is. */
    private readonly dir?: string,
  ) {
    this.failed = new Promise<void>((resolve) => (this.onFailed = resolve));
  }

  /**
   * Watches a write that nobody awaits (a removal, a bookkeeping entry, all but the last put of
   * an append): if its commit fails, that is `failure`, said to the next caller, never an
   * unhandled rejection (which ends the process). Cheap: writes of one batch share a promise.
   */
  watch(committed: Promise<boolean>): void {
    if (committed !== this.lastCommit) void this.watchCommit(committed);
  }

  /**
   * The promise for a write whose (batch) commit promise is `committed`; `s` is the stream it
   * appended to, if any. `'sync'`: after commit and flush. `'async'`: at once, unless `s` is more
   * than `maxUnflushedPerStream` sequences ahead of the disk. `'none'`: at once.
   */
  settle(committed: Promise<boolean>, s: StreamState | undefined): Promise<void> {
    const checked = this.watchCommit(committed);
    if (this.durability === 'sync') return this.afterFlush(checked, s);
    if (s === undefined || this.durability === 'none') return Promise.resolve();
    if (s.highSeq - s.flushedSeq > this.maxUnflushedPerStream) {
      this.counters.flushWaits++;
      return this.afterFlush(checked, s);
    }
    this.watchFlush(s);
    return Promise.resolve();
  }

  /**
   * The promise for a write that must survive the process dying (a durable subscription's
   * handed mark, written before the messages it covers are handed): after its commit in every
   * mode (a committed LMDB write survives SIGKILL), and after the flush too with `'sync'`.
   */
  settleCommitted(committed: Promise<boolean>): Promise<void> {
    const checked = this.watchCommit(committed);
    return this.durability === 'sync' ? this.afterFlush(checked, undefined) : checked;
  }

  /** Resolves when the writes queued so far are flushed (rejects with a commit failure). */
  async flushed(): Promise<void> {
    await Promise.race([this.env.flushed, this.failed]);
    if (this.failure !== undefined) throw this.failure;
  }

  private afterFlush(checked: Promise<void>, s: StreamState | undefined): Promise<void> {
    const target = s?.highSeq ?? 0;
    // `env.flushed` is taken now: it covers every write queued so far, this one included.
    return Promise.all([checked, this.env.flushed]).then(() => {
      if (s !== undefined && target > s.flushedSeq) s.flushedSeq = target;
    });
  }

  /**
   * lmdb (3.5) opens each event turn's batch with a write of its own, at the end of the turn, and
   * keeps no handler on its promise: when that batch's commit fails (a full disk), the rejection
   * is unhandled, and Node ends the process. By the next `setImmediate` that promise is lmdb's
   * current commit promise, which `env.committed` reads: a handler goes on it then, once a turn.
   */
  private watchBatchStart(): void {
    if (this.batchStartWatched) return;
    this.batchStartWatched = true;
    setImmediate(() => {
      this.batchStartWatched = false;
      this.env.committed.then(
        () => undefined,
        () => undefined, // the failure reached `failure` through the writes of the batch
      );
    });
  }

  private watchCommit(committed: Promise<boolean>): Promise<void> {
    this.watchBatchStart();
    if (committed === this.lastCommit) return this.lastChecked;
    this.lastCommit = committed;
    this.lastChecked = committed.then(
      () => undefined,
      (err: unknown) => {
        this.counters.writeErrors++;
        // lmdb's error of a failed commit carries the reason as a promise rejected later (`commitError`): handled here.
        const reason = (err as { commitError?: unknown } | undefined)?.commitError;
        if (reason instanceof Promise) reason.catch(() => undefined);
        if (this.failure === undefined) {
          this.failure = new LedgerError(`ledger ${this.shownPath}: a write failed${describeFailure(err, this.dir)}`, { cause: err });
          this.onFailed();
        }
        throw this.failure;
      },
    );
    this.lastChecked.catch(() => undefined); // reported to the next caller through `failure`
    return this.lastChecked;
  }

  private watchFlush(s: StreamState): void {
    if (s.flushWatched) return;
    s.flushWatched = true;
    const target = s.highSeq;
    this.env.flushed.then(
      () => {
        s.flushWatched = false;
        if (target > s.flushedSeq) s.flushedSeq = target;
      },
      () => {
        s.flushWatched = false;
      },
    );
  }
}

/** What a failed commit says: lmdb's message, and how full the ledger's file system is (a full disk fails commits with EIO on tmpfs, ENOSPC elsewhere). */
function describeFailure(err: unknown, dir: string | undefined): string {
  const message = err instanceof Error ? err.message : String(err);
  const said = message.startsWith('Commit failed') ? ': the commit failed' : `: ${message}`;
  if (dir === undefined) return said;
  try {
    const fs = statfsSync(dir);
    const free = fs.bavail * fs.bsize;
    const total = fs.blocks * fs.bsize;
    if (free < Math.max(1 << 20, total / 100)) return `${said}; its file system is full (${free} bytes free of ${total}): free space, then restart the peer`;
    return `${said} (its file system has ${Math.round(free / (1 << 20))} MiB free)`;
  } catch {
    return said;
  }
}
