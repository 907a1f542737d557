import { describe, it, expect } from 'vitest';
import { DEFAULT_RECEIVER_OPTIONS, resolveReceiverOptions } from '../../../actors/receiver/options.js';

describe('resolveReceiverOptions', () => {
  it('returns the documented defaults', () => {
    expect(resolveReceiverOptions()).toEqual({
      maxBufferedMessages: 32_768,
      tailQuietMs: 20,
      maxBufferedBytes: 64 * 1024 * 1024,
      maxStreams: 250_000,
      maxStreamsPerSender: 100_000,
      idleStreamMs: 60_000,
      maxUnlistedStreams: 256,
      unlistedSenderExpiryMs: 5000,
      maxMessageBytes: 16 * 1024 * 1024,
      nakDelayMinMs: 2,
      nakDelayMaxMs: 20,
      nakRetryMs: 50,
      nakRetryMaxMs: 1000,
      nakMaxRetries: 12,
      maxNakRanges: 64,
      maxNakSeqs: 1024,
      maxGapMessages: 1_000_000,
      maxGapConfirmMs: 5000,
      lateJoinMaxMessages: 4096,
      resyncGraceMs: 1000,
    });
    expect(Object.isFrozen(DEFAULT_RECEIVER_OPTIONS)).toBe(true);
  });

  it('merges given values over the defaults', () => {
    expect(resolveReceiverOptions({ nakRetryMs: 10, lateJoinMaxMessages: 0 })).toMatchObject({ nakRetryMs: 10, lateJoinMaxMessages: 0 });
  });

  it('rejects unknown keys and bad values naming the option', () => {
    expect(() => resolveReceiverOptions({ nakDelayMs: 5 } as never)).toThrow(/options\.nakDelayMs is not a known option/);
    expect(() => resolveReceiverOptions({ nakRetryMs: -1 })).toThrow(/options\.nakRetryMs must be an integer/);
    expect(() => resolveReceiverOptions({ maxBufferedMessages: 1.5 })).toThrow(/options\.maxBufferedMessages/);
    expect(() => resolveReceiverOptions(null as never)).toThrow(/options must be an object/);
    expect(() => resolveReceiverOptions({ maxGapConfirmMs: -1 })).toThrow(/options\.maxGapConfirmMs must be an integer/);
  });

  it('rejects inconsistent combinations', () => {
    expect(() => resolveReceiverOptions({ nakDelayMinMs: 30 })).toThrow(/nakDelayMaxMs \(20\) must be at least options\.nakDelayMinMs/);
    expect(() => resolveReceiverOptions({ nakRetryMaxMs: 10 })).toThrow(/nakRetryMaxMs/);
    expect(() => resolveReceiverOptions({ maxGapMessages: 100 })).toThrow(/maxGapMessages/);
    expect(() => resolveReceiverOptions({ maxBufferedBytes: 20 * 1024 * 1024 })).toThrow(/twice/);
  });
});
