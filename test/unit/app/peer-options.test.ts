import { describe, expect, it } from 'vitest';
import { resolvePeerOptions } from '../../../actors/app/peer-options.js';

describe('peer options', () => {
  it('builds 32 KiB datagrams on a loopback interface and 8 KiB elsewhere, unless maxDatagramBytes is given', () => {
    expect(resolvePeerOptions({}).config.maxDatagramBytes).toBe(32_768);
    expect(resolvePeerOptions({ interface: '127.0.0.2' }).config.maxDatagramBytes).toBe(32_768);
    expect(resolvePeerOptions({ interface: '10.1.2.3' }).config.maxDatagramBytes).toBe(8192);
    expect(resolvePeerOptions({ maxDatagramBytes: 1472 }).config.maxDatagramBytes).toBe(1472);
    expect(resolvePeerOptions({ interface: '10.1.2.3', maxDatagramBytes: 20_000 }).config.maxDatagramBytes).toBe(20_000);
  });

  it('refuses a sender option that the peer takes at its top level, naming the one to set (it would be ignored)', () => {
    const cases: [string, string][] = [
      ['windowMaxMessages', 'windowMessages'],
      ['windowMaxBytes', 'windowBytes'],
      ['maxMessageBytes', 'maxMessageBytes'],
      ['rateBytesPerSec', 'rateBytesPerSec'],
      ['flowPolicy', 'flowPolicy'],
      ['flowWindowMessages', 'flowWindowMessages'],
      ['maxFragmentBytes', 'maxDatagramBytes'],
    ];
    for (const [key, top] of cases) {
      expect(() => resolvePeerOptions({ name: 'p', sender: { [key]: 100 } as never })).toThrow(
        expect.objectContaining({ name: 'InvalidOptionError', message: `options.sender.${key} is not a sender option here: set options.${top}` }),
      );
    }
    // The top-level one is what the sender gets.
    expect(resolvePeerOptions({ name: 'p', windowMessages: 100 }).config.sender.windowMaxMessages).toBe(100);
    expect(resolvePeerOptions({ name: 'p', sender: { heartbeatMaxMs: 500 } }).config.sender.heartbeatMaxMs).toBe(500);
  });
});

describe('the flow window in bytes', () => {
  const windowBytes = (o: Parameters<typeof resolvePeerOptions>[0]): number => resolvePeerOptions(o).config.sender.flowWindowBytes;
  it('is 4 MiB with 32 KiB datagrams (loopback) and 2 MiB with 8 KiB ones, since an 8 MiB receive buffer holds twice as much of the larger ones', () => {
    expect(windowBytes({})).toBe(4 * 1024 * 1024);
    expect(windowBytes({ interface: '10.1.2.3' })).toBe(2 * 1024 * 1024);
    expect(windowBytes({ interface: '10.1.2.3', maxDatagramBytes: 32_768 })).toBe(4 * 1024 * 1024);
    expect(windowBytes({ maxDatagramBytes: 1472 })).toBe(2 * 1024 * 1024);
  });
  it('keeps the datagram size it was chosen for when a domain key takes room for its trailer', () => {
    expect(windowBytes({ security: { key: new Uint8Array(32).map((_, i) => i + 1) } })).toBe(4 * 1024 * 1024);
  });
  it('is the one given, whatever the datagram size', () => {
    expect(windowBytes({ sender: { flowWindowBytes: 1_000_000 } })).toBe(1_000_000);
    expect(windowBytes({ interface: '10.1.2.3', sender: { flowWindowBytes: 8_000_000 } })).toBe(8_000_000);
    expect(windowBytes({ sender: { flowWindowBytes: undefined } })).toBe(4 * 1024 * 1024);
  });
});

describe('a ledger needs a name', () => {
  it('refuses a ledger path without options.name, saying why (the default name changes at every start, so the ledger could not be reopened)', () => {
    expect(() => resolvePeerOptions({ ledger: { path: '/tmp/x' } })).toThrow(/options\.ledger needs options\.name/);
    expect(resolvePeerOptions({ name: 'p', ledger: { path: '/tmp/x' } }).config.ledger).toBeDefined();
  });

  it('refuses a name with a lone surrogate as an InvalidOptionError naming options.name (it has no UTF-8 form; before, a plain RangeError named sender.name)', () => {
    for (const name of ['\ud800', 'a\udc00b', 'x\ud83d']) expect(() => resolvePeerOptions({ name })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/^options\.name must be/) }));
    expect(resolvePeerOptions({ name: 'caf\u00e9-\ud83d\ude00' }).config.self.name).toBe('caf\u00e9-\ud83d\ude00');
  });
});
