import { describe, it, expect } from 'vitest';
import { RepeatSuppressor } from '../../../actors/retransmit/repeat-suppressor.js';

const r = (from: number, to: number) => ({ from, to });

describe('RepeatSuppressor', () => {
  it('suppresses a multicast-served range for every asker until it expires', () => {
    const s = new RepeatSuppressor(100);
    s.record('a', undefined, [r(5, 9)], 20);
    expect(s.filter(10, 'a', 'p#1', [r(1, 10)])).toEqual({ kept: [r(1, 4), r(10, 10)], suppressed: 5 });
    expect(s.filter(10, 'b', 'p#1', [r(1, 10)])).toEqual({ kept: [r(1, 10)], suppressed: 0 });
    expect(s.filter(20, 'a', 'p#1', [r(1, 10)]).suppressed).toBe(0);
  });

  it('suppresses a unicast-served range only for that asker', () => {
    const s = new RepeatSuppressor(100);
    s.record('a', 'p#1', [r(5, 9)], 20);
    expect(s.filter(10, 'a', 'p#1', [r(5, 5)]).suppressed).toBe(1);
    expect(s.filter(10, 'a', 'q#1', [r(5, 5)]).suppressed).toBe(0);
  });

  it('forgets expired entries on prune and the oldest beyond its bound', () => {
    const s = new RepeatSuppressor(3);
    s.record('a', undefined, [r(1, 1), r(3, 3)], 10);
    s.record('b', undefined, [r(1, 1), r(3, 3)], 20);
    expect(s.size).toBe(3);
    expect(s.filter(0, 'a', 'p#1', [r(1, 1)]).suppressed).toBe(0); // oldest forgotten
    expect(s.filter(0, 'a', 'p#1', [r(3, 3)]).suppressed).toBe(1);
    s.prune(10);
    expect(s.size).toBe(2);
    s.prune(20);
    expect(s.size).toBe(0);
  });

  it('stays bounded under many records', () => {
    const s = new RepeatSuppressor(50);
    for (let i = 0; i < 10_000; i++) s.record(`s${i % 7}`, `p#${i}`, [r(i, i)], i + 20);
    expect(s.size).toBe(50);
  });
});
