import { describe, it, expect } from 'vitest';
import { DEFAULT_SENDER_OPTIONS, resolveSenderOptions } from '../../../actors/sender/options.js';

describe('resolveSenderOptions', () => {
  it('returns the defaults when given nothing', () => {
    expect(resolveSenderOptions()).toEqual(DEFAULT_SENDER_OPTIONS);
    expect(DEFAULT_SENDER_OPTIONS).toMatchObject({
      maxStreams: 100_000,
      windowMaxMessages: 65_536,
      windowMaxBytes: 64 * 1024 * 1024,
      maxMessageBytes: 16 * 1024 * 1024,
      rateBytesPerSec: 0,
      burstBytes: 1024 * 1024,
      flowWindowMessages: 32_768,
      flowPolicy: 'min',
      stallTimeoutMs: 2000,
      heartbeatMinMs: 5,
      heartbeatMaxMs: 1000,
      activeStreamTtlMs: 30_000,
      maxStreamsPerHeartbeat: 64,
    });
    expect(Object.isFrozen(DEFAULT_SENDER_OPTIONS)).toBe(true);
  });

  it('merges given values over the defaults and ignores undefined ones', () => {
    const r = resolveSenderOptions({ flowPolicy: 'min', rateBytesPerSec: 1000, stallTimeoutMs: undefined });
    expect(r.flowPolicy).toBe('min');
    expect(r.rateBytesPerSec).toBe(1000);
    expect(r.stallTimeoutMs).toBe(2000);
  });

  it('rejects an unknown key naming it', () => {
    expect(() => resolveSenderOptions({ windowMessages: 5 } as never)).toThrow(/options\.windowMessages is not a known option/);
  });

  it('rejects bad values with InvalidOptionError naming the option and the value', () => {
    expect(() => resolveSenderOptions({ heartbeatMinMs: -1 })).toThrow(/options\.heartbeatMinMs must be an integer .*got -1/);
    expect(() => resolveSenderOptions({ burstBytes: 1.5 })).toThrow(/options\.burstBytes/);
    expect(() => resolveSenderOptions({ flowPolicy: 'fastest' as never })).toThrow(/options\.flowPolicy must be one of 'min', 'max', got "fastest"/);
    try {
      resolveSenderOptions({ maxStreams: 0 });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('ERR_INVALID_OPTION');
    }
  });

  it('rejects options that contradict each other', () => {
    expect(() => resolveSenderOptions({ windowMaxBytes: 1000, maxMessageBytes: 2000 })).toThrow(/windowMaxBytes/);
    expect(() => resolveSenderOptions({ heartbeatMinMs: 50, heartbeatMaxMs: 10 })).toThrow(/heartbeatMaxMs/);
    expect(() => resolveSenderOptions({ heartbeatMinMs: 50, activeStreamTtlMs: 10, heartbeatMaxMs: 60 })).toThrow(/activeStreamTtlMs/);
  });

  it('lets a message of many fragments through small message windows: fragments take no seq of their own', () => {
    const r = resolveSenderOptions({ maxMessageBytes: 10_000, maxFragmentBytes: 100, flowWindowMessages: 1, windowMaxMessages: 1 });
    expect(r).toMatchObject({ flowWindowMessages: 1, windowMaxMessages: 1 });
  });

  it('uses the given path in messages', () => {
    expect(() => resolveSenderOptions({ burstBytes: 0 }, 'options.sender')).toThrow(/options\.sender\.burstBytes/);
  });
});
