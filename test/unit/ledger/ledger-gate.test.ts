import { describe, it, expect } from 'vitest';
import { LedgerGate } from '../../../actors/ledger/ledger-gate.js';

describe('LedgerGate', () => {
  it("'sync' lets a sequence on the wire only once the ledger reported it committed", () => {
    const g = new LedgerGate('sync', 100);
    g.resume({ a: 10 }, 0);
    expect(g.allows('a', 10)).toBe(true);
    expect(g.allows('a', 11)).toBe(false);
    g.onCommitted('a', 12);
    expect(g.allows('a', 12)).toBe(true);
    expect(g.allows('a', 13)).toBe(false);
  });

  it("'sync' holds a new stream until its first commit, whatever the floor", () => {
    const g = new LedgerGate('sync', 100);
    g.resume({}, 1_000);
    expect(g.committedSeq('b')).toBe(1_000);
    expect(g.allows('b', 1_001)).toBe(false);
    g.onCommitted('b', 1_001);
    expect(g.allows('b', 1_001)).toBe(true);
  });

  it("'async' lets a sequence go up to maxUnflushedPerStream ahead of the last reported flush", () => {
    const g = new LedgerGate('async', 3);
    g.resume({ a: 10 }, 0);
    expect(g.allows('a', 13)).toBe(true);
    expect(g.allows('a', 14)).toBe(false);
    g.onCommitted('a', 11);
    expect(g.allows('a', 14)).toBe(true);
  });

  it('never moves the committed mark back (reports may arrive out of order)', () => {
    const g = new LedgerGate('sync', 1);
    g.onCommitted('a', 20);
    g.onCommitted('a', 15);
    expect(g.committedSeq('a')).toBe(20);
  });

  it("'none' never holds anything back", () => {
    const g = new LedgerGate('none', 1);
    expect(g.allows('a', Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});
