/**
 * Options of the subjects folder: the pattern matcher's cache, the subject → multicast-group map,
 * and the receiver list's timings and bounds.
 *
 * Each core has its own options interface, defaults and resolver; {@link SubjectsOptions} is their
 * union, resolved once by the actor shell, which hands each core its part.
 */
import { InvalidOptionError } from '../../errors.js';
import { checkInteger, checkMulticastGroup, rejectUnknownKeys } from '../option-checks.js';

/** Options of {@link PatternMatcher}. */
export interface PatternMatcherOptions {
  /**
   * Most subjects whose match result is cached (0 disables the cache). The cache is emptied on
   * every change of the pattern set. Memory: one entry holds the subject and one result array.
   * @default 10000
   */
  cacheSize?: number;
}

export const DEFAULT_PATTERN_MATCHER_OPTIONS: Readonly<Required<PatternMatcherOptions>> = Object.freeze({
  cacheSize: 10_000,
});

export function resolvePatternMatcherOptions(
  o: PatternMatcherOptions = {},
  path = 'options',
): Required<PatternMatcherOptions> {
  const m = merge(path, o, DEFAULT_PATTERN_MATCHER_OPTIONS);
  return Object.freeze({ cacheSize: checkInteger(`${path}.cacheSize`, m.cacheSize, 0, 1_000_000) });
}

/** Options of {@link GroupMap}: which multicast groups carry which subjects. */
export interface GroupMapOptions {
  /** First multicast group (IPv4, in 224.0.0.0/4); the others follow it in the last octet. @default '239.255.76.67' */
  baseGroup?: string;
  /**
   * Number of groups, 1..256. Subjects are spread over them by a hash of their first token; the last
   * octet of `baseGroup` plus `groupCount - 1` must stay within 255.
   * @default 1
   */
  groupCount?: number;
}

export const DEFAULT_GROUP_MAP_OPTIONS: Readonly<Required<GroupMapOptions>> = Object.freeze({
  baseGroup: '239.255.76.67',
  groupCount: 1,
});

export function resolveGroupMapOptions(o: GroupMapOptions = {}, path = 'options'): Required<GroupMapOptions> {
  const m = merge(path, o, DEFAULT_GROUP_MAP_OPTIONS);
  const baseGroup = checkMulticastGroup(`${path}.baseGroup`, m.baseGroup);
  const groupCount = checkInteger(`${path}.groupCount`, m.groupCount, 1, 256);
  const lastOctet = Number(baseGroup.split('.')[3]);
  if (lastOctet + groupCount - 1 > 255) {
    throw new InvalidOptionError(
      `${path}.groupCount ${groupCount} from ${path}.baseGroup ${baseGroup} would run past the last octet ` +
        `(${baseGroup.slice(0, baseGroup.lastIndexOf('.'))}.255); at most ${256 - lastOctet} groups fit from this base`,
    );
  }
  return Object.freeze({ baseGroup, groupCount });
}

/** Options of {@link ReceiverList}. */
export interface ReceiverListOptions {
  /** A peer not heard (any frame) for this long leaves with reason 'expired'. @default 5000 */
  peerExpiryMs?: number;
  /**
   * A peer that advertises multicast, heard by unicast for this long but never by multicast, or
   * not by multicast for this long while still heard by unicast (multicast stopped mid-run), is
   * declared multicast-unreachable and switched to unicast. Keep it above the advert interval
   * (a live peer advertises by multicast every `advertIntervalMs`).
   * @default 3000
   */
  multicastProbeMs?: number;
  /**
   * Most peers listed at once. When the list is full, a new peer takes the place of the least
   * useful entry: the one heard least recently if it has not been heard for `peerExpiryMs / 2`,
   * else the least recently heard of the source address holding the most entries, when that
   * source holds at least two more than the newcomer's; else the newcomer is ignored and
   * counted. The entry that makes room leaves as 'expired'.
   * @default 1024
   */
  maxPeers?: number;
  /**
   * Most peers listed from one source address (the `host:port` an ADVERT datagram came from; a
   * peer's own adverts come from at most two: its multicast and its unicast socket), so that one
   * socket inventing names cannot fill the list; adverts of further new names from it are
   * ignored and counted (`peersRefusedSourceQuota`). Also bounds the remote peers the retransmit
   * actor opens for the NAK and RETRANSMIT frames of one source address.
   * @default 4
   */
  maxPeersPerSource?: number;
  /**
   * Most patterns kept per peer (a larger set is kept cut to its first patterns in sorted order,
   * counted in `patternSync.setsTruncated` and said once as an `error` event). A peer's set is
   * fetched by unicast, in pages, once per version: its size costs nothing per advert.
   * @default 100000
   */
  maxPatternsPerPeer?: number;
  /**
   * Most patterns kept over all peers: a set that does not fit beside the others is kept cut to
   * what fits (counted in `patternsTruncated` and `patternsCutTotal`, said once as an `error`
   * event). Without a domain key, invented names advertising large sets (4 names per source
   * address, `maxPatternsPerPeer` each, from any number of sockets) otherwise grew a peer's memory
   * by about 1.6 KB a pattern, with no bound: 1.7 GB in a user-style check.
   * @default 250000
   */
  maxPatternsTotal?: number;
  /** Most subjects whose interested-peer list is cached (0 disables the cache). @default 10000 */
  subjectCacheSize?: number;
  /**
   * An advert of another incarnation of a listed peer (its restart) is taken only when it comes
   * from an address the listed incarnation is proven to use, or when no frame of the listed one
   * came from such an address for this long; until then such adverts are ignored and counted
   * (`restartsDeferred`). Keep it above the advert interval (a live peer advertises every
   * `advertIntervalMs`); the peer sets it to 1.5 × `advertIntervalMs`.
   * @default 1500
   */
  restartQuietMs?: number;
}

export const DEFAULT_RECEIVER_LIST_OPTIONS: Readonly<Required<ReceiverListOptions>> = Object.freeze({
  peerExpiryMs: 5000,
  multicastProbeMs: 3000,
  maxPeers: 1024,
  maxPeersPerSource: 4,
  maxPatternsPerPeer: 100_000,
  maxPatternsTotal: 250_000,
  subjectCacheSize: 10_000,
  restartQuietMs: 1500,
});

export function resolveReceiverListOptions(
  o: ReceiverListOptions = {},
  path = 'options',
): Required<ReceiverListOptions> {
  const m = merge(path, o, DEFAULT_RECEIVER_LIST_OPTIONS);
  return Object.freeze({
    peerExpiryMs: checkInteger(`${path}.peerExpiryMs`, m.peerExpiryMs, 1),
    multicastProbeMs: checkInteger(`${path}.multicastProbeMs`, m.multicastProbeMs, 1),
    maxPeers: checkInteger(`${path}.maxPeers`, m.maxPeers, 1, 1_000_000),
    maxPeersPerSource: checkInteger(`${path}.maxPeersPerSource`, m.maxPeersPerSource, 1, 1_000_000),
    maxPatternsPerPeer: checkInteger(`${path}.maxPatternsPerPeer`, m.maxPatternsPerPeer, 1, 1_000_000),
    maxPatternsTotal: checkInteger(`${path}.maxPatternsTotal`, m.maxPatternsTotal, 1, 100_000_000),
    subjectCacheSize: checkInteger(`${path}.subjectCacheSize`, m.subjectCacheSize, 0, 1_000_000),
    restartQuietMs: checkInteger(`${path}.restartQuietMs`, m.restartQuietMs, 0),
  });
}

/** Every option of the subjects actor: the group map's and the receiver list's. */
export interface SubjectsOptions extends GroupMapOptions, ReceiverListOptions {}

export const DEFAULT_SUBJECTS_OPTIONS: Readonly<Required<SubjectsOptions>> = Object.freeze({
  ...DEFAULT_GROUP_MAP_OPTIONS,
  ...DEFAULT_RECEIVER_LIST_OPTIONS,
});

/** Resolves every option of the folder; hand each core its part with the two pickers below. */
export function resolveSubjectsOptions(o: SubjectsOptions = {}, path = 'options'): Required<SubjectsOptions> {
  const m = merge(path, o, DEFAULT_SUBJECTS_OPTIONS);
  const g = resolveGroupMapOptions(groupMapOptionsOf(m), path);
  const r = resolveReceiverListOptions(receiverListOptionsOf(m), path);
  return Object.freeze({ ...g, ...r });
}

/** The {@link GroupMapOptions} part of `o`. */
export function groupMapOptionsOf(o: SubjectsOptions): GroupMapOptions {
  return { baseGroup: o.baseGroup, groupCount: o.groupCount };
}

/** The {@link ReceiverListOptions} part of `o`. */
export function receiverListOptionsOf(o: SubjectsOptions): ReceiverListOptions {
  return {
    peerExpiryMs: o.peerExpiryMs,
    multicastProbeMs: o.multicastProbeMs,
    maxPeers: o.maxPeers,
    maxPeersPerSource: o.maxPeersPerSource,
    maxPatternsPerPeer: o.maxPatternsPerPeer,
    maxPatternsTotal: o.maxPatternsTotal,
    subjectCacheSize: o.subjectCacheSize,
    restartQuietMs: o.restartQuietMs,
  };
}

/** Checks `o` is a plain object with known keys, and fills in the defaults (undefined = default). */
function merge<T extends object>(path: string, o: unknown, defaults: Readonly<Required<T>>): Required<T> {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new InvalidOptionError(`${path} must be an object, got ${o === null ? 'null' : Array.isArray(o) ? 'an array' : typeof o}`);
  }
  rejectUnknownKeys(path, o, defaults);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Required<T>;
}
