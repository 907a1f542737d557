import { describe, it, expect } from 'vitest';
import { UnadvertisedHold } from '../../../actors/receiver/unadvertised-hold.js';
import { msg } from './helpers.js';

const A2 = { name: 'a', incarnation: 2 };
const A3 = { name: 'a', incarnation: 3 };

function setup(holdMs = 1000, maxItems = 10, maxBytes = 10_000) {
  const counters = { unadvertisedHeld: 0, unadvertisedDropped: 0, unadvertisedReplayed: 0 };
  return { counters, hold: new UnadvertisedHold(counters, holdMs, maxItems, maxBytes) };
}

describe('UnadvertisedHold', () => {
  it('hands back exactly one incarnation\'s frames, in arrival order, once', () => {
    const { hold, counters } = setup();
    hold.holdData(0, A2, 1, msg(1), 5);
    hold.holdData(1, A3, 1, msg(7), undefined);
    hold.holdHeartbeat(2, A2, [{ subject: 's', startSeq: 1, lowSeq: 1, highSeq: 4 }]);
    hold.holdData(3, A2, 1, msg(2), 5);
    const got = hold.take(4, A2);
    expect(got.map((f) => (f.kind === 'data' ? f.msg.seq : 'hb'))).toEqual([1, 'hb', 2]);
    expect(got[0]).toMatchObject({ atMs: 0, startSeq: 1, ageMs: 5 });
    expect(hold.take(5, A2)).toEqual([]);
    expect(hold.size).toBe(1);
    expect(counters).toEqual({ unadvertisedHeld: 4, unadvertisedDropped: 0, unadvertisedReplayed: 3 });
  });

  it('holds at most maxItems items and maxBytes bytes, dropping what does not fit, never what it holds', () => {
    const { hold, counters } = setup(1000, 3, 140); // 64 bytes per item beside its payload
    expect(hold.holdData(0, A2, 1, msg(1, { payload: new Uint8Array(5) }), undefined)).toBe(true);
    expect(hold.holdData(0, A2, 1, msg(2, { payload: new Uint8Array(20) }), undefined)).toBe(false); // bytes
    expect(hold.holdHeartbeat(0, A3, [1, 2, 3].map((k) => ({ subject: `s${k}`, startSeq: 1, lowSeq: 1, highSeq: 1 })))).toBe(false); // items
    expect(hold.holdData(0, A2, 1, msg(3, { payload: new Uint8Array(5) }), undefined)).toBe(true);
    expect(hold.size).toBe(2);
    expect(counters).toMatchObject({ unadvertisedHeld: 6, unadvertisedDropped: 4 });
    expect(hold.take(0, A2).map((f) => (f.kind === 'data' ? f.msg.seq : 0))).toEqual([1, 3]);
  });

  it('drops an incarnation holdMs after its first frame, at its deadline or on the next call', () => {
    const { hold, counters } = setup(1000);
    hold.holdData(0, A2, 1, msg(1), undefined);
    hold.holdData(400, A3, 1, msg(1), undefined);
    hold.holdData(900, A2, 1, msg(2), undefined);
    expect(hold.nextDeadlineMs()).toBe(1000);
    hold.onTimer(999);
    expect(hold.size).toBe(3);
    hold.onTimer(1000);
    expect(hold.size).toBe(1);
    expect(hold.nextDeadlineMs()).toBe(1400);
    expect(hold.take(1400, A3)).toEqual([]); // due as well: never handed back that old
    expect(hold.nextDeadlineMs()).toBeUndefined();
    expect(counters).toEqual({ unadvertisedHeld: 3, unadvertisedDropped: 3, unadvertisedReplayed: 0 });
  });
});
