import { describe, expect, it } from 'vitest';
import { RestartHolds } from '../../../actors/flow/restart-holds.js';

const inc = (name: string, incarnation: number) => ({ name, incarnation });

describe('RestartHolds', () => {
  it("holds a restarted receiver's earlier incarnation until its new incarnation reports", () => {
    const h = new RestartHolds();
    const old = inc('sub', 1);
    expect(h.hold(old, 2000)).toBeUndefined();
    expect(h.size).toBe(1);
    // The old incarnation's own late report does not end the hold.
    expect(h.onReport(old)).toBeUndefined();
    // Another receiver's report does not either.
    expect(h.onReport(inc('other', 7))).toBeUndefined();
    expect(h.onReport(inc('sub', 2))).toEqual(old);
    expect(h.size).toBe(0);
    expect(h.nextDueMs()).toBeUndefined();
  });

  it('ends a hold at its time, not before, and says when the earliest ends', () => {
    const h = new RestartHolds();
    h.hold(inc('a', 1), 2000);
    h.hold(inc('b', 1), 1500);
    expect(h.nextDueMs()).toBe(1500);
    expect(h.releaseDue(1499)).toEqual([]);
    expect(h.releaseDue(1500)).toEqual([inc('b', 1)]);
    expect(h.nextDueMs()).toBe(2000);
    expect(h.releaseDue(5000)).toEqual([inc('a', 1)]);
    expect(h.size).toBe(0);
  });

  it('a second restart under the same name returns the first held incarnation when it leaves', () => {
    const h = new RestartHolds();
    h.hold(inc('sub', 1), 2000);
    // Incarnation 2 leaves (restarted again) before it reported: 1 is no longer waited for.
    expect(h.onLeft(inc('sub', 2))).toEqual(inc('sub', 1));
    expect(h.size).toBe(0);
    h.hold(inc('sub', 2), 3000);
    // The held incarnation leaving again is not another one to remove.
    expect(h.onLeft(inc('sub', 2))).toBeUndefined();
    expect(h.onLeft(inc('nobody', 1))).toBeUndefined();
  });

  it('is bounded: past its size the oldest hold ends and is returned', () => {
    const h = new RestartHolds(3);
    for (let i = 0; i < 3; i++) expect(h.hold(inc(`r${i}`, 1), 1000 + i)).toBeUndefined();
    expect(h.hold(inc('r3', 1), 5000)).toEqual(inc('r0', 1));
    expect(h.size).toBe(3);
    // Renewing a held name does not evict another.
    expect(h.hold(inc('r1', 1), 6000)).toBeUndefined();
    expect(h.size).toBe(3);
  });
});
