import { describe, expect, it } from 'vitest';
import { DeliveryBacklog } from '../../../actors/app/delivery-backlog.js';
import { DurablePacing } from '../../../actors/app/durable-pacing.js';
import type { DeliveredBatch } from '../../../actors/app/events.js';
import type { PeerId } from '../../../codecs/frame.js';

const A: PeerId = { name: 'a', incarnation: 1 };
const B: PeerId = { name: 'b', incarnation: 1 };

function batch(bytes: number, ...recs: [PeerId, string, number][]): DeliveredBatch {
  return { senders: recs.map((r) => r[0]), messages: recs.map(([, subject, seq]) => ({ subject, seq, flags: 0, payload: new Uint8Array(bytes) })) };
}

/** A backlog feeding the durables' pacing core, as the peer wires them; `caps()` is what would go to the receiver. */
function rig(paceMessages: number, paceBytes?: number) {
  const pacing = new DurablePacing(paceMessages);
  const backlog = new DeliveryBacklog(() => ({ paceQueue: (id, key, sender, subject, n, oldest) => pacing.note(id, key, sender, subject, n, oldest), forgetQueue: (id) => pacing.forget(id) }), paceMessages, paceBytes);
  return { backlog, caps: () => pacing.take().map((c) => `${c.sender}/${c.subject}:${c.maxSeq ?? 'lifted'}`) };
}

const seqs = (from: number, to: number, peer = A, subject = 'x'): [PeerId, string, number][] => Array.from({ length: to - from + 1 }, (_, i) => [peer, subject, from + i]);

describe('DeliveryBacklog (deliveries waiting for a later turn pace their senders)', () => {
  it('caps a stream once paceMessages of it wait, at paceMessages beyond the oldest, moves the cap as they are taken, and lifts it at half', () => {
    const { backlog, caps } = rig(4);
    const first = batch(1, ...seqs(1, 3), [B, 'x', 7]);
    backlog.queued(first);
    expect(caps()).toEqual([]); // 3 of a/x wait, 1 of b/x
    const second = batch(1, ...seqs(4, 6));
    backlog.queued(second);
    expect(caps()).toEqual(['a/x:4']); // 6 wait, the oldest 1: capped at 1 - 1 + 4
    expect(backlog.size).toBe(2);
    backlog.taken(first);
    expect(caps()).toEqual(['a/x:7']); // 3 wait (3 * 2 > 4: still capped), the oldest 4
    backlog.taken(second);
    expect(caps()).toEqual(['a/x:lifted']);
    expect(backlog.size).toBe(0);
  });

  it('caps large messages by their bytes, a few past the oldest, long before paceMessages of them wait', () => {
    const { backlog, caps } = rig(16_384, 1000);
    backlog.queued(batch(300, ...seqs(1, 3))); // 900 bytes
    expect(caps()).toEqual([]);
    backlog.queued(batch(300, ...seqs(4, 5))); // 1,500 bytes: 3 messages' worth of 1,000
    expect(caps()).toEqual(['a/x:3']);
    backlog.taken(batch(300, ...seqs(1, 4))); // 300 bytes wait: under half
    expect(caps()).toEqual(['a/x:lifted']);
    expect(backlog.size).toBe(1);
  });

  it("shares one budget among a sender's streams: a stream waiting behind another's backlog moves its cap as that backlog is handled", () => {
    // A publisher went from subject x (1 KB) to y (10 KB) behind a busy handler. With a budget per
    // stream y stood at one cap until the handler reached it (past the stall bound: slowConsumer,
    // then dataLoss); with the sender's budget its cap climbs as x is handled.
    const { backlog, caps } = rig(100, 100_000);
    backlog.queued(batch(1000, ...seqs(1, 100, A, 'x'))); // the budget, in messages and bytes
    expect(caps()).toEqual(['a/x:100']);
    backlog.queued(batch(10_000, ...seqs(1, 20, A, 'y'))); // nothing of the budget left for y: one message
    expect(caps()).toEqual(['a/y:1']);
    backlog.taken(batch(1000, ...seqs(1, 50, A, 'x'))); // 50,000 bytes freed: 5 of y's size
    expect(caps().sort()).toEqual(['a/x:51', 'a/y:5']);
    backlog.taken(batch(1000, ...seqs(51, 100, A, 'x'))); // x done: y has the budget (10 of its size)
    expect(caps().sort()).toEqual(['a/x:lifted', 'a/y:10']);
    backlog.taken(batch(10_000, ...seqs(1, 15, A, 'y'))); // 50,000 bytes wait: half
    expect(caps()).toEqual(['a/y:lifted']);
    expect(backlog.size).toBe(1);
  });

  it("moves the cap of a stream waiting behind another's backlog as that backlog is handled, even while the sender is still past its budget (the publisher's window beyond the first stream's cap)", () => {
    // The publisher may send a window beyond a stream's cap: x overshot the budget by 30. With
    // the budget alone, y stood at one message until x was back under it: 30 messages of the
    // handler's time (with 4 MiB windows of 1 KB, 4,000 messages: at 0.5 ms each, past the stall
    // bound, and the publisher named the subscriber slowConsumer; a user-style check, 7 December).
    const { backlog, caps } = rig(100, 100_000);
    backlog.queued(batch(1000, ...seqs(1, 130, A, 'x')));
    expect(caps()).toEqual(['a/x:100']);
    backlog.queued(batch(10_000, ...seqs(1, 20, A, 'y')));
    expect(caps()).toEqual(['a/y:1']);
    backlog.taken(batch(1000, ...seqs(1, 20, A, 'x'))); // 20,000 bytes of x handled: 2 of y's size, x still 10 past the budget
    expect(caps()).toContain('a/y:2');
    backlog.taken(batch(1000, ...seqs(21, 40, A, 'x')));
    expect(caps()).toContain('a/y:4');
    // What y is given is what x freed: the sender's total stays where it was (bounded).
    backlog.queued(batch(10_000, ...seqs(21, 24, A, 'y')));
    backlog.taken(batch(1000, ...seqs(41, 50, A, 'x')));
    expect(caps()).toContain('a/y:5');
  });

  it("keeps senders' budgets apart, and moves the other streams' caps only once a share of the budget was freed", () => {
    const { backlog, caps } = rig(6400, 1 << 30);
    backlog.queued(batch(1, ...seqs(1, 6400, A, 'x')));
    backlog.queued(batch(1, ...seqs(1, 10, A, 'y')));
    backlog.queued(batch(1, ...seqs(1, 10, B, 'z'))); // another sender: its own budget, not capped
    expect(caps().sort()).toEqual(['a/x:6400', 'a/y:1']);
    backlog.taken(batch(1, ...seqs(1, 99, A, 'x'))); // 99 < 6400 / 64: only x moves
    expect(caps()).toEqual(['a/x:6489']); // 6,390 of the budget left for x, beyond its oldest (100)
    backlog.taken(batch(1, ...seqs(100, 100, A, 'x'))); // 100 freed: y moves too
    expect(caps().sort()).toEqual(['a/x:6490', 'a/y:100']);
  });

  it('does nothing with pacing off (0) or before the peer started (no pacer)', () => {
    const off = rig(0, 1);
    off.backlog.queued(batch(100, ...seqs(1, 10)));
    expect(off.caps()).toEqual([]);
    const early = new DeliveryBacklog(() => undefined, 4, 1);
    early.queued(batch(100, ...seqs(1, 10)));
    expect(early.size).toBe(1);
    early.taken(batch(100, ...seqs(1, 10)));
    expect(early.size).toBe(0);
  });
});

describe('DeliveryBacklog: a batch a slice handled part of', () => {
  it('goes back first: its first seq left is the oldest again, and the cap follows what was handled, message by message', () => {
    const { backlog, caps } = rig(4);
    const whole = batch(1, ...seqs(1, 10));
    backlog.queued(whole);
    expect(caps()).toEqual(['a/x:4']);
    // A turn takes the batch, hands 3, and the rest goes back first.
    backlog.taken(whole);
    backlog.queued(batch(1, ...seqs(4, 10)));
    expect(caps()).toEqual(['a/x:7']); // 4 - 1 + 4: before, the oldest stayed past the whole batch (11) and the cap at 14
    backlog.taken(batch(1, ...seqs(4, 10)));
    backlog.queued(batch(1, ...seqs(6, 10)));
    expect(caps()).toEqual(['a/x:9']);
  });

  it('with later batches of the stream waiting behind it too', () => {
    const { backlog, caps } = rig(4);
    const first = batch(1, ...seqs(1, 10));
    backlog.queued(first);
    backlog.queued(batch(1, ...seqs(11, 20)));
    expect(caps()).toEqual(['a/x:4']);
    backlog.taken(first); // the oldest moves past the first batch…
    backlog.queued(batch(1, ...seqs(4, 10))); // …and back to what was left of it
    expect(caps()).toEqual(['a/x:7']);
  });

  it('lifts at exactly half, by messages and by bytes; taking what was never queued changes nothing', () => {
    const { backlog, caps } = rig(4, 100);
    backlog.queued(batch(10, ...seqs(1, 4))); // 4 messages: capped
    expect(caps()).toEqual(['a/x:4']);
    backlog.taken(batch(10, ...seqs(1, 2))); // 2 left: 2 * 2 <= 4, 20 bytes: lifted
    expect(caps()).toEqual(['a/x:lifted']);
    backlog.taken(batch(10, [B, 'y', 1]));
    expect(caps()).toEqual([]);
    const bytes = rig(1000, 100);
    bytes.backlog.queued(batch(50, ...seqs(1, 2))); // 100 bytes: capped, 2 messages' worth
    expect(bytes.caps()).toEqual(['a/x:2']);
    bytes.backlog.taken(batch(50, ...seqs(1, 1))); // 50 bytes: 50 * 2 <= 100: lifted
    expect(bytes.caps()).toEqual(['a/x:lifted']);
    bytes.backlog.queued(batch(49, ...seqs(3, 3))); // 99 bytes, 2 messages: under the bound
    expect(bytes.caps()).toEqual([]);
  });
});
