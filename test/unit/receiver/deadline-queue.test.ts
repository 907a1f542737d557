import { describe, it, expect } from 'vitest';
import { DeadlineQueue } from '../../../actors/receiver/deadline-queue.js';

interface Item {
  name: string;
  due: number | undefined;
}

describe('DeadlineQueue', () => {
  it('returns the earliest deadline and the items due, each once', () => {
    const items: Item[] = [
      { name: 'a', due: 30 },
      { name: 'b', due: 10 },
      { name: 'c', due: 20 },
    ];
    const q = new DeadlineQueue<Item>((i) => i.due);
    for (const i of items) q.schedule(i);
    expect(q.peekMs()).toBe(10);
    expect(q.takeDue(20).map((i) => i.name)).toEqual(['b', 'c']);
    expect(q.peekMs()).toBe(30);
    expect(q.takeDue(100).map((i) => i.name)).toEqual(['a']);
    expect(q.peekMs()).toBeUndefined();
  });

  it('follows deadlines that moved later or went away', () => {
    const a: Item = { name: 'a', due: 10 };
    const b: Item = { name: 'b', due: 50 };
    const q = new DeadlineQueue<Item>((i) => i.due);
    q.schedule(a);
    q.schedule(b);
    a.due = 40;
    expect(q.peekMs()).toBe(40);
    a.due = undefined;
    expect(q.peekMs()).toBe(50);
    expect(q.takeDue(45)).toEqual([]);
    q.remove(b);
    expect(q.peekMs()).toBeUndefined();
  });

  it('moves an item earlier when rescheduled, without returning it twice', () => {
    const a: Item = { name: 'a', due: 100 };
    const q = new DeadlineQueue<Item>((i) => i.due);
    q.schedule(a);
    a.due = 5;
    q.schedule(a);
    expect(q.peekMs()).toBe(5);
    expect(q.takeDue(1000)).toEqual([a]);
  });

  it('stays bounded when deadlines keep moving earlier', () => {
    const items = Array.from({ length: 10 }, (_, k) => ({ name: String(k), due: 1_000_000 as number | undefined }));
    const q = new DeadlineQueue<Item>((i) => i.due);
    for (let round = 0; round < 10_000; round++) {
      const it = items[round % 10];
      it.due = (it.due as number) - 1;
      q.schedule(it);
    }
    expect(q.size).toBeLessThanOrEqual(2 * 10 + 1024);
    expect(q.peekMs()).toBe(1_000_000 - 1000);
  });
});
