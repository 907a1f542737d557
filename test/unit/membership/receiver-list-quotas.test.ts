/**
 * The receiver list's admission rules (issue 11): names per source address, and which entry
 * makes room when the list is full. A real peer is alone on its sockets; invented names pile up
 * on the attacker's.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ADVERT_FLAGS } from '../../../codecs/frame.js';
import type { AdvertFrame, PeerId } from '../../../codecs/frame.js';
import { ReceiverList } from '../../../actors/membership/receiver-list.js';
import type { ReceiverListOptions } from '../../../actors/subjects/options.js';
import { SourceQuota, sourceOf } from '../../../actors/membership/source-quota.js';

const key = (p: PeerId): string => `${p.name}#${p.incarnation}`;

function setup(options?: ReceiverListOptions) {
  const left: { peer: string; reason: string }[] = [];
  const joined: string[] = [];
  const list = new ReceiverList(
    {
      sink: {
        peerJoined: (e) => joined.push(key(e.peer)),
        peerLeft: (p, reason) => left.push({ peer: key(p), reason }),
        multicastUnreachable: () => {},
      },
    },
    options,
  );
  return { list, left, joined };
}

/** Each name advertises a listener of its own, as real peers do (a name claiming another's is refused while that one is heard). */
const listeners = new Map<string, number>();
function advert(name: string, patterns: readonly string[] = ['x.>']): AdvertFrame {
  if (!listeners.has(name)) listeners.set(name, 20000 + listeners.size);
  return { kind: 'advert', sender: { name, incarnation: 1 }, host: '127.0.0.1', port: listeners.get(name)!, flags: ADVERT_FLAGS.multicast, patterns };
}

const ATTACKER = sourceOf('10.0.0.66', 5000);

describe('SourceQuota', () => {
  it('counts entries per source, refuses past the quota, and never an unknown source', () => {
    const q = new SourceQuota(2);
    q.add('a:1');
    expect(q.isFull('a:1')).toBe(false);
    q.add('a:1');
    expect(q.isFull('a:1')).toBe(true);
    expect(q.isFull('b:1')).toBe(false);
    q.add(undefined);
    expect(q.isFull(undefined)).toBe(false);
    q.remove('a:1');
    expect(q.countOf('a:1')).toBe(1);
    q.remove('a:1');
    expect(q.countOf('a:1')).toBe(0);
  });

  it('names the most crowded source only when it holds at least two more than the newcomer’s', () => {
    const q = new SourceQuota(10);
    for (let i = 0; i < 3; i++) q.add('a:1');
    q.add('b:1');
    expect(q.crowdedBeside('c:1')).toBe('a:1');
    expect(q.crowdedBeside('b:1')).toBe('a:1');
    q.add('b:1');
    expect(q.crowdedBeside('b:1')).toBeUndefined();
    expect(q.crowdedBeside(undefined)).toBe('a:1');
  });
});

describe('ReceiverList quotas per source address', () => {
  it('lists at most maxPeersPerSource names first heard from one source, and counts the rest', () => {
    const { list } = setup({ maxPeersPerSource: 4 });
    for (let i = 0; i < 1100; i++) list.onAdvert(0, advert(`forged-${i}`), 'multicast', ATTACKER);
    expect(list.size).toBe(4);
    expect(list.counters.peersRefusedSourceQuota).toBe(1096);
    // A real peer on its own socket is listed at once.
    list.onAdvert(1, advert('real'), 'multicast', sourceOf('10.0.0.7', 41000));
    expect(list.getByName('real')).toBeDefined();
  });

  it('keeps updating a listed name from any source, and frees its place when it leaves', () => {
    const { list } = setup({ maxPeersPerSource: 1 });
    list.onAdvert(0, advert('a', ['x']), 'multicast', ATTACKER);
    list.onAdvert(10, advert('a', ['y']), 'unicast', sourceOf('10.0.0.66', 6000));
    expect(list.getByName('a')?.patterns).toEqual(['y']);
    list.onAdvert(20, advert('b'), 'multicast', ATTACKER);
    expect(list.getByName('b')).toBeUndefined();
    list.onBye(30, { name: 'a', incarnation: 1 }, ATTACKER); // from where its first advert came: proven
    list.onAdvert(40, advert('b'), 'multicast', ATTACKER);
    expect(list.getByName('b')).toBeDefined();
  });

  it('does not let a new incarnation from a source past its quota replace the listed one', () => {
    // The fuzzing check (6 December): adverts of invented incarnations from a socket past its
    // quota were refused, but only after the real incarnation had been removed ('restarted'):
    // nothing was listed under its name, and DATA in its name then counted from any address.
    // restartQuietMs 0: as when the real incarnation was silent (else the restart waits anyway).
    const { list, left } = setup({ maxPeersPerSource: 2, restartQuietMs: 0 });
    const real = sourceOf('10.0.0.7', 41000);
    list.onAdvert(0, advert('real'), 'multicast', real);
    list.onAdvert(1, advert('f1'), 'multicast', ATTACKER);
    list.onAdvert(2, advert('f2'), 'multicast', ATTACKER);
    list.onAdvert(3, { ...advert('real'), sender: { name: 'real', incarnation: 99 } }, 'multicast', ATTACKER);
    expect(list.getByName('real')?.peer.incarnation).toBe(1);
    expect(left).toEqual([]);
    expect(list.counters.peersRefusedSourceQuota).toBe(1);
  });

  it('charges a restarted peer’s new incarnation to the source of its advert, in the old one’s place', () => {
    const { list } = setup({ maxPeersPerSource: 1 });
    list.onAdvert(0, advert('a'), 'multicast', ATTACKER);
    list.onAdvert(10, { ...advert('a'), sender: { name: 'a', incarnation: 2 } }, 'multicast', ATTACKER);
    expect(list.getByName('a')?.peer.incarnation).toBe(2);
    expect(list.counters.peersRefusedSourceQuota).toBe(0);
  });
});

describe('ReceiverList when full', () => {
  it('lets a newcomer take the place of the least recently heard entry once it is idle (peerExpiryMs / 2)', () => {
    const { list, left } = setup({ maxPeers: 3, peerExpiryMs: 2000 });
    list.onAdvert(0, advert('a'), 'multicast', sourceOf('10.0.0.1', 1));
    list.onAdvert(500, advert('b'), 'multicast', sourceOf('10.0.0.2', 1));
    list.onAdvert(600, advert('c'), 'multicast', sourceOf('10.0.0.3', 1));
    list.onAdvert(999, advert('d'), 'multicast', sourceOf('10.0.0.4', 1));
    expect(list.getByName('d')).toBeUndefined();
    expect(list.counters.peersRejected).toBe(1);
    list.onAdvert(1000, advert('d'), 'multicast', sourceOf('10.0.0.4', 1));
    expect(list.getByName('d')).toBeDefined();
    expect(list.getByName('a')).toBeUndefined();
    expect(left).toEqual([{ peer: 'a#1', reason: 'expired' }]);
    expect(list.counters).toMatchObject({ peersEvictedIdle: 1, peersRejected: 1 });
    // No tombstone: the peer that made room joins again when there is room.
    list.onBye(1100, { name: 'b', incarnation: 1 }, sourceOf('10.0.0.2', 1));
    list.onAdvert(1200, advert('a'), 'multicast', sourceOf('10.0.0.1', 1));
    expect(list.getByName('a')).toBeDefined();
  });

  it('takes the place of a name of the most crowded source, never of a live peer alone on its source', () => {
    const { list, left } = setup({ maxPeers: 6, maxPeersPerSource: 4 });
    list.onAdvert(0, advert('real-1'), 'multicast', sourceOf('10.0.0.1', 1));
    list.onAdvert(0, advert('real-2'), 'multicast', sourceOf('10.0.0.2', 1));
    for (let i = 0; i < 4; i++) list.onAdvert(i, advert(`forged-${i}`), 'multicast', ATTACKER);
    expect(list.size).toBe(6);
    list.onAdvert(10, advert('real-3'), 'multicast', sourceOf('10.0.0.3', 1));
    expect(list.getByName('real-3')).toBeDefined();
    expect(left).toEqual([{ peer: 'forged-0#1', reason: 'expired' }]);
    expect(list.counters.peersEvictedCrowded).toBe(1);
    // Sources now hold 1, 1, 1 and 3: a second socket of the attacker takes one more, then no more.
    const second = sourceOf('10.0.0.66', 5001);
    list.onAdvert(11, advert('forged-a'), 'multicast', second);
    list.onAdvert(12, advert('forged-b'), 'multicast', second);
    expect(list.getByName('forged-a')).toBeDefined();
    expect(list.getByName('forged-b')).toBeUndefined();
    expect(list.counters.peersRejected).toBe(1);
    for (const name of ['real-1', 'real-2', 'real-3']) expect(list.getByName(name)).toBeDefined();
  });

  it('keeps at most maxPatternsPerPeer patterns per name however many adverts change them', () => {
    const { list } = setup({ maxPatternsPerPeer: 8 });
    for (let round = 0; round < 50; round++) {
      const patterns = Array.from({ length: 100 }, (_, i) => `p${round}.t${i}`);
      list.onAdvert(round, advert('a', patterns), 'multicast', ATTACKER);
      expect(list.getByName('a')?.patterns).toHaveLength(8);
    }
    expect(list.isInterested('p49.t7')).toBe(true);
    expect(list.isInterested('p48.t0')).toBe(false);
    expect(list.counters.patternsTruncated).toBe(50 * 92);
  });

  it('never drops a peer alone on its source and heard every step, whatever forged names arrive, and stays within its bounds', () => {
    const maxPeers = 5;
    const maxPeersPerSource = 2;
    const step = fc.record({
      source: fc.integer({ min: 0, max: 6 }),
      name: fc.integer({ min: 0, max: 40 }),
      dt: fc.integer({ min: 0, max: 400 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const { list, left, joined } = setup({ maxPeers, maxPeersPerSource, peerExpiryMs: 2000 });
        let now = 0;
        list.onAdvert(now, advert('real'), 'multicast', sourceOf('10.0.0.1', 1));
        /** Listed forged name → the source whose advert listed it. */
        const sourceOfName = new Map<string, number>();
        for (const s of steps) {
          now += s.dt;
          const before = joined.length;
          list.onAdvert(now, advert(`forged-${s.name}`), 'multicast', sourceOf('10.0.0.66', 5000 + s.source));
          if (joined.length > before) sourceOfName.set(`forged-${s.name}`, s.source);
          list.onHeard(now, { name: 'real', incarnation: 1 }, 'multicast');
          const d = list.nextDeadlineMs();
          if (d !== undefined && d <= now) list.onTimer(now);
          expect(list.size).toBeLessThanOrEqual(maxPeers);
          const perSource = new Map<number, number>();
          for (const e of list.entries()) {
            const src = sourceOfName.get(e.peer.name);
            if (src !== undefined) perSource.set(src, (perSource.get(src) ?? 0) + 1);
          }
          for (const n of perSource.values()) expect(n).toBeLessThanOrEqual(maxPeersPerSource);
        }
        expect(list.getByName('real')).toBeDefined();
        expect(left.filter((l) => l.peer === 'real#1')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ReceiverList: patterns over all peers (maxPatternsTotal)', () => {
  const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}.${i}`);

  it('keeps a set cut to what fits beside the others, counts it, says it once, and gives the room back when a peer leaves or shrinks', () => {
    const said: string[] = [];
    const list = new ReceiverList(
      { sink: { peerJoined: () => {}, peerLeft: () => {}, multicastUnreachable: () => {}, limitMet: (limit, peer, count) => void said.push(`${limit} ${peer.name} ${count}`) } },
      { maxPatternsTotal: 100, maxPatternsPerPeer: 80 },
    );
    for (let i = 0; i < 3; i++) list.onAdvert(0, advert(`f${i}`, many(`f${i}`, 60)), 'multicast', sourceOf('10.0.0.66', 5000 + i));
    const held = () => list.entries().map((e) => e.patterns.length);
    expect(held()).toEqual([60, 40, 0]);
    expect(list.counters).toMatchObject({ patternsHeld: 100, patternsCutTotal: 20 + 60, patternsTruncated: 80 });
    expect(said).toEqual(['maxPatternsTotal f1 60']);
    // f0 shrinks to 10: f2's next set finds room for 50.
    list.onAdvert(1, advert('f0', many('f0', 10)), 'multicast', sourceOf('10.0.0.66', 5000));
    list.onAdvert(1, advert('f2', many('f2', 60)), 'multicast', sourceOf('10.0.0.66', 5002));
    expect(held()).toEqual([10, 40, 50]);
    expect(list.counters.patternsHeld).toBe(100);
    // The per-peer bound is still its own limit.
    list.onAdvert(2, advert('f1', many('f1', 90)), 'multicast', sourceOf('10.0.0.66', 5001));
    expect(held()[1]).toBe(40); // 10 + 50 held by the others: 40 left, under maxPatternsPerPeer 80
    expect(list.counters.patternsHeld).toBe(100);
  });

  it('never holds more than maxPatternsTotal, whatever sets come and go (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 40 }), (steps) => {
        const list = new ReceiverList({ sink: { peerJoined: () => {}, peerLeft: () => {}, multicastUnreachable: () => {} } }, { maxPatternsTotal: 64, maxPatternsPerPeer: 40 });
        let nowMs = 0;
        for (const [peer, size, bye] of steps) {
          const source = sourceOf('10.0.0.66', 6000 + peer);
          nowMs += 10_000; // past any tombstone: a peer that left may come back
          if (bye) list.onBye(nowMs, { name: `p${peer}`, incarnation: 1 }, source);
          else list.onAdvert(nowMs, advert(`p${peer}`, many(`p${peer}`, size)), 'multicast', source);
          const sum = list.entries().reduce((n, e) => n + e.patterns.length, 0);
          expect(sum).toBe(list.counters.patternsHeld);
          expect(sum).toBeLessThanOrEqual(64);
        }
      }),
    );
  });
});
