/**
 * The mark gate (actors/app/mark-gate.ts), a pure core: what a durable subscription hands at
 * once, what waits for a committed mark, in which order it leaves, and which marks it asks.
 */
import { describe, expect, it } from 'vitest';
import { MarkGate } from '../../../actors/app/mark-gate.js';

const m = (key: string, seq: number) => ({ key, seq });

function drain(gate: MarkGate<{ key: string; seq: number }>): string[] {
  const out: string[] = [];
  for (let x = gate.release(); x !== undefined; x = gate.release()) out.push(`${x.key}:${x.seq}`);
  return out;
}

describe('MarkGate', () => {
  it('admits at once up to the committed mark, holds above it, and asks one mark up to the newest held', () => {
    const gate = new MarkGate(100);
    gate.committedAt('a', 5);
    expect(gate.admit(m('a', 5))).toBe(true);
    expect(gate.admit(m('a', 6))).toBe(false);
    expect(gate.admit(m('a', 7))).toBe(false);
    expect(gate.waiting).toBe(2);
    const ask = gate.nextAsk('a');
    expect(ask?.seq).toBe(7);
    expect(ask?.high).toEqual(m('a', 7));
    expect(gate.nextAsk('a')).toBeUndefined(); // asked already
    expect(drain(gate)).toEqual([]);
    expect(gate.committed('a', 7)).toBe(false);
    expect(drain(gate)).toEqual(['a:6', 'a:7']);
    expect(gate.waiting).toBe(0);
    expect(gate.admit(m('a', 7))).toBe(true);
  });

  it('keeps the order messages came in across streams: one waiting holds back every later one', () => {
    const gate = new MarkGate(100);
    gate.committedAt('b', 10);
    expect(gate.admit(m('a', 1))).toBe(false);
    expect(gate.admit(m('b', 3))).toBe(false); // under b's mark, but behind a:1
    gate.committed('b', 10);
    expect(drain(gate)).toEqual([]);
    gate.committed('a', 1);
    expect(drain(gate)).toEqual(['a:1', 'b:3']);
  });

  it('asks at most `ahead` beyond the committed mark, and again once that is committed', () => {
    const gate = new MarkGate(4);
    for (let s = 1; s <= 10; s++) gate.admit(m('a', s));
    expect(gate.nextAsk('a')?.seq).toBe(4);
    expect(gate.committed('a', 4)).toBe(true); // more wait above
    expect(drain(gate)).toEqual(['a:1', 'a:2', 'a:3', 'a:4']);
    expect(gate.nextAsk('a')?.seq).toBe(8);
    expect(gate.committed('a', 8)).toBe(true);
    expect(gate.nextAsk('a')?.seq).toBe(10);
    expect(gate.committed('a', 10)).toBe(false);
    expect(drain(gate)).toEqual(['a:5', 'a:6', 'a:7', 'a:8', 'a:9', 'a:10']);
    expect(gate.nextAsk('a')).toBeUndefined();
  });

  it('follows the highest held seq when a stream starts again at low seqs behind held ones', () => {
    const gate = new MarkGate(10);
    gate.committedAt('a', 40);
    gate.admit(m('a', 50));
    expect(gate.nextAsk('a')?.seq).toBe(50);
    gate.admit(m('a', 1)); // the sender restarted without a ledger
    expect(gate.nextAsk('a')).toBeUndefined(); // 50 covers it
    expect(gate.committed('a', 50)).toBe(false);
    expect(drain(gate)).toEqual(['a:50', 'a:1']);
    // Further than one ask reaches: the stream still needs its next mark after the first commit.
    const far = new MarkGate(10);
    far.admit(m('b', 30));
    expect(far.nextAsk('b')?.seq).toBe(10);
    far.admit(m('b', 1));
    expect(far.committed('b', 10)).toBe(true);
    expect(far.nextAsk('b')?.seq).toBe(20);
  });

  it('a late commit of a lower mark does not lower the mark', () => {
    const gate = new MarkGate(100);
    gate.committedAt('a', 20);
    gate.committed('a', 5);
    expect(gate.admit(m('a', 20))).toBe(true);
  });

  it('clear() drops what waits, and a commit afterwards releases nothing', () => {
    const gate = new MarkGate(100);
    gate.admit(m('a', 1));
    gate.admit(m('a', 2));
    gate.nextAsk('a');
    gate.clear();
    expect(gate.waiting).toBe(0);
    gate.committed('a', 2);
    expect(drain(gate)).toEqual([]);
  });

  it('releases a long queue in order while compacting it', () => {
    const gate = new MarkGate(1_000_000);
    const n = 5000;
    for (let s = 1; s <= n; s++) gate.admit(m('a', s));
    gate.committed('a', 3000);
    const first = drain(gate);
    expect(first.length).toBe(3000);
    expect(gate.waiting).toBe(2000);
    gate.committed('a', n);
    const rest = drain(gate);
    expect([...first, ...rest]).toEqual(Array.from({ length: n }, (_, i) => `a:${i + 1}`));
  });

  it('renumbered(): a new numbering waits for marks of its own, unless the old one still waits', () => {
    const gate = new MarkGate(100);
    gate.committedAt('a', 50);
    gate.renumbered('a');
    expect(gate.admit(m('a', 1))).toBe(false); // before, 1 <= 50 went at once, with no mark of its own
    expect(gate.nextAsk('a')?.seq).toBe(1);
    gate.committed('a', 1);
    expect(drain(gate)).toEqual(['a:1']);
    // Old-numbering messages waiting keep their marks.
    const held = new MarkGate(100);
    held.committedAt('b', 10);
    held.admit(m('b', 11));
    held.renumbered('b');
    held.committed('b', 11);
    expect(drain(held)).toEqual(['b:11']);
  });
});
