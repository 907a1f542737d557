/**
 * The subjects folder (the subject manager): subject rules, subscription matching and the subject
 * → multicast-group map. The cores are pure (no I/O, no clock, no randomness). The actor shell, a
 * module of its own loaded by the runtime (not exported here), owns and feeds them on its thread:
 * - `subjects-actor.ts` (`subjects`): the local subscriptions, reference-counted per pattern, and
 *   a {@link GroupMap}. On a change of the pattern set it sends `interest` to `receiver`,
 *   `localPatterns` to `receivers` and `groupsWanted` (always with the base group) to `socket`.
 *
 * What it owns:
 * - {@link validateSubject} / {@link validatePattern} (API input: throw `InvalidSubjectError`) and
 *   {@link isValidSubject} / {@link isValidPattern} (wire input: booleans, never throw).
 * - {@link PatternMatcher}: (pattern, value) pairs in a token trie with a bounded per-subject cache.
 *   The shell keeps one for local subscriptions (which streams to track and deliver) and the
 *   receiver list keeps one for remote peers (whom to send to).
 * - {@link GroupMap}: immutable; `groupForSubject` for publishing, `groupsForPattern` for the
 *   groups to join on subscribe. Its hash (FNV-1a of the first token) is wire contract.
 * - {@link RouteTable}: where our traffic on a subject goes (its group, the unicast targets);
 *   one policy for the sender (DATA) and the retransmit actor (HEARTBEAT, RETRANSMIT).
 *
 * The receiver list (peers, their patterns, our adverts) is `actors/membership/`.
 *
 * @packageDocumentation
 */
export { GroupMap, fnv1a32 } from './group-map.js';
export {
  DEFAULT_GROUP_MAP_OPTIONS,
  DEFAULT_PATTERN_MATCHER_OPTIONS,
  DEFAULT_RECEIVER_LIST_OPTIONS,
  DEFAULT_SUBJECTS_OPTIONS,
  groupMapOptionsOf,
  receiverListOptionsOf,
  resolveGroupMapOptions,
  resolvePatternMatcherOptions,
  resolveReceiverListOptions,
  resolveSubjectsOptions,
} from './options.js';
export { PatternMatcher } from './pattern-matcher.js';
export { RouteTable, destinationKey } from './route-table.js';
export type { Route, UnicastTarget } from './route-table.js';
export {
  MAX_SUBJECT_BYTES,
  MAX_SUBJECT_TOKENS,
  isValidPattern,
  isValidSubject,
  isWildcardPattern,
  utf8ByteLength,
  validatePattern,
  validateSubject,
} from './subject.js';

export type { GroupMapOptions, PatternMatcherOptions, ReceiverListOptions, SubjectsOptions } from './options.js';
export type { PatternMatcherCounters } from './pattern-matcher.js';
