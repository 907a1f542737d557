import { describe, it, expect, vi } from 'vitest';
import type { Peer } from '../../../actors/app/peer.js';
import { PacedPublisher, YIELD_EVERY } from '../../../cli/paced-publisher.js';

/** A stand-in for Peer.publish: records each call with the microtask "batch" it fell in. */
function fakePeer(fail?: (n: number) => boolean) {
  const calls: { subject: string; data: unknown; batch: number }[] = [];
  let batch = 0;
  let scheduled = false;
  const peer = {
    publish(subject: string, data: unknown): Promise<void> {
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(() => {
          scheduled = false;
          batch++;
        });
      }
      calls.push({ subject, data, batch });
      return fail?.(calls.length) ? Promise.reject(new Error(`publish ${calls.length} failed`)) : Promise.resolve();
    },
  };
  return { peer: peer as unknown as Peer, calls };
}

describe('PacedPublisher', () => {
  it('publishes synchronously while it may, so one microtask\'s publishes stay one batch', async () => {
    const { peer, calls } = fakePeer();
    const p = new PacedPublisher(peer, undefined, new AbortController().signal);
    for (let i = 0; i < YIELD_EVERY - 1; i++) expect(p.publish('a.b', i)).toBeUndefined();
    expect(new Set(calls.map((c) => c.batch)).size).toBe(1);
    expect(p.published).toBe(YIELD_EVERY - 1);
    await p.drained();
  });

  it('asks the caller to wait every YIELD_EVERY messages, and keeps the order', async () => {
    const { peer, calls } = fakePeer();
    const p = new PacedPublisher(peer, undefined, new AbortController().signal);
    let waits = 0;
    for (let i = 0; i < 3 * YIELD_EVERY; i++) {
      const w = p.publish('a.b', i);
      if (w !== undefined) {
        waits++;
        await w;
      }
    }
    expect(waits).toBe(2);
    expect(calls.map((c) => c.data)).toEqual([...Array(3 * YIELD_EVERY).keys()]);
  });

  it('rethrows a failed publish at the next wait', async () => {
    const { peer } = fakePeer((n) => n === 3);
    const p = new PacedPublisher(peer, undefined, new AbortController().signal);
    for (let i = 0; i < 5; i++) p.publish('a.b', i);
    await expect(p.drained()).rejects.toThrow('publish 3 failed');
  });

  it('publishes nothing more once a publish failed (the next call throws its error)', async () => {
    const { peer, calls } = fakePeer((n) => n === 2);
    const p = new PacedPublisher(peer, undefined, new AbortController().signal);
    p.publish('a.b', 1);
    p.publish('a.b', 2);
    await Promise.resolve();
    await Promise.resolve();
    expect(() => p.publish('a.b', 3)).toThrow('publish 2 failed');
    expect(calls.map((c) => c.data)).toEqual([1, 2]);
  });

  it('paces to the rate: at 1,000/s, 50 messages take about 50 ms (on a fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const { peer, calls } = fakePeer();
      const p = new PacedPublisher(peer, 1000, new AbortController().signal);
      const start = performance.now();
      const run = (async () => {
        for (let i = 0; i < 50; i++) {
          const w = p.publish('a.b', i);
          if (w !== undefined) await w;
        }
      })();
      // Advance the clock 1 ms at a time until all 50 went out: the count tells the pace.
      let steps = 0;
      while (calls.length < 50 && steps < 10_000) {
        await vi.advanceTimersByTimeAsync(1);
        steps++;
      }
      await run;
      const elapsed = performance.now() - start;
      expect(calls).toHaveLength(50);
      expect(elapsed).toBeGreaterThanOrEqual(45);
      expect(elapsed).toBeLessThanOrEqual(60);
    } finally {
      vi.useRealTimers();
    }
  });

  it('publishes nothing once stopped, even if it was waiting for a slot', async () => {
    const { peer, calls } = fakePeer();
    const stop = new AbortController();
    const p = new PacedPublisher(peer, 1, stop.signal);
    expect(p.publish('a.b', 0)).toBeUndefined();
    const w = p.publish('a.b', 1);
    expect(w).toBeInstanceOf(Promise);
    stop.abort();
    await w;
    expect(p.publish('a.b', 2)).toBeUndefined();
    expect(calls.map((c) => c.data)).toEqual([0]);
    expect(p.published).toBe(1);
  });
});
