/**
 * How far each remote zone's import has come: what crossed (per zone), what is in flight, and how
 * far behind the origin the import is (the lag). Pure: times come in as arguments; the importers
 * (shells) feed it, `bridge.stats()` and the metrics read it.
 *
 * **Lag, in messages.** JetStream numbers what is left for a consumer: every delivered message
 * carries the consumer's `num_pending` at its delivery (messages stored after it, not yet
 * delivered), and consumer info gives it at any time. The freshest of the two readings is kept:
 * deliveries update it while messages flow, the periodic consumer info (`lagCheckIntervalMs`)
 * while nothing is delivered (an import stuck behind a slow zone gets no deliveries, so only the
 * info shows its backlog growing). `lag = pending + inFlight`, where `inFlight` counts what was
 * delivered to this bridge and not yet acknowledged (by JetStream's delivery sequence: the
 * consumer's own numbering, so it needs no bookkeeping per message).
 *
 * **Lag, in time.** `delayMs`: for the newest message done with (published here, or skipped by
 * the import rules), with every one before it, from the moment JetStream stored it (its
 * timestamp, the NATS server's clock) to that moment (this host's clock, within one event-loop
 * turn of the local publish resolving). It compares two hosts' clocks: as good as their synchronisation (NTP:
 * a few ms), and it is only read, never acted on. `lastImportedMs` is this host's own clock only.
 *
 * Core NATS (`engine: 'core'`) has no stream to be behind: no `pending`, no `delayMs`; `inFlight`
 * is the local publishes not yet resolved.
 *
 * Bounded: at most {@link MAX_TRACKED_ZONES} zones (a zone is a JetStream stream, or in core mode a
 * subject token NATS permissions restrict); further zones are counted in `untracked`.
 */

/** Zones tracked at most. */
export const MAX_TRACKED_ZONES = 1024;

/** One remote zone's import, as `bridge.stats().import.byZone` gives it. */
export interface ZoneImportStats {
  /** The remote zone. */
  readonly zone: string;
  /** Messages of that zone published in this zone. */
  readonly imported: number;
  /** Of the messages taken from that zone's stream, those JetStream delivered again (a restart, a takeover, a late acknowledgement). */
  readonly redelivered: number;
  /** Loss markers published for that zone (ranges that will never cross). */
  readonly losses: number;
  /** Messages of that zone outside the import rules (acknowledged, not published). */
  readonly filtered: number;
  /**
   * Messages stored in that zone's stream and not yet delivered to this zone's import
   * (JetStream's `num_pending`, as last read); undefined before the first reading, and in core mode.
   */
  readonly pending: number | undefined;
  /** Delivered to this bridge and not yet acknowledged to JetStream (core mode: local publishes not yet resolved). */
  readonly inFlight: number;
  /** How many messages the import is behind that zone's stream: `pending + inFlight`; undefined when `pending` is. */
  readonly lagMessages: number | undefined;
  /**
   * The newest message published here: ms from its storing in JetStream (the NATS server's clock)
   * to its local publish (this host's clock); undefined before the first, and in core mode.
   */
  readonly delayMs: number | undefined;
  /** ms since the last message of that zone was published here (this host's clock); undefined: none yet. */
  readonly lastImportedAgoMs: number | undefined;
  /** ms since `pending` was last read; undefined: never. */
  readonly checkedAgoMs: number | undefined;
}

interface ZoneProgress {
  imported: number;
  redelivered: number;
  losses: number;
  filtered: number;
  pending: number | undefined;
  /** When `pending` was read. */
  pendingAtMs: number;
  /** Newest delivery sequence delivered, and acknowledged (JetStream's consumer numbering). */
  deliveredSeq: number;
  ackedSeq: number;
  /** Core mode: local publishes not yet resolved. */
  publishing: number;
  delayMs: number | undefined;
  lastImportedMs: number | undefined;
}

/** What a counter of a zone counts. */
export type ZoneCount = 'redelivered' | 'losses' | 'filtered';

export class ImportProgress {
  private readonly zones = new Map<string, ZoneProgress>();
  /** Zones not tracked because of {@link MAX_TRACKED_ZONES}. */
  untracked = 0;

  /** `n` more of `what` for zone `zone`. */
  count(zone: string, what: ZoneCount, n = 1): void {
    const z = this.of(zone);
    if (z !== undefined) z[what] += n;
  }

  /** A message of zone `zone` was published here at `nowMs` (monotonic clock). */
  imported(zone: string, nowMs: number): void {
    const z = this.of(zone);
    if (z === undefined) return;
    z.imported++;
    z.lastImportedMs = nowMs;
  }

  /**
   * Every message of zone `zone` up to one JetStream stored at `storedAtWallMs` (the server's
   * wall clock) was published here, as of `wallNowMs` (this host's wall clock): the delay.
   */
  publishedUpTo(zone: string, storedAtWallMs: number, wallNowMs: number): void {
    const z = this.of(zone);
    if (z !== undefined) z.delayMs = Math.max(0, wallNowMs - storedAtWallMs);
  }

  /** JetStream delivered message `deliverySeq` of zone `zone`'s consumer at `nowMs` (monotonic), `pending` more stored after it. */
  delivered(zone: string, deliverySeq: number, pending: number, nowMs: number): void {
    const z = this.of(zone);
    if (z === undefined) return;
    if (deliverySeq > z.deliveredSeq) z.deliveredSeq = deliverySeq;
    if (nowMs >= z.pendingAtMs) {
      z.pending = pending;
      z.pendingAtMs = nowMs;
    }
  }

  /** Every delivery up to `deliverySeq` was acknowledged. */
  acknowledged(zone: string, deliverySeq: number): void {
    const z = this.of(zone);
    if (z !== undefined && deliverySeq > z.ackedSeq) z.ackedSeq = deliverySeq;
  }

  /**
   * Consumer info asked for at `sentAtMs` (monotonic): `pending` (`num_pending`), and `deliveredSeq` / `ackedSeq`
   * (its `delivered.consumer_seq` and `ack_floor.consumer_seq`). A reading older than the last
   * delivery's is ignored for `pending` (the request was sent before that delivery).
   */
  consumerInfo(zone: string, info: { readonly pending: number; readonly deliveredSeq: number; readonly ackedSeq: number }, sentAtMs: number): void {
    const z = this.of(zone);
    if (z === undefined) return;
    if (info.deliveredSeq > z.deliveredSeq) z.deliveredSeq = info.deliveredSeq;
    if (info.ackedSeq > z.ackedSeq) z.ackedSeq = info.ackedSeq;
    if (sentAtMs >= z.pendingAtMs) {
      z.pending = info.pending;
      z.pendingAtMs = sentAtMs;
    }
  }

  /**
   * A consumer of zone `zone` (re)starts, its info read at `sentAtMs`: its numbering is taken as
   * is (a consumer deleted and created again numbers its deliveries from 1 again).
   */
  started(zone: string, info: { readonly pending: number; readonly deliveredSeq: number; readonly ackedSeq: number }, sentAtMs: number): void {
    const z = this.of(zone);
    if (z === undefined) return;
    z.deliveredSeq = info.deliveredSeq;
    z.ackedSeq = info.ackedSeq;
    z.pending = info.pending;
    z.pendingAtMs = sentAtMs;
  }

  /** Core mode: a local publish of zone `zone` started (`+1`) or settled (`-1`). */
  publishing(zone: string, delta: 1 | -1): void {
    const z = this.of(zone);
    if (z !== undefined) z.publishing = Math.max(0, z.publishing + delta);
  }

  /**
   * This bridge stopped importing (it lost or gave up the lease, or closes): what it had in
   * flight is no longer its own, and its readings of `pending` go stale, so both are forgotten
   * (the bridge that imports now reports them). The counters stay.
   */
  stopped(): void {
    for (const z of this.zones.values()) {
      z.pending = undefined;
      z.pendingAtMs = Number.NEGATIVE_INFINITY;
      z.ackedSeq = z.deliveredSeq;
      z.publishing = 0;
    }
  }

  /** Every zone tracked, by name; ages against `nowMs` (the monotonic clock of {@link imported} and {@link delivered}). */
  snapshot(nowMs: number): ZoneImportStats[] {
    return [...this.zones.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([zone, z]) => {
        const inFlight = Math.max(0, z.deliveredSeq - z.ackedSeq) + z.publishing;
        return {
          zone,
          imported: z.imported,
          redelivered: z.redelivered,
          losses: z.losses,
          filtered: z.filtered,
          pending: z.pending,
          inFlight,
          lagMessages: z.pending === undefined ? undefined : z.pending + inFlight,
          delayMs: z.delayMs,
          lastImportedAgoMs: z.lastImportedMs === undefined ? undefined : Math.max(0, nowMs - z.lastImportedMs),
          checkedAgoMs: z.pending === undefined ? undefined : Math.max(0, nowMs - z.pendingAtMs),
        };
      });
  }

  private of(zone: string): ZoneProgress | undefined {
    let z = this.zones.get(zone);
    if (z !== undefined) return z;
    if (this.zones.size >= MAX_TRACKED_ZONES) {
      this.untracked++;
      return undefined;
    }
    z = { imported: 0, redelivered: 0, losses: 0, filtered: 0, pending: undefined, pendingAtMs: Number.NEGATIVE_INFINITY, deliveredSeq: 0, ackedSeq: 0, publishing: 0, delayMs: undefined, lastImportedMs: undefined };
    this.zones.set(zone, z);
    return z;
  }
}
