/**
 * Subject and pattern rules: what a publisher may name and what a subscriber may ask for.
 *
 * - A subject is dot-separated tokens, e.g. `meeting.zoneA.mzm.server7`. Each token is one or more
 *   of `A-Z a-z 0-9 _ - :`; no token is empty (no leading, trailing or doubled dot).
 * - At most {@link MAX_SUBJECT_BYTES} UTF-8 bytes and at most {@link MAX_SUBJECT_TOKENS} tokens.
 * - A pattern is a subject that may also use two wildcards, each as a whole token:
 *   `*` matches exactly one token, and `>` (last token only) matches one or more trailing tokens.
 *   A subject (what is published) never contains a wildcard.
 *
 * `validateSubject` / `validatePattern` are for the API (they throw {@link InvalidSubjectError} naming
 * the token and the reason); `isValidSubject` / `isValidPattern` are for wire input (no throw, no
 * allocation when valid).
 *
 * When a string breaks several rules, the problem reported is the first in this order: not a
 * string, empty, too many bytes, too many tokens, then each token from left to right.
 */
import { InvalidSubjectError } from '../../errors.js';

/** Most UTF-8 bytes a subject or pattern may have. */
export const MAX_SUBJECT_BYTES = 255;
/** Most tokens a subject or pattern may have. */
export const MAX_SUBJECT_TOKENS = 32;

const DOT = 0x2e;
const STAR = 0x2a;
const GT = 0x3e;

/** TOKEN_CHAR[c] === 1 when the ASCII code c may appear in a token. */
const TOKEN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ok =
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d || c === 0x3a;
  TOKEN_CHAR[c] = ok ? 1 : 0;
}

/** Throws {@link InvalidSubjectError} unless `s` is a valid subject (no wildcards); `what` names it in the message (`options.replyTo: …`). */
export function validateSubject(s: string, what?: string): void {
  const problem = findProblem(s, false);
  if (problem !== undefined) throw new InvalidSubjectError(what === undefined ? problem : `${what}: ${problem}`);
}

/** Throws {@link InvalidSubjectError} unless `p` is a valid pattern (wildcards allowed). */
export function validatePattern(p: string): void {
  const problem = findProblem(p, true);
  if (problem !== undefined) throw new InvalidSubjectError(problem);
}

/** Whether `s` is a valid subject. Never throws; for input from the wire. */
export function isValidSubject(s: unknown): s is string {
  return findProblem(s, false) === undefined;
}

/** Whether `p` is a valid pattern. Never throws; for input from the wire. */
export function isValidPattern(p: unknown): p is string {
  return findProblem(p, true) === undefined;
}

/**
 * Whether some whole token of `p` is `*` or `>`. It does not validate: call it on a pattern that
 * passed {@link validatePattern} (for other strings the answer means nothing).
 */
export function isWildcardPattern(p: string): boolean {
  let start = 0;
  const n = p.length;
  for (let i = 0; i <= n; i++) {
    if (i < n && p.charCodeAt(i) !== DOT) continue;
    if (i - start === 1) {
      const c = p.charCodeAt(start);
      if (c === STAR || c === GT) return true;
    }
    start = i + 1;
  }
  return false;
}

/** Why `s` breaks the rules, or `undefined` when it does not. Builds a string only on failure. */
function findProblem(s: unknown, allowWildcards: boolean): string | undefined {
  const what = allowWildcards ? 'pattern' : 'subject';
  if (typeof s !== 'string') return `${what} must be a string, got ${s === null ? 'null' : typeof s}`;
  const n = s.length;
  if (n === 0) return `${what} must not be empty`;
  // UTF-8 needs at least one byte per UTF-16 unit and at most three, so only strings longer than
  // MAX/3 units need counting.
  if (n > MAX_SUBJECT_BYTES / 3) {
    const bytes = utf8ByteLength(s);
    if (bytes > MAX_SUBJECT_BYTES) {
      return `${what} ${quote(s)} is ${bytes} UTF-8 bytes long; at most ${MAX_SUBJECT_BYTES} are allowed`;
    }
  }
  let tokens = 1;
  for (let i = s.indexOf('.'); i !== -1; i = s.indexOf('.', i + 1)) tokens++;
  if (tokens > MAX_SUBJECT_TOKENS) {
    return `${what} ${quote(s)} has ${tokens} tokens; at most ${MAX_SUBJECT_TOKENS} are allowed`;
  }
  let start = 0;
  let index = 1;
  for (let i = 0; i <= n; i++) {
    if (i < n && s.charCodeAt(i) !== DOT) continue;
    const problem = tokenProblem(s, start, i, index, i === n, allowWildcards, what);
    if (problem !== undefined) return problem;
    start = i + 1;
    index++;
  }
  return undefined;
}

/** Checks the token `s[start, end)`, the `index`-th (1-based). */
function tokenProblem(
  s: string,
  start: number,
  end: number,
  index: number,
  last: boolean,
  allowWildcards: boolean,
  what: string,
): string | undefined {
  if (end === start) {
    return `${what} ${quote(s)}: token ${index} is empty (tokens are separated by single dots, with no dot at either end)`;
  }
  const first = s.charCodeAt(start);
  if (end - start === 1 && (first === STAR || first === GT)) {
    const w = first === STAR ? '*' : '>';
    if (!allowWildcards) {
      return `subject ${quote(s)}: token ${index} is the wildcard "${w}"; a subject names what is published and cannot contain wildcards (they are for subscription patterns)`;
    }
    if (first === GT && !last) {
      return `pattern ${quote(s)}: token ${index} is ">" but ">" may only be the last token`;
    }
    return undefined;
  }
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && TOKEN_CHAR[c] === 1) continue;
    const token = quote(s.slice(start, end));
    if (c === STAR || c === GT) {
      const w = c === STAR ? '*' : '>';
      return allowWildcards
        ? `pattern ${quote(s)}: token ${index} ${token} contains "${w}"; a wildcard must be a whole token`
        : `subject ${quote(s)}: token ${index} ${token} contains "${w}"; a subject cannot contain wildcards`;
    }
    const cp = s.codePointAt(i) ?? c;
    const hex = cp.toString(16).toUpperCase().padStart(4, '0');
    return `${what} ${quote(s)}: token ${index} ${token} contains the invalid character ${JSON.stringify(String.fromCodePoint(cp))} (U+${hex}); allowed are A-Z a-z 0-9 _ - :`;
  }
  return undefined;
}

/** Number of bytes of the UTF-8 encoding of `s` (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8ByteLength(s: string): number {
  let bytes = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Quotes a subject for a message, cut short so a hostile string cannot flood a log line. */
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/** Whether subject `subject` matches pattern `pattern` (`*` one token, `>` one or more at the end). */
export function patternMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
