/**
 * A loss the receiver reports after durable subscriptions (re)opened (actors/app/durables.ts,
 * `lossParts`): the seqs every durable subscription of the subject may have been handed before
 * it opened are `'unconfirmed'`, the rest keeps the receiver's reason.
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

describe('Durables.lossParts', () => {
  it('splits at the seq the durable subscription was handed before it opened', () => {
    const d = setup([{ pattern: 'o.>', name: 'a', handed: [{ sender: 'feed', subject: 'o.x', seq: 100 }] }]);
    expect(d.lossParts('feed', 'o.x', 51, 300, 'unavailable')).toEqual([
      { from: 51, to: 100, reason: 'unconfirmed' },
      { from: 101, to: 300, reason: 'unavailable' },
    ]);
    expect(d.lossParts('feed', 'o.x', 60, 90, 'senderLeft')).toEqual([{ from: 60, to: 90, reason: 'unconfirmed' }]);
    expect(d.lossParts('feed', 'o.x', 101, 300, 'unavailable')).toEqual([{ from: 101, to: 300, reason: 'unavailable' }]);
    // Another stream, another sender, a subject no durable subscription takes: as the receiver said.
    expect(d.lossParts('feed', 'o.y', 51, 300, 'unavailable')).toEqual([{ from: 51, to: 300, reason: 'unavailable' }]);
    expect(d.lossParts('other', 'o.x', 51, 300, 'timeout')).toEqual([{ from: 51, to: 300, reason: 'timeout' }]);
    expect(d.lossParts('feed', 'p.x', 1, 3, 'unavailable')).toEqual([{ from: 1, to: 3, reason: 'unavailable' }]);
  });

  it('says unconfirmed only of what every durable subscription of the subject may have been handed', () => {
    const d = setup([
      { pattern: 'o.>', name: 'a', handed: [{ sender: 'feed', subject: 'o.x', seq: 100 }] },
      { pattern: 'o.x', name: 'b', handed: [{ sender: 'feed', subject: 'o.x', seq: 70 }] },
      { pattern: 'o.z', name: 'c', handed: [] },
    ]);
    expect(d.lossParts('feed', 'o.x', 51, 300, 'unavailable')).toEqual([
      { from: 51, to: 70, reason: 'unconfirmed' },
      { from: 71, to: 300, reason: 'unavailable' },
    ]);
    expect(d.lossParts('feed', 'o.z', 1, 9, 'unavailable')).toEqual([{ from: 1, to: 9, reason: 'unavailable' }]);
  });

  it('without durable subscriptions, one part as the receiver said', () => {
    expect(setup([]).lossParts('feed', 'o.x', 5, 6, 'unavailable')).toEqual([{ from: 5, to: 6, reason: 'unavailable' }]);
  });
});
