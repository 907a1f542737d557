import { describe, expect, it } from 'vitest';
import { CreditWindow, firstWindow } from '../../../actors/sender/credit-window.js';

const o = { flowWindowMessages: 1600, flowWindowBytes: 160_000 };

describe('CreditWindow', () => {
  it('before any credit, lets a stream send 1/16 of the window from its first seq in this incarnation', () => {
    const c = new CreditWindow(o);
    expect(c.limit('a', 0, 1, 10)).toBe(100); // 1600 messages / 16
    expect(c.limit('a', 0, 41, 10)).toBe(140); // a resumed stream counts from its start
    expect(c.limit('a', 0, 1, 1000)).toBe(10); // 160 messages of 1000 bytes fill the window by bytes
  });

  it('keeps the first window within the retransmission window: half of it by messages, a quarter by bytes', () => {
    expect(firstWindow({ ...o, windowMaxMessages: 512 }, 10)).toBe(16); // 256 / 16, not 1600 / 16
    expect(firstWindow({ ...o, windowMaxMessages: 1_000_000, windowMaxBytes: 64_000 }, 100)).toBe(10); // 16,000 bytes: 160 messages / 16
    expect(firstWindow({ ...o, windowMaxMessages: 1_000_000, windowMaxBytes: 1_000_000_000 }, 10)).toBe(100);
  });

  it('lets at least one message go, however large', () => {
    expect(firstWindow(o, 10_000_000)).toBe(1);
    expect(firstWindow(o, 0)).toBe(100);
  });

  it('follows the flow actor\'s credit once there is one, lower or higher, per stream', () => {
    const c = new CreditWindow(o);
    c.onCredit('a', 0, 5);
    expect(c.limit('a', 0, 1, 10)).toBe(5);
    c.onCredit('a', 0, 9000);
    expect(c.limit('a', 0, 1, 10)).toBe(9000);
    expect(c.limit('b', 1, 1, 10)).toBe(100);
    expect(c.limit('c', 7, 1, 10)).toBe(100);
  });

  it('keeps a credit that comes before the sender has an index for its subject, for its first use', () => {
    const c = new CreditWindow(o);
    c.onCredit('a', undefined, 5);
    expect(c.limit('b', 0, 1, 10)).toBe(100);
    expect(c.limit('a', 1, 1, 10)).toBe(5);
    c.onCredit('a', 1, 7);
    expect(c.limit('a', 1, 1, 10)).toBe(7);
  });
});
