import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../runtime/dispatcher.js';
import { Mailbox } from '../../../runtime/mailbox.js';

function mailbox<T>(handler: (msg: T) => void, dispatcher: Dispatcher): Mailbox<T> {
  const mb = new Mailbox<T>({ dispatcher, handler, onError: () => undefined }, 'test', 10);
  mb.open();
  return mb;
}

describe('Dispatcher', () => {
  it('yields to the event loop between turns while two actors answer each other endlessly', async () => {
    const dispatcher = new Dispatcher(100);
    let processed = 0;
    let stop = false;
    const a: Mailbox<number> = mailbox<number>((n) => {
      processed++;
      if (!stop) b.push(n + 1);
    }, dispatcher);
    const b: Mailbox<number> = mailbox<number>((n) => {
      processed++;
      if (!stop) a.push(n + 1);
    }, dispatcher);
    a.push(0);
    // If the two drained each other in microtasks, this timer would never run.
    await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    expect(processed).toBeGreaterThan(100);
    expect(dispatcher.counters.yields).toBeGreaterThan(0);
    expect(processed).toBeLessThanOrEqual(dispatcher.counters.turns * 100);
  });

  it('gives the next turn to the mailbox that waited when another one used up the budget', async () => {
    const dispatcher = new Dispatcher(4);
    const order: string[] = [];
    const x = mailbox<string>((s) => order.push(s), dispatcher);
    const y = mailbox<string>((s) => order.push(s), dispatcher);
    for (const s of ['x1', 'x2', 'x3', 'x4', 'x5']) x.push(s);
    y.push('y1');
    await Promise.resolve();
    expect(order).toEqual(['x1', 'x2', 'x3', 'x4']); // budget of 4 spent, the rest waits for setImmediate
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(order).toEqual(['x1', 'x2', 'x3', 'x4', 'y1', 'x5']);
  });
});
