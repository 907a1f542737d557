/**
 * The subject grammar as the wire codec checks it, on strings (encode) and on raw bytes (decode).
 *
 * A subject is dot-separated tokens, each `[A-Za-z0-9_\-:]+`, no empty token, 1..255 bytes.
 * A pattern may also use `*` as a whole token and `>` as the last whole token. Subjects are
 * ASCII only, so a subject's UTF-8 bytes are its char codes and its byte length is its
 * `length`. This small copy of the grammar keeps `codecs/` independent of `actors/subjects/`,
 * which owns matching and the user-facing errors; both must accept exactly the same strings.
 *
 * @packageDocumentation
 */

/** Longest subject or pattern on the wire, in bytes (its length is a u8). */
export const MAX_SUBJECT_BYTES = 255;

/** Most tokens a subject or pattern may have (the subject manager enforces the same limit). */
export const MAX_SUBJECT_TOKENS = 32;

const DOT = 0x2e;
const STAR = 0x2a;
const GREATER = 0x3e;

/** 1 for the bytes a token may hold: `A-Z a-z 0-9 _ - :`. */
const TOKEN_BYTE = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TOKEN_BYTE[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN_BYTE[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN_BYTE[c] = 1;
TOKEN_BYTE[0x5f] = 1; // _
TOKEN_BYTE[0x2d] = 1; // -
TOKEN_BYTE[0x3a] = 1; // :

// Both scanners track `tokenLength`: 0 at a token start, > 0 inside a literal token, -1 right
// after a wildcard (which must then be followed by '.' or the end).

/** Whether `bytes[offset .. offset + length)` is a subject (or, with `allowWildcards`, a pattern). */
export function isSubjectBytes(
  bytes: Uint8Array,
  offset: number,
  length: number,
  allowWildcards: boolean,
): boolean {
  if (length < 1 || length > MAX_SUBJECT_BYTES) return false;
  const end = offset + length;
  let tokenLength = 0;
  let dots = 0;
  for (let i = offset; i < end; i++) {
    const c = bytes[i];
    if (c === DOT) {
      if (tokenLength === 0 || ++dots >= MAX_SUBJECT_TOKENS) return false;
      tokenLength = 0;
    } else if (c < 128 && TOKEN_BYTE[c] === 1) {
      if (tokenLength < 0) return false;
      tokenLength++;
    } else if (allowWildcards && tokenLength === 0 && (c === STAR || (c === GREATER && i === end - 1))) {
      tokenLength = -1;
    } else {
      return false;
    }
  }
  return tokenLength !== 0;
}

/** Whether `value` is a subject (or, with `allowWildcards`, a pattern). Same rules as {@link isSubjectBytes}. */
export function isSubjectString(value: string, allowWildcards: boolean): boolean {
  const length = value.length;
  if (length < 1 || length > MAX_SUBJECT_BYTES) return false;
  let tokenLength = 0;
  let dots = 0;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c === DOT) {
      if (tokenLength === 0 || ++dots >= MAX_SUBJECT_TOKENS) return false;
      tokenLength = 0;
    } else if (c < 128 && TOKEN_BYTE[c] === 1) {
      if (tokenLength < 0) return false;
      tokenLength++;
    } else if (allowWildcards && tokenLength === 0 && (c === STAR || (c === GREATER && i === length - 1))) {
      tokenLength = -1;
    } else {
      return false;
    }
  }
  return tokenLength !== 0;
}

/** A concrete subject (no wildcards): what DATA, RETRANSMIT, HEARTBEAT, NAK and ACK carry. */
export function isWireSubject(value: string): boolean {
  return isSubjectString(value, false);
}

/** A subscription pattern (`*` and a trailing `>` allowed): what ADVERT carries. */
export function isWirePattern(value: string): boolean {
  return isSubjectString(value, true);
}
