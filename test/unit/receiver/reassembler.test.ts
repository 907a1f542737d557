import { describe, it, expect } from 'vitest';
import { MESSAGE_FLAGS } from '../../../codecs/frame.js';
import { BufferBudget } from '../../../actors/receiver/buffer-budget.js';
import { FRAGMENT_OVERHEAD_BYTES as O, Reassembler } from '../../../actors/receiver/reassembler.js';
import { bytes, fragment, msg } from './helpers.js';

function setup(opts: { maxMessageBytes?: number; budget?: BufferBudget } = {}) {
  const counters = { messagesReassembled: 0, fragmentsReceived: 0, duplicateFragments: 0, inconsistentFragments: 0, fragmentsBufferFull: 0 };
  const budget = opts.budget ?? new BufferBudget();
  const r = new Reassembler({ budget, counters }, { maxMessageBytes: opts.maxMessageBytes ?? 1000 });
  return { r, counters, budget };
}

describe('Reassembler', () => {
  it('completes a message from its fragments in any order, under the message seq, with its flags and replyTo', () => {
    const { r, counters, budget } = setup();
    const opts = { flags: MESSAGE_FLAGS.msgpack, replyTo: 'x' };
    expect(r.push(fragment(4, 2, 3, { ...opts, payload: bytes(5) }))).toEqual({ kind: 'held' });
    expect(r.push(fragment(4, 0, 3, { ...opts, payload: bytes(1, 2) }))).toEqual({ kind: 'held' });
    expect(budget.bytes).toBe(3 + 2 * O);
    expect(r.has(4)).toBe(true);
    expect(r.push(fragment(4, 1, 3, { ...opts, payload: bytes(3, 4) }))).toEqual({
      kind: 'completed',
      message: { subject: 's', seq: 4, flags: MESSAGE_FLAGS.msgpack, replyTo: 'x', payload: bytes(1, 2, 3, 4, 5) },
    });
    expect(r.has(4)).toBe(false);
    expect(budget.bytes).toBe(0);
    expect(budget.messages).toBe(0);
    expect(counters.messagesReassembled).toBe(1);
  });

  it('keeps the messages of several seqs apart', () => {
    const { r } = setup();
    r.push(fragment(1, 0, 2, { payload: bytes(1) }));
    r.push(fragment(2, 0, 2, { payload: bytes(2) }));
    expect(r.push(fragment(2, 1, 2, { payload: bytes(3) }))).toMatchObject({ kind: 'completed', message: { seq: 2, payload: bytes(2, 3) } });
    expect(r.push(fragment(1, 1, 2, { payload: bytes(4) }))).toMatchObject({ kind: 'completed', message: { seq: 1, payload: bytes(1, 4) } });
  });

  it('drops a fragment already held, and one that disagrees with its message', () => {
    const { r, counters } = setup();
    r.push(fragment(1, 0, 4, { payload: bytes(1, 1) }));
    expect(r.push(fragment(1, 0, 4, { payload: bytes(1, 1) }))).toEqual({ kind: 'duplicate' });
    expect(r.push(fragment(1, 1, 5, { payload: bytes(2, 2) }))).toEqual({ kind: 'inconsistent' }); // other count
    expect(r.push(fragment(1, 1, 4, { payload: bytes(2, 2), flags: MESSAGE_FLAGS.msgpack }))).toEqual({ kind: 'inconsistent' });
    expect(r.push(fragment(1, 1, 4, { payload: bytes(2, 2), replyTo: 'r' }))).toEqual({ kind: 'inconsistent' });
    expect(r.push(fragment(1, 1, 4, { payload: bytes(2) }))).toEqual({ kind: 'inconsistent' }); // not the fragment size
    expect(r.push(fragment(1, 3, 4, { payload: bytes(2, 2, 2) }))).toEqual({ kind: 'inconsistent' }); // last larger
    expect(r.push(msg(1))).toEqual({ kind: 'inconsistent' }); // not a fragment
    expect(counters.duplicateFragments).toBe(1);
    expect(counters.inconsistentFragments).toBe(6);
  });

  it('lists the missing fragments of a message held in part, at most maxRanges ranges', () => {
    const { r } = setup();
    expect(r.missing(7, 10)).toBeUndefined();
    for (const i of [1, 2, 5, 9]) r.push(fragment(7, i, 12, { payload: bytes(i) }));
    expect(r.missing(7, 10)).toEqual([
      { seq: 7, fromFrag: 0, toFrag: 0 },
      { seq: 7, fromFrag: 3, toFrag: 4 },
      { seq: 7, fromFrag: 6, toFrag: 8 },
      { seq: 7, fromFrag: 10, toFrag: 11 },
    ]);
    expect(r.missing(7, 2)).toEqual([
      { seq: 7, fromFrag: 0, toFrag: 0 },
      { seq: 7, fromFrag: 3, toFrag: 4 },
    ]);
  });

  it('rewrites a NAK: a message held in part leaves the whole ranges and is asked for by its missing fragments', () => {
    const { r } = setup();
    r.push(fragment(5, 0, 3, { payload: bytes(1) }));
    r.push(fragment(8, 1, 3, { payload: bytes(1) }));
    r.push(fragment(20, 1, 3, { payload: bytes(1) })); // not in the NAK: untouched
    expect(r.refineNak([{ from: 3, to: 5 }, { from: 8, to: 10 }], 64)).toEqual({
      ranges: [{ from: 3, to: 4 }, { from: 9, to: 10 }],
      fragments: [
        { seq: 5, fromFrag: 1, toFrag: 2 },
        { seq: 8, fromFrag: 0, toFrag: 0 },
        { seq: 8, fromFrag: 2, toFrag: 2 },
      ],
    });
    expect(r.refineNak([{ from: 8, to: 8 }], 1)).toEqual({ ranges: [], fragments: [{ seq: 8, fromFrag: 0, toFrag: 0 }] });
    expect(r.refineNak([{ from: 1, to: 2 }], 64)).toEqual({ ranges: [{ from: 1, to: 2 }], fragments: [] });
  });

  it('accepts a message of exactly maxMessageBytes and refuses one byte more, as soon as its sizes show it', () => {
    const { r } = setup({ maxMessageBytes: 10 });
    r.push(fragment(1, 0, 3, { payload: bytes(1, 2, 3, 4) }));
    r.push(fragment(1, 1, 3, { payload: bytes(5, 6, 7, 8) }));
    expect(r.push(fragment(1, 2, 3, { payload: bytes(9, 10) }))).toMatchObject({ kind: 'completed', message: { payload: bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) } });
    const other = setup({ maxMessageBytes: 10 });
    other.r.push(fragment(2, 0, 3, { payload: bytes(1, 2, 3, 4) }));
    expect(other.r.push(fragment(2, 2, 3, { payload: bytes(9, 10, 11) }))).toEqual({ kind: 'tooLarge' });
    expect(other.budget.bytes).toBe(0); // what was held of it is released
    expect(other.r.push(fragment(2, 1, 3, { payload: bytes(5, 6, 7, 8) }))).toEqual({ kind: 'duplicate' }); // refused for good
    // A fragment count the first fragment's size already rules out.
    expect(setup({ maxMessageBytes: 10 }).r.push(fragment(3, 0, 4, { payload: bytes(1, 2, 3, 4) }))).toEqual({ kind: 'tooLarge' });
  });

  it('holds fragments in the shared budget; the next message may take the room of later ones', () => {
    const budget = new BufferBudget(4 + O);
    const { r, counters } = setup({ budget });
    r.push(fragment(9, 0, 2, { payload: bytes(1, 2, 3) }));
    expect(r.push(fragment(5, 0, 2, { payload: bytes(1, 2) }))).toEqual({ kind: 'bufferFull' });
    expect(counters.fragmentsBufferFull).toBe(1);
    expect(r.push(fragment(5, 0, 2, { payload: bytes(1, 2) }), true)).toEqual({ kind: 'held' });
    expect(r.has(9)).toBe(false);
    expect(budget.bytes).toBe(2 + O);
  });

  it('charges each held fragment its bookkeeping, so tiny fragments cannot outgrow the budget', () => {
    const budget = new BufferBudget(10 * (1 + O));
    const { r } = setup({ budget, maxMessageBytes: 1_000_000 });
    let held = 0;
    for (let i = 0; i < 1000; i++) if (r.push(fragment(1, i, 100_000, { payload: bytes(1) })).kind === 'held') held++;
    expect(held).toBe(10);
  });

  it('forgets what the stream passed, and everything on clear', () => {
    const { r, budget } = setup();
    r.push(fragment(3, 0, 2, { payload: bytes(1) }));
    r.push(fragment(6, 0, 2, { payload: bytes(1) }));
    r.dropBelow(4);
    expect(r.has(3)).toBe(false);
    expect(r.has(6)).toBe(true);
    expect(budget.bytes).toBe(1 + O);
    r.clear();
    expect(r.size).toBe(0);
    expect(budget.bytes).toBe(0);
  });
});

describe('Reassembler: hostile fragments and bookkeeping', () => {
  it('refuses a fragment whose address or shape is impossible, holding nothing of it', () => {
    const { r, counters, budget } = setup();
    const base = fragment(1, 0, 2, { payload: bytes(1) });
    const bad = [
      { ...base, flags: 0 }, // fragment fields without the fragment flag
      { ...base, fragCount: 1 }, // a message of one fragment is not fragmented
      { ...base, fragIndex: -1 },
      { ...base, fragIndex: 2 }, // index == count
      { ...base, fragIndex: 0.5 },
      { ...base, fragCount: 2.5 },
      { ...base, payload: new Uint8Array(0) }, // an empty fragment
    ];
    for (const m of bad) expect(r.push(m)).toEqual({ kind: 'inconsistent' });
    expect(counters.inconsistentFragments).toBe(bad.length);
    expect(counters.fragmentsReceived).toBe(0);
    expect(r.size).toBe(0);
    expect(budget.bytes).toBe(0);
    // The last index is fine.
    expect(r.push(fragment(1, 1, 2, { payload: bytes(1) }))).toEqual({ kind: 'held' });
    expect(counters.fragmentsReceived).toBe(1);
  });

  it('checks the sizes of fragments arriving in any order: middles equal, the last no larger', () => {
    const { r } = setup();
    expect(r.push(fragment(1, 3, 4, { payload: bytes(9) }))).toEqual({ kind: 'held' }); // last first
    expect(r.push(fragment(1, 1, 4, { payload: bytes(1, 1) }))).toEqual({ kind: 'held' });
    expect(r.push(fragment(1, 2, 4, { payload: bytes(2, 2, 2) }))).toEqual({ kind: 'inconsistent' });
    expect(r.push(fragment(1, 2, 4, { payload: bytes(2, 2) }))).toEqual({ kind: 'held' });
    expect(r.push(fragment(1, 0, 4, { payload: bytes(0, 0) }))).toMatchObject({ kind: 'completed', message: { payload: bytes(0, 0, 1, 1, 2, 2, 9) } });
    // A last fragment larger than a middle one seen before it.
    const other = setup();
    other.r.push(fragment(2, 1, 3, { payload: bytes(1, 1) }));
    expect(other.r.push(fragment(2, 2, 3, { payload: bytes(2, 2, 2) }))).toEqual({ kind: 'inconsistent' });
  });

  it('lists the missing fragments whatever order the held ones came in', () => {
    const { r } = setup();
    for (const i of [4, 1, 2]) r.push(fragment(7, i, 6, { payload: bytes(i) }));
    expect(r.missing(7, 10)).toEqual([
      { seq: 7, fromFrag: 0, toFrag: 0 },
      { seq: 7, fromFrag: 3, toFrag: 3 },
      { seq: 7, fromFrag: 5, toFrag: 5 },
    ]);
  });

  it('rewrites a NAK over messages held in part whatever order they began in, within the fragment-range bound', () => {
    const { r } = setup();
    r.push(fragment(8, 0, 3, { payload: bytes(1) }));
    r.push(fragment(4, 1, 3, { payload: bytes(1) }));
    r.push(fragment(2, 0, 2, { payload: bytes(1) }));
    expect(r.refineNak([{ from: 1, to: 5 }, { from: 7, to: 9 }], 10)).toEqual({
      ranges: [
        { from: 1, to: 1 },
        { from: 3, to: 3 },
        { from: 5, to: 5 },
        { from: 7, to: 7 },
        { from: 9, to: 9 },
      ],
      fragments: [
        { seq: 2, fromFrag: 1, toFrag: 1 },
        { seq: 4, fromFrag: 0, toFrag: 0 },
        { seq: 4, fromFrag: 2, toFrag: 2 },
        { seq: 8, fromFrag: 1, toFrag: 2 },
      ],
    });
    // At most 2 fragment ranges: the rest are asked for next time, the whole ranges still all.
    const bounded = r.refineNak([{ from: 1, to: 9 }], 2);
    expect(bounded.fragments).toEqual([
      { seq: 2, fromFrag: 1, toFrag: 1 },
      { seq: 4, fromFrag: 0, toFrag: 0 },
    ]);
    expect(bounded.ranges).toEqual([
      { from: 1, to: 1 },
      { from: 3, to: 3 },
      { from: 5, to: 7 },
      { from: 9, to: 9 },
    ]);
  });

  it('keeps forgetting what the stream passes, one dropBelow after another', () => {
    const { r, budget } = setup();
    for (const seq of [5, 3, 9]) r.push(fragment(seq, 0, 2, { payload: bytes(1) }));
    r.dropBelow(4);
    expect([r.has(3), r.has(5), r.has(9)]).toEqual([false, true, true]);
    r.dropBelow(6);
    expect([r.has(5), r.has(9)]).toEqual([false, true]);
    r.dropBelow(10);
    expect(r.size).toBe(0);
    expect(budget.bytes).toBe(0);
  });

  it('refuses every fragment of a too-large message until the stream passes it, then forgets the refusal', () => {
    const { r } = setup({ maxMessageBytes: 10 });
    expect(r.push(fragment(4, 0, 4, { payload: bytes(1, 2, 3, 4) }))).toEqual({ kind: 'tooLarge' });
    r.push(fragment(6, 0, 2, { payload: bytes(1) }));
    r.dropBelow(4);
    expect(r.push(fragment(4, 1, 4, { payload: bytes(1) }))).toEqual({ kind: 'duplicate' });
    r.dropBelow(5);
    // Passed: seq 4 is a new message to the reassembler now (a new incarnation may reuse it).
    expect(r.push(fragment(4, 1, 2, { payload: bytes(1) }))).toEqual({ kind: 'held' });
    expect(r.has(6)).toBe(true);
  });

  it('for the next message releases later messages, the latest first, and never an earlier one', () => {
    const budget = new BufferBudget(3 * (1 + O));
    const { r } = setup({ budget });
    r.push(fragment(2, 0, 2, { payload: bytes(1) }));
    r.push(fragment(8, 0, 2, { payload: bytes(1) }));
    r.push(fragment(6, 0, 2, { payload: bytes(1) }));
    expect(r.push(fragment(5, 0, 2, { payload: bytes(1) }), true)).toEqual({ kind: 'held' });
    expect([r.has(2), r.has(5), r.has(6), r.has(8)]).toEqual([true, true, true, false]);
    // Nothing later than 9 to release: refused, and message 2 is kept.
    expect(r.push(fragment(9, 0, 2, { payload: bytes(1) }), true)).toEqual({ kind: 'bufferFull' });
    expect(r.has(2)).toBe(true);
  });
});
