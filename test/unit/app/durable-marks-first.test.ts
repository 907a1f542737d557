/**
 * Marks first (actors/app/durables.ts): a durable subscription hands a message to the application
 * only once the ledger committed its stream's handed mark at or above the message's seq, so a
 * message handed before a crash always comes again with `redelivered` set. Messages wait in
 * order; a mark asks at most 8,192 seqs beyond the committed one (what a crash may mark without
 * having handed); with `durableConfirmDelayMs` set, nothing waits.
 */
import { describe, expect, it } from 'vitest';
import { Delivery } from '../../../actors/app/delivery.js';
import { Durables } from '../../../actors/app/durables.js';
import type { WireMessage } from '../../../codecs/frame.js';
import type { Message } from '../../../actors/app/message.js';
import { Subscription } from '../../../actors/app/subscription.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';

const feed = { name: 'feed', incarnation: 1 };
const rec = (subject: string, seq: number): WireMessage => ({ subject, seq, flags: 0, payload: new Uint8Array([seq & 255]) });

function setup(confirmDelayMs = 0, handedBefore: { sender: string; subject: string; seq: number }[] = []) {
  const sent: LedgerInbox[] = [];
  const ledger = { send: (m: LedgerInbox) => void sent.push(m), trySend: (m: LedgerInbox) => (sent.push(m), true), whenWritable: () => Promise.resolve() } as unknown as ActorRef<LedgerInbox>;
  const durables = new Durables(ledger, 100_000, () => undefined, undefined, confirmDelayMs);
  const delivery = new Delivery(durables, () => Promise.resolve(false), () => undefined);
  const got: Message[] = [];
  const sub = new Subscription(1, 'o.>', (m: Message) => void got.push(m), 100_000, () => undefined, () => undefined);
  durables.open(sub, durables.check('billing', 'manual')!);
  durables.ready(sub.id, [], handedBefore);
  delivery.add(sub);
  sent.length = 0;
  const deliver = (...records: WireMessage[]) => delivery.deliver({ senders: records.map(() => feed), messages: records });
  /** The marks asked of the ledger so far: token and `subject:seq` of each. */
  const marks = () =>
    sent.flatMap((m) => (m.kind === 'confirmed' && m.markToken !== undefined ? [{ token: m.markToken, handed: (m.handed ?? []).map((p) => `${p.subject}:${p.seq}`) }] : []));
  return { durables, delivery, deliver, got, marks, sent };
}

const microtasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('durable subscription, marks first', () => {
  it('hands nothing until the ledger committed the mark, then every message in order, unmarked', async () => {
    const { durables, delivery, deliver, got, marks } = setup();
    deliver(rec('o.a', 1), rec('o.b', 1), rec('o.a', 2));
    expect(got).toEqual([]);
    expect(delivery.delivered).toBe(3);
    expect(durables.awaitingMark).toBe(3);
    await microtasks();
    expect(marks()).toEqual([{ token: 1, handed: ['o.a:2', 'o.b:1'] }]);
    deliver(rec('o.a', 3)); // beyond the mark asked: waits behind the others, with a mark of its own
    await microtasks();
    expect(marks()[1]).toEqual({ token: 2, handed: ['o.a:3'] });
    durables.marked(2); // answered first: it covers o.a up to 3, but o.b 1 waits for mark 1, and what follows it
    expect(got.map((m) => `${m.subject}:${m.seq}`)).toEqual(['o.a:1']);
    durables.marked(1);
    expect(got.map((m) => `${m.subject}:${m.seq}`)).toEqual(['o.a:1', 'o.b:1', 'o.a:2', 'o.a:3']);
    expect(got.every((m) => !m.redelivered)).toBe(true);
    expect(durables.awaitingMark).toBe(0);
    // Up to the committed mark, the next ones go at once.
    durables.marked(99); // unknown token: ignored
    deliver(rec('o.b', 2));
    expect(got).toHaveLength(4);
    await microtasks();
    durables.marked(3);
    expect(got.map((m) => m.seq)).toEqual([1, 1, 2, 3, 2]);
  });

  it('hands at once, marked redelivered, what the subscription was handed before it opened', () => {
    const { deliver, got, marks } = setup(0, [{ sender: 'feed', subject: 'o.a', seq: 5 }]);
    deliver(rec('o.a', 4), rec('o.a', 5));
    expect(got.map((m) => [m.seq, m.redelivered])).toEqual([
      [4, true],
      [5, true],
    ]);
    deliver(rec('o.a', 6));
    expect(got).toHaveLength(2);
    expect(marks()).toEqual([]); // asked in the next microtask
  });

  it('asks at most 8,192 beyond the committed mark, and the next mark before handing what one released', async () => {
    const { durables, deliver, got, marks } = setup();
    deliver(...Array.from({ length: 20_000 }, (_, i) => rec('o.a', i + 1)));
    await microtasks();
    expect(marks()).toEqual([{ token: 1, handed: ['o.a:8192'] }]);
    durables.marked(1);
    expect(got).toHaveLength(8192);
    expect(marks()[1]).toEqual({ token: 2, handed: ['o.a:16384'] });
    durables.marked(2);
    expect(marks()[2]).toEqual({ token: 3, handed: ['o.a:20000'] });
    durables.marked(3);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    await microtasks();
    expect(marks()).toHaveLength(3);
  });

  it('a stream that starts again at low seqs behind held messages stalls nothing: the held ones still get their mark', async () => {
    const { durables, deliver, got, marks } = setup();
    deliver(...Array.from({ length: 9000 }, (_, i) => rec('o.a', i + 1)));
    await microtasks();
    deliver(rec('o.a', 1), rec('o.a', 2)); // the sender restarted without a ledger
    await microtasks();
    expect(marks()).toEqual([{ token: 1, handed: ['o.a:8192'] }]);
    durables.marked(1);
    expect(marks()[1]).toEqual({ token: 2, handed: ['o.a:9000'] });
    durables.marked(2);
    expect(got).toHaveLength(9002);
    expect(got.slice(-3).map((m) => m.seq)).toEqual([9000, 1, 2]);
    expect(durables.awaitingMark).toBe(0);
  });

  it('an unsubscribed durable subscription is handed nothing its mark releases later', async () => {
    const { durables, deliver, got } = setup();
    deliver(rec('o.a', 1));
    await microtasks();
    expect(durables.release(1)).toBe(true);
    durables.marked(1);
    expect(got).toEqual([]);
    expect(durables.awaitingMark).toBe(0);
  });

  it('with durableConfirmDelayMs set, hands at once (the marks lag)', () => {
    const { deliver, got, durables } = setup(50);
    deliver(rec('o.a', 1), rec('o.a', 2));
    expect(got.map((m) => m.seq)).toEqual([1, 2]);
    expect(durables.awaitingMark).toBe(0);
    durables.close();
  });
});
