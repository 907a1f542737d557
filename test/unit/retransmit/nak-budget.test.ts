import { describe, expect, it } from 'vitest';
import { NakBudget, type NakBudgetOptions } from '../../../actors/retransmit/nak-budget.js';

function budget(o: Partial<NakBudgetOptions> = {}): NakBudget {
  return new NakBudget({ askerRepairBytesPerSec: 1000, askerRepairBurstBytes: 500, totalRepairBytesPerSec: 4000, totalRepairBurstBytes: 1000, ...o });
}

/** How many messages of `bytes` `take` lets through at `nowMs` for `asker`. */
function drain(b: NakBudget, nowMs: number, asker: string | undefined, bytes: number): number {
  let n = 0;
  while (n < 10_000 && b.take(nowMs, asker, bytes) === 'ok') n++;
  return n;
}

describe('NakBudget', () => {
  it('lets one asker have its burst at once, then its rate', () => {
    const b = budget();
    expect(drain(b, 0, 'a', 100)).toBe(5);
    expect(b.take(0, 'a', 100)).toBe('asker');
    expect(b.take(99, 'a', 100)).toBe('asker');
    expect(b.take(100, 'a', 100)).toBe('ok');
    // Quiet for a long time: refilled to the burst, no more.
    expect(drain(b, 60_000, 'a', 100)).toBe(5);
  });

  it('keeps askers apart and bounds them together by the total', () => {
    const b = budget();
    expect(drain(b, 0, 'a', 100)).toBe(5);
    expect(drain(b, 0, 'b', 100)).toBe(5);
    expect(b.take(0, 'c', 100)).toBe('total');
    // Multicast pays the total only.
    expect(b.take(250, undefined, 100)).toBe('ok');
  });

  it('lets a message larger than the burst through a full bucket, paid back before the next', () => {
    const b = budget({ totalRepairBytesPerSec: 0 });
    expect(b.take(0, 'a', 2000)).toBe('ok');
    expect(b.take(1000, 'a', 100)).toBe('asker'); // -2000 + 1000 refilled
    expect(b.take(1600, 'a', 100)).toBe('ok');
  });

  it('charges the rest of a message it let begin, into debt', () => {
    const b = budget({ totalRepairBytesPerSec: 0 });
    expect(b.take(0, 'a', 100)).toBe('ok');
    b.charge('a', 900);
    expect(b.take(0, 'a', 1)).toBe('asker');
    expect(b.take(500, 'a', 1)).toBe('asker');
    expect(b.take(501, 'a', 1)).toBe('ok');
  });

  it('limits nothing with both rates at 0', () => {
    const b = budget({ askerRepairBytesPerSec: 0, totalRepairBytesPerSec: 0 });
    expect(drain(b, 0, 'a', 1_000_000)).toBe(10_000);
    expect(b.askerCount).toBe(0);
  });

  it('remembers a bounded number of askers, forgetting full buckets first', () => {
    const b = budget({ totalRepairBytesPerSec: 0 });
    expect(b.take(0, 'busy', 500)).toBe('ok');
    for (let i = 0; i < 10_000; i++) b.take(0, `forged-${i}`, 1);
    expect(b.askerCount).toBeLessThanOrEqual(4096);
    // A second later every forged bucket is full again: they go first, and a new name starts full.
    b.take(1000, 'new', 1);
    expect(b.askerCount).toBeLessThan(4096);
    b.forget('busy');
    expect(drain(b, 1000, 'busy', 100)).toBe(5);
  });
});
