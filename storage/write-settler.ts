/**
 * Turns queued lmdb writes into the promises each durability mode promises, and keeps the
 * per-stream "flushed up to" mark that bounds what an `'async'` crash can lose.
 *
 * Cheap on the `'async'` path on purpose: lmdb hands every write of one batch the same commit
 * promise, so the error handler is attached once per batch, and each stream keeps at most one
 * flush watcher (asking lmdb for `flushed` on every append costs more than the append itself).
 * A lagging `flushedSeq` only makes an appender wait a little early, never too late.
 */
import type { RootDatabase } from 'lmdb';
import { LedgerError } from '../errors.js';
import type { LedgerDurability } from './options.js';
import type { StreamState } from './stream-retention.js';

export class WriteSettler {
  /** The first failed commit; every later call of the store throws it. */
  failure: LedgerError | undefined;
  private lastCommit: Promise<boolean> | undefined;
  private lastChecked: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: RootDatabase,
    private readonly durability: LedgerDurability,
    private readonly maxUnflushedPerStream: number,
    private readonly counters: { flushWaits: number; writeErrors: number },
    private readonly shownPath: string,
  ) {}

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
    await this.env.flushed;
    if (this.failure !== undefined) throw this.failure;
  }

  private afterFlush(checked: Promise<void>, s: StreamState | undefined): Promise<void> {
    const target = s?.highSeq ?? 0;
    // `env.flushed` is taken now: it covers every write queued so far, this one included.
    return Promise.all([checked, this.env.flushed]).then(() => {
      if (s !== undefined && target > s.flushedSeq) s.flushedSeq = target;
    });
  }

  private watchCommit(committed: Promise<boolean>): Promise<void> {
    if (committed === this.lastCommit) return this.lastChecked;
    this.lastCommit = committed;
    this.lastChecked = committed.then(
      () => undefined,
      (err: unknown) => {
        this.counters.writeErrors++;
        this.failure ??= new LedgerError(`ledger ${this.shownPath}: a write failed: ${(err as Error).message}`, { cause: err });
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
