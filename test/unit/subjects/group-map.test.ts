import { describe, it, expect } from 'vitest';
import { InvalidOptionError, InvalidSubjectError } from '../../../errors.js';
import { GroupMap, fnv1a32 } from '../../../actors/subjects/group-map.js';

describe('fnv1a32', () => {
  // Published FNV-1a 32-bit test vectors, plus values computed independently (Python, UTF-8 bytes).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
    ['orders', 0x325e96ec],
    ['meeting', 0x0d8b883a],
    ['zoneA', 0xa30a5d72],
    ['é', 0x1e9de8c1],
  ])('hashes %j to its pinned value', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });

  it('hashes the UTF-8 bytes of astral characters', () => {
    const bytes = new TextEncoder().encode('a😀');
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32('a😀')).toBe(h);
  });
});

describe('GroupMap', () => {
  it('uses 239.255.76.67 alone by default', () => {
    const g = new GroupMap();
    expect(g.groups).toEqual(['239.255.76.67']);
    expect(g.groupForSubject('anything.at.all')).toBe('239.255.76.67');
    expect(g.groupsForPattern('>')).toEqual(['239.255.76.67']);
  });

  it('numbers the groups from the base in the last octet', () => {
    const g = new GroupMap({ baseGroup: '239.1.2.10', groupCount: 4 });
    expect(g.groups).toEqual(['239.1.2.10', '239.1.2.11', '239.1.2.12', '239.1.2.13']);
  });

  it('maps subjects to the pinned groups (a change of hash would move every deployment)', () => {
    const g = new GroupMap({ baseGroup: '239.255.0.0', groupCount: 16 });
    // fnv1a32(first token) % 16: orders 12, meeting 10, zoneA 2, a 12.
    expect(g.groupForSubject('orders.eu.new')).toBe('239.255.0.12');
    expect(g.groupForSubject('meeting.zoneA.mzm.server7')).toBe('239.255.0.10');
    expect(g.groupForSubject('zoneA')).toBe('239.255.0.2');
    expect(g.groupIndexForSubject('a.b')).toBe(12);
    const all = new GroupMap({ baseGroup: '224.0.1.0', groupCount: 256 });
    expect(all.groupForSubject('orders')).toBe('224.0.1.236');
    expect(all.groupForSubject('meeting.x')).toBe('224.0.1.58');
  });

  it('gives the same group without the subject check, for subjects validated before', () => {
    const g = new GroupMap({ baseGroup: '239.255.0.0', groupCount: 16 });
    for (const s of ['orders.eu.new', 'meeting.zoneA.mzm.server7', 'zoneA', 'a.b']) expect(g.groupForValidSubject(s)).toBe(g.groupForSubject(s));
    expect(new GroupMap({ baseGroup: '239.1.1.1', groupCount: 1 }).groupForValidSubject('x.y')).toBe('239.1.1.1');
  });

  it('puts every subject under one first token in the same group', () => {
    const g = new GroupMap({ baseGroup: '239.255.0.0', groupCount: 64 });
    const group = g.groupForSubject('orders');
    for (const s of ['orders.a', 'orders.b.c', 'orders.x.y.z']) expect(g.groupForSubject(s)).toBe(group);
  });

  it('spreads first tokens over the groups', () => {
    const g = new GroupMap({ baseGroup: '239.255.0.0', groupCount: 8 });
    const used = new Set<string>();
    for (let i = 0; i < 200; i++) used.add(g.groupForSubject(`t${i}.x`));
    expect(used.size).toBe(8);
  });

  it('has a subscriber join one group for a literal first token and all for a wildcard one', () => {
    const g = new GroupMap({ baseGroup: '239.255.0.0', groupCount: 16 });
    expect(g.groupsForPattern('orders.>')).toEqual(['239.255.0.12']);
    expect(g.groupsForPattern('orders.*.new')).toEqual(['239.255.0.12']);
    expect(g.groupsForPattern('orders')).toEqual(['239.255.0.12']);
    expect(g.groupsForPattern('*.new')).toEqual(g.groups);
    expect(g.groupsForPattern('>')).toHaveLength(16);
  });

  it('returns a new array from groupsForPattern each call', () => {
    const g = new GroupMap({ baseGroup: '239.255.0.0', groupCount: 2 });
    const a = g.groupsForPattern('>');
    a.push('x');
    expect(g.groupsForPattern('>')).toEqual(['239.255.0.0', '239.255.0.1']);
  });

  it('rejects invalid subjects and patterns', () => {
    const g = new GroupMap();
    expect(() => g.groupForSubject('orders.*')).toThrow(InvalidSubjectError);
    expect(() => g.groupForSubject('')).toThrow(InvalidSubjectError);
    expect(() => g.groupsForPattern('a.>.b')).toThrow(InvalidSubjectError);
  });

  it.each([
    [{ baseGroup: '10.0.0.1' }, 'options.baseGroup must be an IPv4 multicast address (224.0.0.0 to 239.255.255.255), got "10.0.0.1"'],
    [{ baseGroup: '240.0.0.1' }, 'options.baseGroup must be an IPv4 multicast address'],
    [{ baseGroup: '239.1.1' }, 'options.baseGroup must be an IPv4 address'],
    [{ baseGroup: '239.01.1.1' }, 'options.baseGroup must be an IPv4 address'],
    [{ groupCount: 0 }, 'options.groupCount must be an integer in 1..256, got 0'],
    [{ groupCount: 257 }, 'options.groupCount must be an integer in 1..256, got 257'],
    [{ groupCount: 2.5 }, 'options.groupCount must be an integer in 1..256, got 2.5'],
    [
      { baseGroup: '239.255.76.250', groupCount: 7 },
      'options.groupCount 7 from options.baseGroup 239.255.76.250 would run past the last octet (239.255.76.255); at most 6 groups fit from this base',
    ],
    [{ groupCount: 256 }, 'at most 189 groups fit'],
    [{ basegroup: '239.0.0.1' }, 'options.basegroup is not a known option'],
  ])('rejects options %j', (options, message) => {
    expect(() => new GroupMap(options as never)).toThrow(InvalidOptionError);
    expect(() => new GroupMap(options as never)).toThrow(message);
  });

  it('accepts the edges of the range', () => {
    expect(new GroupMap({ baseGroup: '239.255.76.250', groupCount: 6 }).groups.at(-1)).toBe('239.255.76.255');
    expect(new GroupMap({ baseGroup: '224.0.0.0', groupCount: 256 }).groups).toHaveLength(256);
  });
});
