import { describe, it, expect } from 'vitest';
import { Subscription } from '../../../actors/app/subscription.js';
import { Message } from '../../../actors/app/message.js';

const msg = (seq: number, ack?: () => void) =>
  new Message('s', { name: 'p', incarnation: 1 }, seq, undefined, new Uint8Array(0), 0, undefined, ack);

describe('durable confirmation hooks', () => {
  it('settles a message once its handler returned, and not when the handler threw (it is delivered again after a restart)', () => {
    const settled: number[] = [];
    const errors: unknown[] = [];
    const sub = new Subscription(1, 's', (m) => {
      if (m.seq === 2) throw new Error('boom');
    }, 10, () => {}, (e) => errors.push(e), (m) => settled.push(m.seq));
    sub.push(msg(1));
    sub.push(msg(2));
    sub.push(msg(3));
    expect(settled).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });

  it('settles an iterated message only when the loop asks for the next one', async () => {
    const settled: number[] = [];
    const sub = new Subscription(1, 's', undefined, 10, () => {}, () => {}, (m) => settled.push(m.seq));
    sub.push(msg(1));
    sub.push(msg(2));
    const it = sub[Symbol.asyncIterator]();
    expect((await it.next()).value?.seq).toBe(1);
    expect(settled).toEqual([]); // the loop body is still working on 1
    expect((await it.next()).value?.seq).toBe(2);
    expect(settled).toEqual([1]);
    const waiting = it.next();
    expect(settled).toEqual([1, 2]);
    sub.push(msg(3)); // handed straight to the waiting loop
    expect((await waiting).value?.seq).toBe(3);
    expect(settled).toEqual([1, 2]);
  });

  it('acknowledges a message once, and ignores ack() on a message with nothing to acknowledge', () => {
    let acks = 0;
    const m = msg(1, () => acks++);
    m.ack();
    m.ack();
    expect(acks).toBe(1);
    expect(() => msg(2).ack()).not.toThrow();
  });
});
