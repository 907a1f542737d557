import { describe, expect, it } from 'vitest';
import { DataBatchBuilder } from '../../../codecs/data-batch.js';
import { isPooledSlab, SlabPool } from '../../../codecs/slab-pool.js';

describe('SlabPool (memory of DATA datagrams, reused once every holder gave it back)', () => {
  it('reuses a slab only after the taker and every other holder released it', () => {
    const pool = new SlabPool(4096);
    const slab = pool.take();
    const datagram = slab.subarray(100, 200);
    datagram[0] = 7;
    pool.hold(datagram); // the window
    pool.hold(datagram); // the socket
    pool.release(slab.buffer); // the taker moved on
    expect(pool.freeSlabs).toBe(0);
    pool.release(datagram.buffer);
    expect(pool.freeSlabs).toBe(0);
    expect(pool.slabsInUse).toBe(1);
    pool.release(datagram.buffer);
    expect([pool.freeSlabs, pool.slabsInUse]).toEqual([1, 0]);
    const again = pool.take();
    expect(again[100]).toBe(7); // the same memory, not cleared
    expect(pool.counters).toEqual({ created: 1, reused: 1, dropped: 0, strayReleases: 0 });
  });

  it('counts a release without a hold and ignores memory that is not its own', () => {
    const pool = new SlabPool(4096);
    const slab = pool.take();
    pool.release(slab.buffer);
    pool.release(slab.buffer);
    expect(pool.counters.strayReleases).toBe(1);
    const foreign = new Uint8Array(10);
    expect(pool.owns(foreign)).toBe(false);
    pool.hold(foreign);
    pool.release(foreign.buffer);
    expect(isPooledSlab(foreign.buffer)).toBe(false);
    // Another pool's slab is pooled memory, but not held here: a stray release.
    const other = new SlabPool(4096).take();
    expect(isPooledSlab(other.buffer)).toBe(true);
    pool.release(other.buffer);
    expect(pool.counters).toEqual({ created: 1, reused: 0, dropped: 0, strayReleases: 2 });
  });

  it('keeps at most maxFree done slabs waiting', () => {
    const pool = new SlabPool(1024, 1);
    const slabs = [pool.take(), pool.take(), pool.take()];
    for (const s of slabs) pool.release(s.buffer);
    expect(pool.freeSlabs).toBe(1);
    expect(pool.counters.dropped).toBe(2);
  });

  it('a builder cutting from the pool never hands out memory another holder still has', () => {
    const pool = new SlabPool(65_536);
    const b = new DataBatchBuilder({ sender: { name: 'p', incarnation: 1 }, maxDatagramBytes: 20_000 });
    b.useSlabPool(pool);
    const held: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      b.tryAddFields('s', seq, 0, new Uint8Array(15_000).fill(seq), 1);
      const d = b.finish();
      pool.hold(d);
      held.push(d);
      copies.push(d.slice());
      // Give back all but the last 5: their memory is reused by later datagrams.
      if (held.length > 5) pool.release(held.shift()!.buffer);
    }
    expect(pool.counters.reused).toBeGreaterThan(0);
    for (let i = 0; i < held.length; i++) expect(held[i]).toEqual(copies[copies.length - held.length + i]);
  });

  it('refuses a bad size or bound', () => {
    expect(() => new SlabPool(0)).toThrow(RangeError);
    expect(() => new SlabPool(1.5)).toThrow(RangeError);
    expect(() => new SlabPool(1024, -1)).toThrow(RangeError);
  });
});
