import { describe, expect, it } from 'vitest';
import { ResumedParts } from '../../../actors/ledger/resumed-parts.js';

describe('ResumedParts', () => {
  it('states the oldest held seq below startSeq with its age on our clock, and nothing otherwise', () => {
    const r = new ResumedParts();
    r.note(1000, 'a', 3, 500); // published at 500 on our clock
    r.note(1000, 'b', 7, undefined);
    expect(r.partOf(1250, 'a', 10)).toEqual({ seq: 3, ageMs: 750 });
    expect(r.partOf(1250, 'b', 10)).toEqual({ seq: 7 });
    expect(r.partOf(1250, 'b', 7)).toBeUndefined(); // not below startSeq
    expect(r.partOf(1250, 'c', 10)).toBeUndefined();
  });
});
