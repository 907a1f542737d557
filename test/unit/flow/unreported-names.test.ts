import { describe, expect, it } from 'vitest';
import { UnreportedNames } from '../../../actors/flow/unreported-names.js';

describe('UnreportedNames: names whose incarnations left the window without ever reporting', () => {
  it('a new incarnation takes over the earliest registration and any exclusion of the name', () => {
    const u = new UnreportedNames();
    u.left('ghost', 1000, false);
    u.left('ghost', 3000, true);
    expect(u.takenOver(4000, 'ghost')).toEqual({ sinceMs: 1000, excluded: true });
    expect(u.takenOver(4000, 'other')).toBeUndefined();
  });

  it('forgets a name once it reports (a live receiver), and after memoryMs from its first registration', () => {
    const u = new UnreportedNames(10, 60_000);
    u.left('sub', 0, true);
    u.reported('sub');
    expect(u.takenOver(1, 'sub')).toBeUndefined();
    u.left('ghost', 0, true);
    expect(u.takenOver(60_000, 'ghost')).toBeDefined();
    expect(u.takenOver(60_001, 'ghost')).toBeUndefined();
    expect(u.size).toBe(0);
  });

  it('keeps at most max names, forgetting the oldest', () => {
    const u = new UnreportedNames(2);
    u.left('a', 0, false);
    u.left('b', 0, false);
    u.left('c', 0, false);
    expect([u.takenOver(1, 'a'), u.takenOver(1, 'b'), u.takenOver(1, 'c')].map((x) => x !== undefined)).toEqual([false, true, true]);
  });

  it('an incarnation left out is what makes the next one excluded, none other; the memory runs on real clocks', () => {
    const u = new UnreportedNames(10, 60_000);
    const t0 = 5_000_000; // performance.now() of a process up for over an hour
    u.left('ghost', t0, false);
    u.left('ghost', t0 + 1000, false);
    expect(u.takenOver(t0 + 2000, 'ghost')).toEqual({ sinceMs: t0, excluded: false });
    expect(u.takenOver(t0 + 60_001, 'ghost')).toBeUndefined();
  });
});
