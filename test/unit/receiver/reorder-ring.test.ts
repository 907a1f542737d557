import { describe, it, expect } from 'vitest';
import { ReorderRing, ReorderRingPool } from '../../../actors/receiver/reorder-ring.js';

const m = (seq: number) => ({ seq });

describe('ReorderRing', () => {
  it('holds, finds and gives back messages by seq', () => {
    const ring = new ReorderRing<{ seq: number }>(4);
    ring.set(1, m(3));
    ring.set(1, m(5));
    expect(ring.size).toBe(2);
    expect(ring.has(3)).toBe(true);
    expect(ring.has(4)).toBe(false);
    expect(ring.get(5)).toEqual(m(5));
    expect(ring.take(4)).toBeUndefined();
    expect(ring.take(3)).toEqual(m(3));
    expect(ring.has(3)).toBe(false);
    expect(ring.size).toBe(1);
  });

  it('widens itself before two held seqs would share a slot, keeping what it holds', () => {
    const ring = new ReorderRing<{ seq: number }>(4);
    for (const s of [2, 3, 4]) ring.set(1, m(s));
    expect(ring.capacity).toBe(4);
    ring.set(1, m(6)); // 6 - 1 = 5 apart: 6 & 3 would be 2's slot
    expect(ring.capacity).toBeGreaterThanOrEqual(8);
    for (const s of [2, 3, 4, 6]) expect(ring.get(s)).toEqual(m(s));
    expect(ring.has(5)).toBe(false);
    ring.set(1, m(1000));
    expect(ring.capacity).toBe(1024);
    for (const s of [2, 3, 4, 6, 1000]) expect(ring.has(s)).toBe(true);
    expect(ring.size).toBe(5);
  });

  it('answers a miss, not a wrong message, for a seq that maps to a slot held by another', () => {
    const ring = new ReorderRing<{ seq: number }>(8);
    ring.set(0, m(3));
    expect(ring.has(11)).toBe(false);
    expect(ring.get(11)).toBeUndefined();
    expect(ring.take(11)).toBeUndefined();
    expect(ring.size).toBe(1);
  });

  it('indexes seqs beyond 2^32 by their low bits', () => {
    const base = 2 ** 40 + 5;
    const ring = new ReorderRing<{ seq: number }>(16);
    ring.set(base, m(base + 1));
    ring.set(base, m(base + 15));
    expect(ring.get(base + 1)).toEqual(m(base + 1));
    expect(ring.get(base + 15)).toEqual(m(base + 15));
    expect(ring.has(base + 2)).toBe(false);
  });

  it('drops every message below a seq and names each', () => {
    const ring = new ReorderRing<{ seq: number }>(8);
    for (const s of [2, 4, 6, 7]) ring.set(1, m(s));
    const dropped: number[] = [];
    ring.forEachBelow(6, (x) => dropped.push(x.seq));
    expect(dropped.sort((a, b) => a - b)).toEqual([2, 4]);
    expect(ring.size).toBe(2);
    expect(ring.has(6) && ring.has(7)).toBe(true);
  });
});

describe('ReorderRingPool', () => {
  it('hands back the largest emptied ring given, once, and a fresh one otherwise', () => {
    const pool = new ReorderRingPool<{ seq: number }>();
    const small = pool.take();
    const big = pool.take();
    expect(big).not.toBe(small);
    big.set(0, m(5000));
    big.take(5000);
    pool.give(small);
    pool.give(big);
    expect(pool.take()).toBe(big);
    expect(pool.take()).not.toBe(big);
  });

  it('keeps no ring that still holds a message', () => {
    const pool = new ReorderRingPool<{ seq: number }>();
    const r = pool.take();
    r.set(0, m(3));
    pool.give(r);
    expect(pool.take()).not.toBe(r);
  });
});
