import { describe, it, expect } from 'vitest';
import { GapList } from '../../../actors/receiver/gap-list.js';

const view = (g: GapList) => g.all.map((x) => [x.from, x.to, x.lost ?? '-']);

describe('GapList', () => {
  it('chops appended ranges to the NAK span and fills seqs by splitting', () => {
    const g = new GapList();
    g.appendMissing(1, 10, 5, 4);
    expect(view(g)).toEqual([
      [1, 4, '-'],
      [5, 8, '-'],
      [9, 10, '-'],
    ]);
    expect(g.fill(6)).toBe(true);
    expect(g.fill(6)).toBe(false);
    expect(g.fill(1)).toBe(true);
    expect(g.fill(10)).toBe(true);
    expect(view(g)).toEqual([
      [2, 4, '-'],
      [5, 5, '-'],
      [7, 8, '-'],
      [9, 9, '-'],
    ]);
    expect(g.all.every((x) => x.dueMs === 5)).toBe(true);
  });

  it('marks a span lost across ranges, keeping the parts outside and earlier reasons', () => {
    const g = new GapList();
    g.appendMissing(1, 3, 0, 100);
    g.appendMissing(5, 9, 0, 100);
    g.appendLost(10, 12, 'timeout');
    g.markLost(2, 11, 'unavailable');
    expect(view(g)).toEqual([
      [1, 1, '-'],
      [2, 3, 'unavailable'],
      [5, 9, 'unavailable'],
      [10, 12, 'timeout'],
    ]);
  });

  it('takes contiguous lost ranges of one reason at the front in one piece', () => {
    const g = new GapList();
    g.appendLost(1, 2, 'unavailable');
    g.appendLost(3, 4, 'unavailable');
    g.appendLost(5, 5, 'timeout');
    g.appendMissing(6, 6, 0, 10);
    expect(g.takeLostAt(2)).toBeUndefined();
    expect(g.takeLostAt(1)).toEqual({ from: 1, to: 4, reason: 'unavailable' });
    expect(g.takeLostAt(5)).toEqual({ from: 5, to: 5, reason: 'timeout' });
    expect(g.takeLostAt(6)).toBeUndefined();
    expect(g.takeLostAt(6, 'senderLeft')).toEqual({ from: 6, to: 6, reason: 'senderLeft' });
    expect(g.length).toBe(0);
  });

  it('forgets what is below a seq', () => {
    const g = new GapList();
    g.appendMissing(1, 3, 0, 10);
    g.appendMissing(5, 9, 0, 10);
    g.removeBelow(7);
    expect(view(g)).toEqual([[7, 9, '-']]);
  });

  it('handles ranges near the largest safe integer in O(ranges)', () => {
    const g = new GapList();
    g.appendLost(1, Number.MAX_SAFE_INTEGER - 1, 'unavailable');
    g.markLost(1, Number.MAX_SAFE_INTEGER, 'timeout');
    expect(g.has(2 ** 52)).toBe(true);
    expect(g.fill(2 ** 52)).toBe(true);
    expect(g.length).toBe(2);
  });
});

describe('GapList: membership, splitting and forgetting', () => {
  it('says which seqs are missing, below, inside, between and above its ranges', () => {
    const g = new GapList();
    expect(g.has(1)).toBe(false);
    expect(g.fill(1)).toBe(false);
    g.appendMissing(3, 4, 0, 100);
    g.appendMissing(8, 9, 0, 100);
    expect([1, 2, 3, 4, 5, 7, 8, 9, 10].map((s) => g.has(s))).toEqual([false, false, true, true, false, false, true, true, false]);
    expect(g.fill(2)).toBe(false);
    expect(g.first()).toMatchObject({ from: 3, to: 4 });
  });

  it('splits a range not yet NAKed after a seq, and leaves NAKed, lost and ending ranges whole', () => {
    const g = new GapList();
    g.splitAfter(5); // nothing to split
    g.appendMissing(1, 6, 0, 100);
    g.splitAfter(3);
    expect(view(g)).toEqual([
      [1, 3, '-'],
      [4, 6, '-'],
    ]);
    g.splitAfter(6); // ends there
    g.splitAfter(0); // below every range
    expect(view(g)).toHaveLength(2);
    g.all[1].naksSent = 1;
    g.splitAfter(4);
    expect(view(g)).toHaveLength(2);
    g.appendLost(7, 9, 'unavailable');
    g.splitAfter(8);
    expect(view(g)).toEqual([
      [1, 3, '-'],
      [4, 6, '-'],
      [7, 9, 'unavailable'],
    ]);
  });

  it('removeBelow cuts into the range that holds the seq, and clear forgets everything', () => {
    const g = new GapList();
    g.appendMissing(1, 2, 0, 100);
    g.appendMissing(5, 9, 0, 100);
    g.removeBelow(2);
    expect(view(g)).toEqual([
      [2, 2, '-'],
      [5, 9, '-'],
    ]);
    g.removeBelow(7);
    expect(view(g)).toEqual([[7, 9, '-']]);
    g.removeBelow(7);
    expect(view(g)).toEqual([[7, 9, '-']]);
    g.clear();
    expect(g.length).toBe(0);
    expect(g.has(8)).toBe(false);
  });

  it('marking lost a span that touches no range changes nothing', () => {
    const g = new GapList();
    g.appendMissing(5, 6, 0, 100);
    g.markLost(1, 3, 'timeout');
    g.markLost(8, 9, 'timeout');
    expect(view(g)).toEqual([[5, 6, '-']]);
  });
});
