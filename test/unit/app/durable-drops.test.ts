/**
 * A durable subscription full of unconfirmed messages (`maxQueuedPerSubscription`) drops what
 * comes: the subscription is told at the drop (`watchDrops`), before any later message of the
 * stream is handed, while the `dataLoss` event comes later, gathered into runs. The zone bridge's
 * exporter stops there: the later messages must not be stored ahead of the dropped ones.
 */
import { describe, expect, it } from 'vitest';
import { Delivery } from '../../../actors/app/delivery.js';
import { Durables } from '../../../actors/app/durables.js';
import type { PeerId, WireMessage } from '../../../codecs/frame.js';
import type { Message } from '../../../actors/app/message.js';
import { Subscription } from '../../../actors/app/subscription.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';

const sender = { name: 'feed', incarnation: 1 };
const rec = (seq: number): WireMessage => ({ subject: 'orders.eu', seq, flags: 0, payload: new Uint8Array([seq]) });

describe('a durable subscription at maxQueuedPerSubscription unconfirmed', () => {
  it('tells its watcher of each dropped message at the drop, before the next message of the stream is handed', async () => {
    const ledger = { send: () => undefined, trySend: () => true, whenWritable: () => Promise.resolve() } as unknown as ActorRef<LedgerInbox>;
    const overflows: number[] = [];
    const durables = new Durables(ledger, 2, (_s: PeerId, r: WireMessage) => void overflows.push(r.seq), undefined, 0);
    const delivery = new Delivery(durables, () => Promise.resolve(false), () => undefined);
    const seen: string[] = [];
    const got: Message[] = [];
    const sub = new Subscription(1, 'orders.>', (m: Message) => void (seen.push(`handed ${m.seq}`), got.push(m)), 2, () => undefined, () => undefined);
    sub.watchDrops((subject, from, seq) => seen.push(`dropped ${subject} ${from} ${seq}`));
    durables.open(sub, durables.check('export', 'manual')!);
    durables.ready(sub.id, []);
    delivery.add(sub);
    const deliver = (...seqs: number[]) => delivery.deliver({ senders: seqs.map(() => sender), messages: seqs.map(rec) });
    /** Lets the ledger "commit" every mark asked so far, handing what waited for it. */
    const commitMarks = async () => {
      await Promise.resolve();
      for (let t = 1; t < 20; t++) durables.marked(t);
    };

    deliver(1, 2, 3);
    await commitMarks();
    // Dropped as it was taken; 1 and 2 waited for their mark in the ledger.
    expect(seen).toEqual(['dropped orders.eu feed 3', 'handed 1', 'handed 2']);
    got.shift()!.ack(); // room for one more
    deliver(4);
    await commitMarks();
    expect(seen).toEqual(['dropped orders.eu feed 3', 'handed 1', 'handed 2', 'handed 4']);
    expect(overflows).toEqual([3]);
  });
});
