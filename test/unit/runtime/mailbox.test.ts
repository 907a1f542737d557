import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../runtime/dispatcher.js';
import { Mailbox } from '../../../runtime/mailbox.js';

function mailbox<T>(handler: (msg: T) => void, capacity = 100, dispatcher = new Dispatcher(1024)) {
  const errors: unknown[] = [];
  const mb = new Mailbox<T>({ dispatcher, handler, onError: (err) => errors.push(err) }, 'test', capacity);
  mb.open();
  return { mb, errors };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await settle();
}

describe('Mailbox', () => {
  it('delivers messages in the order they were pushed', async () => {
    const got: number[] = [];
    const { mb } = mailbox<number>((n) => got.push(n), 10_000);
    for (let i = 0; i < 5000; i++) mb.push(i);
    await until(() => got.length === 5000);
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('delivers asynchronously: push returns before the handler runs', async () => {
    const got: string[] = [];
    const { mb } = mailbox<string>((s) => got.push(s));
    mb.push('a');
    expect(got).toEqual([]);
    await Promise.resolve();
    expect(got).toEqual(['a']);
  });

  it('never runs the handler re-entrantly when it pushes to its own mailbox', async () => {
    let depth = 0;
    let maxDepth = 0;
    const order: number[] = [];
    const { mb } = mailbox<number>((n) => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      order.push(n);
      if (n < 3) mb.push(n + 10); // lands behind what is already queued
      depth--;
    });
    mb.push(1);
    mb.push(2);
    await settle();
    expect(maxDepth).toBe(1);
    expect(order).toEqual([1, 2, 11, 12]);
  });

  it('refuses a push beyond its capacity and tells the sender', async () => {
    const { mb } = mailbox<number>(() => undefined, 3);
    expect([mb.tryPush(1), mb.tryPush(2), mb.tryPush(3), mb.tryPush(4)]).toEqual([true, true, true, false]);
    expect(() => mb.push(5)).toThrow(expect.objectContaining({ code: 'ERR_BACKPRESSURE', name: 'BackpressureError' }));
    expect(mb.counters.rejectedFull).toBe(2);
    await mb.whenWritable(); // resolves once the handler has drained it
    expect(mb.length).toBe(0);
    expect(mb.tryPush(6)).toBe(true);
  });

  it('queues without delivering while held, and delivers the backlog once opened', async () => {
    const got: number[] = [];
    const dispatcher = new Dispatcher(1024);
    const mb = new Mailbox<number>({ dispatcher, handler: (n) => got.push(n), onError: () => undefined }, 'held', 10);
    mb.push(1);
    mb.push(2);
    await settle();
    expect(got).toEqual([]);
    mb.open();
    await settle();
    expect(got).toEqual([1, 2]);
  });

  it('refuses pushes after close and counts the messages it discarded', async () => {
    const { mb } = mailbox<number>(() => undefined);
    mb.push(1);
    mb.push(2);
    const waiting = mailbox<number>(() => undefined, 1);
    waiting.mb.hold();
    waiting.mb.push(1);
    const writable = waiting.mb.whenWritable();
    mb.close();
    waiting.mb.close();
    expect(mb.counters.discardedOnClose).toBe(2);
    expect(() => mb.push(3)).toThrow(expect.objectContaining({ code: 'ERR_PEER_CLOSED' }));
    await expect(writable).rejects.toMatchObject({ code: 'ERR_PEER_CLOSED' });
  });

  it('reports a throwing handler and goes on with the next message', async () => {
    const got: number[] = [];
    const { mb, errors } = mailbox<number>((n) => {
      if (n === 2) throw new Error('two');
      got.push(n);
    });
    for (const n of [1, 2, 3]) mb.push(n);
    await settle();
    expect(got).toEqual([1, 3]);
    expect(errors).toEqual([new Error('two')]);
    expect(mb.counters.handlerErrors).toBe(1);
  });
});
