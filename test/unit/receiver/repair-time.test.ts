import { describe, expect, it } from 'vitest';
import { RepairTime } from '../../../actors/receiver/repair-time.js';

const o = { nakRetryMs: 50, nakRetryMaxMs: 1000 };

describe('RepairTime', () => {
  it('waits nakRetryMs before any repair was timed', () => {
    expect(new RepairTime(o).retryMs).toBe(50);
  });

  it('follows SRTT + 4 RTTVAR of the repairs, never below nakRetryMs', () => {
    const t = new RepairTime(o);
    t.onRepaired(40);
    expect(t.retryMs).toBe(120); // 40 + 4 * 20
    const fast = new RepairTime(o);
    fast.onRepaired(2);
    expect(fast.retryMs).toBe(50);
  });

  it('keeps 1.5 times a slow recent repair although fast ones followed, forgetting it slowly', () => {
    const t = new RepairTime(o);
    for (let i = 0; i < 20; i++) t.onRepaired(10);
    t.onRepaired(400);
    for (let i = 0; i < 4; i++) t.onRepaired(10);
    // The peak decayed to 400 * (7/8)^4 = 234: 1.5 times that, above what RFC 6298 alone gives.
    expect(t.retryMs).toBe(Math.ceil(1.5 * 400 * (7 / 8) ** 4));
    for (let i = 0; i < 40; i++) t.onRepaired(10);
    expect(t.retryMs).toBe(50);
  });

  it('doubles the wait per unanswered round up to nakRetryMaxMs, and a timed repair clears the backoff', () => {
    const t = new RepairTime(o);
    t.onRetry();
    expect(t.retryMs).toBe(100);
    t.onRetry();
    expect(t.retryMs).toBe(200);
    for (let i = 0; i < 10; i++) t.onRetry();
    expect(t.retryMs).toBe(1000);
    t.onRepaired(20);
    expect(t.retryMs).toBe(60); // 20 + 4 * 10
  });

  it('ignores a negative or non-finite sample', () => {
    const t = new RepairTime(o);
    t.onRepaired(-5);
    t.onRepaired(Number.NaN);
    expect(t.retryMs).toBe(50);
  });
});
