import { DEFAULT_RECEIVER_OPTIONS } from '../../../actors/receiver/options.js';
import { describe, it, expect } from 'vitest';
import type { PeerId, StreamInfo } from '../../../codecs/frame.js';
import { createRng } from '../../../actors/core.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import { UNADVERTISED_HOLD_ITEMS } from '../../../actors/receiver/unadvertised-hold.js';
import type { ReceiverOptions } from '../../../actors/receiver/options.js';
import { fragment, msg, RecordingSink } from './helpers.js';

const A1: PeerId = { name: 'a', incarnation: 1 };
const A2: PeerId = { name: 'a', incarnation: 2 };
const B1: PeerId = { name: 'b', incarnation: 7 };

function setup(o: ReceiverOptions = {}, interested: (subject: string) => boolean = (s) => !s.startsWith('no.')) {
  const sink = new RecordingSink();
  const rx = new Receiver({ sink, rng: createRng(42), isInterested: interested }, { nakDelayMinMs: 5, nakDelayMaxMs: 5, ...o });
  // The senders of these tests advertise: the receiver list lists them (see 'Receiver quotas' for those that do not).
  for (const name of ['a', 'b']) rx.setListed(name, true);
  /** Runs every timer due up to `untilMs`. */
  const runUntil = (untilMs: number) => {
    for (let d = rx.nextDeadlineMs(); d !== undefined && d <= untilMs; d = rx.nextDeadlineMs()) rx.onTimer(d);
  };
  const info = (subject: string, startSeq: number, lowSeq: number, highSeq: number): StreamInfo => ({
    subject,
    startSeq,
    lowSeq,
    highSeq,
  });
  return { rx, sink, runUntil, info };
}

describe('Receiver of fragmented messages', () => {
  it('numbers messages, not fragments: large and small messages take consecutive seqs', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    for (let i = 0; i < 4; i++) rx.onData(0, A1, 1, fragment(2, i, 4, { payload: Uint8Array.of(i, i) }));
    rx.onData(0, A1, 1, msg(3));
    expect(sink.delivered()).toEqual([1, 2, 3]);
    expect(rx.counters.messagesReassembled).toBe(1);
  });

  it('NAKs exactly the missing fragments of a message held in part, and whole seqs for messages not seen at all', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    // Message 2 is lost whole; message 3 loses fragments 1 and 4 of 6; message 4 arrives.
    for (const i of [0, 2, 3, 5]) rx.onData(0, A1, 1, fragment(3, i, 6, { payload: Uint8Array.of(i) }));
    rx.onData(0, A1, 1, msg(4));
    runUntil(6);
    expect(sink.naks()).toEqual([
      {
        kind: 'nak',
        target: A1,
        subject: 's',
        ranges: [{ from: 2, to: 2 }],
        fragments: [
          { seq: 3, fromFrag: 1, toFrag: 1 },
          { seq: 3, fromFrag: 4, toFrag: 4 },
        ],
      },
    ]);
    expect(rx.counters.nakFragmentsRequested).toBe(2);
    rx.onData(10, A1, 0, msg(2));
    rx.onData(10, A1, 0, fragment(3, 4, 6, { payload: Uint8Array.of(4) }));
    rx.onData(10, A1, 0, fragment(3, 1, 6, { payload: Uint8Array.of(1) }));
    expect(sink.delivered()).toEqual([1, 2, 3, 4]);
    expect(sink.events.find((e) => e.kind === 'deliver' && e.msg.seq === 3)).toMatchObject({ msg: { payload: Uint8Array.of(0, 1, 2, 3, 4, 5) } });
    expect(sink.losses()).toEqual([]);
  });

  it('waits for the stream to go quiet before NAKing the fragments of the newest message', () => {
    const { rx, sink, runUntil } = setup({ tailQuietMs: 20 });
    rx.onData(0, A1, 1, fragment(1, 0, 3, { payload: Uint8Array.of(0) }));
    rx.onData(8, A1, 1, fragment(1, 1, 3, { payload: Uint8Array.of(1) }));
    runUntil(27);
    expect(sink.naks()).toEqual([]); // fragments were still arriving 20 ms before
    runUntil(40);
    expect(sink.naks()).toEqual([{ kind: 'nak', target: A1, subject: 's', ranges: [], fragments: [{ seq: 1, fromFrag: 2, toFrag: 2 }] }]);
  });

  it('reports a message larger than maxMessageBytes lost under its one seq, and goes on', () => {
    const { rx, sink } = setup({ maxMessageBytes: 10, maxBufferedBytes: 1024 });
    rx.onData(0, A1, 1, fragment(1, 0, 2, { payload: new Uint8Array(6) }));
    rx.onData(0, A1, 1, fragment(1, 1, 2, { payload: new Uint8Array(5) }));
    rx.onData(0, A1, 1, fragment(2, 0, 2, { payload: new Uint8Array(5) }));
    rx.onData(0, A1, 1, fragment(2, 1, 2, { payload: new Uint8Array(5) }));
    expect(sink.log()).toEqual([['lost', 1, 1, 'tooLarge'], ['msg', 2]]);
  });
});

describe('Receiver of fragmented messages, after a loss', () => {
  it('frees the fragments of a message begun at the stream position when the sender reports it unavailable', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, fragment(1, 0, 3, { payload: new Uint8Array(100) }));
    rx.onData(0, A1, 1, fragment(1, 2, 3, { payload: new Uint8Array(50) }));
    expect(rx.bufferedBytes).toBeGreaterThan(0);
    rx.onUnavailable(1, A1, 's', 1, 1);
    expect(sink.log()).toEqual([['lost', 1, 1, 'unavailable']]);
    // Nothing of message 1 stays held: its memory is free for the messages after it.
    expect(rx.bufferedMessages).toBe(0);
    expect(rx.bufferedBytes).toBe(0);
    // A late fragment of it is not taken either.
    rx.onData(2, A1, 0, fragment(1, 1, 3, { payload: new Uint8Array(100) }));
    expect(rx.bufferedBytes).toBe(0);
    rx.onData(2, A1, 1, msg(2));
    expect(sink.log()).toEqual([['lost', 1, 1, 'unavailable'], ['msg', 2]]);
  });
});

describe('Receiver delivery', () => {
  it('delivers each stream in order with its sender, subject and reassembled payload', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1, { payload: Uint8Array.of(1), replyTo: 'r' }));
    rx.onData(0, A1, 1, fragment(2, 0, 2, { payload: Uint8Array.of(2) }));
    rx.onData(0, B1, 1, msg(1, { subject: 't' }));
    rx.onData(0, A1, 1, fragment(2, 1, 2, { payload: Uint8Array.of(3) }));
    expect(sink.events.filter((e) => e.kind === 'deliver').map((e) => e.kind === 'deliver' && e.msg)).toEqual([
      { sender: A1, subject: 's', seq: 1, lastSeq: 1, flags: 0, replyTo: 'r', payload: Uint8Array.of(1) },
      { sender: B1, subject: 't', seq: 1, lastSeq: 1, flags: 0, payload: new TextEncoder().encode('m1') },
      { sender: A1, subject: 's', seq: 2, lastSeq: 2, flags: 0, payload: Uint8Array.of(2, 3) },
    ]);
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 2 }]);
    expect(rx.senders()).toEqual([A1, B1]);
    expect(rx.counters.messagesDelivered).toBe(3);
  });

  it('ignores and counts streams whose subject is not wanted, and never NAKs them', () => {
    const { rx, sink, runUntil, info } = setup();
    rx.onData(0, A1, 1, msg(5, { subject: 'no.thanks' }));
    rx.onHeartbeat(0, A1, [info('no.thanks', 1, 1, 9)]);
    runUntil(1000);
    expect(sink.events).toEqual([]);
    expect(rx.counters.uninterested).toBe(2);
    expect(rx.streams).toBe(0);
    expect(rx.senders()).toEqual([]);
  });

  it('reorders, drops duplicates, NAKs the gap to the sender and recovers from the retransmission', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(1, A1, 1, msg(4));
    rx.onData(2, A1, 1, msg(4));
    rx.onData(2, A1, 1, msg(1));
    runUntil(6);
    expect(sink.naks()).toEqual([{ kind: 'nak', target: A1, subject: 's', ranges: [{ from: 2, to: 3 }] }]);
    rx.onData(7, A1, 0, msg(3));
    rx.onData(7, A1, 0, msg(2));
    expect(sink.delivered()).toEqual([1, 2, 3, 4]);
    expect(rx.counters.duplicates).toBe(1);
    expect(rx.counters.oldMessages).toBe(1);
    expect(rx.nextDeadlineMs()).toBeUndefined();
  });

  it('reports unavailable ranges as data loss naming sender, subject and range', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(4));
    rx.onUnavailable(1, A1, 's', 1, 2);
    rx.onData(1, A1, 0, msg(3));
    expect(sink.log()).toEqual([
      ['lost', 1, 2, 'unavailable'],
      ['msg', 3],
      ['msg', 4],
    ]);
    expect(sink.losses()[0]).toEqual({ sender: A1, subject: 's', from: 1, to: 2, reason: 'unavailable' });
  });

  it('detects tail loss from a heartbeat', () => {
    const { rx, sink, runUntil, info } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onHeartbeat(10, A1, [info('s', 1, 1, 3)]);
    runUntil(20);
    expect(sink.naks().map((n) => n.ranges)).toEqual([[{ from: 2, to: 3 }]]);
  });

  it('gives a gap up as timeout only after the retries, while the sender is heard from', () => {
    const { rx, sink, info } = setup({ nakMaxRetries: 2 });
    rx.onData(0, A1, 1, msg(2));
    for (let t = 1; t <= 10_000; t++) {
      if (t % 10 === 0) rx.onHeartbeat(t, A1, [info('s', 1, 1, 2)]);
      const d = rx.nextDeadlineMs();
      if (d !== undefined && d <= t) rx.onTimer(t);
    }
    expect(sink.naks()).toHaveLength(3);
    expect(sink.log()).toEqual([
      ['lost', 1, 1, 'timeout'],
      ['msg', 2],
    ]);
  });
});

describe('Receiver late join', () => {
  it('begins at the stream start when the first message seen is close to it, NAKing what was missed', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(4097));
    runUntil(10);
    expect(sink.naks().map((n) => n.ranges.map((r) => [r.from, r.to]))).toEqual([[[1, 1024]], [[1025, 2048]], [[2049, 3072]], [[3073, 4096]]]);
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 0 }]);
  });

  it('begins at the first message seen when it is far from the stream start', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(4098));
    rx.onData(0, A1, 1, msg(4097));
    runUntil(1000);
    expect(sink.naks()).toEqual([]);
    expect(sink.delivered()).toEqual([4098]);
  });

  it('with the stream age, begins at the start of a stream first heard of late when subscribed before it began, however far in', () => {
    const sink = new RecordingSink();
    // Subscribed at t = 100 (our clock); the stream began at t = 10000 - 6000 = 4000.
    const rx = new Receiver(
      { sink, rng: createRng(1), isInterested: () => true, interestSinceMs: () => 100 },
      { nakDelayMinMs: 5, nakDelayMaxMs: 5 },
    );
    rx.onData(10_000, A1, 1, msg(15_001), 6000);
    for (let d = rx.nextDeadlineMs(); d !== undefined && d <= 10_010; d = rx.nextDeadlineMs()) rx.onTimer(d);
    expect(sink.naks().flatMap((n) => n.ranges)[0]).toEqual({ from: 1, to: 1024 });
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 0 }]);
    expect(sink.delivered()).toEqual([]);
  });

  it('with the stream age, is a late joiner when subscribed after the stream began, however close to its start: no NAK, no loss', () => {
    const sink = new RecordingSink();
    // Subscribed at t = 9000; the stream began at t = 10000 - 5000 = 5000.
    const rx = new Receiver(
      { sink, rng: createRng(1), isInterested: () => true, interestSinceMs: () => 9000 },
      { nakDelayMinMs: 5, nakDelayMaxMs: 5 },
    );
    rx.onData(10_000, A1, 1, msg(3), 5000);
    rx.onHeartbeat(10_000, B1, [{ subject: 's', startSeq: 1, lowSeq: 1, highSeq: 2, ageMs: 5000 }]);
    for (let d = rx.nextDeadlineMs(); d !== undefined && d <= 12_000; d = rx.nextDeadlineMs()) rx.onTimer(d);
    expect(sink.naks()).toEqual([]);
    expect(sink.delivered()).toEqual([3]);
    expect(sink.events.filter((e) => e.kind === 'loss')).toEqual([]);
  });

  it('from a heartbeat with the stream age, begins at startSeq when subscribed before the stream began', () => {
    const sink = new RecordingSink();
    const rx = new Receiver(
      { sink, rng: createRng(1), isInterested: () => true, interestSinceMs: () => 0 },
      { nakDelayMinMs: 5, nakDelayMaxMs: 5 },
    );
    rx.onHeartbeat(10_000, A1, [{ subject: 's', startSeq: 1, lowSeq: 1, highSeq: 9000, ageMs: 3000 }]);
    for (let d = rx.nextDeadlineMs(); d !== undefined && d <= 10_010; d = rx.nextDeadlineMs()) rx.onTimer(d);
    expect(sink.naks().flatMap((n) => n.ranges)[0]).toEqual({ from: 1, to: 1024 });
  });

  describe('a stream resumed from the sender\'s ledger (resumed: the oldest message held of an earlier incarnation)', () => {
    /** A receiver subscribed at `sinceMs`; NAK delay 5 ms. */
    const at = (sinceMs: number) => {
      const sink = new RecordingSink();
      const rx = new Receiver({ sink, rng: createRng(1), isInterested: () => true, interestSinceMs: () => sinceMs }, { nakDelayMinMs: 5, nakDelayMaxMs: 5 });
      const run = (untilMs: number) => {
        for (let d = rx.nextDeadlineMs(); d !== undefined && d <= untilMs; d = rx.nextDeadlineMs()) rx.onTimer(d);
      };
      return { sink, rx, run };
    };

    it('from DATA, begins at resumed.seq when subscribed before it was published, and NAKs up to the new incarnation\'s first message', () => {
      // Subscribed at 100; seq 3 published at 10000 - 2000 = 8000; the new incarnation starts at 8.
      const { rx, sink, run } = at(100);
      rx.onData(10_000, A1, 8, msg(8), 0, { seq: 3, ageMs: 2000 });
      run(10_010);
      expect(sink.naks().flatMap((n) => n.ranges)).toEqual([{ from: 3, to: 7 }]);
      expect(sink.delivered()).toEqual([]);
    });

    it('from a heartbeat, begins at resumed.seq when subscribed before it was published', () => {
      const { rx, sink, run } = at(100);
      rx.onHeartbeat(10_000, A1, [{ subject: 's', startSeq: 8, lowSeq: 3, highSeq: 7, resumed: { seq: 3, ageMs: 2000 } }]);
      run(10_010);
      expect(sink.naks().flatMap((n) => n.ranges)).toEqual([{ from: 3, to: 7 }]);
    });

    it('subscribed after resumed.seq was published, falls back to the startSeq rule (late joiner: no NAK, no loss)', () => {
      // Subscribed at 9000; seq 3 published at 8000; the new incarnation's stream began at 10000 - 1500.
      const { rx, sink, run } = at(9000);
      rx.onData(10_000, A1, 8, msg(9), 1500, { seq: 3, ageMs: 2000 });
      run(12_000);
      expect(sink.naks()).toEqual([]);
      expect(sink.delivered()).toEqual([9]);
      expect(sink.events.filter((e) => e.kind === 'loss')).toEqual([]);
    });

    it('with no age, begins at resumed.seq when at most lateJoinMaxMessages came before the message at hand', () => {
      const sink = new RecordingSink();
      const rx = new Receiver({ sink, rng: createRng(1), isInterested: () => true }, { nakDelayMinMs: 5, nakDelayMaxMs: 5, lateJoinMaxMessages: 10 });
      rx.onData(0, A1, 8, msg(8), undefined, { seq: 3 });
      rx.onData(0, B1, 500, msg(500), undefined, { seq: 3 }); // 497 before: too many
      for (let d = rx.nextDeadlineMs(); d !== undefined && d <= 10; d = rx.nextDeadlineMs()) rx.onTimer(d);
      expect(sink.naks().map((n) => [n.target.name, n.ranges])).toEqual([['a', [{ from: 3, to: 7 }]]]);
    });

    it('a receiver that already knows the stream continues it: the resumed part does not move it back', () => {
      const { rx, sink, run } = at(100);
      rx.onData(0, A1, 1, msg(1), 0);
      rx.onData(0, A1, 1, msg(2), 0);
      run(100);
      // The sender restarts with its ledger (incarnation 2): it continues at 6, still holding 1..5.
      rx.onAdvert(2000, A2);
      rx.onData(2000, A2, 6, msg(6), 0, { seq: 1, ageMs: 1900 });
      run(2010);
      expect(sink.naks().flatMap((n) => n.ranges)).toEqual([{ from: 3, to: 5 }]);
      expect(sink.delivered()).toEqual([1, 2]);
      expect(sink.events.filter((e) => e.kind === 'reset')).toEqual([]);
    });

    it('ignores a resumed part not below startSeq (counted as invalid input) and begins as without it', () => {
      const { rx, sink, run } = at(9000);
      rx.onData(10_000, A1, 8, msg(9), 1500, { seq: 8, ageMs: 2000 });
      run(12_000);
      expect(sink.naks()).toEqual([]);
      expect(sink.delivered()).toEqual([9]);
      expect(rx.counters.invalidInputs).toBe(1);
    });
  });

  it('from a heartbeat, begins at startSeq (reporting what is no longer held) or after highSeq', () => {
    const { rx, sink, runUntil, info } = setup();
    rx.onHeartbeat(0, A1, [info('s', 1, 3, 5), info('t', 1, 1, 5000)]);
    runUntil(10);
    expect(sink.log('s')).toEqual([['lost', 1, 2, 'unavailable']]);
    expect(sink.naks().map((n) => [n.subject, n.ranges])).toEqual([['s', [{ from: 3, to: 5 }]]]);
    expect(rx.positions('a')).toEqual([
      { subject: 's', seq: 2 },
      { subject: 't', seq: 5000 },
    ]);
    expect(sink.log('t')).toEqual([]);
  });

  it('joining at a fragment of message s, asks for the fragments of s it missed and delivers s whole', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, fragment(9000, 2, 3, { payload: Uint8Array.of(3) }));
    rx.onData(1, A1, 1, msg(9001));
    runUntil(20);
    expect(sink.naks()).toEqual([{ kind: 'nak', target: A1, subject: 's', ranges: [], fragments: [{ seq: 9000, fromFrag: 0, toFrag: 1 }] }]);
    rx.onData(20, A1, 0, fragment(9000, 0, 3, { payload: Uint8Array.of(1) }));
    rx.onData(20, A1, 0, fragment(9000, 1, 3, { payload: Uint8Array.of(2) }));
    expect(sink.log()).toEqual([['msg', 9000], ['msg', 9001]]);
    expect(sink.events.find((e) => e.kind === 'deliver' && e.msg.seq === 9000)).toMatchObject({ msg: { payload: Uint8Array.of(1, 2, 3) } });
  });

  it('ignores RETRANSMIT messages of a stream it has never seen', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 0, msg(3));
    expect(sink.events).toEqual([]);
    expect(rx.counters.retransmitsIgnored).toBe(1);
  });
});

describe('Receiver incarnations', () => {
  it('continues a stream whose new incarnation starts above everything sent, NAKing the new one', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(2));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 4, msg(5));
    runUntil(2010);
    expect(sink.naks()).toEqual([{ kind: 'nak', target: A2, subject: 's', ranges: [{ from: 3, to: 4 }] }]);
    rx.onData(2011, A2, 0, msg(3));
    rx.onData(2011, A2, 0, msg(4));
    expect(sink.log()).toEqual([1, 2, 3, 4, 5].map((s) => ['msg', s]));
    expect(rx.senders()).toEqual([A2]);
    expect(rx.counters.incarnationChanges).toBe(1);
  });

  it('tells numbers a restarted sender skipped apart from messages it was heard to send: one part skipped, one not', () => {
    const { rx, sink, runUntil, info } = setup();
    for (let i = 1; i <= 3; i++) rx.onData(0, A1, 1, msg(i));
    // The old incarnation's heartbeat named 5: 4 and 5 were sent and missed here.
    rx.onHeartbeat(10, A1, [info('s', 1, 1, 5)]);
    rx.onAdvert(2000, A2);
    // The new one goes on at 1001 ('async' ledger after an unclean stop: 995 numbers skipped).
    rx.onData(2000, A2, 1001, msg(1001));
    runUntil(2100);
    rx.onUnavailable(2100, A2, 's', 4, 1000);
    expect(sink.log()).toEqual([
      ['msg', 1],
      ['msg', 2],
      ['msg', 3],
      ['lost', 4, 5, 'unavailable'],
      ['lost', 6, 1000, 'unavailable'],
      ['msg', 1001],
    ]);
    expect(sink.losses().map((l) => l.skipped)).toEqual([undefined, true]);
    expect(rx.counters.dataLossMessages).toBe(997);
    expect(rx.counters.dataLossSkipped).toBe(995);
  });

  it('marks as skipped only what stays missing of the unheard numbers: those the new incarnation still holds are delivered', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 10, msg(10));
    runUntil(2100);
    // 2 and 3 were on disk (the ledger); 4..9 were not.
    rx.onData(2100, A2, 0, msg(2));
    rx.onData(2100, A2, 0, msg(3));
    rx.onUnavailable(2100, A2, 's', 4, 9);
    expect(sink.log()).toEqual([
      ['msg', 1],
      ['msg', 2],
      ['msg', 3],
      ['lost', 4, 9, 'unavailable'],
      ['msg', 10],
    ]);
    expect(sink.losses()[0].skipped).toBe(true);
    // A later gap of the new incarnation is an ordinary loss.
    rx.onData(2200, A2, 10, msg(12));
    runUntil(2300);
    rx.onUnavailable(2300, A2, 's', 11, 11);
    expect(sink.losses().map((l) => [l.from, l.to, l.skipped])).toEqual([
      [4, 9, true],
      [11, 11, undefined],
    ]);
  });

  it('marks every part of the unheard numbers skipped, however the losses come: in parts, one number, past the skip', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 10, msg(12)); // skipped 2..9; 10 and 11 are the new incarnation's, missed too
    runUntil(2100);
    rx.onUnavailable(2100, A2, 's', 2, 4); // a part of the skip
    rx.onUnavailable(2100, A2, 's', 5, 11); // the rest, and on past it
    expect(sink.losses().map((l) => [l.from, l.to, l.skipped])).toEqual([
      [2, 4, true],
      [5, 9, true],
      [10, 11, undefined],
    ]);
    // A skip of one number.
    const one = setup();
    one.rx.onData(0, A1, 1, msg(1));
    one.rx.onAdvert(2000, A2);
    one.rx.onData(2000, A2, 3, msg(3));
    one.runUntil(2100);
    one.rx.onUnavailable(2100, A2, 's', 2, 2);
    expect(one.sink.losses().map((l) => [l.from, l.to, l.skipped])).toEqual([[2, 2, true]]);
  });

  it('says nothing is skipped when the new incarnation goes on right after what was heard', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 4, msg(4));
    runUntil(2100);
    rx.onUnavailable(2100, A2, 's', 2, 2);
    expect(sink.losses().map((l) => [l.from, l.to, l.skipped])).toEqual([[2, 2, undefined]]);
    expect(rx.counters.dataLossSkipped).toBe(0);
  });

  it('ignores late frames of the retired incarnation', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 2, msg(2));
    rx.onData(2001, A1, 1, msg(3));
    rx.onUnavailable(2001, A1, 's', 3, 3);
    expect(sink.delivered()).toEqual([1, 2]);
    expect(rx.counters.staleIncarnationFrames).toBe(2);
  });

  it('resets a stream the new incarnation numbers again, settling the old numbering first', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    rx.onData(0, A1, 1, msg(5));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 1, msg(1, { payload: Uint8Array.of(42) }));
    rx.onData(2000, A2, 1, msg(2));
    expect(sink.log()).toEqual([
      ['msg', 1],
      ['lost', 2, 2, 'senderLeft'],
      ['msg', 3],
      ['lost', 4, 4, 'senderLeft'],
      ['msg', 5],
      ['reset', 1],
      ['msg', 1],
      ['msg', 2],
    ]);
    const losses = sink.losses();
    expect(losses.every((l) => l.sender === A1 || (l.sender.name === 'a' && l.sender.incarnation === 1))).toBe(true);
    const reset = sink.events.find((e) => e.kind === 'reset');
    expect(reset).toEqual({ kind: 'reset', sender: A2, subject: 's', fromSeq: 1 });
    expect(rx.counters.streamResets).toBe(1);
  });

  it('treats a restart reusing a seq known to have been sent as a reset, even above the next expected', () => {
    const { rx, sink, info } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onHeartbeat(1, A1, [info('s', 1, 1, 5)]); // a1 sent up to 5; 2..5 missing
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 3, msg(3)); // a2 numbers from 3 again
    expect(sink.log()).toEqual([
      ['msg', 1],
      ['lost', 2, 5, 'senderLeft'],
      ['reset', 3],
      ['msg', 3],
    ]);
  });

  it('holds NAKs of a stream the new incarnation has not described yet, then NAKs the new one', () => {
    const { rx, sink, runUntil } = setup({ resyncGraceMs: 500 });
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    runUntil(1000); // NAKs to a1, unanswered
    sink.clear();
    rx.onAdvert(1000, A2); // a restarted
    rx.onData(1000, A2, 1, msg(1, { subject: 'other' })); // and says nothing about 's'
    runUntil(1400);
    expect(sink.naks('s')).toEqual([]);
    rx.onData(1450, A2, 0, msg(2)); // a retransmission before resync: not trusted
    expect(sink.delivered()).toEqual([]);
    expect(rx.counters.retransmitsIgnored).toBe(1);
    runUntil(1500);
    expect(sink.naks('s')).toEqual([{ kind: 'nak', target: A2, subject: 's', ranges: [{ from: 2, to: 2 }] }]);
    rx.onData(1510, A2, 0, msg(2));
    expect(sink.delivered()).toEqual([2, 3]);
  });

  it('takes no DATA or HEARTBEAT of an unadvertised incarnation for a restart: held until its ADVERT, then applied in order', () => {
    const { rx, sink, runUntil, info } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(2));
    // One frame naming another incarnation is no evidence of a restart.
    rx.onData(5000, A2, 1, msg(1, { payload: Uint8Array.of(66) }));
    rx.onHeartbeat(5001, A2, [info('s', 1, 1, 9)]);
    expect(rx.senders()).toEqual([A1]);
    expect(rx.counters.incarnationChanges).toBe(0);
    expect(rx.counters.unadvertisedHeld).toBe(2);
    // The stream goes on with the real sender.
    rx.onData(5002, A1, 1, msg(3));
    expect(sink.log()).toEqual([1, 2, 3].map((seq) => ['msg', seq]));
    // Its ADVERT is the evidence: adopted, and what it sent meanwhile applied in arrival order.
    rx.onAdvert(5100, A2);
    expect(rx.senders()).toEqual([A2]);
    expect(rx.counters.incarnationChanges).toBe(1);
    expect(rx.counters.unadvertisedReplayed).toBe(2);
    expect(sink.log()).toEqual([['msg', 1], ['msg', 2], ['msg', 3], ['reset', 1], ['msg', 1]]);
    runUntil(5130); // past tailQuietMs after the replayed message
    expect(sink.naks()).toEqual([{ kind: 'nak', target: A2, subject: 's', ranges: [{ from: 2, to: 9 }] }]);
  });

  it('drops what an incarnation that never advertises sent, after resyncGraceMs or past the hold bound', () => {
    const { rx, sink } = setup({ resyncGraceMs: 500 });
    rx.onData(0, A1, 1, msg(1));
    for (let k = 0; k < 5000; k++) rx.onData(1000, A2, 1, msg(k + 1));
    expect(rx.counters.unadvertisedHeld).toBe(5000);
    expect(rx.counters.unadvertisedDropped).toBe(5000 - UNADVERTISED_HOLD_ITEMS);
    expect(rx.unadvertisedHolding).toBe(UNADVERTISED_HOLD_ITEMS);
    expect(rx.nextDeadlineMs()).toBe(1500); // resyncGraceMs after the first held one
    rx.onTimer(1500);
    expect(rx.counters.unadvertisedDropped).toBe(5000);
    expect(rx.unadvertisedHolding).toBe(0);
    expect(rx.nextDeadlineMs()).toBeUndefined();
    rx.onData(1600, A2, 1, msg(1));
    rx.onAdvert(2100, A2); // too late for that one too
    expect(rx.counters.unadvertisedDropped).toBe(5001);
    expect(rx.counters.unadvertisedReplayed).toBe(0);
    expect(sink.delivered()).toEqual([1]);
  });

  it('holds a first frame of a name that advertised another incarnation, and takes the advertised one at once', () => {
    const { rx, sink } = setup();
    rx.onAdvert(0, A1);
    rx.onData(1, A2, 1, msg(1, { payload: Uint8Array.of(66) }));
    expect(rx.streams).toBe(0);
    rx.onData(2, A1, 1, msg(1));
    expect(sink.delivered()).toEqual([1]);
    expect(rx.senders()).toEqual([A1]);
    expect(rx.counters.unadvertisedHeld).toBe(1);
  });

  it('refuses a forged ADVERT-less RETRANSMIT unavailable range of another incarnation', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    rx.onUnavailable(1, A2, 's', 2, 2);
    expect(sink.losses()).toEqual([]);
    expect(rx.counters.unadvertisedDropped).toBe(1);
  });
});

describe('Receiver sender departure', () => {
  it('settles pending gaps as senderLeft, then continues without redelivery when the sender comes back', () => {
    const { rx, sink, runUntil } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    rx.onSenderLeft('a', 'expired');
    expect(sink.log()).toEqual([
      ['msg', 1],
      ['lost', 2, 2, 'senderLeft'],
      ['msg', 3],
    ]);
    expect(rx.senders()).toEqual([]);
    expect(rx.positions('a')).toEqual([]);
    expect(rx.bufferedMessages).toBe(0);
    runUntil(10_000);
    expect(sink.naks()).toEqual([]);
    // Back after a partition: the same incarnation continues where it was.
    rx.onData(20_000, A1, 1, msg(2));
    rx.onData(20_000, A1, 1, msg(4));
    expect(sink.delivered()).toEqual([1, 3, 4]);
    expect(rx.senders()).toEqual([A1]);
  });

  it('ignores late frames of an incarnation that said BYE, and follows its successor', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onSenderLeft('a', 'bye');
    rx.onData(1, A1, 1, msg(2));
    expect(sink.delivered()).toEqual([1]);
    expect(rx.counters.staleIncarnationFrames).toBe(1);
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 2, msg(2));
    expect(sink.delivered()).toEqual([1, 2]);
  });

  it('takes back an incarnation retired by a BYE that advertises again: its stream goes on, NAKing what it missed', () => {
    // Before: a forged BYE (its address proven by a forged advert) retired the real publisher
    // for good; its later frames were ignored, and the subscriber got nothing more, with no
    // dataLoss, although the publisher kept advertising and publishing.
    const { rx, sink, runUntil } = setup();
    rx.onAdvert(0, A1);
    rx.onData(0, A1, 1, msg(1));
    rx.onSenderLeft('a', 'bye', 1);
    rx.onData(1, A1, 1, msg(2));
    expect(rx.counters.staleIncarnationFrames).toBe(1);
    rx.onAdvert(6000, A1); // the receiver list's tombstone is over: it is listed again
    expect(rx.counters.incarnationsRevived).toBe(1);
    rx.onData(6000, A1, 1, msg(4));
    runUntil(6010);
    expect(sink.naks().map((n) => [n.target, n.ranges])).toEqual([[A1, [{ from: 2, to: 3 }]]]);
    rx.onData(6010, A1, 0, msg(2));
    rx.onData(6010, A1, 0, msg(3));
    expect(sink.delivered()).toEqual([1, 2, 3, 4]);
    expect(sink.losses()).toEqual([]);
  });

  it('an incarnation taken back after another numbered its stream again goes on where it left it: nothing delivered twice', () => {
    // Before: a forged advert of a new incarnation, and one forged DATA of it at seq 1, reset
    // the stream; when the real incarnation was adopted again (the forged one expired), its
    // stream was reset to its start, and seqs 1..10 were delivered a second time.
    const { rx, sink, runUntil } = setup();
    rx.onAdvert(0, A1);
    for (let seq = 1; seq <= 5; seq++) rx.onData(0, A1, 1, msg(seq));
    rx.onAdvert(100, A2); // forged
    rx.onData(100, A2, 1, msg(1));
    expect(rx.counters.streamResets).toBe(1);
    rx.onAdvert(6000, A1); // the real one, back
    rx.onData(6000, A1, 1, msg(6));
    rx.onData(6000, A1, 0, msg(3)); // a repeat of what it had delivered
    runUntil(6100);
    expect(sink.delivered()).toEqual([1, 2, 3, 4, 5, 1, 6]);
    expect(sink.naks()).toEqual([]);
    expect(sink.losses()).toEqual([]);
    expect(rx.counters.streamsTakenBack).toBe(1);
  });

  it('takes back an incarnation where it left its stream after more forged incarnations than it remembers came and went', () => {
    // The fuzzing check (6 December): invented incarnations were adopted several a second, each
    // delivering a few messages; the stream remembered where the last 4 left it, oldest dropped
    // first, so the real one's place was forgotten and it started again at seq 1.
    const { rx, sink, runUntil } = setup();
    rx.onAdvert(0, A1);
    for (let seq = 1; seq <= 50; seq++) rx.onData(0, A1, 1, msg(seq));
    for (let k = 0; k < 6; k++) {
      const forged = { name: 'a', incarnation: 100 + k };
      rx.onAdvert(100 + k, forged);
      rx.onData(100 + k, forged, 1, msg(1));
    }
    rx.onAdvert(6000, A1);
    rx.onData(6000, A1, 1, msg(51));
    rx.onData(6000, A1, 0, msg(7)); // a repeat of what it had delivered
    runUntil(6100);
    expect(sink.delivered().filter((seq, i) => i >= 50 && seq !== 1)).toEqual([51]);
    expect(sink.naks()).toEqual([]);
    expect(sink.losses()).toEqual([]);
  });

  it('ignores a BYE of an incarnation that is no longer current', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onAdvert(2000, A2);
    rx.onData(2000, A2, 2, msg(3));
    rx.onSenderLeft('a', 'bye', 1);
    expect(sink.losses()).toEqual([]);
    expect(rx.senders()).toEqual([A2]);
  });
});

describe('Receiver durable resume', () => {
  it('begins a stream at the startAt seq instead of the late-join rule', () => {
    const { rx, sink, runUntil } = setup();
    rx.startAt('a', 's', 50);
    rx.onData(0, A1, 1, msg(49));
    rx.onData(0, A1, 1, msg(53));
    runUntil(10);
    expect(sink.naks().map((n) => n.ranges)).toEqual([[{ from: 50, to: 52 }]]);
  });

  it('resets when the first heartbeat shows the sender renumbered below the resume point', () => {
    const { rx, sink, info } = setup();
    rx.startAt('a', 's', 50);
    rx.onHeartbeat(0, A1, [info('s', 1, 1, 3)]);
    expect(sink.log()).toEqual([['reset', 1]]);
    rx.onData(1, A1, 1, msg(1));
    expect(sink.delivered()).toEqual([1]);
  });

  it('moves a tracked stream forward to the startAt seq without reporting loss', () => {
    const { rx, sink } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    rx.startAt('a', 's', 3);
    expect(sink.log()).toEqual([
      ['msg', 1],
      ['msg', 3],
    ]);
  });

  it('begins at the new numbering when another incarnation numbers the stream again from at or below the resume point', () => {
    // Found by a user-style check (6 December): once the new numbering had passed the resume
    // point, the heartbeat check above saw nothing wrong, and the new incarnation's 1..49 were skipped.
    const { rx, sink } = setup();
    rx.startAt('a', 's', 50, 1); // position 49, counted in incarnation 1's numbering
    rx.onData(0, A2, 1, msg(120)); // incarnation 2 numbers from 1 and has sent 120 already
    expect(sink.log()).toEqual([['reset', 1]]);
    expect(sink.naks().map((n) => n.ranges)).toEqual([]);
    for (let s = 1; s < 120; s++) rx.onData(1, A2, 1, msg(s));
    expect(sink.delivered()).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(rx.counters.resumedRenumbered).toBe(1);
  });

  it('resumes after the position when the same incarnation, or one continuing the numbering above it, sends', () => {
    for (const [sender, startSeq] of [
      [A1, 1], // the incarnation that numbered the position is still running
      [A2, 60], // a restart with a ledger: its numbering continues above everything sent before
    ] as const) {
      const { rx, sink } = setup();
      rx.startAt('a', 's', 50, 1);
      rx.onData(0, sender, startSeq, msg(70));
      for (let s = 50; s < 70; s++) rx.onData(1, sender, startSeq, msg(s));
      expect(sink.log().filter((e) => e[0] === 'reset')).toEqual([]);
      expect(sink.delivered()).toEqual(Array.from({ length: 21 }, (_, i) => i + 50));
      expect(rx.counters.resumedRenumbered).toBe(0);
    }
  });

  it('rewinds a started stream to the startAt seq when nothing else here wants the subject, and NAKs what it released', () => {
    let wanted = true;
    const { rx, sink, runUntil } = setup({}, () => wanted);
    for (let s = 1; s <= 5; s++) rx.onData(0, A1, 1, msg(s));
    wanted = false; // the durable subscription closed; it opens again below
    rx.startAt('a', 's', 3);
    runUntil(10);
    expect(sink.naks().map((n) => n.ranges)).toEqual([[{ from: 3, to: 5 }]]);
    expect(sink.log().filter((e) => e[0] === 'loss')).toEqual([]);
  });

  it('says durableBehind for what other subscriptions here already received before the startAt seq', () => {
    const { rx, sink } = setup();
    for (let s = 1; s <= 5; s++) rx.onData(0, A1, 1, msg(s));
    rx.startAt('a', 's', 3);
    expect(sink.losses()).toEqual([{ sender: A1, subject: 's', from: 3, to: 5, reason: 'durableBehind' }]);
    expect(rx.counters.durableBehind).toBe(3);
  });

  it('rejects a bad startAt seq', () => {
    const { rx } = setup();
    expect(() => rx.startAt('a', 's', 0)).toThrow(/startAt/);
  });
});

describe('Receiver bounds', () => {
  it('never holds more than maxBufferedBytes and recovers what it had to drop', () => {
    const { rx, sink, runUntil } = setup({ maxBufferedBytes: 4000, maxMessageBytes: 1000, maxBufferedMessages: 64 });
    const payload = new Uint8Array(100);
    for (const subject of ['x', 'y', 'z']) {
      for (let s = 2; s <= 40; s++) rx.onData(0, A1, 1, msg(s, { subject, payload }));
    }
    expect(rx.peakBufferedBytes).toBeLessThanOrEqual(3000); // maxBufferedBytes - maxMessageBytes
    expect(rx.counters.bufferFullDrops).toBeGreaterThan(0);
    // A sender answering NAKs: every message arrives in the end.
    let t = 0;
    for (let round = 0; round < 200 && rx.nextDeadlineMs() !== undefined; round++) {
      t = Math.max(t, rx.nextDeadlineMs() as number);
      const before = sink.naks().length;
      rx.onTimer(t);
      for (const n of sink.naks().slice(before)) {
        for (const r of n.ranges) for (let s = r.from; s <= r.to; s++) rx.onData(t, A1, 0, msg(s, { subject: n.subject, payload }));
      }
    }
    for (const subject of ['x', 'y', 'z']) expect(sink.delivered(subject)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(rx.peakBufferedBytes).toBeLessThanOrEqual(4000);
    expect(rx.bufferedBytes).toBe(0);
    expect(sink.losses()).toEqual([]);
    runUntil(100_000);
  });

  it('keeps at most maxBufferedMessages out-of-order messages per stream', () => {
    const { rx } = setup({ maxBufferedMessages: 16 });
    for (let s = 2; s <= 100; s++) rx.onData(0, A1, 1, msg(s));
    expect(rx.peakBufferedMessages).toBe(16);
    expect(rx.counters.beyondWindowDrops).toBe(99 - 16);
  });

  it('refuses streams past maxStreams, forgetting departed senders first', () => {
    const { rx } = setup({ maxStreams: 2 });
    rx.onData(0, A1, 1, msg(1, { subject: 'p' }));
    rx.onData(0, A1, 1, msg(1, { subject: 'q' }));
    rx.onData(0, B1, 1, msg(1, { subject: 'p' }));
    expect(rx.counters.streamsRefused).toBe(1);
    rx.onSenderLeft('a', 'bye');
    rx.onData(0, B1, 1, msg(1, { subject: 'p' }));
    expect(rx.streams).toBe(1);
    expect(rx.counters.streamsEvicted).toBe(2);
    expect(rx.senders()).toEqual([B1]);
  });

  it('survives hostile input without large loops, allocations or throws', () => {
    const { rx, sink, runUntil, info } = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(2 ** 50));
    rx.onData(0, A1, 1, msg(0));
    rx.onData(0, A1, 2 ** 60, msg(-5));
    rx.onData(0, { name: 'a', incarnation: Number.NaN }, 1, msg(2));
    rx.onData(0, A1, 1, { subject: 's', seq: 2, flags: 0, payload: 'x' } as never);
    rx.onHeartbeat(0, A1, [
      info('s', 1, 5, 3), // lowSeq > highSeq + 1
      info('s', 0, 1, 3),
      { subject: 's', startSeq: 1, lowSeq: 1, highSeq: Number.POSITIVE_INFINITY },
      null as never,
    ]);
    rx.onHeartbeat(0, A1, 'nope' as never);
    rx.onUnavailable(0, A1, 's', 10, 1);
    rx.onUnavailable(0, A1, 's', 1, Number.MAX_SAFE_INTEGER);
    rx.onSenderLeft('nobody');
    expect(rx.counters.implausibleSeqs).toBe(1);
    expect(rx.counters.invalidInputs).toBe(10);
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 1 }]);
    // A huge (but consistent) heartbeat is refused: no one frame moves a stream that far.
    rx.onHeartbeat(1, A1, [info('s', 1, 1, 2 ** 52)]);
    runUntil(60);
    expect(sink.naks()).toEqual([]);
    expect(rx.counters.implausibleHeartbeats).toBe(1);
    // A large one within maxGapMessages: only the window is NAKed, once per NAK round.
    rx.onHeartbeat(60, A1, [info('s', 1, 1, DEFAULT_RECEIVER_OPTIONS.maxGapMessages)]);
    runUntil(100); // past tailQuietMs (the stream was flowing when it came), before any retry
    const asked = sink.naks().flatMap((n) => n.ranges).reduce((n, r) => n + r.to - r.from + 1, 0);
    expect(asked).toBe(DEFAULT_RECEIVER_OPTIONS.maxBufferedMessages + 1);
  });
});

describe('Receiver timers', () => {
  it('reports no deadline once every gap is filled, and exact deadlines across many streams', () => {
    const { rx } = setup({ nakDelayMinMs: 10, nakDelayMaxMs: 10 });
    for (let k = 0; k < 1000; k++) rx.onData(k, A1, 1, msg(2, { subject: `s${k}` }));
    expect(rx.nextDeadlineMs()).toBe(10);
    for (let k = 0; k < 500; k++) rx.onData(1000, A1, 0, msg(1, { subject: `s${k}` }));
    expect(rx.nextDeadlineMs()).toBe(510);
    for (let k = 500; k < 1000; k++) rx.onData(1000, A1, 0, msg(1, { subject: `s${k}` }));
    expect(rx.nextDeadlineMs()).toBeUndefined();
  });

  it('holds the NAKs of an unsynced stream until the grace ends, whatever was queued before the restart', () => {
    const { rx, sink, runUntil } = setup({ resyncGraceMs: 1000 });
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(3));
    runUntil(1599); // NAKs to a1 at 5, 55, 155, 355, 755, 1555; the next one queued for 2555
    expect(sink.naks('s').map((n) => n.target)).toEqual(Array(6).fill(A1));
    sink.clear();
    rx.onAdvert(1600, A2); // restart: 's' unsynced until 2600
    rx.onData(1600, A2, 1, msg(1, { subject: 'other' }));
    for (let t = 1600; t <= 2599; t++) rx.onTimer(t); // the shell may run it at any time
    expect(sink.naks('s')).toEqual([]);
    for (let t = 2600; t <= 2610; t++) rx.onTimer(t);
    expect(sink.naks('s').map((n) => n.target)).toEqual([A2]);
  });
});
