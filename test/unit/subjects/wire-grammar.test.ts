import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { isSubjectString } from '../../../codecs/subject-syntax.js';
import { isValidPattern, isValidSubject, MAX_SUBJECT_TOKENS } from '../../../actors/subjects/subject.js';

// codecs/subject-syntax.ts keeps its own copy of the grammar (so codecs/ does not import actors/).
// Both must accept the same strings, or a frame the codec accepts is refused here (or the reverse).
describe('subject rules against the wire codec grammar', () => {
  const char = fc.constantFrom('a', 'Z', '0', '_', '-', ':', '.', '.', '*', '>', ' ', 'é', '/');
  const text = fc.array(char, { minLength: 0, maxLength: 80 }).map((cs) => cs.join(''));

  it('accepts the same subjects and patterns', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(isValidSubject(s)).toBe(isSubjectString(s, false));
        expect(isValidPattern(s)).toBe(isSubjectString(s, true));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees at the token limit', () => {
    const subject = (n: number): string => Array.from({ length: n }, (_, i) => `t${i}`).join('.');
    for (const n of [MAX_SUBJECT_TOKENS - 1, MAX_SUBJECT_TOKENS, MAX_SUBJECT_TOKENS + 1]) {
      expect(isSubjectString(subject(n), false)).toBe(n <= MAX_SUBJECT_TOKENS);
      expect(isValidSubject(subject(n))).toBe(n <= MAX_SUBJECT_TOKENS);
      expect(isSubjectString(`${subject(n - 1)}.>`, true)).toBe(n <= MAX_SUBJECT_TOKENS);
    }
  });
});
