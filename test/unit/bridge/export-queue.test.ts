import { describe, expect, it } from 'vitest';
import { ExportQueue } from '../../../bridge/export-queue.js';

describe('ExportQueue', () => {
  it('keeps at most maxInFlight publishes in flight, in arrival order', () => {
    const q = new ExportQueue<string>(2, 10);
    for (const x of ['a', 'b', 'c']) q.add(x);
    const a = q.take()!;
    const b = q.take()!;
    expect([a.item, b.item]).toEqual(['a', 'b']);
    expect(q.take()).toBeUndefined();
    q.acked(a);
    expect(q.take()!.item).toBe('c');
    expect(q.inFlight).toBe(2);
    expect(q.counters.acked).toBe(1);
  });

  it('after a failure pauses, then sends the failed messages again before anything that came after them', () => {
    const q = new ExportQueue<string>(3, 10);
    for (const x of ['a', 'b', 'c', 'd']) q.add(x);
    const [a, b, c] = [q.take()!, q.take()!, q.take()!];
    expect(q.failed(c)).toBe(true);
    expect(q.failed(a)).toBe(false); // the same episode
    q.acked(b);
    expect(q.take()).toBeUndefined(); // paused
    q.resume();
    expect([q.take()!.item, q.take()!.item, q.take()!.item]).toEqual(['a', 'c', 'd']);
    expect(q.counters.retried).toBe(2);
  });

  it('while paused takes only the oldest waiting message as a probe, and stays paused until resumed', () => {
    const q = new ExportQueue<string>(3, 10);
    for (const x of ['a', 'b']) q.add(x);
    const [a, b] = [q.take()!, q.take()!];
    q.failed(b);
    q.failed(a);
    q.add('c'); // arrives while the probe is out: not sent ahead of b
    expect(q.takeProbe()!.item).toBe('a');
    expect(q.paused).toBe(true);
    expect(q.take()).toBeUndefined();
    q.resume();
    expect([q.take()!.item, q.take()!.item]).toEqual(['b', 'c']);
    expect(q.takeProbe()).toBeUndefined();
  });

  it('has no room at maxPending messages held (in flight or waiting): the bridge stops draining', () => {
    const q = new ExportQueue<number>(1, 3);
    for (let i = 0; i < 3; i++) q.add(i);
    expect(q.hasRoom()).toBe(false);
    const first = q.take()!;
    q.acked(first);
    expect(q.pending).toBe(2);
    expect(q.hasRoom()).toBe(true);
  });
});
