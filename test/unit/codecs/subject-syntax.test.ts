import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSubjectBytes, isWirePattern, isWireSubject } from '../../../codecs/subject-syntax.js';
import { patternArb, subjectArb } from './frame-arbitraries.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('subject syntax', () => {
  it('accepts dot-separated tokens of letters, digits, underscore, dash and colon', () => {
    for (const s of ['a', 'meeting.zoneA.mzm.server7', 'A_b-c:d.9', 'x'.repeat(255), '_._._']) {
      expect(isWireSubject(s)).toBe(true);
      expect(isWirePattern(s)).toBe(true);
    }
  });

  it('refuses empty tokens, other characters, non-ASCII and more than 255 bytes', () => {
    for (const s of ['', '.', 'a.', '.a', 'a..b', 'a b', 'a/b', 'é', 'a.\u0000', 'x'.repeat(256), 'a.b\n']) {
      expect(isWireSubject(s)).toBe(false);
      expect(isWirePattern(s)).toBe(false);
    }
  });

  it('allows * as a whole token and > as the last whole token, in patterns only', () => {
    for (const p of ['*', '>', 'a.*', '*.b', 'a.*.c', 'a.>', '*.>', '*.*']) {
      expect(isWirePattern(p)).toBe(true);
      expect(isWireSubject(p)).toBe(false);
    }
    for (const p of ['a*', '*a', 'a.>.b', '>.a', '>>', '**', 'a.>b', 'a.*>', 'a.>.']) {
      expect(isWirePattern(p)).toBe(false);
    }
  });

  it('judges bytes exactly as it judges the same string', () => {
    fc.assert(
      fc.property(
        fc.oneof(subjectArb, patternArb, fc.string({ unit: 'binary-ascii', maxLength: 12 }), fc.stringMatching(/^[a*>.]{0,8}$/)),
        fc.boolean(),
        (s, wild) => {
          expect(isSubjectBytes(bytes(s), 0, s.length, wild)).toBe(wild ? isWirePattern(s) : isWireSubject(s));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('reads only the given window of a larger buffer', () => {
    const buf = bytes('xx.a.b..yy');
    expect(isSubjectBytes(buf, 3, 3, false)).toBe(true);
    expect(isSubjectBytes(buf, 3, 4, false)).toBe(false);
  });
});
