/**
 * A fixed-size latency histogram for `ledgecast bench`. Pure and bounded: log-linear buckets
 * (16 per power of two, so a reported percentile is within ~4.5% of the true value) from 1 µs to
 * ~1 h, whatever the number of samples.
 */
const SUB_BUCKETS = 16;
const MAGNITUDES = 32; // 2^32 µs ≈ 71 min: anything slower lands in the last bucket

export class LatencyHistogram {
  private readonly counts = new Float64Array(MAGNITUDES * SUB_BUCKETS);
  private n = 0;
  private sumUs = 0;
  private maxUs = 0;
  private minUs = Number.POSITIVE_INFINITY;

  /** Records one latency in microseconds (negative and NaN count as 0). */
  record(us: number): void {
    const v = Number.isFinite(us) && us > 0 ? us : 0;
    this.counts[bucketOf(v)]++;
    this.n++;
    this.sumUs += v;
    if (v > this.maxUs) this.maxUs = v;
    if (v < this.minUs) this.minUs = v;
  }

  /** Samples recorded. */
  get count(): number {
    return this.n;
  }

  /** Mean of the samples, µs (exact, not bucketed). */
  get meanUs(): number {
    return this.n === 0 ? 0 : this.sumUs / this.n;
  }

  /** Largest sample, µs (exact). */
  get maxValueUs(): number {
    return this.maxUs;
  }

  /** Smallest sample, µs (exact; 0 when empty). */
  get minValueUs(): number {
    return this.n === 0 ? 0 : this.minUs;
  }

  /**
   * The value at percentile `p` (0..100), as the upper edge of its bucket, clamped to the
   * recorded min and max. 0 when empty.
   */
  percentileUs(p: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.n));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b];
      if (seen >= rank) {
        // The last bucket has no upper edge: it holds everything slower.
        if (b === this.counts.length - 1) return this.maxUs;
        return Math.min(this.maxUs, Math.max(this.minUs, upperEdgeOf(b)));
      }
    }
    return this.maxUs;
  }
}

/** Bucket of a value: values below 16 µs get a bucket each; above, 16 per power of two. */
function bucketOf(us: number): number {
  const v = Math.floor(us);
  if (v < SUB_BUCKETS) return v;
  const magnitude = Math.floor(Math.log2(v)) - 3; // 16..31 → 1, 32..63 → 2, …
  if (magnitude >= MAGNITUDES) return MAGNITUDES * SUB_BUCKETS - 1;
  const base = 2 ** (magnitude + 3);
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor(((v - base) / base) * SUB_BUCKETS));
  return magnitude * SUB_BUCKETS + sub;
}

function upperEdgeOf(bucket: number): number {
  const magnitude = Math.floor(bucket / SUB_BUCKETS);
  const sub = bucket % SUB_BUCKETS;
  if (magnitude === 0) return sub + 1;
  const base = 2 ** (magnitude + 3);
  return base + ((sub + 1) * base) / SUB_BUCKETS;
}
