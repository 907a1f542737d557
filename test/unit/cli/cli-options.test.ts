import { describe, it, expect } from 'vitest';
import { InvalidOptionError, InvalidSubjectError } from '../../../errors.js';
import { resolvePeerOptions } from '../../../actors/app/peer-options.js';
import {
  DEFAULT_PUB_OPTIONS,
  parseData,
  parseInteger,
  parseNonNegativeNumber,
  parsePositiveNumber,
  resolveBenchOptions,
  resolveCommonOptions,
  resolveMonitorCliOptions,
  resolvePeersOptions,
  resolvePubOptions,
  resolveSubOptions,
} from '../../../cli/cli-options.js';

const fixedRandom = (values: number[]) => () => values.shift() ?? 1;

describe('resolveCommonOptions', () => {
  it('sets nothing when no flag is given, so the library defaults apply', () => {
    expect(resolveCommonOptions({ multicast: true })).toEqual({});
  });

  it('maps every common flag onto the PeerOptions field of the same meaning', () => {
    expect(
      resolveCommonOptions({
        name: 'feed',
        interface: '127.0.0.1',
        group: '239.255.1.2',
        port: '23456',
        ttl: '0',
        peers: '127.0.0.1:1000, 127.0.0.1:1001,',
        multicast: false,
        topology: 'dedicated',
      }),
    ).toEqual({
      name: 'feed',
      interface: '127.0.0.1',
      group: '239.255.1.2',
      port: 23456,
      ttl: 0,
      peers: ['127.0.0.1:1000', '127.0.0.1:1001'],
      multicast: false,
      topology: 'dedicated',
    });
  });

  it('produces options the library accepts', () => {
    const o = resolveCommonOptions({ name: 'x', port: '23456', ttl: '1', peers: '127.0.0.1:1000', multicast: false, topology: 'shared' });
    expect(() => resolvePeerOptions(o)).not.toThrow();
  });

  it('passes --ledger and --durability as ledger { path, durability }, each only when given', () => {
    expect(resolveCommonOptions({ ledger: '/tmp/ledger', durability: 'sync', name: 'p' }).ledger).toEqual({ path: '/tmp/ledger', durability: 'sync' });
    expect(resolveCommonOptions({ ledger: 'dir', name: 'p' }).ledger).toEqual({ path: 'dir' });
    // The library decides whether a ledger without a path is valid (durability 'none').
    expect(resolveCommonOptions({ durability: 'none' }).ledger).toEqual({ durability: 'none' });
  });

  it('passes --on-damaged as ledger.onDamaged (move-aside: moveAside), only with --ledger', () => {
    expect(resolveCommonOptions({ ledger: 'dir', name: 'p', onDamaged: 'move-aside' }).ledger).toEqual({ path: 'dir', onDamaged: 'moveAside' });
    expect(resolveCommonOptions({ ledger: 'dir', name: 'p', onDamaged: 'refuse' }).ledger).toEqual({ path: 'dir', onDamaged: 'refuse' });
    expect(() => resolveCommonOptions({ ledger: 'dir', name: 'p', onDamaged: 'moveAside' })).toThrow('--on-damaged must be one of refuse, move-aside, got "moveAside"');
    expect(() => resolveCommonOptions({ onDamaged: 'refuse' })).toThrow('--on-damaged needs --ledger');
  });

  it('rejects an unknown durability and an empty --ledger', () => {
    expect(() => resolveCommonOptions({ ledger: 'd', durability: 'fsync' })).toThrow(/--durability must be one of none, async, sync/);
    expect(() => resolveCommonOptions({ ledger: '' })).toThrow('--ledger must name a directory');
  });

  it.each([
    ['port', '0'],
    ['port', '65536'],
    ['port', 'http'],
    ['ttl', '256'],
    ['ttl', '-1'],
  ])('rejects --%s %j naming the flag', (flag, value) => {
    expect(() => resolveCommonOptions({ [flag]: value })).toThrow(new RegExp(`^--${flag} must be`));
  });

  it('rejects an empty --peers list', () => {
    expect(() => resolveCommonOptions({ peers: ' , ' })).toThrow(InvalidOptionError);
  });
});

describe('number parsing', () => {
  it.each(['1.5', '1e3', '0x10', '', ' ', '10abc', 'NaN', '-3'])('parseInteger rejects %j', (text) => {
    expect(() => parseInteger('--count', text, 1)).toThrow(InvalidOptionError);
  });

  it('parseInteger accepts plain decimal integers within range', () => {
    expect(parseInteger('--count', '42', 1)).toBe(42);
    expect(parseInteger('--count', ' 7 ', 1)).toBe(7);
    expect(() => parseInteger('--count', '0', 1)).toThrow('--count must be a positive integer, got "0"');
    expect(() => parseInteger('--port', '70000', 1, 65535)).toThrow('--port must be an integer in 1..65535, got "70000"');
    expect(() => parseInteger('--count', '123456789012345678901', 1)).toThrow('--count must be an integer in 1..9007199254740991, got "123456789012345678901"');
  });

  it('parsePositiveNumber accepts decimals and rejects zero, negatives and junk', () => {
    expect(parsePositiveNumber('--timeout', '2.5')).toBe(2.5);
    expect(parsePositiveNumber('--timeout', '.5')).toBe(0.5);
    for (const bad of ['0', '-1', 'abc', 'Infinity', '1e3']) expect(() => parsePositiveNumber('--timeout', bad)).toThrow(InvalidOptionError);
    expect(() => parsePositiveNumber('--timeout', '100', 10)).toThrow('--timeout must be a number > 0 and <= 10, got "100"');
  });

  it('parseNonNegativeNumber also accepts 0', () => {
    expect(parseNonNegativeNumber('--linger', '0')).toBe(0);
    expect(parseNonNegativeNumber('--linger', '0.25')).toBe(0.25);
    expect(parseNonNegativeNumber('--linger', '0.0')).toBe(0);
    // The message says what is accepted: 0 is.
    expect(() => parseNonNegativeNumber('--linger', '-1', 86_400)).toThrow('--linger must be a number >= 0 and <= 86400, got "-1"');
    expect(() => parseNonNegativeNumber('--linger', 'x')).toThrow('--linger must be a number >= 0, got "x"');
  });
});

describe('resolveMonitorCliOptions', () => {
  it('names the flag, not the library option, for a bad --http-host', () => {
    for (const host of ['999.9.9.9', 'example.com', '1.2.3']) {
      expect(() => resolveMonitorCliOptions({ httpHost: host })).toThrow(`--http-host must be an IP address or 'localhost', got "${host}"`);
    }
    expect(resolveMonitorCliOptions({ httpHost: '127.0.0.1' }).httpHost).toBe('127.0.0.1');
    expect(resolveMonitorCliOptions({ httpHost: '::1' }).httpHost).toBe('::1');
  });
});

describe('parseData', () => {
  it('reads a JSON value when the text is one, else keeps the text', () => {
    expect(parseData('42')).toBe(42);
    expect(parseData('{"a":[1,true,null]}')).toEqual({ a: [1, true, null] });
    expect(parseData('"42"')).toBe('42');
    expect(parseData('hello world')).toBe('hello world');
    expect(parseData('{broken')).toBe('{broken');
  });
});

describe('resolveSubOptions', () => {
  it('validates the pattern', () => {
    expect(() => resolveSubOptions('a..b', {})).toThrow(InvalidSubjectError);
    expect(resolveSubOptions('meeting.*.mzm.>', {}).pattern).toBe('meeting.*.mzm.>');
  });

  it('reads --count and --timeout', () => {
    const o = resolveSubOptions('a.>', { count: '5', timeout: '1.5' });
    expect(o).toMatchObject({ count: 5, timeoutSec: 1.5, durable: undefined, peer: {} });
    expect(resolveSubOptions('a.>', {})).toMatchObject({ count: undefined, timeoutSec: undefined });
  });

  it('requires --ledger for --durable', () => {
    expect(() => resolveSubOptions('a.>', { durable: 'audit' })).toThrow('--durable requires --ledger DIR');
    expect(resolveSubOptions('a.>', { durable: 'audit', ledger: 'dir', name: 'p' })).toMatchObject({ durable: 'audit', peer: { ledger: { path: 'dir' } } });
  });

  it('requires --name with --ledger: the default name changes at every start, and a ledger belongs to one name (its restart would fail)', () => {
    expect(() => resolveSubOptions('a.>', { durable: 'audit', ledger: 'dir' })).toThrow('--ledger needs --name');
  });
});

describe('resolvePubOptions', () => {
  it('rejects a subject with wildcards', () => {
    expect(() => resolvePubOptions('a.*', '1', {})).toThrow(InvalidSubjectError);
  });

  it('publishes the data argument once, or --count times', () => {
    expect(resolvePubOptions('a.b', '{"x":1}', {}).source).toEqual({ kind: 'value', value: { x: 1 }, count: 1 });
    expect(resolvePubOptions('a.b', 'hi', { count: '3' }).source).toEqual({ kind: 'value', value: 'hi', count: 3 });
  });

  it('publishes the numbers 0..N-1 for --count without data', () => {
    expect(resolvePubOptions('a.b', undefined, { count: '50' }).source).toEqual({ kind: 'sequence', count: 50 });
  });

  it('publishes raw payloads for --size, once or --count times', () => {
    expect(resolvePubOptions('a.b', undefined, { size: '100' }).source).toEqual({ kind: 'bytes', sizeBytes: 100, count: 1 });
    expect(resolvePubOptions('a.b', undefined, { size: '0', count: '2' }).source).toEqual({ kind: 'bytes', sizeBytes: 0, count: 2 });
    expect(() => resolvePubOptions('a.b', '1', { size: '10' })).toThrow('--size and a data argument are mutually exclusive');
  });

  it('reads stdin when given neither data, --count nor --size', () => {
    expect(resolvePubOptions('a.b', undefined, {}).source).toEqual({ kind: 'stdin' });
  });

  it('lingers 2 s by default and reads --rate and --linger', () => {
    expect(resolvePubOptions('a.b', '1', {})).toMatchObject({ lingerSec: DEFAULT_PUB_OPTIONS.lingerSec, ratePerSec: undefined });
    expect(DEFAULT_PUB_OPTIONS.lingerSec).toBe(2);
    expect(resolvePubOptions('a.b', '1', { rate: '2000', linger: '0' })).toMatchObject({ lingerSec: 0, ratePerSec: 2000 });
    expect(() => resolvePubOptions('a.b', '1', { rate: '0' })).toThrow(/^--rate must be/);
  });
});

describe('resolvePeersOptions', () => {
  it('listens 3 s by default and prints a table unless --json', () => {
    expect(resolvePeersOptions({})).toEqual({ seconds: 3, json: false, peer: {} });
    expect(resolvePeersOptions({ seconds: '0.5', json: true })).toMatchObject({ seconds: 0.5, json: true });
  });
});

describe('resolveBenchOptions', () => {
  it('draws its own group and port when none is given, never the library default group', () => {
    const o = resolveBenchOptions({}, fixedRandom([76, 67, 9, 8, 25_000]));
    expect(o.peer.group).toBe('239.255.9.8');
    expect(o.peer.port).toBe(25_000);
    expect(o).toMatchObject({ seconds: 5, sizeBytes: 64, json: false, namePrefix: undefined });
  });

  it('keeps a given group and port, and uses --name as the prefix of its peers', () => {
    const o = resolveBenchOptions({ group: '239.255.76.67', port: '30000', name: 'b', size: '8', topology: 'dedicated' }, fixedRandom([]));
    expect(o.peer).toEqual({ group: '239.255.76.67', port: 30000, topology: 'dedicated' });
    expect(o.namePrefix).toBe('b');
    expect(() => resolveBenchOptions({ size: '7' }, fixedRandom([1, 2, 20_000]))).toThrow(/^--size must be an integer in 8\.\./);
  });
});
