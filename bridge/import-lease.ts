/**
 * The import lease: which of a zone's bridges imports (pure core, no I/O, time passed in).
 *
 * Two bridges may run in a zone. Both export (JetStream stores each message once by its
 * `Nats-Msg-Id`), but only one imports at a time, or every imported message would be published
 * twice in the zone. The lease is one key in a JetStream key-value bucket (the engine's
 * primitive, not a consensus of ours), `import.<zone>`, whose value names the holder. Every
 * write is a compare-and-set on the key's revision, so two bridges can never both succeed from
 * the same revision.
 *
 * Clocks of different hosts are never compared: each bridge measures durations on its own
 * monotonic clock.
 * - The holder rewrites the key every `ttlMs / 3`. It stops importing at `ttlMs` after it *sent*
 *   its last successful write (so before anyone else may take over), or at once when it sees
 *   another holder.
 * - A standby polls the key every `ttlMs / 3`. It notes, on its own clock, when it first saw the
 *   current revision; once that revision is `ttlMs` old (nobody rewrote the key for that long)
 *   it takes the lease by writing on that revision. A holder that died is replaced within
 *   `ttlMs` plus one poll of its last write.
 * - An absent or deleted key (a holder that closed cleanly deletes it) is created by the first
 *   bridge that looks.
 * - A holder whose lease ran out (NATS away for longer than `ttlMs`) and finds the key still as
 *   it last wrote it renews it at once: nobody took it meanwhile.
 *
 * The holder's deadline is measured from the moment it sent a write that later succeeded, and
 * the write took place after that moment; a standby's count starts when it saw the write, after
 * it took place. So a holder always stops before a standby can start.
 */

/** What a poll of the lease key found. */
export type LeaseObservation =
  /** The key is absent or deleted. */
  | { readonly kind: 'free'; readonly revision: number }
  /** The key names a holder, at this revision. */
  | { readonly kind: 'held'; readonly holder: string; readonly revision: number }
  /** NATS did not answer. */
  | { readonly kind: 'unreachable' };

/** The write the shell should try now (a compare-and-set), or nothing. */
export type LeaseWrite =
  /** Create the key (absent), or write over a deleted key at `revision`. */
  | { readonly kind: 'create'; readonly revision: number }
  /** Write over `revision` (renewing our own lease, or taking an expired one). */
  | { readonly kind: 'update'; readonly revision: number }
  | { readonly kind: 'none' };

const NO_WRITE: LeaseWrite = { kind: 'none' };

/** One bridge's view of its zone's import lease. */
export class ImportLease {
  /** Revision of the key as we last wrote it, while we hold it. */
  private heldRevision = 0;
  /** The revision of our last successful write, kept after the lease ran out. */
  private ownRevision = 0;
  /** When we sent the last write that succeeded (our own clock), while we hold it. */
  private lastWriteSentMs = Number.NEGATIVE_INFINITY;
  /** The other holder's revision we watch, and when we first saw it. */
  private watchedRevision = 0;
  private watchedSinceMs = 0;
  /** The holder named by the key at the last poll (undefined: free or unknown). */
  private lastHolder: string | undefined;
  /** Leases won (the first one included). */
  acquisitions = 0;

  constructor(
    /** This bridge's unique identity (written in the key). */
    readonly me: string,
    /** How long a lease lasts without being rewritten, ms. */
    readonly ttlMs: number,
  ) {
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
  }

  /** How often the shell polls or renews, ms. */
  get pollMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 3));
  }

  /** True while this bridge may import. */
  isHeld(nowMs: number): boolean {
    return this.heldRevision > 0 && nowMs - this.lastWriteSentMs < this.ttlMs;
  }

  /** The holder the key named at the last poll (this bridge's id when it holds it). */
  get holder(): string | undefined {
    return this.lastHolder;
  }

  /** A poll's result at `nowMs`: the write to try now, if any. */
  observe(nowMs: number, seen: LeaseObservation): LeaseWrite {
    if (seen.kind === 'unreachable') return NO_WRITE;
    if (seen.kind === 'free') {
      this.lastHolder = undefined;
      this.heldRevision = 0;
      return { kind: 'create', revision: seen.revision };
    }
    this.lastHolder = seen.holder;
    // Ours, as we last wrote it (held, or run out while NATS was away and nobody took it since):
    // renewed at once; the compare-and-set fails if someone wrote in between.
    if (seen.holder === this.me && (seen.revision === this.heldRevision || seen.revision === this.ownRevision)) {
      return { kind: 'update', revision: seen.revision };
    }
    // Someone else holds it (or a write of ours we do not know succeeded: treat it as theirs).
    this.heldRevision = 0;
    if (seen.revision !== this.watchedRevision) {
      this.watchedRevision = seen.revision;
      this.watchedSinceMs = nowMs;
      return NO_WRITE;
    }
    return nowMs - this.watchedSinceMs >= this.ttlMs ? { kind: 'update', revision: seen.revision } : NO_WRITE;
  }

  /** The write tried at `sentMs` succeeded: the key is ours at `revision`. */
  written(sentMs: number, revision: number): void {
    if (this.heldRevision === 0) this.acquisitions++;
    this.heldRevision = revision;
    this.ownRevision = revision;
    this.lastWriteSentMs = sentMs;
    this.lastHolder = this.me;
  }

  /** The write was refused (someone wrote first) or failed: we do not hold the key. */
  refused(): void {
    this.heldRevision = 0;
  }

  /** We give the lease up (closing): forget it. */
  released(): void {
    this.heldRevision = 0;
    this.lastHolder = undefined;
  }
}
