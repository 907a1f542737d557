/**
 * A loss the receiver reports after durable subscriptions (re)opened (actors/app/durables.ts,
 * `unconfirmedThrough`): the last seq every durable subscription of the subject may have been
 * handed before it opened, which the `dataLoss` event carries as `unconfirmedToSeq`.
 */
import { describe, expect, it } from 'vitest';
import { Durables } from '../../../actors/app/durables.js';
import { Subscription } from '../../../actors/app/subscription.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';

function setup(subs: { pattern: string; name: string; handed: { sender: string; subject: string; seq: number }[] }[]): Durables {
  const ledger = { send: () => undefined, trySend: () => true, whenWritable: () => Promise.resolve() } as unknown as ActorRef<LedgerInbox>;
  const durables = new Durables(ledger, 1000, () => undefined);
  subs.forEach((s, k) => {
    const sub = new Subscription(k + 1, s.pattern, () => undefined, 1000, () => undefined, () => undefined);
    durables.open(sub, durables.check(s.name, 'manual')!);
    durables.ready(sub.id, [], s.handed);
  });
  return durables;
}

describe('Durables.unconfirmedThrough', () => {
  it('is the seq the durable subscription may have been handed before it opened, within the range', () => {
    const d = setup([{ pattern: 'o.>', name: 'a', handed: [{ sender: 'feed', subject: 'o.x', seq: 100 }] }]);
    expect(d.unconfirmedThrough('feed', 'o.x', 51, 300)).toBe(100);
    expect(d.unconfirmedThrough('feed', 'o.x', 60, 90)).toBe(90);
    expect(d.unconfirmedThrough('feed', 'o.x', 100, 300)).toBe(100);
    expect(d.unconfirmedThrough('feed', 'o.x', 101, 300)).toBeUndefined();
    // Another stream, another sender, a subject no durable subscription takes: nothing.
    expect(d.unconfirmedThrough('feed', 'o.y', 51, 300)).toBeUndefined();
    expect(d.unconfirmedThrough('other', 'o.x', 51, 300)).toBeUndefined();
    expect(d.unconfirmedThrough('feed', 'p.x', 1, 3)).toBeUndefined();
  });

  it('is what every durable subscription of the subject may have been handed', () => {
    const d = setup([
      { pattern: 'o.>', name: 'a', handed: [{ sender: 'feed', subject: 'o.x', seq: 100 }] },
      { pattern: 'o.x', name: 'b', handed: [{ sender: 'feed', subject: 'o.x', seq: 70 }] },
      { pattern: 'o.z', name: 'c', handed: [] },
    ]);
    expect(d.unconfirmedThrough('feed', 'o.x', 51, 300)).toBe(70);
    expect(d.unconfirmedThrough('feed', 'o.z', 1, 9)).toBeUndefined();
  });

  it('without durable subscriptions, nothing', () => {
    expect(setup([]).unconfirmedThrough('feed', 'o.x', 5, 6)).toBeUndefined();
  });
});
