import { describe, expect, it } from 'vitest';
import { PauseGuard } from '../../../actors/membership/pause-guard.js';

describe('PauseGuard: decisions on silence wait after a pause of this thread', () => {
  it('holds from a firing lateMs or more past its deadline, also for firings inside the hold; the first firing after it decides', () => {
    const g = new PauseGuard(500, 1500);
    expect(g.holds(1499, 1000)).toBe(false); // 499 ms late: on time enough
    expect(g.holds(1500, 1000)).toBe(true); // exactly 500 ms late: a pause
    expect(g.holdUntilMs).toBe(3000);
    expect(g.holds(2000, 2000)).toBe(true); // on time, but inside the hold
    expect(g.holds(3000, 2000)).toBe(false); // the hold is over: this one decides, late or not
    expect(g.holdUntilMs).toBeUndefined();
    expect(g.pauses).toBe(1);
  });

  it('holds nothing without a deadline', () => {
    const g = new PauseGuard(500, 1500);
    expect(g.holds(10_000, undefined)).toBe(false);
    expect(g.pauses).toBe(0);
  });
});
