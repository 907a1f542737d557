/**
 * Out-of-order DATA records held as bytes (reorder-buffer.ts, codecs/data-records.ts): what is
 * delivered, what the budget is charged, and when the charge is given back.
 */
import { describe, it, expect } from 'vitest';
import { createRng } from '../../../actors/core.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import type { ReceiverOptions } from '../../../actors/receiver/options.js';
import { DataRecords } from '../../../codecs/data-records.js';
import type { DataFrame, PeerId, WireMessage } from '../../../codecs/frame.js';
import { decodeFrameRecords, encodeFrame } from '../../../codecs/frame-codec.js';
import { msg, RecordingSink } from './helpers.js';

const A: PeerId = { name: 'a', incarnation: 1 };

function setup(o: ReceiverOptions = {}) {
  const sink = new RecordingSink();
  const rx = new Receiver({ sink, rng: createRng(7), isInterested: () => true }, { nakDelayMinMs: 5, nakDelayMaxMs: 5, ...o });
  rx.setListed('a', true);
  /** One DATA datagram of `messages` (streams start at 1), handed over as the receiver actor does. */
  const data = (messages: WireMessage[], nowMs = 0): DataRecords => {
    const subjects = [...new Set(messages.map((m) => m.subject))];
    const bytes = encodeFrame({ kind: 'data', sender: A, streams: subjects.map((subject) => ({ subject, startSeq: 1 })), messages } as DataFrame);
    const r = decodeFrameRecords(bytes);
    if (!r.ok || !(r.frame instanceof DataRecords)) throw new Error('not DATA');
    const d = r.frame;
    for (let i = 0, o = d.firstRecord; i < d.count; i++, o = d.recordEnd(o)) rx.onDataRecord(nowMs, d, o);
    return d;
  };
  return { rx, sink, data };
}

const payload = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('Receiver: DATA records held as bytes', () => {
  it('charges a held datagram its bytes once, however many of its records wait, and gives them back with the last', () => {
    const { rx, sink, data } = setup();
    const d = data([msg(2, { payload: payload(10, 2) }), msg(3, { payload: payload(10, 3) }), msg(4, { payload: payload(10, 4) })]);
    // The datagram is what is kept in memory (the payload views kept it whole before too, while
    // the budget counted 30 bytes of payload).
    expect(rx.bufferedMessages).toBe(3);
    expect(rx.bufferedBytes).toBe(d.byteLength);
    expect(d.held).toBe(3);
    data([msg(1)]);
    expect(sink.delivered()).toEqual([1, 2, 3, 4]);
    expect(rx.bufferedMessages).toBe(0);
    expect(rx.bufferedBytes).toBe(0);
    expect(d.held).toBe(0);
  });

  it('delivers a held record as the message sent: subject, seq, flags, replyTo and payload', () => {
    const { sink, data } = setup();
    data([msg(2, { payload: payload(5, 9), replyTo: 'r.x', flags: 1 }), msg(3, { payload: new Uint8Array(0) })]);
    data([msg(1)]);
    const got = sink.events.flatMap((e) => (e.kind === 'deliver' ? [e.msg] : []));
    expect(got.map((m) => [m.subject, m.seq, m.flags, m.replyTo, [...m.payload]])).toEqual([
      ['s', 1, 0, undefined, [...new TextEncoder().encode('m1')]],
      ['s', 2, 1, 'r.x', [9, 9, 9, 9, 9]],
      ['s', 3, 0, undefined, []],
    ]);
  });

  it('counts a seq repeated inside one held datagram as a duplicate, held and charged once', () => {
    const { rx, sink, data } = setup();
    const d = data([msg(3, { payload: payload(4, 1) }), msg(3, { payload: payload(4, 2) }), msg(5)]);
    expect(rx.counters.duplicates).toBe(1);
    expect(rx.bufferedMessages).toBe(2);
    expect(d.held).toBe(2);
    expect(rx.bufferedBytes).toBe(d.byteLength);
    data([msg(1), msg(2), msg(4)]);
    expect(sink.delivered()).toEqual([1, 2, 3, 4, 5]);
    const three = sink.events.find((e) => e.kind === 'deliver' && e.msg.seq === 3);
    expect(three?.kind === 'deliver' && [...three.msg.payload]).toEqual([1, 1, 1, 1]); // the first copy
    expect(rx.bufferedBytes).toBe(0);
    expect(rx.bufferedMessages).toBe(0);
  });

  it('keeps a datagram shared by two streams charged until both streams released their records', () => {
    const { rx, sink, data } = setup();
    const d = data([msg(2, { subject: 'x' }), msg(2, { subject: 'y' })]);
    expect(rx.bufferedMessages).toBe(2);
    expect(rx.bufferedBytes).toBe(d.byteLength);
    data([msg(1, { subject: 'x' })]);
    expect(sink.delivered('x')).toEqual([1, 2]);
    expect(rx.bufferedMessages).toBe(1);
    expect(rx.bufferedBytes).toBe(d.byteLength); // y still holds a record of it
    data([msg(1, { subject: 'y' })]);
    expect(sink.delivered('y')).toEqual([1, 2]);
    expect(rx.bufferedBytes).toBe(0);
  });

  it('refuses a datagram that does not fit the budget (bufferFull, NAKed later), not a further record of one already held', () => {
    // maxMessageBytes is kept free for reassembly: 600 - 300 = 300 bytes for the reorder buffer.
    const { rx, data } = setup({ maxBufferedBytes: 600, maxMessageBytes: 300 });
    const big = data([msg(2, { payload: payload(200, 1) }), msg(3)]);
    expect(rx.bufferedBytes).toBe(big.byteLength);
    expect(rx.counters.bufferFullDrops).toBe(0);
    data([msg(4, { payload: payload(200, 4) })]); // a second datagram does not fit next to the first
    expect(rx.counters.bufferFullDrops).toBe(1);
    expect(rx.bufferedMessages).toBe(2);
    expect(rx.bufferedBytes).toBe(big.byteLength);
  });

  it('gives the charge back when the sender leaves and held records are released or dropped', () => {
    const { rx, sink, data } = setup();
    data([msg(3), msg(4)]);
    data([msg(6)]);
    expect(rx.bufferedMessages).toBe(3);
    rx.onSenderLeft('a', 'bye');
    expect(sink.delivered()).toEqual([3, 4, 6]);
    expect(rx.bufferedMessages).toBe(0);
    expect(rx.bufferedBytes).toBe(0);
  });

  it('gives the charge back for held records a durable resume skips', () => {
    const { rx, sink, data } = setup();
    data([msg(3), msg(4)]);
    const d = data([msg(5), msg(7)]);
    rx.startAt('a', 's', 6); // 3..5 dropped (the application has them), 7 kept
    expect(rx.bufferedMessages).toBe(1);
    expect(rx.bufferedBytes).toBe(d.byteLength);
    data([msg(6)]);
    expect(sink.delivered()).toEqual([6, 7]);
    expect(rx.bufferedBytes).toBe(0);
  });
});
