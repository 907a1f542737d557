import { describe, it, expect } from 'vitest';
import { datagramOf } from '../../fixtures/unit/datagrams.js';
import { LedgerStreams } from '../../../actors/ledger/ledger-streams.js';
import { SenderWindow } from '../../../actors/sender/sender-window.js';
import type { WireMessage } from '../../../codecs/frame.js';

const msg = (subject: string, seq: number): WireMessage => ({ subject, seq, flags: 0, payload: new Uint8Array(4) });

describe('LedgerStreams', () => {
  it('reports what an earlier incarnation sent as unavailable in the empty window, so it is looked up in the ledger', () => {
    const window = new SenderWindow();
    const streams = new LedgerStreams(10);
    const view = streams.view(window, (s) => (s === 'a' ? 101 : undefined));
    expect(view.serve('a', 40, 60, 100)).toEqual({ messages: [], unavailable: [{ from: 40, to: 60 }] });
    // beyond what was ever sent: neither served nor unavailable
    expect(view.serve('a', 95, 500, 100)).toEqual({ messages: [], unavailable: [{ from: 95, to: 100 }] });
    expect(view.serve('a', 101, 500, 100)).toEqual({ messages: [], unavailable: [] });
    // a stream this peer never used before: nothing to say
    expect(view.serve('b', 1, 5, 100)).toEqual({ messages: [], unavailable: [] });
  });

  it('leaves the answer of a window that holds the stream alone (it reports older sequences itself)', () => {
    const window = new SenderWindow();
    for (let seq = 101; seq <= 103; seq++) window.addDatagram(datagramOf([msg('a', seq)]));
    const view = new LedgerStreams(10).view(window, () => 101);
    const got = view.serve('a', 99, 102, 100);
    expect(got.messages.map((m) => m.seq)).toEqual([101, 102]);
    expect(got.unavailable).toEqual([{ from: 99, to: 100 }]);
  });

  it("lowers a heartbeat's lowSeq to the oldest message the ledger holds", () => {
    const window = new SenderWindow();
    for (let seq = 101; seq <= 103; seq++) window.addDatagram(datagramOf([msg('a', seq)]));
    const streams = new LedgerStreams(10);
    expect(streams.streamInfo(window, 'a', 101)).toEqual({ subject: 'a', startSeq: 101, lowSeq: 101, highSeq: 103 });
    streams.update([{ subject: 'a', lowSeq: 7, highSeq: 100 }]);
    expect(streams.streamInfo(window, 'a', 101)).toEqual({ subject: 'a', startSeq: 101, lowSeq: 7, highSeq: 103 });
    // resumed, nothing sent yet in this incarnation
    expect(streams.streamInfo(new SenderWindow(), 'a', 101)).toEqual({ subject: 'a', startSeq: 101, lowSeq: 7, highSeq: 100 });
  });

  it('does not lower lowSeq for a stream of which the ledger holds nothing', () => {
    const streams = new LedgerStreams(10);
    streams.update([{ subject: 'a', lowSeq: 101, highSeq: 100 }]);
    expect(streams.heldFrom('a')).toBeUndefined();
    expect(streams.streamInfo(new SenderWindow(), 'a', 101).lowSeq).toBe(101);
  });

  it('knows at most maxStreams streams', () => {
    const streams = new LedgerStreams(1);
    streams.update([
      { subject: 'a', lowSeq: 1, highSeq: 5 },
      { subject: 'b', lowSeq: 1, highSeq: 5 },
    ]);
    expect(streams.heldFrom('a')).toBe(1);
    expect(streams.heldFrom('b')).toBeUndefined();
    expect(streams.refused).toBe(1);
  });

  it('keeps the highest seq a stream ever reached when a later report only moves its low end (retention), and ignores a report with a non-integer end', () => {
    const streams = new LedgerStreams(10);
    streams.update([{ subject: 'a', lowSeq: 1, highSeq: 10 }]);
    // Retention removed 1..8; a stale or partial report's high (8) must not lower the known high.
    streams.update([{ subject: 'a', lowSeq: 9, highSeq: 8 }]);
    expect(streams.heldFrom('a')).toBe(9);
    streams.update([{ subject: 'b', lowSeq: Number.NaN, highSeq: 5 }, { subject: 'c', lowSeq: 1, highSeq: Infinity }]);
    expect(streams.heldFrom('b')).toBeUndefined();
    expect(streams.heldFrom('c')).toBeUndefined();
  });

  it('knows a ledger that holds exactly one message of a stream', () => {
    const streams = new LedgerStreams(10);
    streams.update([{ subject: 'a', lowSeq: 42, highSeq: 42 }]);
    expect(streams.heldFrom('a')).toBe(42);
  });

  it("never raises a heartbeat's lowSeq to what the ledger holds", () => {
    const window = new SenderWindow();
    for (let seq = 10; seq <= 12; seq++) window.addDatagram(datagramOf([msg('a', seq)]));
    const streams = new LedgerStreams(10);
    streams.update([{ subject: 'a', lowSeq: 11, highSeq: 12 }]);
    expect(streams.streamInfo(window, 'a', 10).lowSeq).toBe(10);
  });

  it('reports the single seq of an earlier incarnation as unavailable, and nothing for a NAK that is not a number', () => {
    const view = new LedgerStreams(10).view(new SenderWindow(), () => 2);
    expect(view.serve('a', 1, 1, 100)).toEqual({ messages: [], unavailable: [{ from: 1, to: 1 }] });
    expect(view.serve('a', 1, 5, 100)).toEqual({ messages: [], unavailable: [{ from: 1, to: 1 }] });
    expect(view.serve('a', Number.NaN, 1, 100)).toEqual({ messages: [], unavailable: [] });
    expect(view.serve('a', 1, Number.NaN, 100)).toEqual({ messages: [], unavailable: [] });
  });

  it("serves fragments from the window's copy", () => {
    const window = new SenderWindow();
    window.addDatagram(datagramOf([msg('a', 1)]));
    const view = new LedgerStreams(10).view(window, () => 1);
    expect(view.serveFragments('a', { seq: 1, fromFrag: 0, toFrag: 0 })?.map((m) => m.seq)).toEqual([1]);
    expect(view.serveFragments('a', { seq: 9, fromFrag: 0, toFrag: 0 })).toBeUndefined();
  });
});

