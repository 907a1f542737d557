import { describe, it, expect } from 'vitest';
import { TokenBucket } from '../../../actors/sender/token-bucket.js';

describe('TokenBucket', () => {
  it('lets everything through when the rate is off', () => {
    const b = new TokenBucket(0, 100);
    expect(b.limits).toBe(false);
    b.take(0, 1_000_000);
    expect(b.check(0, 1_000_000)).toBeUndefined();
    expect(b.nextDeadlineMs()).toBeUndefined();
  });

  it('spends the burst, then names when the next message may go, and refills at the rate', () => {
    const b = new TokenBucket(1000, 100); // 1 byte per ms
    expect(b.check(0, 60)).toBeUndefined();
    b.take(0, 60);
    expect(b.check(0, 60)).toBe(20); // 40 tokens left: 20 ms for the other 20
    expect(b.nextDeadlineMs()).toBe(20);
    expect(b.check(19, 60)).toBe(20);
    b.onTimer(19);
    expect(b.nextDeadlineMs()).toBe(20);
    expect(b.check(20, 60)).toBeUndefined();
    b.onTimer(20);
    expect(b.nextDeadlineMs()).toBeUndefined();
  });

  it('never holds more than the burst, and paces a message larger than the burst on average', () => {
    const b = new TokenBucket(1000, 100);
    b.check(0, 1);
    expect(b.check(60_000, 100)).toBeUndefined(); // a minute idle still leaves 100 tokens
    b.take(60_000, 100);
    expect(b.check(60_000, 1)).toBe(60_001);
    const big = new TokenBucket(1000, 100);
    expect(big.check(0, 500)).toBeUndefined(); // needs only the burst
    big.take(0, 500); // and goes 400 into debt
    expect(big.check(0, 500)).toBe(500);
  });
});
