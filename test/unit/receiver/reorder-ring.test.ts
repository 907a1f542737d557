import { describe, it, expect } from 'vitest';
import { ReorderRing, ReorderRingPool } from '../../../actors/receiver/reorder-ring.js';

const m = (seq: number) => ({ seq });
type Item = { seq: number };

/** Holds `seq` as item `m(seq)` at offset `seq * 10` (offsets are the ring's second value). */
function put(ring: ReorderRing<Item>, low: number, seq: number): void {
  ring.set(low, seq, m(seq), seq * 10);
}

/** What the ring holds for `seq` (undefined: a miss). */
function get(ring: ReorderRing<Item>, seq: number): { item: Item; offset: number } | undefined {
  const slot = ring.slotOf(seq);
  return slot < 0 ? undefined : { item: ring.itemAt(slot), offset: ring.offsetAt(slot) };
}

describe('ReorderRing', () => {
  it('holds, finds and gives back messages by seq, each with its offset', () => {
    const ring = new ReorderRing<Item>(4);
    put(ring, 1, 3);
    put(ring, 1, 5);
    expect(ring.size).toBe(2);
    expect(ring.has(3)).toBe(true);
    expect(ring.has(4)).toBe(false);
    expect(get(ring, 5)).toEqual({ item: m(5), offset: 50 });
    expect(ring.slotOf(4)).toBe(-1);
    ring.remove(ring.slotOf(3));
    expect(ring.has(3)).toBe(false);
    expect(ring.size).toBe(1);
  });

  it('keeps a datagram-and-offset pair per seq: one item may fill many slots', () => {
    const ring = new ReorderRing<object>(8);
    const datagram = {};
    ring.set(1, 2, datagram, 100);
    ring.set(1, 3, datagram, 140);
    ring.set(1, 4, datagram, -1);
    expect([2, 3, 4].map((s) => ring.offsetAt(ring.slotOf(s)))).toEqual([100, 140, -1]);
    expect(ring.itemAt(ring.slotOf(3))).toBe(datagram);
    expect(ring.size).toBe(3);
  });

  it('widens itself before two held seqs would share a slot, keeping what it holds', () => {
    const ring = new ReorderRing<Item>(4);
    for (const s of [2, 3, 4]) put(ring, 1, s);
    expect(ring.capacity).toBe(4);
    put(ring, 1, 6); // 6 - 1 = 5 apart: 6 & 3 would be 2's slot
    expect(ring.capacity).toBeGreaterThanOrEqual(8);
    for (const s of [2, 3, 4, 6]) expect(get(ring, s)).toEqual({ item: m(s), offset: s * 10 });
    expect(ring.has(5)).toBe(false);
    put(ring, 1, 1000);
    expect(ring.capacity).toBe(1024);
    for (const s of [2, 3, 4, 6, 1000]) expect(get(ring, s)).toEqual({ item: m(s), offset: s * 10 });
    expect(ring.size).toBe(5);
  });

  it('answers a miss, not a wrong message, for a seq that maps to a slot held by another', () => {
    const ring = new ReorderRing<Item>(8);
    put(ring, 0, 3);
    expect(ring.has(11)).toBe(false);
    expect(ring.slotOf(11)).toBe(-1);
    expect(ring.size).toBe(1);
  });

  it('indexes seqs beyond 2^32 by their low bits', () => {
    const base = 2 ** 40 + 5;
    const ring = new ReorderRing<Item>(16);
    ring.set(base, base + 1, m(base + 1), 1);
    ring.set(base, base + 15, m(base + 15), 15);
    expect(get(ring, base + 1)).toEqual({ item: m(base + 1), offset: 1 });
    expect(get(ring, base + 15)).toEqual({ item: m(base + 15), offset: 15 });
    expect(ring.has(base + 2)).toBe(false);
  });

  it('drops every message below a seq and names each with its offset', () => {
    const ring = new ReorderRing<Item>(8);
    for (const s of [2, 4, 6, 7]) put(ring, 1, s);
    const dropped: [number, number][] = [];
    ring.forEachBelow(6, (x, offset) => dropped.push([x.seq, offset]));
    expect(dropped.sort((a, b) => a[0] - b[0])).toEqual([
      [2, 20],
      [4, 40],
    ]);
    expect(ring.size).toBe(2);
    expect(ring.has(6) && ring.has(7)).toBe(true);
    expect(ring.has(2) || ring.has(4)).toBe(false);
  });
});

describe('ReorderRingPool', () => {
  it('hands back the largest emptied ring given, once, and a fresh one otherwise', () => {
    const pool = new ReorderRingPool<Item>();
    const small = pool.take();
    const big = pool.take();
    expect(big).not.toBe(small);
    put(big, 0, 5000);
    big.remove(big.slotOf(5000));
    pool.give(small);
    pool.give(big);
    expect(pool.take()).toBe(big);
    expect(pool.take()).not.toBe(big);
  });

  it('keeps no ring that still holds a message', () => {
    const pool = new ReorderRingPool<Item>();
    const r = pool.take();
    put(r, 0, 3);
    pool.give(r);
    expect(pool.take()).not.toBe(r);
  });
});
