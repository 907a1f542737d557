/**
 * The proven addresses of peers that left (actors/membership/proven-before.ts, pure): an
 * incarnation that left comes back only on the word of an address it was proven to use, with its
 * listener unchanged; at most `maxPeers` remembered, the oldest forgotten first.
 */
import { describe, expect, it } from 'vitest';
import { ProvenBefore } from '../../../actors/membership/proven-before.js';

const P = { name: 'p', incarnation: 1 };
const proven = { multicast: '10.0.0.1:41000', unicast: '10.0.0.1:5000', listener: '10.0.0.1:5000' };

describe('ProvenBefore', () => {
  it('refuses nothing for a peer that never left, or when the caller gives no source', () => {
    const b = new ProvenBefore(4);
    expect(b.refuses(P, '10.0.0.1:5000', '10.9.9.9:1')).toBe(false);
    b.remember(P, proven);
    expect(b.refuses(P, '10.0.0.1:5000', undefined)).toBe(false);
  });

  it('takes back a peer that left only from an address it was proven to use, advertising the same listener', () => {
    const b = new ProvenBefore(4);
    b.remember(P, proven);
    expect(b.of(P)).toEqual(proven);
    expect(b.refuses(P, '10.0.0.1:5000', '10.0.0.1:41000')).toBe(false);
    expect(b.refuses(P, '10.0.0.1:5000', '10.0.0.1:5000')).toBe(false);
    expect(b.refuses(P, '10.0.0.1:5000', '10.0.0.66:40000')).toBe(true); // a forger's replay
    expect(b.refuses(P, '10.0.0.66:5000', '10.0.0.1:41000')).toBe(true); // another listener
    expect(b.refuses({ name: 'p', incarnation: 2 }, '10.0.0.66:5000', '10.0.0.66:1')).toBe(false); // another incarnation
  });

  it('keeps at most maxPeers, forgetting the oldest first; remembering one again makes it the newest', () => {
    const b = new ProvenBefore(2);
    const peer = (i: number) => ({ name: `p${i}`, incarnation: 1 });
    b.remember(peer(1), proven);
    b.remember(peer(2), proven);
    b.remember(peer(1), proven);
    b.remember(peer(3), proven);
    expect(b.of(peer(2))).toBeUndefined();
    expect(b.of(peer(1))).toEqual(proven);
    expect(b.of(peer(3))).toEqual(proven);
  });
});
