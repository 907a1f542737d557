import { describe, expect, it } from 'vitest';
import { SharedDomain } from '../../../bridge/shared-domain.js';

describe('SharedDomain: the peers a bridge hears in its own multicast domain', () => {
  it('finds a bridge of another zone once per zone, never its own zone', () => {
    const d = new SharedDomain('paris');
    expect(d.heard('bridge-paris-2', 1, ['_LC_BRIDGE.paris', 'orders.>'])).toBeUndefined();
    expect(d.heard('bridge-tokyo', 7, [])).toBeUndefined(); // its first advert, before it subscribed
    expect(d.heard('bridge-tokyo', 7, ['orders.>', '_LC_BRIDGE.tokyo'])).toEqual({ name: 'bridge-tokyo', zone: 'tokyo' });
    expect(d.heard('bridge-tokyo', 7, ['orders.>', '_LC_BRIDGE.tokyo'])).toBeUndefined();
    expect(d.heard('bridge-tokyo-2', 9, ['_LC_BRIDGE.tokyo'])).toBeUndefined();
    expect(d.heard('bridge-london', 3, ['_LC_BRIDGE.london'])).toEqual({ name: 'bridge-london', zone: 'london' });
    expect(d.zones).toEqual(['tokyo', 'london']);
  });

  it('says an imported message came from this domain only for a zone whose bridge is heard here, by origin name and incarnation, and forgets the oldest past its bound', () => {
    const d = new SharedDomain('paris', 3);
    d.heard('pub', 1, []);
    // A peer of zone tokyo may have the name and incarnation of one of ours: nothing is skipped
    // while no bridge of tokyo is heard here.
    expect(d.isLocal('tokyo', 'pub', 1)).toBe(false);
    d.heard('bridge-tokyo', 4, ['_LC_BRIDGE.tokyo']);
    expect(d.isLocal('tokyo', 'pub', 1)).toBe(true);
    expect(d.isLocal('london', 'pub', 1)).toBe(false); // london's bridge is not here
    expect(d.isLocal('tokyo', 'pub', 2)).toBe(false); // another incarnation: another process
    expect(d.isLocal('tokyo', 'other', 1)).toBe(false);
    d.heard('a', 1, []);
    d.heard('pub', 1, ['x']); // heard again: not added twice
    expect(d.isLocal('tokyo', 'pub', 1)).toBe(true);
    d.heard('b', 1, []); // past the bound (3): the oldest, pub, is forgotten
    expect(d.isLocal('tokyo', 'pub', 1)).toBe(false);
    expect(['a', 'b'].every((n) => d.isLocal('tokyo', n, 1))).toBe(true);
  });
});
