import { describe, expect, it } from 'vitest';
import { GroupMap } from '../../../actors/subjects/group-map.js';
import { RouteTable, destinationKey } from '../../../actors/subjects/route-table.js';

const groups = new GroupMap({ baseGroup: '239.1.2.10', groupCount: 4 });
const A = { name: 'a', incarnation: 1 };
const B = { name: 'b', incarnation: 2 };

describe('RouteTable', () => {
  it('routes a subject to its group first, then to every unicast target whose patterns match it', () => {
    const t = new RouteTable(groups, true);
    expect(t.setUnicastTargets([{ peer: A, patterns: ['md.>'] }, { peer: B, patterns: ['md.eq.*', 'x'] }])).toBe(0);
    const r = t.routeOf('md.eq.AAPL');
    expect(r.destinations).toEqual([
      { kind: 'group', group: groups.groupForSubject('md.eq.AAPL') },
      { kind: 'peer', peer: A },
      { kind: 'peer', peer: B },
    ]);
    expect(r.destinationKeys).toEqual(r.destinations.map(destinationKey));
    expect(t.routeOf('md.fx').destinations).toEqual([{ kind: 'group', group: groups.groupForSubject('md.fx') }, { kind: 'peer', peer: A }]);
    expect(t.routeOf('other').destinations).toEqual([{ kind: 'group', group: groups.groupForSubject('other') }]);
  });

  it('names equal destination sets with equal keys, and different ones with different keys', () => {
    const t = new RouteTable(groups, false);
    t.setUnicastTargets([{ peer: A, patterns: ['s.*'] }, { peer: B, patterns: ['s.b'] }]);
    expect(t.routeOf('s.a').key).toBe(t.routeOf('s.c').key);
    expect(t.routeOf('s.a').key).not.toBe(t.routeOf('s.b').key);
    expect(t.routeOf('none')).toEqual({ key: '', destinations: [], destinationKeys: [] });
  });

  it('without unicast targets, hands every subject of a group the same route (one object per group, whatever the subjects)', () => {
    const t = new RouteTable(groups, true);
    const subjects = Array.from({ length: 1000 }, (_, i) => `t${i % 37}.s${i}`);
    const distinct = new Set(subjects.map((s) => t.routeOf(s)));
    expect(distinct.size).toBe(new Set(subjects.map((s) => groups.groupForSubject(s))).size);
    for (const s of subjects) expect(t.routeOf(s).destinations).toEqual([{ kind: 'group', group: groups.groupForSubject(s) }]);
    expect(new RouteTable(groups, false).routeOf('x')).toEqual({ key: '', destinations: [], destinationKeys: [] });
  });

  it('with multicast off, sends only to unicast targets', () => {
    const t = new RouteTable(groups, false);
    t.setUnicastTargets([{ peer: A, patterns: ['>'] }]);
    expect(t.routeOf('any.thing').destinations).toEqual([{ kind: 'peer', peer: A }]);
  });

  it('replaces the targets on each update (a cached route does not outlive them) and counts invalid patterns', () => {
    const t = new RouteTable(groups, false);
    t.setUnicastTargets([{ peer: A, patterns: ['s'] }]);
    expect(t.routeOf('s').destinations).toEqual([{ kind: 'peer', peer: A }]);
    expect(t.setUnicastTargets([{ peer: B, patterns: ['s', 'bad..pattern', '*x'] }])).toBe(2);
    expect(t.routeOf('s').destinations).toEqual([{ kind: 'peer', peer: B }]);
  });

  it('stays right past its cache bound', () => {
    const t = new RouteTable(groups, true, 3);
    t.setUnicastTargets([{ peer: A, patterns: ['s.1'] }]);
    for (let i = 0; i < 10; i++) {
      const subject = `s.${i}`;
      const expected = [{ kind: 'group', group: groups.groupForSubject(subject) }, ...(i === 1 ? [{ kind: 'peer', peer: A }] : [])];
      expect(t.routeOf(subject).destinations).toEqual(expected);
      expect(t.routeOf(subject).destinations).toEqual(expected);
    }
  });
});
