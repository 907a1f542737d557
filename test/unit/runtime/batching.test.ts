import { describe, expect, it } from 'vitest';
import { batchEnds, MAX_BATCH_BYTES, recordBytes } from '../../../runtime/batching.js';

describe('cross-thread batching (one rule for publishes, datagrams, ledger appends and deliveries)', () => {
  it('keeps what fits in one message together', () => {
    expect(batchEnds(0, () => 1)).toEqual([]);
    expect(batchEnds(3, () => 100)).toEqual([3]);
  });

  it('ends a message with the item whose bytes reach the bound, and lets one oversized item go alone', () => {
    const quarter = MAX_BATCH_BYTES / 4;
    expect(batchEnds(9, () => quarter)).toEqual([4, 8, 9]);
    expect(batchEnds(3, (i) => (i === 1 ? 10 * MAX_BATCH_BYTES : 1))).toEqual([2, 3]);
    expect(batchEnds(2, () => MAX_BATCH_BYTES)).toEqual([1, 2]);
  });

  it('counts a record as its payload, its subject and 32 bytes of header', () => {
    expect(recordBytes(64, 10)).toBe(106);
    // 64-byte messages on a 10-byte subject: about 2,473 per message.
    expect(batchEnds(10_000, () => recordBytes(64, 10))[0]).toBe(Math.ceil(MAX_BATCH_BYTES / 106));
  });
});
