/**
 * Which multicast group carries which subject.
 *
 * The groups are `baseGroup`, `baseGroup + 1`, … `baseGroup + groupCount - 1` (in the last octet).
 * A subject goes to group number `fnv1a32(firstToken) % groupCount`, where `firstToken` is the text
 * before the first dot and {@link fnv1a32} is 32-bit FNV-1a over its UTF-8 bytes. So every subject
 * under one first token shares a group, and a subscriber to `orders.>` joins one group only.
 *
 * This mapping is part of the wire contract: every peer of a deployment must compute the same group
 * for a subject, across processes and library versions. Do not change the hash, its input or the
 * modulo; the unit tests pin some outputs to catch it.
 */
import type { GroupMapOptions } from './options.js';
import { resolveGroupMapOptions } from './options.js';
import { validatePattern, validateSubject } from './subject.js';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a of the UTF-8 bytes of `text` (unsigned). Deterministic everywhere:
 * `fnv1a32('') === 0x811c9dc5`, `fnv1a32('a') === 0xe40c292c`, `fnv1a32('foobar') === 0xbf9cf968`.
 */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET_BASIS;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    // Encode the code point as UTF-8 and hash each byte (a lone surrogate becomes U+FFFD).
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    const bytes =
      c < 0x800
        ? [0xc0 | (c >> 6), 0x80 | (c & 0x3f)]
        : c < 0x10000
          ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
          : [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
    for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME);
  }
  return h >>> 0;
}

/** Maps subjects and patterns to IPv4 multicast groups. Immutable once built. */
export class GroupMap {
  readonly baseGroup: string;
  readonly groupCount: number;
  /** Every group, in order: index i is `baseGroup` + i in the last octet. */
  readonly groups: readonly string[];

  /** @throws InvalidOptionError on a bad `baseGroup` or `groupCount`, or when they overflow the last octet. */
  constructor(options?: GroupMapOptions) {
    const o = resolveGroupMapOptions(options);
    this.baseGroup = o.baseGroup;
    this.groupCount = o.groupCount;
    const octets = o.baseGroup.split('.').map(Number);
    const groups: string[] = [];
    for (let i = 0; i < o.groupCount; i++) groups.push(`${octets[0]}.${octets[1]}.${octets[2]}.${octets[3] + i}`);
    this.groups = Object.freeze(groups);
  }

  /**
   * The index (0..groupCount-1) of the group carrying `subject`.
   * @throws InvalidSubjectError when `subject` is not a valid subject.
   */
  groupIndexForSubject(subject: string): number {
    validateSubject(subject);
    return this.indexOfFirstToken(subject);
  }

  /**
   * The group carrying `subject` (a hash of its first token).
   * @throws InvalidSubjectError when `subject` is not a valid subject.
   */
  groupForSubject(subject: string): string {
    return this.groups[this.groupIndexForSubject(subject)];
  }

  /**
   * {@link groupForSubject} of a subject validated before (this peer's own streams, numbered
   * only after `validateSubject`): the hash alone, on paths that run per stream per heartbeat.
   */
  groupForValidSubject(subject: string): string {
    return this.groupCount === 1 ? this.groups[0] : this.groups[this.indexOfFirstToken(subject)];
  }

  /**
   * Every group a subscriber to `pattern` must join: the one group of its first token when that
   * token is literal, all groups when it is `*` or `>`. A new array each call.
   * @throws InvalidSubjectError when `pattern` is not a valid pattern.
   */
  groupsForPattern(pattern: string): string[] {
    validatePattern(pattern);
    const first = firstToken(pattern);
    if (first === '*' || first === '>') return [...this.groups];
    return [this.groups[this.indexOfFirstToken(pattern)]];
  }

  private indexOfFirstToken(s: string): number {
    return this.groupCount === 1 ? 0 : fnv1a32(firstToken(s)) % this.groupCount;
  }
}

function firstToken(s: string): string {
  const dot = s.indexOf('.');
  return dot === -1 ? s : s.slice(0, dot);
}
