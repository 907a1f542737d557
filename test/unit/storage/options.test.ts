import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LEDGER_RETENTION,
  DEFAULT_LEDGER_STORE_OPTIONS,
  resolveLedgerStoreOptions,
} from '../../../storage/index.js';

describe('resolveLedgerStoreOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveLedgerStoreOptions({ peerName: 'p' })).toEqual({
      path: undefined,
      peerName: 'p',
      durability: 'async',
      retention: { maxMessagesPerStream: 100_000, maxBytesPerStream: 64 * 1024 * 1024, maxAgeMs: 24 * 3600 * 1000 },
      onDamaged: 'refuse',
      maxUnflushedPerStream: 16_384,
      scanInWorkerMinBytes: 8 * 1024 * 1024,
    });
    expect(Object.isFrozen(DEFAULT_LEDGER_STORE_OPTIONS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_LEDGER_RETENTION)).toBe(true);
  });

  it('merges a partial retention over the defaults', () => {
    const r = resolveLedgerStoreOptions({ peerName: 'p', retention: { maxAgeMs: 5000 } });
    expect(r.retention).toEqual({ ...DEFAULT_LEDGER_RETENTION, maxAgeMs: 5000 });
  });

  it('rejects unknown keys, bad values and a missing peer name with InvalidOptionError', () => {
    const bad = (o: unknown) => () => resolveLedgerStoreOptions(o as never);
    expect(bad({ peerName: 'p', durabilty: 'sync' })).toThrow(/options.durabilty is not a known option/);
    // The header-only check could crash the process on a damaged file (issue 11): it is gone.
    expect(bad({ peerName: 'p', verifyOnOpen: 'header' })).toThrow(/options.verifyOnOpen is not a known option/);
    expect(bad({ peerName: 'p', retention: { maxMessages: 1 } })).toThrow(/options.retention.maxMessages is not a known option/);
    expect(bad({ peerName: 'p', durability: 'fsync' })).toThrow(/options.durability must be one of 'none', 'async', 'sync'/);
    expect(bad({ peerName: 'p', onDamaged: 'delete' })).toThrow(/options.onDamaged must be one of/);
    expect(bad({ peerName: 'p', retention: { maxBytesPerStream: 0 } })).toThrow(/maxBytesPerStream must be an integer >= 1, got 0/);
    expect(bad({ peerName: 'p', maxUnflushedPerStream: 1.5 })).toThrow(/maxUnflushedPerStream/);
    expect(bad({ peerName: 'p', scanInWorkerMinBytes: -1 })).toThrow(/options.scanInWorkerMinBytes must be an integer >= 0, got -1/);
    expect(bad({ peerName: 'p', path: '' })).toThrow(/options.path must be a non-empty string/);
    expect(bad({})).toThrow(/options.peerName must be a non-empty string/);
    expect(bad({ peerName: 'a\u0000b' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(bad({ peerName: 'x'.repeat(513) })).toThrow(/at most 512 UTF-8 bytes/);
    expect(bad(null)).toThrow(/options must be an object/);
  });
});
