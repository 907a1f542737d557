import { describe, expect, it } from 'vitest';
import { AckPacing } from '../../../bridge/ack-pacing.js';

describe('AckPacing', () => {
  it('acknowledges at once when enough messages are acknowledgeable, the newest covering them', () => {
    const p = new AckPacing<string>(4, 10);
    expect(p.offer('m2', 2, 0)).toBeUndefined();
    expect(p.offer('m4', 2, 1)).toBe('m4');
    expect(p.nextDeadlineMs()).toBeUndefined();
  });

  it('acknowledges a few messages once the delay from the first of them passed', () => {
    const p = new AckPacing<string>(256, 10);
    expect(p.offer('m1', 1, 100)).toBeUndefined();
    expect(p.offer('m2', 1, 105)).toBeUndefined();
    expect(p.nextDeadlineMs()).toBe(110);
    expect(p.onTimer(109)).toBeUndefined();
    expect(p.onTimer(110)).toBe('m2');
    expect(p.onTimer(200)).toBeUndefined();
    expect(p.nextDeadlineMs()).toBeUndefined();
  });

  it('gives what is pending when stopping, once', () => {
    const p = new AckPacing<string>(256, 10);
    expect(p.take()).toBeUndefined();
    p.offer('m1', 1, 0);
    expect(p.take()).toBe('m1');
    expect(p.take()).toBeUndefined();
  });

  it('starts a new delay after each acknowledgement', () => {
    const p = new AckPacing<string>(2, 10);
    expect(p.offer('m2', 2, 0)).toBe('m2');
    expect(p.offer('m3', 1, 50)).toBeUndefined();
    expect(p.nextDeadlineMs()).toBe(60);
  });
});
