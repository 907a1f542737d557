import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '../../../bridge/config-file.js';
import { DEFAULT_BRIDGE_OPTIONS, resolveBridgeSettings } from '../../../bridge/options.js';

const good = { zone: 'paris', nats: { servers: ['nats://127.0.0.1:4222'] }, export: ['orders.>'], import: ['>'], peer: { ledger: { path: '/tmp/x' } } };
const json = (o: unknown) => JSON.stringify(o);

describe('bridge configuration file', () => {
  it('reads JSON and YAML into the same configuration', () => {
    const yaml = `zone: paris\nnats:\n  servers: [nats://127.0.0.1:4222]\nexport: ['orders.>']\nimport: ['>']\npeer: { ledger: { path: /tmp/x } }\n`;
    const a = parseBridgeConfig('b.json', json(good));
    const b = parseBridgeConfig('b.yaml', yaml);
    expect(b).toEqual(a);
    expect(a.bridge).toEqual({ export: ['orders.>'], import: ['>'] });
  });

  it('lets the command line override zone, servers and peer settings', () => {
    const c = parseBridgeConfig('b.json', json(good), { zone: 'lyon', servers: ['nats://127.0.0.1:5'], peer: { name: 'br', ledger: { durability: 'sync' } } });
    expect(c.zone).toBe('lyon');
    expect(c.nats.servers).toEqual(['nats://127.0.0.1:5']);
    expect(c.peer).toEqual({ windowMessages: 8192, windowBytes: 8 * 1024 * 1024, durableConfirmDelayMs: 50, name: 'br', ledger: { path: '/tmp/x', durability: 'sync' } });
  });

  it("gives the bridge's peer a retransmit window of 8,192 messages and 8 MiB (its ledger serves older repairs) unless the file sets one", () => {
    expect(parseBridgeConfig('b.json', json(good)).peer).toMatchObject({ windowMessages: 8192, windowBytes: 8 * 1024 * 1024 });
    const own = parseBridgeConfig('b.json', json({ ...good, peer: { ...good.peer, windowMessages: 65_536, windowBytes: 64 * 1024 * 1024 } }));
    expect(own.peer).toMatchObject({ windowMessages: 65_536, windowBytes: 64 * 1024 * 1024 });
    expect(parseBridgeConfig('b.json', json({ ...good, peer: { ...good.peer, windowBytes: 1 << 20 } })).peer).toMatchObject({ windowMessages: 8192, windowBytes: 1 << 20 });
  });

  it.each([
    ['not JSON', '{', /b\.json is not valid JSON/],
    ['not an object', '[]', /must hold an object/],
    ['an unknown key', json({ ...good, exports: ['>'] }), /"exports" is not a bridge setting/],
    ['a bad zone', json({ ...good, zone: 'a.b' }), /zone must be 1-64/],
    ['no nats', json({ ...good, nats: undefined }), /nats must be an object/],
    ['no servers', json({ ...good, nats: { user: 'u', pass: 'p' } }), /nats\.servers must be/],
    ['an unknown nats key', json({ ...good, nats: { servers: 'x', password: 'p' } }), /nats\.password is not a NATS setting/],
    ['user without pass', json({ ...good, nats: { servers: 'x', user: 'u' } }), /nats\.user and nats\.pass go together/],
    ['a server that is not a URL', json({ ...good, nats: { servers: ['nats://127.0.0.1:4222', 'not a url::'] } }), /nats\.servers has "not a url::", not a server URL/],
    ['a server port out of range', json({ ...good, nats: { servers: 'nats://127.0.0.1:99999' } }), /not a server URL/],
    ['a server URL missing its colon (read as the host "nats")', json({ ...good, nats: { servers: 'nats//127.0.0.1:4222' } }), /nats\.servers has "nats\/\/127\.0\.0\.1:4222", not a server URL/],
    ['a server URL of another scheme', json({ ...good, nats: { servers: 'http://127.0.0.1:4222' } }), /not a server URL/],
    ['a server URL with a path', json({ ...good, nats: { servers: 'nats://127.0.0.1:4222/x' } }), /not a server URL/],
    ['a bad tls key', json({ ...good, nats: { servers: 'x', tls: { ca: 'f' } } }), /nats\.tls\.ca is not a TLS setting/],
    ['a bad pattern', json({ ...good, import: ['a.>.b'] }), /import\[0\] must be a subject pattern/],
    ['nothing to do', json({ ...good, export: [], import: [] }), /neither export, import nor requests/],
    ['no ledger', json({ ...good, peer: {} }), /the bridge's peer needs a ledger/],
    ['a ledger that is not an object', json({ ...good, peer: { ledger: '/tmp/x' } }), /the bridge's peer needs a ledger/],
    ['a bad bridge option', json({ ...good, maxInFlight: -1 }), /b\.json: maxInFlight must be a positive integer/],
    ['a negative lag check interval', json({ ...good, lagCheckIntervalMs: -1 }), /b\.json: lagCheckIntervalMs must be a non-negative integer/],
    ['maxPending below maxInFlight', json({ ...good, maxInFlight: 10, maxPending: 5 }), /maxPending \(5\) must be at least/],
    ['importing from its own zone', json({ ...good, importFrom: ['paris'] }), /importFrom\[0\] is this bridge's own zone/],
    ['an unknown stream option', json({ ...good, stream: { replica: 3 } }), /stream\.replica is not a stream option/],
  ])('refuses %s with one line naming it', (_what, text, message) => {
    let error: Error | undefined;
    try {
      parseBridgeConfig('b.json', text);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.name).toBe('InvalidOptionError');
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });
});

describe('bridge options', () => {
  it('apply the documented defaults', () => {
    const r = resolveBridgeSettings({ zone: 'z' });
    expect(r).toMatchObject({ export: [], import: [], importFrom: undefined, maxInFlight: DEFAULT_BRIDGE_OPTIONS.maxInFlight, maxPending: 16384 });
    expect(r.stream).toEqual({ maxAgeMs: 604_800_000, maxBytes: -1, replicas: 1, duplicateWindowMs: 120_000 });
    expect(r.lagCheckIntervalMs).toBe(5000);
    expect(r.checkpoint).toEqual({ intervalMs: 1000, maxStreams: 10_000 });
  });

  it('refuse a bad checkpoint option in one line', () => {
    expect(() => resolveBridgeSettings({ zone: 'z', checkpoint: { intervalMs: 0 } })).toThrow(/options\.checkpoint\.intervalMs must be a positive integer/);
    expect(() => resolveBridgeSettings({ zone: 'z', checkpoint: { maxStream: 5 } as never })).toThrow(/options\.checkpoint\.maxStream is not a checkpoint option/);
    expect(resolveBridgeSettings({ zone: 'z', checkpoint: { maxStreams: 5 } }).checkpoint).toEqual({ intervalMs: 1000, maxStreams: 5 });
  });

  it('take exportBatchDelayMs from 0 (the default: no wait) to 1000, and refuse anything else in one line', () => {
    expect(resolveBridgeSettings({ zone: 'z' }).exportBatchDelayMs).toBe(0);
    expect(resolveBridgeSettings({ zone: 'z', exportBatchDelayMs: 1000 }).exportBatchDelayMs).toBe(1000);
    expect(() => resolveBridgeSettings({ zone: 'z', exportBatchDelayMs: -1 })).toThrow(/options\.exportBatchDelayMs must be a non-negative integer/);
    expect(() => resolveBridgeSettings({ zone: 'z', exportBatchDelayMs: 1001 })).toThrow(/options\.exportBatchDelayMs must be at most 1000/);
  });

  it('take importBatchDelayMs from 0 (the default: no wait) to 1000, and refuse anything else in one line', () => {
    expect(resolveBridgeSettings({ zone: 'z' }).importBatchDelayMs).toBe(0);
    expect(resolveBridgeSettings({ zone: 'z', importBatchDelayMs: 5 }).importBatchDelayMs).toBe(5);
    expect(() => resolveBridgeSettings({ zone: 'z', importBatchDelayMs: -1 })).toThrow(/options\.importBatchDelayMs must be a non-negative integer/);
    expect(() => resolveBridgeSettings({ zone: 'z', importBatchDelayMs: 1.5 })).toThrow(/options\.importBatchDelayMs must be a non-negative integer/);
    expect(() => resolveBridgeSettings({ zone: 'z', importBatchDelayMs: 1001 })).toThrow(/options\.importBatchDelayMs must be at most 1000/);
  });

  it('take lagCheckIntervalMs 0: consumer info never read, the lag is as of the last delivery', () => {
    expect(resolveBridgeSettings({ zone: 'z', lagCheckIntervalMs: 0 }).lagCheckIntervalMs).toBe(0);
  });
});
