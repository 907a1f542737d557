/**
 * Summary statistics for benchmark samples (re-exported by harness.mjs; children import it directly).
 */

/** Median, min, max, mean of the finite numbers in `samples`. */
export function stats(samples) {
  const xs = Array.from(samples ?? []).filter((x) => typeof x === 'number' && Number.isFinite(x));
  xs.sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return { n: 0, median: NaN, min: NaN, max: NaN, mean: NaN };
  const median = n % 2 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
  return { n, median, min: xs[0], max: xs[n - 1], mean: xs.reduce((a, b) => a + b, 0) / n };
}

/** Nearest-rank percentiles. Keys: p50, p90, p99, p999 (= 99.9), ... */
export function percentiles(values, ps = [50, 90, 99, 99.9]) {
  const xs = Float64Array.from(values ?? []).filter((x) => Number.isFinite(x));
  xs.sort();
  const n = xs.length;
  const out = { count: n, min: n ? xs[0] : NaN, max: n ? xs[n - 1] : NaN, mean: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i];
  out.mean = n ? sum / n : NaN;
  for (const p of ps) {
    const key = `p${String(p).replace('.', '')}`;
    out[key] = n ? xs[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))] : NaN;
  }
  return out;
}
