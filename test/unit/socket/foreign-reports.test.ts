import { describe, expect, it } from 'vitest';
import { ForeignReports, MAX_FOREIGN_SIGHTINGS } from '../../../actors/socket/foreign-reports.js';

describe('ForeignReports (when to say a peer of another domain is heard)', () => {
  it('says a reason once, on the same key id from one address twice, at least half an advert interval apart', () => {
    const r = new ForeignReports(1000);
    expect(r.sighted('unknownKey', 7, 'h:1', 0)).toBe(false);
    expect(r.sighted('unknownKey', 7, 'h:1', 499)).toBe(false);
    expect(r.sighted('unknownKey', 8, 'h:1', 600)).toBe(false); // another key id: another sighting
    expect(r.sighted('unknownKey', 7, 'h:2', 600)).toBe(false); // another address too
    expect(r.sighted('unknownKey', 7, 'h:1', 500)).toBe(true);
    expect(r.sighted('unknownKey', 8, 'h:1', 5000)).toBe(false); // said already
    expect(r.sighted('unsealed', undefined, 'h:3', 0)).toBe(false);
    expect(r.sighted('unsealed', undefined, 'h:3', 1000)).toBe(true);
  });

  it('forgets its sightings when too many were seen, so that a flood of one-offs costs bounded memory and says nothing', () => {
    const r = new ForeignReports(1000);
    for (let i = 0; i <= MAX_FOREIGN_SIGHTINGS; i++) expect(r.sighted('unknownKey', i & 0xff, `h:${i}`, i)).toBe(false);
    expect(r.sighted('unknownKey', 0, 'h:0', 10_000)).toBe(false); // forgotten: a first sighting again
    expect(r.sighted('unknownKey', 0, 'h:0', 20_000)).toBe(true);
  });
});
