/**
 * Entries per source address: the quota that keeps one socket inventing names from filling a
 * table of peers (issue 11). A source is where a datagram came from, as `host:port`; an entry
 * made without one (a local decision, or a caller that does not know) is charged to no source
 * and never refused.
 *
 * Pure bookkeeping, owned by one table: the table asks {@link isFull} before it adds an entry,
 * and reports every entry it adds and removes. Bounded by that table: at most one count per
 * source that holds an entry.
 */

/** Where a datagram came from, as the quotas count it. */
export function sourceOf(host: string, port: number): string {
  return `${host}:${port}`;
}

export class SourceQuota {
  private readonly counts = new Map<string, number>();

  constructor(readonly maxPerSource: number) {}

  /** Entries charged to `source` now (0 for none or an unknown source). */
  countOf(source: string | undefined): number {
    return source === undefined ? 0 : (this.counts.get(source) ?? 0);
  }

  /** Whether `source` holds its quota already, so that one more entry from it is refused. */
  isFull(source: string | undefined): boolean {
    return this.countOf(source) >= this.maxPerSource;
  }

  add(source: string | undefined): void {
    if (source !== undefined) this.counts.set(source, this.countOf(source) + 1);
  }

  remove(source: string | undefined): void {
    if (source === undefined) return;
    const n = this.countOf(source) - 1;
    if (n > 0) this.counts.set(source, n);
    else this.counts.delete(source);
  }

  /**
   * The source holding the most entries when it holds at least two more than `newcomer`
   * (taking one of its entries for the newcomer's makes the shares more even, never less),
   * else undefined.
   */
  crowdedBeside(newcomer: string | undefined): string | undefined {
    let most: string | undefined;
    let mostCount = 0;
    for (const [source, n] of this.counts) {
      if (n > mostCount) {
        most = source;
        mostCount = n;
      }
    }
    return most !== undefined && mostCount >= this.countOf(newcomer) + 2 ? most : undefined;
  }
}

/**
 * The entry a newcomer takes the place of in a full table, in one pass: the least recently heard
 * one if it was last heard at or before `idleBeforeMs` (`idle`), else the least recently heard of
 * source `crowded` (the most crowded one, if it holds two more than the newcomer's), else none.
 */
export function leastUseful<T extends { readonly source: string | undefined }>(
  entries: Iterable<T>,
  heardMs: (e: T) => number,
  crowded: string | undefined,
  idleBeforeMs: number,
): { readonly entry: T; readonly idle: boolean } | undefined {
  let oldest: T | undefined;
  let oldestCrowded: T | undefined;
  for (const e of entries) {
    const heard = heardMs(e);
    if (oldest === undefined || heard < heardMs(oldest)) oldest = e;
    if (crowded !== undefined && e.source === crowded && (oldestCrowded === undefined || heard < heardMs(oldestCrowded))) oldestCrowded = e;
  }
  if (oldest !== undefined && heardMs(oldest) <= idleBeforeMs) return { entry: oldest, idle: true };
  return oldestCrowded === undefined ? undefined : { entry: oldestCrowded, idle: false };
}
