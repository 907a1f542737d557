import { describe, expect, it } from 'vitest';
import { OrderedAcks } from '../../../bridge/ordered-acks.js';

describe('OrderedAcks', () => {
  it('gives the newest entry of the done run from the oldest, never past one not done', () => {
    const a = new OrderedAcks<string>();
    const t1 = a.add('m1', false);
    a.add('m2', true); // filtered: nothing to do
    const t3 = a.add('m3', false);
    expect(a.takeAckable()).toBeUndefined();
    a.complete(t3);
    expect(a.takeAckable()).toBeUndefined(); // m1 still publishing
    a.complete(t1);
    expect(a.takeAckable()).toBe('m3');
    expect(a.takeAckable()).toBeUndefined();
    expect(a.notDone).toBe(0);
  });

  it('keeps tickets valid across compaction of a long run', () => {
    const a = new OrderedAcks<number>();
    const tickets: number[] = [];
    for (let i = 0; i < 5000; i++) tickets.push(a.add(i, false));
    for (let i = 0; i < 3000; i++) a.complete(tickets[i]);
    expect(a.takeAckable()).toBe(2999);
    for (let i = 3000; i < 5000; i++) a.complete(tickets[i]);
    expect(a.takeAckable()).toBe(4999);
    expect(a.notDone).toBe(0);
  });

  it('says how many entries a run covers', () => {
    const a = new OrderedAcks<string>();
    const t1 = a.add('m1', false);
    a.add('m2', true);
    expect(a.takeRun()).toBeUndefined();
    a.complete(t1);
    expect(a.takeRun()).toEqual({ item: 'm2', count: 2 });
    expect(a.takeRun()).toBeUndefined();
  });
});
