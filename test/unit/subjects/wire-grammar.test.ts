import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isSubjectString } from '../../../codecs/subject-syntax.js';
import { isValidPattern, isValidSubject, MAX_SUBJECT_TOKENS } from '../../../actors/subjects/subject.js';

// codecs/subject-syntax.ts keeps its own copy of the grammar (so codecs/ does not import actors/).
// Both must accept the same strings, or a frame the codec accepts is refused here (or the reverse).
describe('subject rules against the wire codec grammar', () => {
  const char = fc.constantFrom('a', 'Z', '0', '_', '-', ':', '.', '.', '*', '>', ' ', 'é', '/');
  const text = fc.array(char, { minLength: 0, maxLength: 40 }).map((cs) => cs.join(''));
  const tokenCount = (s: string): number => s.split('.').length;

  it('accepts the same subjects and patterns (of up to 32 tokens)', () => {
    fc.assert(
      fc.property(text, (s) => {
        fc.pre(tokenCount(s) <= MAX_SUBJECT_TOKENS);
        expect(isValidSubject(s)).toBe(isSubjectString(s, false));
        expect(isValidPattern(s)).toBe(isSubjectString(s, true));
      }),
      { numRuns: 3000 },
    );
  });
});
