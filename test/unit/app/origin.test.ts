import { describe, expect, it } from 'vitest';
import { decodeOriginMarker, encodeOriginMarker, OriginDedup, originMarkerPrefix } from '../../../actors/app/origin.js';
import { isValidSubject } from '../../../actors/subjects/subject.js';

const origin = { zone: 'paris', sender: 'feed.host 1/é', incarnation: 77, seq: 5 };

describe('origin marker', () => {
  it('is a valid subject that carries zone, sender, incarnation and seq', () => {
    const marker = encodeOriginMarker(origin);
    expect(isValidSubject(marker)).toBe(true);
    expect(decodeOriginMarker(marker)).toEqual(origin);
  });

  it('is its origin stream prefix followed by the seq (an importer makes the prefix once per sender)', () => {
    const prefix = originMarkerPrefix(origin.zone, origin.sender, origin.incarnation);
    expect(`${prefix}${origin.seq}`).toBe(encodeOriginMarker(origin));
    expect(decodeOriginMarker(`${prefix}123456789`)).toEqual({ ...origin, seq: 123456789 });
  });

  it('is not read into an ordinary reply subject', () => {
    expect(decodeOriginMarker('_INBOX.abc.1')).toBeUndefined();
    expect(decodeOriginMarker(undefined)).toBeUndefined();
    expect(decodeOriginMarker('_LC_ORIGIN.paris.x.1')).toBeUndefined();
  });
});

describe('OriginDedup', () => {
  it('delivers each origin seq once, whatever bridge incarnation republishes it', () => {
    const d = new OriginDedup();
    const seen = [1, 2, 3, 2, 3, 4, 1].map((seq) => d.accept({ ...origin, seq }, 'a.b'));
    expect(seen).toEqual([true, true, true, false, false, true, false]);
    expect(d.duplicates).toBe(3);
  });

  it('tells origin streams apart by zone, sender, incarnation and subject', () => {
    const d = new OriginDedup();
    expect(d.accept(origin, 'a.b')).toBe(true);
    expect(d.accept(origin, 'a.c')).toBe(true);
    expect(d.accept({ ...origin, incarnation: 78 }, 'a.b')).toBe(true);
    expect(d.accept({ ...origin, zone: 'london' }, 'a.b')).toBe(true);
    expect(d.accept(origin, 'a.b')).toBe(false);
  });

  it('delivers a seq that arrives after a higher one once (stored out of order after a retried publish)', () => {
    const d = new OriginDedup();
    const seen = [1, 3, 2, 3, 2, 4].map((seq) => d.accept({ ...origin, seq }, 'a.b'));
    expect(seen).toEqual([true, true, true, false, false, true]);
  });

  it('stays bounded: past maxAbove seqs beyond a gap the floor moves up', () => {
    const d = new OriginDedup(2, 4);
    expect(d.accept({ ...origin, seq: 1 }, 's')).toBe(true);
    for (let seq = 10; seq < 20; seq++) expect(d.accept({ ...origin, seq }, 's')).toBe(true);
    expect(d.accept({ ...origin, seq: 12 }, 's')).toBe(false);
    // A third stream evicts the oldest one (maxStreams 2): it starts afresh.
    d.accept(origin, 't');
    d.accept(origin, 'u');
    expect(d.accept({ ...origin, seq: 12 }, 's')).toBe(true);
  });
});
