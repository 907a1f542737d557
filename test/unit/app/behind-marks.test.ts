/**
 * Events behind held durable messages (actors/app/behind-marks.ts, pure): `peerLeft` and
 * `dataLoss` wait until what durable subscriptions held when they came has left the mark gates,
 * keep their order, and all go when the peer closes. With the gate's `passed` count
 * (actors/app/mark-gate.ts) as the durables use it.
 */
import { describe, expect, it } from 'vitest';
import { BehindMarks } from '../../../actors/app/behind-marks.js';
import { MarkGate } from '../../../actors/app/mark-gate.js';

const m = (key: string, seq: number) => ({ key, seq });

/** What the durables answer (durables.ts `heldNow`) over these gates. */
function heldNow(gates: MarkGate<{ key: string; seq: number }>[]) {
  return () => {
    const targets = gates.filter((g) => g.waiting > 0).map((g) => [g, g.passed + g.waiting] as const);
    return targets.length === 0 ? undefined : () => targets.every(([g, n]) => g.passed >= n);
  };
}

describe('BehindMarks', () => {
  it('emits at once when nothing is held and nothing waits', () => {
    const said: string[] = [];
    const b = new BehindMarks(() => undefined);
    b.after(() => said.push('left'));
    expect(said).toEqual(['left']);
    expect(b.size).toBe(0);
  });

  it('holds an event until the messages held when it came were handed, not those that came after', () => {
    const gate = new MarkGate(100);
    const said: string[] = [];
    const b = new BehindMarks(heldNow([gate]));
    gate.admit(m('a', 1));
    gate.admit(m('a', 2));
    b.after(() => said.push('left'));
    gate.admit(m('a', 3)); // came after the event
    b.progressed();
    expect(said).toEqual([]);
    gate.committed('a', 1);
    gate.release();
    b.progressed();
    expect(said).toEqual([]); // a:2 still held
    gate.committed('a', 2);
    gate.release();
    b.progressed();
    expect(said).toEqual(['left']);
    expect(gate.waiting).toBe(1);
  });

  it('keeps events in order: a later one with nothing held waits behind an earlier one', () => {
    const gate = new MarkGate(100);
    const said: string[] = [];
    const b = new BehindMarks(heldNow([gate]));
    gate.admit(m('a', 1));
    b.after(() => said.push('loss'));
    gate.committed('a', 1);
    gate.release();
    // Nothing held now, but 'loss' has not been emitted yet: 'left' goes behind it.
    b.after(() => said.push('left'));
    expect(said).toEqual([]);
    b.progressed();
    expect(said).toEqual(['loss', 'left']);
  });

  it('lets an event go when the subscription holding its messages closed (they were dropped)', () => {
    const g1 = new MarkGate(100);
    const g2 = new MarkGate(100);
    const said: string[] = [];
    const b = new BehindMarks(heldNow([g1, g2]));
    g1.admit(m('a', 1));
    g2.admit(m('b', 1));
    b.after(() => said.push('left'));
    g1.clear();
    b.progressed();
    expect(said).toEqual([]);
    expect(g1.passed).toBe(1);
    g2.clear();
    b.progressed();
    expect(said).toEqual(['left']);
  });

  it('emits everything waiting, in order, when the peer closes', () => {
    const gate = new MarkGate(100);
    const said: string[] = [];
    const b = new BehindMarks(heldNow([gate]));
    gate.admit(m('a', 1));
    b.after(() => said.push('one'));
    b.after(() => said.push('two'));
    b.flush();
    expect(said).toEqual(['one', 'two']);
    expect(b.size).toBe(0);
  });
});
