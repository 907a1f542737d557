import { describe, expect, it } from 'vitest';
import { MAX_RECENTLY_EXPIRED, RECENTLY_EXPIRED_MS, RecentlyExpired } from '../../../actors/membership/recently-expired.js';

describe('RecentlyExpired: the listeners our BYE still goes to', () => {
  it("keeps an expired peer's listener for RECENTLY_EXPIRED_MS, forgets it when the peer is listed again", () => {
    const r = new RecentlyExpired();
    r.add(1000, '127.0.0.1', 40001);
    r.add(2000, '127.0.0.1', 40002);
    expect(r.listeners(2000)).toEqual([
      { host: '127.0.0.1', port: 40001 },
      { host: '127.0.0.1', port: 40002 },
    ]);
    expect(r.listeners(1000 + RECENTLY_EXPIRED_MS)).toEqual([{ host: '127.0.0.1', port: 40002 }]);
    r.remove('127.0.0.1', 40002);
    expect(r.listeners(2000)).toEqual([{ host: '127.0.0.1', port: 40001 }]);
  });

  it('holds at most MAX_RECENTLY_EXPIRED listeners, the oldest forgotten first; one listener once', () => {
    const r = new RecentlyExpired();
    for (let i = 0; i <= MAX_RECENTLY_EXPIRED; i++) r.add(i, '127.0.0.1', 40000 + i);
    r.add(MAX_RECENTLY_EXPIRED + 1, '127.0.0.1', 40000 + MAX_RECENTLY_EXPIRED);
    const l = r.listeners(MAX_RECENTLY_EXPIRED + 1);
    expect(l).toHaveLength(MAX_RECENTLY_EXPIRED);
    expect(l[0]).toEqual({ host: '127.0.0.1', port: 40001 });
    expect(new Set(l.map((a) => a.port)).size).toBe(l.length);
  });
});
