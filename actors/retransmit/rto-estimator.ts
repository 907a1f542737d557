/**
 * Retransmission timeout of one reliable-unicast channel, after RFC 6298 (Jacobson/Karels).
 */
import { DEFAULT_RETRANSMIT_OPTIONS, type ResolvedRetransmitOptions } from './options.js';

/** The options {@link RtoEstimator} reads. */
export type RtoEstimatorOptions = Pick<ResolvedRetransmitOptions, 'rtoMinMs' | 'rtoMaxMs' | 'rtoInitialMs'>;

/** RFC 6298 gains: SRTT moves by 1/8 of the error, RTTVAR by 1/4, RTO = SRTT + 4 * RTTVAR. */
const ALPHA = 1 / 8;
const BETA = 1 / 4;
const K = 4;
/** Clock granularity G of RFC 6298: the millisecond clock of the shell. */
const CLOCK_GRANULARITY_MS = 1;

/**
 * Smoothed round-trip time (SRTT), its variation (RTTVAR) and the resulting timeout (RTO).
 *
 * - The first sample sets SRTT = R, RTTVAR = R / 2; later ones blend in with gains 1/8 and 1/4.
 * - RTO = SRTT + max(G, 4 * RTTVAR), clamped to `[rtoMinMs, rtoMaxMs]`; `rtoInitialMs` before any
 *   sample. The defaults are loopback/LAN values (see {@link ResolvedRetransmitOptions}).
 * - Karn's rule is the caller's half: feed samples only from items sent once (an ACK of a
 *   retransmitted item is ambiguous). The estimator's half is {@link onTimeout}: the backed-off RTO
 *   is kept until the next valid sample, so a path slower than the RTO does not make every item
 *   time out once forever (no valid sample would ever arrive to fix it).
 *
 * O(1) memory.
 */
export class RtoEstimator {
  private srtt: number | undefined;
  private rttvar: number | undefined;
  private rto: number;
  private readonly options: RtoEstimatorOptions;
  /** Valid samples taken since the last reset. */
  samples = 0;

  constructor(options: RtoEstimatorOptions = DEFAULT_RETRANSMIT_OPTIONS) {
    this.options = options;
    this.rto = options.rtoInitialMs;
  }

  /** The current retransmission timeout. */
  get rtoMs(): number {
    return this.rto;
  }

  /** Smoothed round-trip time; `undefined` before the first sample. */
  get srttMs(): number | undefined {
    return this.srtt;
  }

  /** Round-trip time variation; `undefined` before the first sample. */
  get rttvarMs(): number | undefined {
    return this.rttvar;
  }

  /** One round-trip measurement of an item sent once. Negative or non-finite values are ignored. */
  onSample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    if (this.srtt === undefined || this.rttvar === undefined) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
    } else {
      // RTTVAR uses the old SRTT (RFC 6298 2.3: update RTTVAR first).
      this.rttvar = (1 - BETA) * this.rttvar + BETA * Math.abs(this.srtt - rttMs);
      this.srtt = (1 - ALPHA) * this.srtt + ALPHA * rttMs;
    }
    this.samples++;
    this.rto = this.clamp(this.srtt + Math.max(CLOCK_GRANULARITY_MS, K * this.rttvar));
  }

  /** The oldest outstanding item timed out: double the RTO (RFC 6298 5.5) until a valid sample. */
  onTimeout(): void {
    this.rto = this.clamp(this.rto * 2);
  }

  /** Forgets every sample (the remote restarted, maybe elsewhere). */
  reset(): void {
    this.srtt = undefined;
    this.rttvar = undefined;
    this.rto = this.options.rtoInitialMs;
    this.samples = 0;
  }

  private clamp(ms: number): number {
    return Math.min(this.options.rtoMaxMs, Math.max(this.options.rtoMinMs, ms));
  }
}
