/**
 * Who gets a place in the retransmit actor's table of remote peers (reliable-unicast channels
 * and positions, at most `maxPeers`), so that names invented by one socket cannot lock a real
 * peer out (issue 11).
 *
 * Rules, for a peer not in the table yet:
 * - a remote opened for a frame from a source address (`host:port`) that already opened
 *   `maxPerSource` of them is refused ('sourceQuota'); one opened for our own needs (a NAK or
 *   positions of our receiver) is charged to no source;
 * - when the table is full, the least useful remote makes room: of those that never
 *   acknowledged a frame of ours (a peer that did is reachable where it advertised, and its end
 *   of our channel expects our numbering to continue, so it is never taken), the least recently
 *   used one of the most crowded source when that source holds at least two more than the
 *   newcomer's, else the least recently used one; with none, the newcomer is refused ('full').
 *
 * Pure and owned by the retransmit actor's shell, which keeps the table itself and reports each
 * remote it opens and drops. Bounded by that table (one count per source that holds a remote).
 */
import { SourceQuota } from '../membership/source-quota.js';

/** A remote as the rules see it. */
export interface RemoteStanding {
  /** Where the frame that opened it came from; undefined: opened for our own needs. */
  readonly source: string | undefined;
  /** When it was last used (a frame from it, or one of ours for it). */
  readonly lastUsedMs: number;
  /** It acknowledged a frame of ours. */
  readonly proven: boolean;
}

/** What {@link RemoteAdmission.admit} decided. */
export type RemoteAdmissionResult<K> =
  | { readonly kind: 'admitted' }
  /** Admitted once `key` is dropped from the table (the shell drops it). */
  | { readonly kind: 'evict'; readonly key: K }
  | { readonly kind: 'sourceQuota' }
  | { readonly kind: 'full' };

const ADMITTED = Object.freeze({ kind: 'admitted' as const });
const SOURCE_QUOTA = Object.freeze({ kind: 'sourceQuota' as const });
const FULL = Object.freeze({ kind: 'full' as const });

export class RemoteAdmission {
  private readonly sources: SourceQuota;

  constructor(
    private readonly maxRemotes: number,
    maxPerSource: number,
  ) {
    this.sources = new SourceQuota(maxPerSource);
  }

  /** May a remote for a new peer be opened for a frame from `source`, in `table` as it is now? */
  admit<K, R>(source: string | undefined, table: ReadonlyMap<K, R>, standing: (r: R) => RemoteStanding): RemoteAdmissionResult<K> {
    if (this.sources.isFull(source)) return SOURCE_QUOTA;
    if (table.size < this.maxRemotes) return ADMITTED;
    const crowded = this.sources.crowdedBeside(source);
    let oldest: { key: K; at: number } | undefined;
    let oldestCrowded: { key: K; at: number } | undefined;
    for (const [key, r] of table) {
      const s = standing(r);
      if (s.proven) continue;
      if (oldest === undefined || s.lastUsedMs < oldest.at) oldest = { key, at: s.lastUsedMs };
      if (crowded !== undefined && s.source === crowded && (oldestCrowded === undefined || s.lastUsedMs < oldestCrowded.at)) {
        oldestCrowded = { key, at: s.lastUsedMs };
      }
    }
    const victim = oldestCrowded ?? oldest;
    return victim === undefined ? FULL : { kind: 'evict', key: victim.key };
  }

  /** A remote was opened for a frame from `source` (undefined: for our own needs). */
  opened(source: string | undefined): void {
    this.sources.add(source);
  }

  /** A remote opened for a frame from `source` was dropped. */
  dropped(source: string | undefined): void {
    this.sources.remove(source);
  }
}
