import { describe, it, expect } from 'vitest';
import { InvalidOptionError } from '../../../errors.js';
import {
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
} from '../../../actors/subjects/options.js';

describe('subjects options', () => {
  it('has the documented defaults, frozen', () => {
    expect(DEFAULT_PATTERN_MATCHER_OPTIONS).toEqual({ cacheSize: 10_000 });
    expect(DEFAULT_GROUP_MAP_OPTIONS).toEqual({ baseGroup: '239.255.76.67', groupCount: 1 });
    expect(DEFAULT_RECEIVER_LIST_OPTIONS).toEqual({
      peerExpiryMs: 5000,
      multicastProbeMs: 3000,
      maxPeers: 1024,
      maxPeersPerSource: 4,
      maxPatternsPerPeer: 100_000,
      maxPatternsTotal: 250_000,
      subjectCacheSize: 10_000,
      restartQuietMs: 1500,
    });
    expect(DEFAULT_SUBJECTS_OPTIONS).toEqual({ ...DEFAULT_GROUP_MAP_OPTIONS, ...DEFAULT_RECEIVER_LIST_OPTIONS });
    for (const d of [DEFAULT_PATTERN_MATCHER_OPTIONS, DEFAULT_GROUP_MAP_OPTIONS, DEFAULT_RECEIVER_LIST_OPTIONS, DEFAULT_SUBJECTS_OPTIONS]) {
      expect(Object.isFrozen(d)).toBe(true);
    }
  });

  it('fills in defaults and keeps given values; undefined means default', () => {
    expect(resolveReceiverListOptions({ peerExpiryMs: 9000, maxPeers: undefined })).toEqual({
      ...DEFAULT_RECEIVER_LIST_OPTIONS,
      peerExpiryMs: 9000,
    });
    expect(resolvePatternMatcherOptions()).toEqual(DEFAULT_PATTERN_MATCHER_OPTIONS);
    expect(resolveGroupMapOptions({ groupCount: 4 })).toEqual({ baseGroup: '239.255.76.67', groupCount: 4 });
  });

  it('resolves the whole folder and splits it per core', () => {
    const all = resolveSubjectsOptions({ groupCount: 2, multicastProbeMs: 1500 });
    expect(all).toMatchObject({ groupCount: 2, multicastProbeMs: 1500, peerExpiryMs: 5000 });
    expect(resolveGroupMapOptions(groupMapOptionsOf(all))).toEqual({ baseGroup: '239.255.76.67', groupCount: 2 });
    expect(resolveReceiverListOptions(receiverListOptionsOf(all)).multicastProbeMs).toBe(1500);
  });

  it.each([
    [() => resolveSubjectsOptions({ nope: 1 } as never), 'options.nope is not a known option'],
    [() => resolveSubjectsOptions({ peerExpiryMs: -1 }), 'options.peerExpiryMs must be an integer >= 1, got -1'],
    [() => resolveSubjectsOptions({ multicastProbeMs: '3000' as never }), 'options.multicastProbeMs must be an integer >= 1, got "3000"'],
    [() => resolveSubjectsOptions({ groupCount: 300 }), 'options.groupCount must be an integer in 1..256, got 300'],
    [() => resolveSubjectsOptions(null as never), 'options must be an object, got null'],
    [() => resolveReceiverListOptions({ subjectCacheSize: -5 }, 'options.subjects'), 'options.subjects.subjectCacheSize must be an integer in 0..1000000, got -5'],
  ])('rejects bad values with a message naming the option (%#)', (fn, message) => {
    expect(fn).toThrow(InvalidOptionError);
    expect(fn).toThrow(message);
  });
});
