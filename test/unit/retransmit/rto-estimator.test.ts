import { describe, it, expect } from 'vitest';
import { RtoEstimator } from '../../../actors/retransmit/rto-estimator.js';
import { DEFAULT_RETRANSMIT_OPTIONS, resolveRetransmitOptions } from '../../../actors/retransmit/options.js';

describe('RtoEstimator', () => {
  it('starts at rtoInitialMs with no smoothed RTT', () => {
    const e = new RtoEstimator();
    expect(e.rtoMs).toBe(DEFAULT_RETRANSMIT_OPTIONS.rtoInitialMs);
    expect(e.srttMs).toBeUndefined();
    expect(e.rttvarMs).toBeUndefined();
  });

  it('takes SRTT = R and RTTVAR = R/2 from the first sample (RFC 6298 2.2)', () => {
    const e = new RtoEstimator(resolveRetransmitOptions({ rtoMinMs: 1 }));
    e.onSample(40);
    expect(e.srttMs).toBe(40);
    expect(e.rttvarMs).toBe(20);
    expect(e.rtoMs).toBe(40 + 4 * 20);
  });

  it('blends later samples with gains 1/8 and 1/4 (RFC 6298 2.3)', () => {
    const e = new RtoEstimator(resolveRetransmitOptions({ rtoMinMs: 1 }));
    e.onSample(40);
    e.onSample(80);
    expect(e.rttvarMs).toBeCloseTo(0.75 * 20 + 0.25 * 40);
    expect(e.srttMs).toBeCloseTo(0.875 * 40 + 0.125 * 80);
    expect(e.rtoMs).toBeCloseTo(e.srttMs! + 4 * e.rttvarMs!);
  });

  it('converges to a steady round-trip time with RTO approaching SRTT', () => {
    const e = new RtoEstimator(resolveRetransmitOptions({ rtoMinMs: 1 }));
    for (let i = 0; i < 200; i++) e.onSample(30 + (i % 2)); // 30, 31, 30, 31, …
    expect(e.srttMs!).toBeGreaterThan(30);
    expect(e.srttMs!).toBeLessThan(31);
    expect(e.rtoMs).toBeLessThan(35);
    expect(e.samples).toBe(200);
  });

  it('clamps the RTO to rtoMinMs on loopback-fast samples', () => {
    const e = new RtoEstimator();
    for (let i = 0; i < 50; i++) e.onSample(0.05);
    expect(e.rtoMs).toBe(DEFAULT_RETRANSMIT_OPTIONS.rtoMinMs);
  });

  it('clamps the RTO to rtoMaxMs on huge samples', () => {
    const e = new RtoEstimator();
    e.onSample(60_000);
    expect(e.rtoMs).toBe(DEFAULT_RETRANSMIT_OPTIONS.rtoMaxMs);
  });

  it('ignores negative and non-finite samples', () => {
    const e = new RtoEstimator();
    e.onSample(-5);
    e.onSample(Number.NaN);
    e.onSample(Number.POSITIVE_INFINITY);
    expect(e.samples).toBe(0);
    expect(e.rtoMs).toBe(DEFAULT_RETRANSMIT_OPTIONS.rtoInitialMs);
  });

  it('doubles the RTO on a timeout up to rtoMaxMs, and the next valid sample recomputes it (Karn)', () => {
    const e = new RtoEstimator();
    e.onSample(20); // rto = 20 + 40 = 60
    expect(e.rtoMs).toBe(60);
    e.onTimeout();
    expect(e.rtoMs).toBe(120);
    for (let i = 0; i < 10; i++) e.onTimeout();
    expect(e.rtoMs).toBe(DEFAULT_RETRANSMIT_OPTIONS.rtoMaxMs);
    e.onSample(20);
    expect(e.rtoMs).toBeLessThan(100);
  });

  it('forgets everything on reset', () => {
    const e = new RtoEstimator();
    e.onSample(500);
    e.reset();
    expect(e.rtoMs).toBe(DEFAULT_RETRANSMIT_OPTIONS.rtoInitialMs);
    expect(e.srttMs).toBeUndefined();
    expect(e.samples).toBe(0);
  });
});
