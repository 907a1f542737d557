import { describe, expect, it } from 'vitest';
import { ReceiverList } from '../../../actors/membership/receiver-list.js';
import { patternSetDigest } from '../../../codecs/frames/advert.js';
import type { AdvertFrame, PeerId } from '../../../codecs/frame.js';

const P: PeerId = { name: 'p', incarnation: 1 };

function setup() {
  const list = new ReceiverList({ sink: { peerJoined() {}, peerLeft() {}, multicastUnreachable() {} } });
  return list;
}

/** A versioned ADVERT of `set`, carrying it whole (`inline`) or none of it. */
function advert(set: string[], v: number, inline: boolean): AdvertFrame {
  return { kind: 'advert', sender: P, host: '127.0.0.1', port: 4000, flags: 1, patterns: inline ? set : [], setVersion: v, setSize: set.length, setDigest: patternSetDigest(set), fromIndex: 0 };
}

describe('receiver list: versioned pattern sets', () => {
  it('takes a whole set carried inline, and finds the peer interested in its subjects', () => {
    const list = setup();
    list.onAdvert(0, advert(['a.>', 'b.c'], 2, true), 'multicast', '127.0.0.1:1');
    expect(list.get(P)).toMatchObject({ patterns: ['a.>', 'b.c'], patternVersion: 2 });
    expect(list.interestedPeers('a.x').some((e) => e.peer.name === 'p')).toBe(true);
  });

  it('keeps the set it holds while a newer version is only announced, and takes the fetched one', () => {
    const list = setup();
    list.onAdvert(0, advert(['a.>'], 1, true), 'multicast', '127.0.0.1:1');
    list.onAdvert(1, advert(['a.>', 'x.y'], 2, false), 'multicast', '127.0.0.1:1');
    expect(list.get(P)).toMatchObject({ patterns: ['a.>'], patternVersion: 1 });
    expect(list.installPatterns(P, 2, ['a.>', 'x.y'])).toBe(true);
    expect(list.interestedPeers('x.y').some((e) => e.peer.name === 'p')).toBe(true);
    expect(list.get(P)?.patternVersion).toBe(2);
    // An older set fetched late does not replace a newer one.
    expect(list.installPatterns(P, 1, ['a.>'])).toBe(false);
    expect(list.interestedPeers('x.y').some((e) => e.peer.name === 'p')).toBe(true);
  });

  it('does not take an inline set whose digest does not match, nor an older version', () => {
    const list = setup();
    list.onAdvert(0, advert(['a.>'], 3, true), 'multicast', '127.0.0.1:1');
    list.onAdvert(1, { ...advert(['z.z'], 4, true), setDigest: 12345 }, 'multicast', '127.0.0.1:1');
    list.onAdvert(2, advert(['q.q'], 2, true), 'multicast', '127.0.0.1:1');
    expect(list.get(P)).toMatchObject({ patterns: ['a.>'], patternVersion: 3 });
  });

  it('holds 100,000 patterns of one peer (the default maxPatternsPerPeer)', () => {
    const list = setup();
    const set = Array.from({ length: 100_000 }, (_, i) => `pat.s${i}`).sort();
    list.onAdvert(0, advert(set, 1, false), 'multicast', '127.0.0.1:1');
    expect(list.installPatterns(P, 1, set)).toBe(true);
    expect(list.get(P)?.patterns).toHaveLength(100_000);
    expect(list.interestedPeers('pat.s99999').some((e) => e.peer.name === 'p')).toBe(true);
    expect(list.interestedPeers('pat.s100000').some((e) => e.peer.name === 'p')).toBe(false);
  });
});

describe('receiver list: pattern-set deltas', () => {
  const v1 = ['a.>', 'b.c', 'd'];
  const delta = (over: Partial<Parameters<ReceiverList['applyDelta']>[1]> = {}) => {
    const next = ['a.>', 'd', 'e.*'];
    return { fromVersion: 1, toVersion: 2, setSize: next.length, setDigest: patternSetDigest(next), added: ['e.*'], removed: ['b.c'], ...over };
  };

  it('applies a delta to exactly the version held: the matcher follows, the version moves on', () => {
    const list = setup();
    list.onAdvert(0, advert(v1, 1, true), 'multicast', '127.0.0.1:1');
    expect(list.applyDelta(P, delta())).toBe('applied');
    expect(list.get(P)).toMatchObject({ patterns: ['a.>', 'd', 'e.*'], patternVersion: 2 });
    expect(list.isInterested('e.x')).toBe(true);
    expect(list.isInterested('b.c')).toBe(false);
    // The same delta again, or one from another version, changes nothing.
    expect(list.applyDelta(P, delta())).toBe('stale');
    expect(list.applyDelta(P, delta({ fromVersion: 3, toVersion: 4 }))).toBe('stale');
    expect(list.applyDelta({ name: 'p', incarnation: 2 }, delta({ fromVersion: 2, toVersion: 3 }))).toBe('stale');
  });

  it('refuses a delta that cannot produce the set it claims, and keeps the set held', () => {
    const list = setup();
    list.onAdvert(0, advert(v1, 1, true), 'multicast', '127.0.0.1:1');
    const refused = [
      delta({ setDigest: 12345 }), // another digest
      delta({ setSize: 4 }), // another size
      delta({ removed: ['x.y'] }), // removes what is not held
      delta({ added: ['d'], removed: [], setSize: 3, setDigest: patternSetDigest(v1) }), // adds what is held
      delta({ added: ['bad..pattern'] }),
    ];
    for (const d of refused) expect(list.applyDelta(P, d)).toBe('mismatch');
    expect(list.get(P)).toMatchObject({ patterns: v1, patternVersion: 1 });
    expect(list.isInterested('b.c')).toBe(true);
  });

  it('refuses a delta to a set larger than maxPatternsPerPeer (the whole set is fetched, cut, instead)', () => {
    const list = new ReceiverList({ sink: { peerJoined() {}, peerLeft() {}, multicastUnreachable() {} } }, { maxPatternsPerPeer: 3 });
    list.onAdvert(0, advert(v1, 1, true), 'multicast', '127.0.0.1:1');
    const next = [...v1, 'z'];
    expect(list.applyDelta(P, { fromVersion: 1, toVersion: 2, setSize: 4, setDigest: patternSetDigest(next), added: ['z'], removed: [] })).toBe('mismatch');
  });
});
