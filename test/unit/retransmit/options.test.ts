import { describe, it, expect } from 'vitest';
import { DEFAULT_RETRANSMIT_OPTIONS, resolveRetransmitOptions } from '../../../actors/retransmit/options.js';

describe('resolveRetransmitOptions', () => {
  it('returns the documented defaults when given nothing', () => {
    expect(resolveRetransmitOptions()).toEqual(DEFAULT_RETRANSMIT_OPTIONS);
    expect(DEFAULT_RETRANSMIT_OPTIONS).toMatchObject({
      rtoMinMs: 10,
      rtoMaxMs: 2000,
      rtoInitialMs: 100,
      maxInFlight: 256,
      maxAttempts: 8,
      maxAhead: 4096,
      ackDelayMs: 0,
      coalesceMs: 4,
      multicastThreshold: 2,
      repeatSuppressMs: 20,
      maxMessagesPerNak: 1024,
      maxNakRangeMessages: 1_000_000,
      askerRepairBytesPerSec: 16 * 1024 * 1024,
      askerRepairBurstBytes: 4 * 1024 * 1024,
      totalRepairBytesPerSec: 64 * 1024 * 1024,
      totalRepairBurstBytes: 16 * 1024 * 1024,
      maxPending: 65_536,
    });
    expect(Object.isFrozen(DEFAULT_RETRANSMIT_OPTIONS)).toBe(true);
  });

  it('merges given values over the defaults and treats undefined as absent', () => {
    const r = resolveRetransmitOptions({ coalesceMs: 0, ackDelayMs: 5, maxAttempts: undefined });
    expect(r.coalesceMs).toBe(0);
    expect(r.ackDelayMs).toBe(5);
    expect(r.maxAttempts).toBe(8);
  });

  it('rejects unknown keys, naming them', () => {
    expect(() => resolveRetransmitOptions({ rtoMs: 5 } as never)).toThrow(/options\.rtoMs is not a known option/);
  });

  it('rejects bad values with InvalidOptionError naming the option and the value', () => {
    expect(() => resolveRetransmitOptions({ maxInFlight: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/options\.maxInFlight .* got -1/) }),
    );
    expect(() => resolveRetransmitOptions({ coalesceMs: 1.5 })).toThrow(/options\.coalesceMs/);
    expect(() => resolveRetransmitOptions({ maxAttempts: '3' as never })).toThrow(/got "3"/);
    expect(() => resolveRetransmitOptions({ multicastThreshold: 0 })).toThrow(/multicastThreshold/);
    expect(() => resolveRetransmitOptions({ askerRepairBytesPerSec: -1 })).toThrow(/askerRepairBytesPerSec/);
    expect(() => resolveRetransmitOptions({ totalRepairBurstBytes: 0 })).toThrow(/totalRepairBurstBytes/);
    expect(() => resolveRetransmitOptions({ maxNakRangeMessages: 0 })).toThrow(/maxNakRangeMessages/);
    // 0 turns a budget off.
    expect(resolveRetransmitOptions({ askerRepairBytesPerSec: 0, totalRepairBytesPerSec: 0 })).toMatchObject({ askerRepairBytesPerSec: 0, totalRepairBytesPerSec: 0 });
  });

  it('requires rtoMinMs <= rtoInitialMs <= rtoMaxMs', () => {
    expect(() => resolveRetransmitOptions({ rtoMinMs: 200 })).toThrow(/rtoMinMs/);
    expect(() => resolveRetransmitOptions({ rtoMaxMs: 50 })).toThrow(/rtoMaxMs/);
    expect(resolveRetransmitOptions({ rtoMinMs: 100, rtoMaxMs: 100 }).rtoInitialMs).toBe(100);
  });

  it('requires maxPending to hold at least one full NAK', () => {
    expect(() => resolveRetransmitOptions({ maxPending: 10 })).toThrow(/maxPending/);
  });

  it('rejects a non-object', () => {
    expect(() => resolveRetransmitOptions(null as never)).toThrow(/options must be an object/);
  });
});
