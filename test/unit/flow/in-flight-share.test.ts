import { describe, expect, it } from 'vitest';
import { InFlightShare } from '../../../actors/flow/in-flight-share.js';

describe('InFlightShare', () => {
  it('counts the streams in flight rounded up to a power of two, and says when the count changed', () => {
    const share = new InFlightShare();
    expect(share.count).toBe(1);
    share.note('a', true);
    expect(share.settle()).toBe(false);
    share.note('b', true);
    expect(share.settle()).toBe(true);
    expect(share.count).toBe(2);
    for (const s of ['c', 'd', 'e']) share.note(s, true);
    expect(share.settle()).toBe(true);
    expect(share.count).toBe(8);
  });

  it('goes down only when the streams in flight fall to a quarter of the count (no work at every report)', () => {
    const share = new InFlightShare();
    for (let i = 0; i < 8; i++) share.note(`s${i}`, true);
    share.settle();
    expect(share.count).toBe(8);
    for (let i = 0; i < 5; i++) share.note(`s${i}`, false);
    expect(share.settle()).toBe(false); // 3 left: more than a quarter of 8
    expect(share.count).toBe(8);
    share.note('s5', false);
    expect(share.settle()).toBe(true); // 2 left: down to 2
    expect(share.count).toBe(2);
    share.forget('s6');
    share.forget('s7');
    expect(share.settle()).toBe(true);
    expect(share.count).toBe(1);
    expect(share.inFlightNow).toBe(0);
  });
});
