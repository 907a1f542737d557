/**
 * How long a sender takes to answer a NAK (from the NAK to the missing data back), and so how
 * long a receiver waits before asking again.
 */
import { RtoEstimator } from '../retransmit/rto-estimator.js';
import type { ResolvedReceiverOptions } from './options.js';

/** Each repair sample lowers the remembered peak by this share before it is compared. */
const PEAK_DECAY = 1 / 8;
/** The wait is at least this multiple of the (decaying) slowest recent repair. */
const PEAK_MARGIN = 1.5;

/**
 * The repair time of one sender, shared by its streams (one retransmit path serves them all).
 *
 * A repair is timed only when it answers a gap NAKed once (Karn's rule: after several NAKs it is
 * unknown which one was answered). The wait before a retry is the largest of:
 * - RFC 6298 over the repair samples (SRTT + 4 RTTVAR), at least `nakRetryMs`;
 * - 1.5 times the slowest recent repair (a peak that decays by 1/8 per sample): repairs come in a
 *   few samples per second and vary tenfold when the sender is busy, too few for RTTVAR to follow;
 * - the backed-off wait: every retry round doubles it, a clean sample clears it (Karn), so a
 *   sender slower than every estimate is still asked once per round, not once per tick.
 *
 * At most `nakRetryMaxMs`. Before any sample the wait is `nakRetryMs`. O(1) memory.
 */
export class RepairTime {
  private readonly rtt: RtoEstimator;
  private readonly maxMs: number;
  private peakMs = 0;
  private backoffMs = 0;

  constructor(o: Pick<ResolvedReceiverOptions, 'nakRetryMs' | 'nakRetryMaxMs'>) {
    this.rtt = new RtoEstimator({ rtoMinMs: o.nakRetryMs, rtoInitialMs: o.nakRetryMs, rtoMaxMs: o.nakRetryMaxMs });
    this.maxMs = o.nakRetryMaxMs;
  }

  /** Whether a repair was timed yet. */
  get timed(): boolean {
    return this.rtt.samples > 0;
  }

  /** The wait after a first NAK before asking again. */
  get retryMs(): number {
    return Math.min(this.maxMs, Math.max(this.rtt.rtoMs, Math.ceil(PEAK_MARGIN * this.peakMs), this.backoffMs));
  }

  /** Missing data came back `ms` after the one NAK that asked for it. */
  onRepaired(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.rtt.onSample(ms);
    this.peakMs = Math.max(ms, this.peakMs * (1 - PEAK_DECAY));
    this.backoffMs = 0;
  }

  /** A NAK round went unanswered for the whole wait: the next ones wait twice as long. */
  onRetry(): void {
    this.backoffMs = Math.min(this.maxMs, 2 * this.retryMs);
  }
}
