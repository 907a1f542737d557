import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNTIME_OPTIONS, resolveRuntimeOptions } from '../../../runtime/options.js';

describe('resolveRuntimeOptions', () => {
  it('returns the defaults when nothing is given', () => {
    expect(resolveRuntimeOptions()).toEqual(DEFAULT_RUNTIME_OPTIONS);
    expect(Object.isFrozen(DEFAULT_RUNTIME_OPTIONS)).toBe(true);
  });

  it('merges given values over the defaults', () => {
    expect(resolveRuntimeOptions({ ringBytes: 65_536, mailboxCapacity: 10 })).toEqual({
      ...DEFAULT_RUNTIME_OPTIONS,
      ringBytes: 65_536,
      mailboxCapacity: 10,
    });
  });

  it('rejects an unknown key', () => {
    expect(() => resolveRuntimeOptions({ ringSize: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: 'options.ringSize is not a runtime option' }),
    );
  });

  it('rejects a value that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, '10', Number.NaN]) {
      expect(() => resolveRuntimeOptions({ mailboxCapacity: bad as number })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: `options.mailboxCapacity must be a positive integer, got ${String(bad)}` }),
      );
    }
  });

  it('rejects a ring size that is not a power of two within bounds', () => {
    for (const bad of [1000, 2048, 2 ** 31]) {
      expect(() => resolveRuntimeOptions({ ringBytes: bad })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('options.ringBytes must be a power of two') }),
      );
    }
  });
});
