import { describe, it, expect } from 'vitest';
import { InvalidSubjectError } from '../../../errors.js';
import {
  MAX_SUBJECT_BYTES,
  MAX_SUBJECT_TOKENS,
  isValidPattern,
  isValidSubject,
  isWildcardPattern,
  utf8ByteLength,
  validatePattern,
  validateSubject,
} from '../../../actors/subjects/subject.js';

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSubjectError);
    expect((err as InvalidSubjectError).code).toBe('ERR_INVALID_SUBJECT');
    return (err as Error).message;
  }
  throw new Error('expected an InvalidSubjectError');
}

const tokens = (n: number, t = 'a'): string => Array.from({ length: n }, () => t).join('.');

describe('validateSubject', () => {
  it.each([
    'a',
    'meeting.zoneA.mzm.server7',
    'A-Z_a-z:0-9',
    'x:y.under_score.dash-ed',
    tokens(MAX_SUBJECT_TOKENS),
    'a'.repeat(MAX_SUBJECT_BYTES),
  ])('accepts %s', (s) => {
    expect(() => validateSubject(s)).not.toThrow();
    expect(isValidSubject(s)).toBe(true);
  });

  it.each([
    ['', 'subject must not be empty'],
    ['a..b', 'subject "a..b": token 2 is empty (tokens are separated by single dots, with no dot at either end)'],
    ['.a', 'subject ".a": token 1 is empty (tokens are separated by single dots, with no dot at either end)'],
    ['a.', 'subject "a.": token 2 is empty (tokens are separated by single dots, with no dot at either end)'],
    [
      'a.*',
      'subject "a.*": token 2 is the wildcard "*"; a subject names what is published and cannot contain wildcards (they are for subscription patterns)',
    ],
    [
      '>',
      'subject ">": token 1 is the wildcard ">"; a subject names what is published and cannot contain wildcards (they are for subscription patterns)',
    ],
    ['a.b*', 'subject "a.b*": token 2 "b*" contains "*"; a subject cannot contain wildcards'],
    ['a.b c', 'subject "a.b c": token 2 "b c" contains the invalid character " " (U+0020); allowed are A-Z a-z 0-9 _ - :'],
    ['a/b', 'subject "a/b": token 1 "a/b" contains the invalid character "/" (U+002F); allowed are A-Z a-z 0-9 _ - :'],
    ['zone.é', 'subject "zone.é": token 2 "é" contains the invalid character "é" (U+00E9); allowed are A-Z a-z 0-9 _ - :'],
    ['a.😀', 'subject "a.😀": token 2 "😀" contains the invalid character "😀" (U+1F600); allowed are A-Z a-z 0-9 _ - :'],
  ])('rejects %j with a message naming the token and the reason', (s, message) => {
    expect(messageOf(() => validateSubject(s))).toBe(message);
    expect(isValidSubject(s)).toBe(false);
  });

  it('rejects more than 255 UTF-8 bytes and says how many', () => {
    const s = 'a'.repeat(MAX_SUBJECT_BYTES + 1);
    expect(messageOf(() => validateSubject(s))).toMatch(/^subject "a{77}\.\.\." is 256 UTF-8 bytes long; at most 255 are allowed$/);
    expect(isValidSubject(s)).toBe(false);
  });

  it('counts UTF-8 bytes, not characters, for the length limit', () => {
    // 100 characters of 'é' are 200 bytes: the length is fine, the character is not.
    expect(messageOf(() => validateSubject('é'.repeat(100)))).toContain('invalid character "é"');
    // 130 'é' are 260 bytes: the length is reported first.
    expect(messageOf(() => validateSubject('é'.repeat(130)))).toContain('is 260 UTF-8 bytes long');
  });

  it('rejects more than 32 tokens and says how many', () => {
    expect(messageOf(() => validateSubject(tokens(33)))).toMatch(/has 33 tokens; at most 32 are allowed$/);
  });

  it('reports the earliest rule broken: length before token count before tokens', () => {
    expect(messageOf(() => validateSubject(tokens(300, '')))).toContain('UTF-8 bytes long');
    expect(messageOf(() => validateSubject(tokens(40, '')))).toContain('has 40 tokens');
    expect(messageOf(() => validateSubject('a..b c'))).toContain('token 2 is empty');
  });

  it('rejects non-strings from the wire without throwing in the boolean form', () => {
    expect(isValidSubject(42)).toBe(false);
    expect(isValidSubject(null)).toBe(false);
    expect(isValidPattern(undefined)).toBe(false);
    expect(messageOf(() => validateSubject(42 as unknown as string))).toBe('subject must be a string, got number');
  });

  it('cuts a long subject short in the message', () => {
    const s = `${'a'.repeat(100)}.b c`;
    const m = messageOf(() => validateSubject(s));
    expect(m.length).toBeLessThan(220);
    expect(m).toContain('..."');
  });
});

describe('validatePattern', () => {
  it.each(['a', 'a.b', '*', '>', 'a.*', '*.b', 'a.*.c', 'a.>', '*.>', '*.*.>', `${tokens(31)}.>`])('accepts %s', (p) => {
    expect(() => validatePattern(p)).not.toThrow();
    expect(isValidPattern(p)).toBe(true);
  });

  it.each([
    ['', 'pattern must not be empty'],
    ['a.>.b', 'pattern "a.>.b": token 2 is ">" but ">" may only be the last token'],
    ['>.a', 'pattern ">.a": token 1 is ">" but ">" may only be the last token'],
    ['a.b*', 'pattern "a.b*": token 2 "b*" contains "*"; a wildcard must be a whole token'],
    ['a.>>', 'pattern "a.>>": token 2 ">>" contains ">"; a wildcard must be a whole token'],
    ['**', 'pattern "**": token 1 "**" contains "*"; a wildcard must be a whole token'],
    ['a..>', 'pattern "a..>": token 2 is empty (tokens are separated by single dots, with no dot at either end)'],
    ['a.b#', 'pattern "a.b#": token 2 "b#" contains the invalid character "#" (U+0023); allowed are A-Z a-z 0-9 _ - :'],
  ])('rejects %j with a message naming the token and the reason', (p, message) => {
    expect(messageOf(() => validatePattern(p))).toBe(message);
    expect(isValidPattern(p)).toBe(false);
  });

  it('applies the same length and token limits as subjects', () => {
    expect(messageOf(() => validatePattern(`${tokens(32)}.>`))).toContain('has 33 tokens');
    expect(messageOf(() => validatePattern('a'.repeat(256)))).toContain('256 UTF-8 bytes');
  });
});

describe('isWildcardPattern', () => {
  it.each([
    ['*', true],
    ['>', true],
    ['a.*', true],
    ['a.*.c', true],
    ['a.>', true],
    ['a.b', false],
    ['a', false],
  ])('%s -> %s', (p, expected) => {
    expect(isWildcardPattern(p)).toBe(expected);
  });
});

describe('utf8ByteLength', () => {
  it('matches TextEncoder, including surrogate pairs and lone surrogates', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', 'ç€😀']) {
      expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).length);
    }
  });
});
