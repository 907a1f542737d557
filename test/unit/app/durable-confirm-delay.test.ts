/**
 * `durableConfirmDelayMs`: the positions durable subscriptions confirmed, and the marks of what
 * they were handed, go to the ledger as one `confirmed` message per microtask (0, the default),
 * or at most one per delay, holding everything confirmed in it; closing sends what waits.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../../actors/app/delivery.js';
import { Durables } from '../../../actors/app/durables.js';
import type { WireMessage } from '../../../codecs/frame.js';
import type { Message } from '../../../actors/app/message.js';
import { Subscription } from '../../../actors/app/subscription.js';
import type { LedgerInbox } from '../../../actors/ledger/messages.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';

const sender = { name: 'feed', incarnation: 1 };
const rec = (seq: number): WireMessage => ({ subject: 'orders.eu', seq, flags: 0, payload: new Uint8Array([seq]) });

function setup(confirmDelayMs: number) {
  const sent: LedgerInbox[] = [];
  const ledger = { send: (m: LedgerInbox) => void sent.push(m), trySend: (m: LedgerInbox) => (sent.push(m), true), whenWritable: () => Promise.resolve() } as unknown as ActorRef<LedgerInbox>;
  const durables = new Durables(ledger, 1000, () => undefined, undefined, confirmDelayMs);
  const delivery = new Delivery(durables, () => Promise.resolve(false), () => undefined);
  const got: Message[] = [];
  const sub = new Subscription(1, 'orders.>', (m: Message) => void got.push(m), 1000, () => undefined, () => undefined);
  durables.open(sub, durables.check('export', 'manual')!);
  durables.ready(sub.id, []);
  delivery.add(sub);
  sent.length = 0; // the durableOpened
  /** Delivers `seqs` in one batch and acknowledges them. */
  const turn = (...seqs: number[]): void => {
    delivery.deliver({ senders: seqs.map(() => sender), messages: seqs.map(rec) });
    for (const m of got.splice(0)) m.ack();
  };
  const confirmed = (): Array<{ positions: number[]; handed: number[] }> =>
    sent.map((m) => (m.kind === 'confirmed' ? { positions: m.positions.map((p) => p.seq), handed: (m.handed ?? []).map((p) => p.seq) } : { positions: [], handed: [] }));
  return { durables, turn, confirmed, sent };
}

/** Lets the microtasks queued so far run (fake timers leave queueMicrotask alone). */
const microtasks = () => Promise.resolve().then(() => undefined);

describe('durable confirmations to the ledger', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('go once per turn, in the microtask after the acknowledgement, by default (after the handed mark the messages waited for)', async () => {
    const { durables, turn, confirmed, sent } = setup(0);
    turn(1, 2);
    await microtasks();
    const mark = sent.at(-1);
    expect(mark?.kind === 'confirmed' && mark.markToken).toBe(1);
    durables.marked(1); // the ledger committed the mark: 1 and 2 are handed, and acknowledged
    turn();
    await microtasks();
    turn(3);
    await microtasks();
    durables.marked(2);
    turn();
    await microtasks();
    expect(confirmed()).toEqual([
      { positions: [], handed: [2] },
      { positions: [2], handed: [] },
      { positions: [], handed: [3] },
      { positions: [3], handed: [] },
    ]);
  });

  it('with a delay, go as one message once the delay after the first change passed, holding every turn in it', async () => {
    const { turn, confirmed } = setup(50);
    turn(1, 2);
    await microtasks();
    vi.advanceTimersByTime(30);
    turn(3, 4);
    await microtasks();
    expect(confirmed()).toEqual([]);
    vi.advanceTimersByTime(19);
    expect(confirmed()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(confirmed()).toEqual([{ positions: [4], handed: [] }]);
    // The next change starts a new delay.
    turn(5);
    await microtasks();
    vi.advanceTimersByTime(49);
    expect(confirmed()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(confirmed()[1]).toEqual({ positions: [5], handed: [] });
  });

  it('with a delay, carry the handed marks of messages not acknowledged yet', async () => {
    const { durables, confirmed } = setup(50);
    const sub = new Subscription(2, 'k.>', () => undefined, 1000, () => undefined, () => undefined);
    durables.open(sub, durables.check('other', 'manual')!);
    durables.ready(sub.id, []);
    const d = durables.of(2)!;
    durables.messageFor(d, sender, { subject: 'k.a', seq: 7, flags: 0, payload: new Uint8Array(0) }, () => Promise.resolve(false));
    await microtasks();
    vi.advanceTimersByTime(50);
    expect(confirmed().at(-1)).toEqual({ positions: [], handed: [7] });
  });

  it('with a delay, are sent at once by sendConfirmations (closing), and no timer fires after', async () => {
    const { durables, turn, confirmed } = setup(50);
    turn(1);
    await microtasks();
    durables.sendConfirmations();
    expect(confirmed()).toEqual([{ positions: [1], handed: [] }]);
    vi.advanceTimersByTime(100);
    expect(confirmed()).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
