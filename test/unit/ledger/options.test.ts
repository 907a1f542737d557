import { describe, it, expect } from 'vitest';
import { DEFAULT_LEDGER_OPTIONS, resolveLedgerOptions } from '../../../actors/ledger/options.js';
import { resolvePeerOptions, actorNamesOf } from '../../../actors/app/peer-options.js';

describe('ledger options', () => {
  it('resolves the defaults around a path, under the peer name', () => {
    const r = resolveLedgerOptions({ path: '/tmp/x' }, 'p1');
    expect(r.store).toMatchObject({ path: '/tmp/x', peerName: 'p1', durability: 'async', onDamaged: 'refuse' });
    expect(r.store.retention).toEqual(DEFAULT_LEDGER_OPTIONS.retention);
    expect(r.retentionIntervalMs).toBe(60_000);
  });

  it('needs a path unless durability is none', () => {
    expect(() => resolveLedgerOptions({ durability: 'sync' }, 'p')).toThrow(/options\.ledger\.path is required/);
    expect(resolveLedgerOptions({ durability: 'none' }, 'p').store.path).toBeUndefined();
  });

  it('names the bad field', () => {
    expect(() => resolveLedgerOptions({ path: 'x', durability: 'fast' }, 'p')).toThrow(/options\.ledger\.durability must be one of/);
    expect(() => resolveLedgerOptions({ path: 'x', retention: { maxAgeMs: 0 } }, 'p')).toThrow(/options\.ledger\.retention\.maxAgeMs/);
    expect(() => resolveLedgerOptions({ path: 'x', retentionIntervalMs: 1 }, 'p')).toThrow(/retentionIntervalMs/);
    expect(() => resolveLedgerOptions({ path: 'x', pth: 'y' }, 'p')).toThrow(/options\.ledger\.pth is not a known option/);
    expect(() => resolveLedgerOptions('x', 'p')).toThrow(/options\.ledger must be an object/);
  });

  it('adds the ledger actor (first) and places it per preset only when a ledger is configured', () => {
    const without = resolvePeerOptions({ name: 'p' });
    expect(without.config.ledger).toBeUndefined();
    expect(actorNamesOf(without.config)).not.toContain('ledger');
    expect(without.topology).not.toHaveProperty('ledger');

    const withLedger = resolvePeerOptions({ name: 'p', topology: 'dedicated', ledger: { path: '/tmp/l', durability: 'sync' } });
    expect(withLedger.config.ledger?.store).toMatchObject({ peerName: 'p', durability: 'sync' });
    expect(actorNamesOf(withLedger.config)[0]).toBe('ledger');
    expect(withLedger.topology.ledger).toBe('ledger');
    // a placement map written without the ledger puts it on the main thread
    expect(resolvePeerOptions({ name: 'p', topology: { ...without.topology }, ledger: { path: '/tmp/l' } }).topology.ledger).toBe('main');
  });
});
