import { describe, it, expect } from 'vitest';
import { LatencyHistogram } from '../../../cli/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('reports 0 for everything while empty', () => {
    const h = new LatencyHistogram();
    expect([h.count, h.meanUs, h.percentileUs(50), h.maxValueUs, h.minValueUs]).toEqual([0, 0, 0, 0, 0]);
  });

  it('gives percentiles within 1/16 of the true value over a wide range', () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100_000; v++) h.record(v);
    for (const p of [50, 90, 99, 99.9]) {
      const truth = (p / 100) * 100_000;
      expect(Math.abs(h.percentileUs(p) - truth) / truth, `p${p}`).toBeLessThanOrEqual(1 / 16);
    }
    expect(h.count).toBe(100_000);
    expect(h.meanUs).toBeCloseTo(50_000.5, 5);
    expect(h.maxValueUs).toBe(100_000);
    expect(h.percentileUs(100)).toBe(100_000);
  });

  it('resolves values below 16 µs to the microsecond (the upper edge of a 1 µs bucket)', () => {
    const h = new LatencyHistogram();
    for (const v of [3, 3, 3.5, 9]) h.record(v);
    expect(h.percentileUs(50)).toBe(4);
    expect(h.percentileUs(100)).toBe(9);
    expect(h.minValueUs).toBe(3);
  });

  it('counts negative and NaN samples as 0 and keeps huge ones in its last bucket', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(Number.NaN);
    h.record(1e15);
    expect(h.count).toBe(3);
    expect(h.minValueUs).toBe(0);
    expect(h.percentileUs(50)).toBe(1); // the [0, 1) bucket
    expect(h.percentileUs(100)).toBe(1e15);
  });
});
