import { describe, it, expect } from 'vitest';
import { MESSAGE_FLAGS } from '../../../codecs/frame.js';
import { BufferBudget } from '../../../actors/receiver/buffer-budget.js';
import { Reassembler, type ReassembledMessage } from '../../../actors/receiver/reassembler.js';
import type { DataLossReason } from '../../../actors/receiver/receiver-sink.js';
import { bytes, frag, msg } from './helpers.js';

function setup(opts: { maxMessageBytes?: number; skipLeadingFragments?: boolean; budget?: BufferBudget } = {}) {
  const log: (['msg', ReassembledMessage] | ['lost', number, number, DataLossReason])[] = [];
  const counters = { messagesReassembled: 0, leadingFragmentsSkipped: 0 };
  const r = new Reassembler(
    {
      out: { message: (m) => log.push(['msg', m]), lost: (f, t, reason) => log.push(['lost', f, t, reason]) },
      budget: opts.budget,
      counters,
    },
    { maxMessageBytes: opts.maxMessageBytes ?? 1000 },
    { skipLeadingFragments: opts.skipLeadingFragments ?? false },
  );
  /** Compact view: delivered messages as [seq, lastSeq, payload bytes]. */
  const view = () =>
    log.map((e) => (e[0] === 'msg' ? ['msg', e[1].seq, e[1].lastSeq, [...e[1].payload]] : e));
  return { r, log, view, counters };
}

describe('Reassembler', () => {
  it('passes unfragmented messages through with their flags and replyTo', () => {
    const { r, log } = setup();
    r.push(msg(1, { flags: MESSAGE_FLAGS.msgpack, payload: bytes(7), replyTo: 'r.1' }));
    expect(log).toEqual([['msg', { seq: 1, lastSeq: 1, flags: MESSAGE_FLAGS.msgpack, replyTo: 'r.1', payload: bytes(7) }]]);
  });

  it('concatenates fragments into one message carrying the first fragment seq, flags and replyTo', () => {
    const { r, log, counters } = setup();
    r.push(msg(4, { flags: frag('first') | MESSAGE_FLAGS.msgpack, payload: bytes(1, 2), replyTo: 'x' }));
    r.push(msg(5, { flags: frag('middle'), payload: bytes(3) }));
    expect(log).toEqual([]);
    r.push(msg(6, { flags: frag('last'), payload: bytes(4, 5) }));
    expect(log).toEqual([
      ['msg', { seq: 4, lastSeq: 6, flags: MESSAGE_FLAGS.msgpack, replyTo: 'x', payload: bytes(1, 2, 3, 4, 5) }],
    ]);
    expect(counters.messagesReassembled).toBe(1);
  });

  it('delivers a single fragment that is both first and last', () => {
    const { r, view } = setup();
    r.push(msg(1, { flags: frag('only'), payload: bytes(9) }));
    expect(view()).toEqual([['msg', 1, 1, [9]]]);
  });

  it('drops the open message when a loss interrupts it and reports both in order', () => {
    const { r, view } = setup();
    r.push(msg(1, { flags: frag('first'), payload: bytes(1) }));
    r.push(msg(2, { flags: frag('middle'), payload: bytes(2) }));
    r.lost(3, 3, 'timeout');
    r.push(msg(4, { flags: frag('last'), payload: bytes(4) }));
    r.push(msg(5, { payload: bytes(5) }));
    expect(view()).toEqual([
      ['lost', 1, 2, 'fragmentLost'],
      ['lost', 3, 3, 'timeout'],
      ['lost', 4, 4, 'fragmentLost'],
      ['msg', 5, 5, [5]],
    ]);
  });

  it('reports fragments without their first as one lost range through the last fragment', () => {
    const { r, view } = setup();
    r.push(msg(7, { flags: frag('middle') }));
    r.push(msg(8, { flags: frag('middle') }));
    r.push(msg(9, { flags: frag('last') }));
    r.push(msg(10, { payload: bytes(10) }));
    expect(view()).toEqual([
      ['lost', 7, 9, 'fragmentLost'],
      ['msg', 10, 10, [10]],
    ]);
  });

  it('skips the tail of a message begun before a mid-stream join silently', () => {
    const { r, view, counters } = setup({ skipLeadingFragments: true });
    r.push(msg(50, { flags: frag('middle') }));
    r.push(msg(51, { flags: frag('last') }));
    r.push(msg(52, { flags: frag('middle') })); // after the first boundary: a real loss
    r.push(msg(53, { flags: frag('last') }));
    expect(view()).toEqual([['lost', 52, 53, 'fragmentLost']]);
    expect(counters.leadingFragmentsSkipped).toBe(2);
  });

  it('drops the open message when a new message starts', () => {
    const { r, view } = setup();
    r.push(msg(1, { flags: frag('first'), payload: bytes(1) }));
    r.push(msg(2, { flags: frag('first'), payload: bytes(2) }));
    r.push(msg(3, { flags: frag('last'), payload: bytes(3) }));
    expect(view()).toEqual([
      ['lost', 1, 1, 'fragmentLost'],
      ['msg', 2, 3, [2, 3]],
    ]);
  });

  it('drops a message growing past maxMessageBytes and reports all its seqs as tooLarge', () => {
    const { r, view } = setup({ maxMessageBytes: 4 });
    r.push(msg(1, { flags: frag('first'), payload: bytes(1, 1) }));
    r.push(msg(2, { flags: frag('middle'), payload: bytes(2, 2) }));
    r.push(msg(3, { flags: frag('middle'), payload: bytes(3, 3) }));
    r.push(msg(4, { flags: frag('last'), payload: bytes(4) }));
    r.push(msg(5, { payload: bytes(1, 2, 3, 4, 5) }));
    expect(view()).toEqual([
      ['lost', 1, 4, 'tooLarge'],
      ['lost', 5, 5, 'tooLarge'],
    ]);
  });

  it('holds fragments in the shared budget and reports bufferFull when they do not fit', () => {
    const budget = new BufferBudget(5);
    const { r, view } = setup({ budget });
    r.push(msg(1, { flags: frag('first'), payload: bytes(1, 1) }));
    r.push(msg(2, { flags: frag('middle'), payload: bytes(2, 2) }));
    expect(budget.bytes).toBe(4);
    expect(budget.messages).toBe(2);
    r.push(msg(3, { flags: frag('middle'), payload: bytes(3, 3) }));
    expect(budget.bytes).toBe(0);
    r.push(msg(4, { flags: frag('last'), payload: bytes(4) }));
    expect(view()).toEqual([['lost', 1, 4, 'bufferFull']]);
    expect(budget.peakBytes).toBeLessThanOrEqual(5);
  });

  it('flush reports an open message for the given reason and frees its memory', () => {
    const budget = new BufferBudget();
    const { r, view } = setup({ budget });
    r.push(msg(1, { flags: frag('first'), payload: bytes(1) }));
    r.push(msg(2, { flags: frag('middle'), payload: bytes(2) }));
    r.flush('senderLeft');
    expect(view()).toEqual([['lost', 1, 2, 'senderLeft']]);
    expect(budget.bytes).toBe(0);
    expect(r.openSeq).toBeUndefined();
  });
});
