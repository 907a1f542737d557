/**
 * The budget of NAK service (retransmit rate limits, as OpenPGM's `PGM_RDATA_MAX_RTE` and Ultra
 * Messaging's `transport_lbtrm_retransmit_rate_limit`): a token bucket per asker and one for all
 * repairs together, in bytes of resent messages. A NAK can then pull at most so much from one
 * peer, however many it sends and whatever name it gives, and repairs cannot take more than the
 * total rate from new data.
 *
 * Pure: time comes in as `nowMs`.
 */
import type { ResolvedRetransmitOptions } from './options.js';

/** The options {@link NakBudget} reads (0 rates: no limit). */
export type NakBudgetOptions = Pick<
  ResolvedRetransmitOptions,
  'askerRepairBytesPerSec' | 'askerRepairBurstBytes' | 'totalRepairBytesPerSec' | 'totalRepairBurstBytes'
>;

/** The answer of {@link NakBudget.take}: served, or which budget refused. */
export type BudgetVerdict = 'ok' | 'asker' | 'total';

/** Askers whose bucket is remembered; beyond it, the full buckets (a fresh one is full too) are forgotten. */
const MAX_ASKERS = 4096;

/** A token bucket: `tokens` at `atMs`, refilled at `rate` bytes/s up to `burst`; may go negative (a message larger than the burst). */
interface Bucket {
  tokens: number;
  atMs: number;
}

export class NakBudget {
  private readonly askers = new Map<string, Bucket>();
  private readonly total: Bucket;

  constructor(private readonly o: NakBudgetOptions) {
    this.total = { tokens: o.totalRepairBurstBytes, atMs: Number.NEGATIVE_INFINITY };
  }

  /** Askers with a bucket now (bounded). */
  get askerCount(): number {
    return this.askers.size;
  }

  /**
   * May a message of `bytes` be resent now to `askerKey` (undefined: by multicast, which only the
   * total budget pays)? When it may, both buckets pay for it. A bucket lets a message through
   * when it holds `min(bytes, burst)`, so a message larger than the burst goes on average.
   */
  take(nowMs: number, askerKey: string | undefined, bytes: number): BudgetVerdict {
    const o = this.o;
    const asker = askerKey === undefined || o.askerRepairBytesPerSec <= 0 ? undefined : this.askerBucket(nowMs, askerKey);
    if (asker !== undefined && !has(asker, nowMs, o.askerRepairBytesPerSec, o.askerRepairBurstBytes, bytes)) return 'asker';
    const total = o.totalRepairBytesPerSec > 0 ? this.total : undefined;
    if (total !== undefined && !has(total, nowMs, o.totalRepairBytesPerSec, o.totalRepairBurstBytes, bytes)) return 'total';
    if (asker !== undefined) asker.tokens -= bytes;
    if (total !== undefined) total.tokens -= bytes;
    return 'ok';
  }

  /**
   * Pays for `bytes` more without asking (the rest of a message whose first fragment
   * {@link take} let through): the buckets may go into debt, paid back before the next message.
   */
  charge(askerKey: string | undefined, bytes: number): void {
    if (askerKey !== undefined && this.o.askerRepairBytesPerSec > 0) {
      const b = this.askers.get(askerKey);
      if (b !== undefined) b.tokens -= bytes;
    }
    if (this.o.totalRepairBytesPerSec > 0) this.total.tokens -= bytes;
  }

  /** `askerKey` left: its bucket goes (a new one starts full, as after a quiet second). */
  forget(askerKey: string): void {
    this.askers.delete(askerKey);
  }

  private askerBucket(nowMs: number, key: string): Bucket {
    let b = this.askers.get(key);
    if (b === undefined) {
      if (this.askers.size >= MAX_ASKERS) this.forgetFull(nowMs);
      b = { tokens: this.o.askerRepairBurstBytes, atMs: nowMs };
      this.askers.set(key, b);
    }
    return b;
  }

  /** Forgets the buckets that are full again (forgetting them changes nothing), else the oldest half. */
  private forgetFull(nowMs: number): void {
    const { askerRepairBytesPerSec: rate, askerRepairBurstBytes: burst } = this.o;
    for (const [key, b] of this.askers) {
      refill(b, nowMs, rate, burst);
      if (b.tokens >= burst) this.askers.delete(key);
    }
    if (this.askers.size < MAX_ASKERS) return;
    let drop = this.askers.size / 2;
    for (const key of this.askers.keys()) {
      if (drop-- <= 0) break;
      this.askers.delete(key);
    }
  }
}

function refill(b: Bucket, nowMs: number, rate: number, burst: number): void {
  if (nowMs > b.atMs) {
    b.tokens = b.atMs === Number.NEGATIVE_INFINITY ? burst : Math.min(burst, b.tokens + ((nowMs - b.atMs) * rate) / 1000);
    b.atMs = nowMs;
  }
}

function has(b: Bucket, nowMs: number, rate: number, burst: number, bytes: number): boolean {
  refill(b, nowMs, rate, burst);
  return b.tokens >= Math.min(bytes, burst);
}
