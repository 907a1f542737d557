/**
 * `for await` over a subscription, as an application writes it: a failure reaches the waiting
 * `next()` as a rejection with the typed error (never a silent `{ done: true }`), every later
 * `next()` settles, and the loop ends on `unsubscribe()`, on the peer's close and on abort.
 * The `maxQueuedPerSubscription` overflow: the queued messages first, then the typed error.
 */
import { describe, expect, it } from 'vitest';
import { Subscription } from '../../../actors/app/subscription.js';
import { Message } from '../../../actors/app/message.js';
import { BackpressureError, PeerClosedError } from '../../../errors.js';

const msg = (seq: number) => new Message('s.t', { name: 'p', incarnation: 1 }, seq, undefined, new Uint8Array(0), 0);

function iterating(maxQueued = 10) {
  const sub = new Subscription(1, 's.>', undefined, maxQueued, () => {}, () => {});
  return { sub, it: sub[Symbol.asyncIterator]() };
}

/** Settles within a few turns, or says it is still pending. */
async function settled<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown } | 'pending'> {
  const r = await Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), new Promise<'pending'>((res) => setTimeout(() => res('pending'), 20))]);
  return r;
}

describe('subscription iterator', () => {
  it('rejects a waiting next() with the error it failed with, and ends every later next()', async () => {
    const { sub, it: iter } = iterating();
    const waiting = iter.next();
    const err = new PeerClosedError('the peer failed');
    sub.fail(err);
    expect(await settled(waiting)).toEqual({ error: err });
    expect(await settled(iter.next())).toEqual({ value: { value: undefined, done: true } });
    expect(await settled(iter.next())).toEqual({ value: { value: undefined, done: true } });
    expect(sub.isClosed).toBe(true);
  });

  it('hands over what was queued before a failure, then rejects, then ends', async () => {
    const { sub, it: iter } = iterating();
    sub.push(msg(1));
    sub.push(msg(2));
    const err = new Error('gone');
    sub.fail(err);
    expect((await iter.next()).value?.seq).toBe(1);
    expect((await iter.next()).value?.seq).toBe(2);
    expect(await settled(iter.next())).toEqual({ error: err });
    expect(await settled(iter.next())).toEqual({ value: { value: undefined, done: true } });
  });

  it('on overflow of maxQueuedPerSubscription refuses the message, delivers what it holds, then rejects with BackpressureError', async () => {
    const { sub, it: iter } = iterating(3);
    for (const seq of [1, 2, 3]) expect(sub.push(msg(seq))).toBe(true);
    expect(sub.push(msg(4))).toBe(false);
    expect(sub.overflowed).toBe(1);
    const seqs: number[] = [];
    let failure: unknown;
    try {
      for await (const m of sub) seqs.push(m.seq);
    } catch (e) {
      failure = e;
    }
    expect(seqs).toEqual([1, 2, 3]);
    expect(failure).toBeInstanceOf(BackpressureError);
    expect(await settled(iter.next())).toEqual({ value: { value: undefined, done: true } });
  });

  it('ends a waiting next() on unsubscribe()', async () => {
    const { sub, it: iter } = iterating();
    const waiting = iter.next();
    sub.unsubscribe();
    expect(await settled(waiting)).toEqual({ value: { value: undefined, done: true } });
  });

  it('a for-await loop ends when the loop body breaks, and the subscription is closed', async () => {
    const { sub } = iterating();
    sub.push(msg(1));
    sub.push(msg(2));
    for await (const m of sub) if (m.seq === 1) break;
    expect(sub.isClosed).toBe(true);
  });
});
