import { describe, expect, it } from 'vitest';
import { PatternSync, type SyncTarget } from '../../../actors/membership/pattern-sync.js';
import { patternSetDigest } from '../../../codecs/frames/advert.js';
import type { AdvertFrame, PeerId } from '../../../codecs/frame.js';
import type { DeltaOutcome, PatternDelta } from '../../../actors/membership/receiver-list-types.js';

const P: PeerId = { name: 'p', incarnation: 1 };
const T: SyncTarget = { peer: P, host: '127.0.0.1', port: 4000 };

function setup(o: Partial<{ retryMs: number; maxAttempts: number; maxFetches: number; maxPatterns: number; deltaAttempts: number }> = {}) {
  const requests: [string, number, number][] = [];
  const installs: [string, number, string[]][] = [];
  const deltaRequests: [string, number, number][] = [];
  const applied: PatternDelta[] = [];
  /** What the receiver list answers to the next deltas (default: applied). */
  const outcomes: DeltaOutcome[] = [];
  const sync = new PatternSync(
    {
      request: (t, v, from) => requests.push([t.peer.name, v, from]),
      install: (peer, v, patterns) => installs.push([peer.name, v, [...patterns]]),
      requestDelta: (t, from, to) => deltaRequests.push([t.peer.name, from, to]),
      applyDelta: (_peer, delta) => {
        const outcome = outcomes.shift() ?? 'applied';
        if (outcome === 'applied') applied.push(delta);
        return outcome;
      },
    },
    { retryMs: 250, maxAttempts: 3, maxFetches: 4, maxPatterns: 100_000, deltaAttempts: 0, ...o },
  );
  return { sync, requests, installs, deltaRequests, applied, outcomes };
}

/** A delta from `from` to `to` (its contents do not matter to PatternSync). */
const delta = (from: number, to: number): PatternDelta => ({ fromVersion: from, toVersion: to, setSize: 1, setDigest: 1, added: ['x'], removed: [] });

/** A set of `n` sorted patterns. */
const setOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `s.${String(i).padStart(6, '0')}`);

/** The ADVERT of `set` (version `v`) carrying `patterns` from `from`. */
function advert(set: string[], v: number, from = 0, count = 0, peer: PeerId = P): AdvertFrame {
  return { kind: 'advert', sender: peer, host: '127.0.0.1', port: 4000, flags: 1, patterns: set.slice(from, from + count), setVersion: v, setSize: set.length, setDigest: patternSetDigest(set), fromIndex: from };
}

describe('PatternSync', () => {
  it('fetches a large set page by page and installs it whole, in order, once', () => {
    const { sync, requests, installs } = setup();
    const set = setOf(2500);
    sync.onAdvert(0, T, advert(set, 3), 0);
    expect(requests).toEqual([['p', 3, 0]]);
    for (let from = 0; from < set.length; from += 1000) sync.onAdvert(1, T, advert(set, 3, from, 1000), 0);
    expect(requests.map((r) => r[2])).toEqual([0, 1000, 2000]);
    expect(installs).toEqual([['p', 3, set]]);
    expect(sync.size).toBe(0);
    expect(sync.counters).toMatchObject({ fetchesStarted: 1, fetchesCompleted: 1, pagesReceived: 3, digestMismatches: 0 });
  });

  it('does nothing for the version it holds, nor for an older one', () => {
    const { sync, requests } = setup();
    const set = setOf(10);
    sync.onAdvert(0, T, advert(set, 5), 5);
    sync.onAdvert(0, T, advert(set, 4), 5);
    expect(requests).toEqual([]);
  });

  it('asks a page again after retryMs, and gives up after maxAttempts until the next advert', () => {
    const { sync, requests } = setup({ retryMs: 100, maxAttempts: 3 });
    sync.onAdvert(0, T, advert(setOf(50), 2), 0);
    expect(sync.nextDeadlineMs()).toBe(100);
    sync.onTimer(100);
    sync.onTimer(200);
    expect(requests.map((r) => r[2])).toEqual([0, 0, 0]);
    sync.onTimer(300);
    expect(sync.size).toBe(0);
    expect(sync.counters.fetchesAbandoned).toBe(1);
    sync.onAdvert(1000, T, advert(setOf(50), 2), 0);
    expect(requests).toHaveLength(4);
  });

  it('starts over on a newer version, and ignores pages of the older one', () => {
    const { sync, requests, installs } = setup();
    const v1 = setOf(20);
    const v2 = [...setOf(20), 'z.new'];
    sync.onAdvert(0, T, advert(v1, 1), 0);
    sync.onAdvert(1, T, advert(v1, 1, 0, 10), 0);
    sync.onAdvert(2, T, advert(v2, 2), 0);
    sync.onAdvert(3, T, advert(v1, 1, 10, 10), 0);
    expect(installs).toEqual([]);
    sync.onAdvert(4, T, advert(v2, 2, 0, 21), 0);
    expect(installs).toEqual([['p', 2, v2]]);
    expect(requests.map((r) => [r[1], r[2]])).toEqual([[1, 0], [1, 10], [2, 0]]);
    expect(sync.counters.pagesIgnored).toBe(1);
  });

  it('refuses a complete set that is out of order or does not match its digest, and fetches it again', () => {
    const { sync, requests, installs } = setup();
    const set = setOf(4);
    const forged: AdvertFrame = { ...advert(set, 7, 0, 4), patterns: ['s.000000', 's.000001', 's.000002', 's.999999'] };
    sync.onAdvert(0, T, { ...advert(set, 7) }, 0);
    sync.onAdvert(1, T, forged, 0);
    expect(installs).toEqual([]);
    expect(sync.counters.digestMismatches).toBe(1);
    expect(requests.map((r) => r[2])).toEqual([0, 0]);
    sync.onAdvert(2, T, advert(set, 7, 0, 4), 0);
    expect(installs).toEqual([['p', 7, set]]);
  });

  it('installs a set larger than maxPatterns cut to its first maxPatterns, counted', () => {
    const { sync, installs } = setup({ maxPatterns: 30 });
    const set = setOf(100);
    sync.onAdvert(0, T, advert(set, 1), 0);
    sync.onAdvert(1, T, advert(set, 1, 0, 40), 0);
    expect(installs).toEqual([['p', 1, set.slice(0, 30)]]);
    expect(sync.counters.setsTruncated).toBe(1);
  });

  it('fetches at most maxFetches peers at once; the others wait for their next advert', () => {
    const { sync, requests } = setup({ maxFetches: 2 });
    for (const name of ['a', 'b', 'c']) {
      const peer = { name, incarnation: 1 };
      sync.onAdvert(0, { peer, host: '127.0.0.1', port: 1 }, advert(setOf(5), 1, 0, 0, peer), 0);
    }
    expect(requests.map((r) => r[0])).toEqual(['a', 'b']);
    expect(sync.counters.fetchesDeferred).toBe(1);
    sync.forget({ name: 'a', incarnation: 1 });
    expect(sync.size).toBe(1);
  });

  describe('with deltas', () => {
    it('asks a peer whose set it holds for the change from the version it holds, and is done when it applies', () => {
      const { sync, requests, deltaRequests, applied } = setup({ deltaAttempts: 2 });
      sync.onAdvert(0, T, advert(setOf(500), 8), 7);
      expect(deltaRequests).toEqual([['p', 7, 8]]);
      sync.onDelta(1, T, delta(7, 8), 7);
      expect(applied).toHaveLength(1);
      expect(sync.size).toBe(0);
      expect(requests).toEqual([]);
      expect(sync.counters).toMatchObject({ deltasRequested: 1, deltasApplied: 1, deltasFellBack: 0, pagesRequested: 0 });
    });

    it('fetches the whole set of a peer it holds no version of', () => {
      const { sync, requests, deltaRequests } = setup({ deltaAttempts: 2 });
      sync.onAdvert(0, T, advert(setOf(500), 8), 0);
      expect(deltaRequests).toEqual([]);
      expect(requests).toEqual([['p', 8, 0]]);
    });

    it('applies a pushed delta from the version it holds, and ignores one from another version', () => {
      const { sync, applied } = setup({ deltaAttempts: 2 });
      sync.onDelta(0, T, delta(3, 4), 3);
      sync.onDelta(0, T, delta(3, 5), 4);
      sync.onDelta(0, T, delta(5, 6), 4);
      expect(applied.map((d) => d.toVersion)).toEqual([4]);
      expect(sync.counters.deltasIgnored).toBe(2);
    });

    it('asks again after retryMs, and after deltaAttempts asks fetches the whole set', () => {
      const { sync, requests, deltaRequests } = setup({ deltaAttempts: 2, retryMs: 100 });
      sync.onAdvert(0, T, advert(setOf(50), 8), 7);
      sync.onTimer(100);
      expect(deltaRequests).toEqual([['p', 7, 8], ['p', 7, 8]]);
      expect(requests).toEqual([]);
      sync.onTimer(200);
      expect(requests).toEqual([['p', 8, 0]]);
      expect(sync.counters.deltasFellBack).toBe(1);
    });

    it('fetches the whole set when the delta does not produce the set it claims', () => {
      const { sync, requests, outcomes } = setup({ deltaAttempts: 2 });
      sync.onAdvert(0, T, advert(setOf(50), 8), 7);
      outcomes.push('mismatch');
      sync.onDelta(1, T, delta(7, 8), 7);
      expect(requests).toEqual([['p', 8, 0]]);
      expect(sync.counters).toMatchObject({ deltaMismatches: 1, deltasFellBack: 1 });
    });

    it('takes the first page of the whole set as the answer of a peer that no longer has the change, and fetches the rest', () => {
      const { sync, requests, installs } = setup({ deltaAttempts: 2 });
      const set = setOf(30);
      sync.onAdvert(0, T, advert(set, 8), 2);
      sync.onAdvert(1, T, advert(set, 8, 0, 20), 2);
      expect(requests).toEqual([['p', 8, 20]]);
      sync.onAdvert(2, T, advert(set, 8, 20, 10), 2);
      expect(installs).toEqual([['p', 8, set]]);
    });

    it('asks for the rest when a delta brings it only part of the way to the advertised version', () => {
      const { sync, deltaRequests } = setup({ deltaAttempts: 2 });
      sync.onAdvert(0, T, advert(setOf(50), 9), 7);
      sync.onDelta(1, T, delta(7, 8), 7);
      expect(deltaRequests).toEqual([['p', 7, 9], ['p', 8, 9]]);
      sync.onDelta(2, T, delta(8, 9), 8);
      expect(sync.size).toBe(0);
    });
  });
});
