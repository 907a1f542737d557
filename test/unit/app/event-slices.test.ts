import { describe, expect, it } from 'vitest';
import { EventSlices, type SliceBacklog } from '../../../actors/app/event-slices.js';

/** A clock each handled event moves on by its cost, and a next-turn queue the test runs. */
function rig(costMs: (e: number) => number, sliceMs = 20) {
  let now = 0;
  const turns: (() => void)[] = [];
  const handled: number[] = [];
  const log: string[] = [];
  const backlog: SliceBacklog<number> = {
    queued: (e) => (log.push(`q${e}`), e),
    taken: (e) => void log.push(`t${e}`),
  };
  const slices = new EventSlices<number>(
    (e) => {
      handled.push(e);
      now += costMs(e);
      return undefined;
    },
    backlog,
    sliceMs,
    () => now,
    (run) => void turns.push(run),
  );
  const nextTurn = (): boolean => {
    const run = turns.shift();
    run?.();
    return run !== undefined;
  };
  return { slices, handled, log, turns, nextTurn, tick: (ms: number) => (now += ms) };
}

describe('EventSlices (the actors\' events, in slices of the application\'s time per turn)', () => {
  it('handles events at once while a turn has time left: nothing waits, nothing is told to the backlog', () => {
    const r = rig(() => 1);
    for (let e = 1; e <= 10; e++) r.slices.push(e);
    expect(r.handled).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.slices.waiting).toBe(0);
    expect(r.log).toEqual([]);
  });

  it('once a slice has used its time, later events wait in order for the next turns, a slice each, at least one event a turn', () => {
    const r = rig((e) => (e === 3 ? 50 : 5)); // the third takes 50 ms
    for (let e = 1; e <= 12; e++) r.slices.push(e);
    expect(r.handled).toEqual([1, 2, 3]);
    expect(r.slices.waiting).toBe(9);
    expect(r.slices.deferred).toBe(9);
    r.nextTurn();
    expect(r.handled).toEqual([1, 2, 3, 4, 5, 6, 7]); // 4 x 5 ms = 20 ms
    r.slices.push(13); // behind those waiting, though this turn may have time left
    r.nextTurn();
    r.nextTurn();
    expect(r.handled).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(r.log.filter((l) => l.startsWith('q'))).toEqual(['q4', 'q5', 'q6', 'q7', 'q8', 'q9', 'q10', 'q11', 'q12', 'q13']);
    expect(r.log.filter((l) => l.startsWith('t'))).toEqual(['t4', 't5', 't6', 't7', 't8', 't9', 't10', 't11', 't12', 't13']);
  });

  it('a slice ends exactly at its time: an event that finds sliceMs spent waits; one turn is scheduled however many wait', async () => {
    const r = rig(() => 10);
    r.slices.push(1);
    r.slices.push(2); // 20 ms spent now, exactly the slice
    r.slices.push(3);
    r.slices.push(4);
    expect(r.handled).toEqual([1, 2]);
    expect(r.turns).toHaveLength(1); // the slice's end, which goes on with what waits
    let empty = false;
    void r.slices.drained().then(() => (empty = true));
    r.nextTurn();
    expect(r.handled).toEqual([1, 2, 3, 4]);
    await Promise.resolve();
    expect(empty).toBe(true);
    await r.slices.drained(); // nothing waits: at once
  });

  it('a new turn starts a new slice: the first event after an idle turn is handled at once', () => {
    const r = rig(() => 30);
    r.slices.push(1);
    r.slices.push(2); // the slice is spent: waits
    expect(r.handled).toEqual([1]);
    r.nextTurn();
    expect(r.handled).toEqual([1, 2]);
    while (r.nextTurn()); // the slice ends with the turn
    r.tick(1000);
    r.slices.push(3);
    expect(r.handled).toEqual([1, 2, 3]);
  });

  it('drained() resolves once nothing waits; drop() hands back what waits (told as taken) and handles later events at once', async () => {
    const r = rig(() => 30);
    for (let e = 1; e <= 5; e++) r.slices.push(e);
    expect(r.handled).toEqual([1]);
    let empty = false;
    void r.slices.drained().then(() => (empty = true));
    r.nextTurn();
    await Promise.resolve();
    expect(empty).toBe(false);
    expect(r.slices.drop()).toEqual([3, 4, 5]);
    await Promise.resolve();
    expect(empty).toBe(true);
    expect(r.log.filter((l) => l.startsWith('t'))).toEqual(['t2', 't3', 't4', 't5']);
    r.slices.push(6);
    r.slices.push(7);
    expect(r.handled).toEqual([1, 2, 6, 7]);
    while (r.nextTurn());
    expect(r.handled).toEqual([1, 2, 6, 7]);
  });

  it('an event the handler could only do part of by the deadline goes on first next turn, with what it left', () => {
    // Each event is a run of units of 5 ms; the handler stops at the deadline and returns the rest.
    let now = 0;
    const turns: (() => void)[] = [];
    const done: string[] = [];
    const slices = new EventSlices<{ id: string; units: number }>(
      (e, deadlineMs) => {
        let u = 0;
        while (u < e.units) {
          if (now >= deadlineMs) return { id: e.id, units: e.units - u };
          now += 5;
          done.push(`${e.id}${++u}`);
        }
        return undefined;
      },
      { queued: (e) => e, taken: () => undefined },
      20,
      () => now,
      (run) => void turns.push(run),
    );
    slices.push({ id: 'a', units: 10 }); // 4 units (20 ms) now, 6 left
    slices.push({ id: 'b', units: 1 }); // behind a's rest
    expect(done).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(slices.waiting).toBe(2);
    turns.shift()!();
    expect(done.slice(4)).toEqual(['a1', 'a2', 'a3', 'a4']); // the rest's units, counted again from 1
    turns.shift()!();
    expect(done.slice(8)).toEqual(['a1', 'a2', 'b1']);
    expect(slices.waiting).toBe(0);
  });

  it('a handler that throws does not stop the queue: what waits is handled in the next turns', () => {
    let now = 0;
    const turns: (() => void)[] = [];
    const handled: number[] = [];
    const slices = new EventSlices<number>(
      (e) => {
        now += 30;
        if (e === 2) throw new Error('boom');
        handled.push(e);
        return undefined;
      },
      { queued: (e) => e, taken: () => undefined },
      20,
      () => now,
      (run) => void turns.push(run),
    );
    for (let e = 1; e <= 4; e++) slices.push(e);
    expect(() => turns.shift()!()).toThrow('boom');
    while (turns.length > 0) turns.shift()!();
    expect(handled).toEqual([1, 3, 4]);
  });
});
