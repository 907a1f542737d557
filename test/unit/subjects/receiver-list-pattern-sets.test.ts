import { describe, expect, it } from 'vitest';
import { ReceiverList } from '../../../actors/subjects/receiver-list.js';
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
