/**
 * What a subscription does with its handler's outcome: a throw or a rejection becomes a
 * HandlerError for the peer's 'error' event and later messages are still delivered; a message
 * is settled (auto-ack confirms there) only once its handler returned or its promise fulfilled.
 * And `respond()` never throws: false when there is no reply subject.
 */
import { describe, expect, it } from 'vitest';
import { Subscription } from '../../../actors/app/subscription.js';
import { Message } from '../../../actors/app/message.js';
import { HandlerError } from '../../../errors.js';

const msg = (seq: number, replyTo?: string, replyVia?: (subject: string, data: unknown) => Promise<boolean>) =>
  new Message('orders.eu', { name: 'p', incarnation: 1 }, seq, replyTo, new Uint8Array(0), 0, replyVia);

const tick = () => new Promise((r) => setTimeout(r, 0));

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('subscription handler outcomes', () => {
  it('a handler that throws reports a HandlerError naming the subscription and message, and the next messages are still delivered', () => {
    const seen: number[] = [];
    const errors: unknown[] = [];
    const settled: number[] = [];
    const boom = new Error('boom');
    const sub = new Subscription(7, 'orders.>', (m) => {
      seen.push(m.seq);
      if (m.seq === 2) throw boom;
    }, 10, () => {}, (e) => errors.push(e), (m) => settled.push(m.seq));
    for (const seq of [1, 2, 3]) expect(sub.push(msg(seq))).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    expect(settled).toEqual([1, 3]); // the failed message is not settled (auto-ack: not confirmed)
    expect(errors).toHaveLength(1);
    const err = errors[0] as HandlerError;
    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ code: 'ERR_HANDLER', name: 'HandlerError', pattern: 'orders.>', subscriptionId: 7, subject: 'orders.eu', sender: 'p', seq: 2 });
    expect(err.cause).toBe(boom);
    expect(err.message).toContain('orders.>');
    expect(err.message).toContain('orders.eu#2');
    expect(err.message).toContain('boom');
  });

  it('a handler whose promise rejects reports a HandlerError with the rejection as cause, and its message is never settled', async () => {
    const errors: unknown[] = [];
    const settled: number[] = [];
    const sub = new Subscription(1, 'orders.>', async (m) => {
      await tick();
      if (m.seq === 1) throw new Error('async boom');
    }, 10, () => {}, (e) => errors.push(e), (m) => settled.push(m.seq));
    sub.push(msg(1));
    sub.push(msg(2));
    await tick();
    await tick();
    expect(settled).toEqual([2]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_HANDLER', seq: 1 });
    expect(((errors[0] as HandlerError).cause as Error).message).toBe('async boom');
  });

  it('an async handler\'s message is settled only once its promise fulfilled', async () => {
    const settled: number[] = [];
    const gates = new Map<number, ReturnType<typeof deferred>>();
    const sub = new Subscription(1, 's', (m) => {
      const d = deferred();
      gates.set(m.seq, d);
      return d.promise;
    }, 10, () => {}, () => {}, (m) => settled.push(m.seq));
    sub.push(msg(1));
    sub.push(msg(2));
    await tick();
    expect(settled).toEqual([]); // both handlers still running
    gates.get(2)!.resolve();
    await tick();
    expect(settled).toEqual([2]);
    gates.get(1)!.resolve();
    await tick();
    expect(settled).toEqual([2, 1]);
  });
});

describe('msg.respond', () => {
  it('resolves false, without throwing or publishing, when the message has no reply subject', async () => {
    let published = 0;
    const m = msg(1, undefined, async () => (published++, true));
    expect(m.replyTo).toBeUndefined();
    await expect(m.respond({ rate: 1.08 })).resolves.toBe(false);
    await expect(msg(2).respond(1)).resolves.toBe(false); // no reply path at all
    expect(published).toBe(0);
  });

  it('resolves true once the reply to replyTo was sent', async () => {
    const sent: [string, unknown][] = [];
    const m = msg(1, '_INBOX.c.1.1', async (subject, data) => (sent.push([subject, data]), true));
    await expect(m.respond({ rate: 1.08 })).resolves.toBe(true);
    expect(sent).toEqual([['_INBOX.c.1.1', { rate: 1.08 }]]);
  });
});
