import { describe, it, expect } from 'vitest';
import { Pacer } from '../../../cli/pacer.js';

/** Drives a pacer at a fixed tick for `durationMs`, sending whatever is due. */
function run(pacer: Pacer, tickMs: number, durationMs: number, startMs = 1000): number {
  let sent = 0;
  for (let t = startMs; t < startMs + durationMs; t += tickMs) {
    const n = pacer.due(t);
    pacer.take(n);
    sent += n;
  }
  return sent;
}

describe('Pacer', () => {
  it('lets rate × time messages go, whatever the tick', () => {
    // Message k is due k / rate after the first: by t = 999 ms, 1,999 of the 2,000 of the first second.
    expect(run(new Pacer(2000), 1, 1000)).toBe(1999);
    expect(run(new Pacer(2000), 1, 1001)).toBe(2001);
    // A coarse tick sends the same number, in bursts.
    expect(run(new Pacer(2000), 7, 1001)).toBe(1989); // last tick at t = 994 ms: 1,988 + 1
    expect(run(new Pacer(10), 1, 1000)).toBe(10);
  });

  it('lets the first message go at once', () => {
    const p = new Pacer(1);
    expect(p.delayMs(0)).toBe(0);
    expect(p.due(5)).toBe(1);
  });

  it('says how long until the next message is due', () => {
    const p = new Pacer(100);
    p.take(p.due(0));
    expect(p.due(3)).toBe(0);
    expect(p.delayMs(3)).toBe(7);
    expect(p.due(10)).toBe(1);
  });

  it('after a stall, releases at most maxBurst at once instead of the whole backlog', () => {
    const p = new Pacer(1000, 50);
    p.take(p.due(0));
    expect(p.due(10_000)).toBe(50);
    p.take(50);
    // The schedule moved forward: the rate is kept from here on, with no second burst.
    expect(p.due(10_000)).toBe(0);
    expect(p.due(10_010)).toBe(10);
  });

  it('counts only what was taken', () => {
    const p = new Pacer(1000);
    expect(p.due(0)).toBe(1);
    expect(p.due(5)).toBe(6);
    p.take(2);
    expect(p.due(5)).toBe(4);
  });

  it('rejects a rate that is not a positive finite number', () => {
    for (const r of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new Pacer(r)).toThrow(RangeError);
  });
});
