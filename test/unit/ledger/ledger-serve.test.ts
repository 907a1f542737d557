import { describe, it, expect } from 'vitest';
import { serveFromLedger, widenToSkip, type SentReader } from '../../../actors/ledger/ledger-serve.js';
import type { LedgerMessage } from '../../../storage/sent-record.js';

/** A reader holding `seqs` of subject 's' (payload = [seq & 255]); counts what it is asked. */
function reader(seqs: number[]): SentReader & { calls: [number, number, number][] } {
  const held = new Map<number, LedgerMessage>(seqs.map((seq) => [seq, { seq, flags: 1, payload: new Uint8Array([seq & 255]), sentAtMs: 0 }]));
  const calls: [number, number, number][] = [];
  return {
    calls,
    getSent(subject, from, to, max) {
      calls.push([from, to, max]);
      if (subject !== 's') return [];
      const out: LedgerMessage[] = [];
      for (const seq of [...held.keys()].sort((a, b) => a - b)) if (seq >= from && seq <= to && out.length < max) out.push(held.get(seq)!);
      return out;
    },
  };
}

describe('serveFromLedger', () => {
  it('returns what the ledger holds and reports every other sequence of the ranges unavailable', () => {
    const r = serveFromLedger(reader([3, 4, 7]), 's', [{ from: 1, to: 8 }], 100, 10);
    expect(r.messages.map((m) => [m.subject, m.seq, m.flags])).toEqual([
      ['s', 3, 1],
      ['s', 4, 1],
      ['s', 7, 1],
    ]);
    expect(r.unavailable).toEqual([
      { from: 1, to: 2 },
      { from: 5, to: 6 },
      { from: 8, to: 8 },
    ]);
    expect(r.deferred).toBe(0);
  });

  it('serves a message stored whole with fragmentBytes as the same fragments, all under its seq', () => {
    const payload = Uint8Array.from({ length: 10 }, (_, i) => i);
    const one: SentReader = { getSent: () => [{ seq: 5, flags: 1, payload, sentAtMs: 0, fragmentBytes: 4 }] };
    const r = serveFromLedger(one, 's', [{ from: 5, to: 5 }], 1, 10);
    expect(r.messages.map((m) => [m.seq, m.flags, m.fragIndex, m.fragCount, [...m.payload]])).toEqual([
      [5, 0x01 | 0x02 | 0x04, 0, 3, [0, 1, 2, 3]],
      [5, 0x01 | 0x02, 1, 3, [4, 5, 6, 7]],
      [5, 0x01 | 0x02 | 0x08, 2, 3, [8, 9]],
    ]);
    expect(r.deferred).toBe(0); // maxMessages 1: a fragmented message counts once
  });

  it('reports a record of the old per-fragment numbering unavailable instead of serving it', () => {
    const old: SentReader = { getSent: () => [{ seq: 5, flags: 0x02 | 0x04, payload: new Uint8Array(3), sentAtMs: 0 }] };
    expect(serveFromLedger(old, 's', [{ from: 5, to: 5 }], 10, 10)).toEqual({ messages: [], unavailable: [{ from: 5, to: 5 }], deferred: 0 });
  });

  it('keeps a reply subject', () => {
    const one: SentReader = { getSent: () => [{ seq: 2, flags: 0, replyTo: '_INBOX.x', payload: new Uint8Array(1), sentAtMs: 0 }] };
    expect(serveFromLedger(one, 's', [{ from: 2, to: 2 }], 10, 10).messages[0]).toMatchObject({ seq: 2, replyTo: '_INBOX.x' });
  });

  it('stops at maxMessages and defers the rest instead of calling it unavailable', () => {
    const r = serveFromLedger(reader([1, 2, 3, 4, 5, 10]), 's', [{ from: 1, to: 5 }, { from: 9, to: 11 }], 3, 10);
    expect(r.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(r.unavailable).toEqual([]);
    expect(r.deferred).toBe(2 + 3);
  });

  it('answers a hostile 2^53-wide range by asking the reader once, never looping over its width', () => {
    const rd = reader([5]);
    const r = serveFromLedger(rd, 's', [{ from: 1, to: Number.MAX_SAFE_INTEGER }], 10, 10);
    expect(r.messages.map((m) => m.seq)).toEqual([5]);
    expect(r.unavailable).toEqual([
      { from: 1, to: 4 },
      { from: 6, to: Number.MAX_SAFE_INTEGER },
    ]);
    expect(rd.calls).toHaveLength(1);
  });

  it('normalizes untrusted ranges: drops malformed ones, merges overlaps, reads at most maxRanges, skips seq 0', () => {
    const rd = reader([1, 2]);
    const r = serveFromLedger(
      rd,
      's',
      [{ from: 2, to: 1 }, { from: 0, to: 0 }, { from: 1, to: 1 }, { from: 1, to: 2 }, { from: 50, to: 60 }],
      10,
      4,
    );
    expect(r.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(r.unavailable).toEqual([]);
    expect(rd.calls).toEqual([[1, 2, 10]]);
  });

  it('ignores what a faulty reader returns outside the range asked', () => {
    const bad: SentReader = { getSent: () => [{ seq: 9, flags: 0, payload: new Uint8Array(1), sentAtMs: 0 }] };
    const r = serveFromLedger(bad, 's', [{ from: 1, to: 3 }], 10, 10);
    expect(r.messages).toEqual([]);
    expect(r.unavailable).toEqual([{ from: 1, to: 3 }]);
  });
});

describe('widenToSkip', () => {
  it('answers a NAK into the numbers a restart skipped with all of them at once', () => {
    // Stored up to 10; the restart skipped 11..1000 (an unclean 'async' stop); the receiver asks 9..1034 by parts.
    const store = reader([8, 9, 10]);
    const r = widenToSkip(store, 's', serveFromLedger(store, 's', [{ from: 9, to: 1034 }], 100, 10), 1000);
    expect(r.messages.map((m) => m.seq)).toEqual([9, 10]);
    expect(r.unavailable).toEqual([{ from: 11, to: 1034 }]); // beyond the skip: as asked
    const part = widenToSkip(store, 's', serveFromLedger(store, 's', [{ from: 11, to: 42 }], 100, 10), 1000);
    expect(part.unavailable).toEqual([{ from: 11, to: 1000 }]);
  });

  it('widens nothing the ledger still holds, nothing deferred, and nothing when the skip is passed', () => {
    // Retention took 1..4; 5..10 are held: the unavailable 1..4 stays as it is.
    const held = reader([5, 6, 7, 8, 9, 10]);
    expect(widenToSkip(held, 's', serveFromLedger(held, 's', [{ from: 1, to: 4 }], 100, 10), 1000).unavailable).toEqual([{ from: 1, to: 4 }]);
    // maxMessages reached: the rest was not looked at.
    const deferred = serveFromLedger(held, 's', [{ from: 5, to: 20 }], 2, 10);
    expect(deferred.deferred).toBeGreaterThan(0);
    expect(widenToSkip(held, 's', deferred, 1000)).toBe(deferred);
    // Nothing unavailable, or at or beyond the skip's end.
    const none = serveFromLedger(held, 's', [{ from: 5, to: 6 }], 100, 10);
    expect(widenToSkip(held, 's', none, 1000)).toBe(none);
    const after = serveFromLedger(held, 's', [{ from: 1001, to: 1002 }], 100, 10);
    expect(widenToSkip(held, 's', after, 1000)).toBe(after);
  });
});
