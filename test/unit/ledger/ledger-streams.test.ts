import { describe, it, expect } from 'vitest';
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
    for (let seq = 101; seq <= 103; seq++) window.add(msg('a', seq));
    const view = new LedgerStreams(10).view(window, () => 101);
    const got = view.serve('a', 99, 102, 100);
    expect(got.messages.map((m) => m.seq)).toEqual([101, 102]);
    expect(got.unavailable).toEqual([{ from: 99, to: 100 }]);
  });

  it("lowers a heartbeat's lowSeq to the oldest message the ledger holds", () => {
    const window = new SenderWindow();
    for (let seq = 101; seq <= 103; seq++) window.add(msg('a', seq));
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
});
