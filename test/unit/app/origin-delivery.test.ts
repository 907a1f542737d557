/**
 * Delivery of messages a zone bridge imported: the origin marker becomes `msg.origin`, and a
 * message the bridge publishes again (after its restart) reaches no subscription twice, while
 * durable subscriptions still confirm it (their positions in the bridge's stream move on).
 */
import { describe, expect, it } from 'vitest';
import { Delivery } from '../../../actors/app/delivery.js';
import { Durables } from '../../../actors/app/durables.js';
import type { DeliveredBatch } from '../../../actors/app/events.js';
import type { WireMessage } from '../../../codecs/frame.js';
import type { Message } from '../../../actors/app/message.js';
import { encodeOriginMarker } from '../../../actors/app/origin.js';
import { Subscription } from '../../../actors/app/subscription.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';

const origin = { zone: 'paris', sender: 'feed', incarnation: 9, seq: 41 };
const bridge = { name: 'bridge-lyon', incarnation: 3 };
const rec = (seq: number, originSeq: number): WireMessage => ({
  subject: 'orders.eu',
  seq,
  flags: 0,
  replyTo: encodeOriginMarker({ ...origin, seq: originSeq }),
  payload: new Uint8Array([seq]),
});

/** The bridge's messages as one delivered batch. */
const fromBridge = (...messages: WireMessage[]): DeliveredBatch => ({ senders: messages.map(() => bridge), messages });

function setup() {
  const sent: LedgerInbox[] = [];
  // Answers handed marks at once, as a ledger that committed them (durables.ts, marks first).
  const take = (m: LedgerInbox): void => {
    sent.push(m);
    if (m.kind === 'confirmed' && m.markToken !== undefined) durables.marked(m.markToken);
  };
  const ledger = { send: take, trySend: (m: LedgerInbox) => (take(m), true), whenWritable: () => Promise.resolve() } as unknown as ActorRef<LedgerInbox>;
  const durables: Durables = new Durables(ledger, 1000, () => undefined);
  const delivery = new Delivery(durables, () => Promise.resolve(false), () => undefined);
  let nextId = 1;
  const subscribe = (handler: (m: Message) => void, durable?: string) => {
    const sub = new Subscription(nextId++, 'orders.>', handler, 1000, () => undefined, () => undefined);
    if (durable !== undefined) {
      durables.open(sub, durables.check(durable, 'manual')!);
      durables.ready(sub.id, []);
    }
    delivery.add(sub);
    return sub;
  };
  return { sent, delivery, subscribe };
}

describe('imported messages on delivery', () => {
  it('carry msg.origin and no replyTo, and reach a subscription once when the bridge publishes them again', () => {
    const { delivery, subscribe } = setup();
    const got: Message[] = [];
    subscribe((m) => got.push(m));
    delivery.deliver(fromBridge(rec(1, 41), rec(2, 42)));
    delivery.deliver(fromBridge(rec(3, 42), rec(4, 43))); // a restarted bridge re-publishes 42
    expect(got.map((m) => [m.seq, m.origin?.seq])).toEqual([
      [1, 41],
      [2, 42],
      [4, 43],
    ]);
    expect(got[0].origin).toEqual(origin);
    expect(got[0].replyTo).toBeUndefined();
    expect(delivery.originDedup.duplicates).toBe(1);
  });

  it('a durable subscription confirms a repeat it never sees, so its position in the bridge stream moves past it', async () => {
    const { sent, delivery, subscribe } = setup();
    const got: Message[] = [];
    subscribe((m) => {
      got.push(m);
      m.ack();
    }, 'billing');
    delivery.deliver(fromBridge(rec(1, 41), rec(2, 41), rec(3, 42)));
    await new Promise((resolve) => setTimeout(resolve, 0)); // the mark, then the confirmation
    expect(got.map((m) => m.seq)).toEqual([1, 3]);
    const confirmed = sent.filter((m) => m.kind === 'confirmed').flatMap((m) => (m.kind === 'confirmed' ? m.positions : []));
    expect(confirmed.at(-1)).toMatchObject({ durable: 'billing', sender: 'bridge-lyon', subject: 'orders.eu', seq: 3 });
  });

  it('leaves a reply subject that is not an origin marker as it is', () => {
    const { delivery, subscribe } = setup();
    const got: Message[] = [];
    subscribe((m) => got.push(m));
    delivery.deliver(fromBridge({ ...rec(1, 1), replyTo: '_INBOX.x.1' }));
    expect(got[0].replyTo).toBe('_INBOX.x.1');
    expect(got[0].origin).toBeUndefined();
  });
});
