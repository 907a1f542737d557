/**
 * Keeping other peers' pattern sets (issue 14, discovery that scales). A peer's periodic ADVERT
 * names the version, size and digest of its pattern set and carries the set itself only when it
 * is small. A change of a peer's set comes as a PATTERNS_DELTA (pushed when it happens, or asked
 * for): applied to exactly the version held, kept only when the result matches the digest it
 * claims ({@link PatternSyncSink.applyDelta}). When a listed peer's advertised version is not the
 * one we hold, we ask it for the change from the version we hold (PATTERNS_DELTA_REQUEST), at most
 * `deltaAttempts` times; when we hold no version of its set, when the delta does not apply, when it
 * is not answered, or when the peer answers with its whole set instead (it no longer has that
 * change), we fetch the whole set by unicast (PATTERNS_REQUEST), page after page, each page an
 * ADVERT carrying the patterns from an index on. The pages of one version, put end to end, are the
 * sorted set: once complete, its order and digest are checked and it is installed in the receiver
 * list.
 *
 * Pure: time comes in as `nowMs`; requests and installs go out through a {@link PatternSyncSink}.
 *
 * Bounds: at most `maxFetches` fetches at once (a peer beyond it is fetched after its next
 * advert); at most `maxPatterns` patterns held per fetch (a larger set is installed cut to its
 * first `maxPatterns`, counted in `setsTruncated`); a page not answered within `retryMs` is asked
 * again, at most `maxAttempts` times, then the fetch is dropped until the next advert (counted).
 * Every loop is over the patterns of one received page, or over the fetches.
 */
import type { TimerCore } from '../core.js';
import { patternSetDigest } from '../../codecs/frames/advert.js';
import type { AdvertFrame, PeerId } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';
import type { DeltaOutcome, PatternDelta } from './receiver-list-types.js';
import { sortedDistinct } from './pattern-sets.js';

/** Where a peer is asked: its listed entry. */
export interface SyncTarget {
  readonly peer: PeerId;
  readonly host: string;
  readonly port: number;
}

export interface PatternSyncSink {
  /** Ask `target` for the patterns of its set version `setVersion` from `fromIndex` on. */
  request(target: SyncTarget, setVersion: number, fromIndex: number): void;
  /** A whole set (or its first `maxPatterns`) arrived, in order and, when whole, matching its digest. */
  install(peer: PeerId, setVersion: number, patterns: readonly string[]): void;
  /** Ask `target` for the change of its set from `fromVersion` (held) to its current version (`toVersion` or later). */
  requestDelta(target: SyncTarget, fromVersion: number, toVersion: number): void;
  /** Apply a change of `peer`'s set to the version held (the receiver list's {@link ReceiverList.applyDelta}). */
  applyDelta(peer: PeerId, delta: PatternDelta): DeltaOutcome;
}

export interface PatternSyncOptions {
  /** A page not answered within this long is asked again. */
  readonly retryMs: number;
  /** Asks per page before the fetch is dropped (until the peer's next advert). */
  readonly maxAttempts: number;
  /** Fetches in progress at once. */
  readonly maxFetches: number;
  /** Patterns held per peer (the receiver list's `maxPatternsPerPeer`). */
  readonly maxPatterns: number;
  /** Asks for a delta (each after `retryMs` without an answer) before fetching the whole set; 0: never ask. */
  readonly deltaAttempts: number;
}

export interface PatternSyncCounters {
  fetchesStarted: number;
  fetchesCompleted: number;
  /** Fetches not started because `maxFetches` were in progress (the next advert tries again). */
  fetchesDeferred: number;
  /** Fetches dropped after `maxAttempts` unanswered asks for one page. */
  fetchesAbandoned: number;
  pagesRequested: number;
  pagesReceived: number;
  /** Pages of a version or an index we were not waiting for (late, duplicated or stale). */
  pagesIgnored: number;
  /** Complete sets out of order or not matching their digest: fetched again from the start. */
  digestMismatches: number;
  /** Sets larger than `maxPatterns`, installed cut to their first `maxPatterns`. */
  setsTruncated: number;
  deltasRequested: number;
  /** Deltas applied (pushed or answered): each saved fetching a whole set. */
  deltasApplied: number;
  /** Deltas that do not start at the version held (late, duplicated, or one of ours was lost). */
  deltasIgnored: number;
  /** Deltas that did not produce the set they claim: the whole set is fetched instead. */
  deltaMismatches: number;
  /** Delta fetches turned into fetches of the whole set (no answer, a mismatch, or the peer sent its set). */
  deltasFellBack: number;
}

interface Fetch {
  /** `delta`: asking for the change from `from`; `full`: fetching the whole set page by page. */
  mode: 'delta' | 'full';
  /** The version held when the delta was asked for. */
  from: number;
  target: SyncTarget;
  readonly version: number;
  readonly size: number;
  readonly digest: number;
  patterns: string[];
  askedAtMs: number;
  attempts: number;
  restarts: number;
}

export class PatternSync implements TimerCore {
  readonly counters: PatternSyncCounters = {
    fetchesStarted: 0,
    fetchesCompleted: 0,
    fetchesDeferred: 0,
    fetchesAbandoned: 0,
    pagesRequested: 0,
    pagesReceived: 0,
    pagesIgnored: 0,
    digestMismatches: 0,
    setsTruncated: 0,
    deltasRequested: 0,
    deltasApplied: 0,
    deltasIgnored: 0,
    deltaMismatches: 0,
    deltasFellBack: 0,
  };
  private readonly fetches = new Map<string, Fetch>();

  constructor(
    private readonly sink: PatternSyncSink,
    private readonly o: PatternSyncOptions,
  ) {}

  /** Fetches in progress. */
  get size(): number {
    return this.fetches.size;
  }

  /**
   * An ADVERT of a listed peer arrived (after the receiver list took it). `installedVersion`: the
   * version of the set the list holds for it now (0: none, or unversioned).
   */
  onAdvert(nowMs: number, target: SyncTarget, advert: AdvertFrame, installedVersion: number): void {
    const version = advert.setVersion ?? 0;
    const key = peerKey(target.peer);
    let f = this.fetches.get(key);
    if (version === 0 || version === installedVersion) {
      if (f !== undefined && f.version <= version) this.fetches.delete(key);
      if (f !== undefined && version !== 0 && f.version === version) this.counters.pagesIgnored++;
      return;
    }
    if (version < installedVersion || (f !== undefined && version < f.version)) {
      this.counters.pagesIgnored++;
      return;
    }
    const fresh = f === undefined || f.version !== version;
    if (fresh) {
      if (f === undefined && this.fetches.size >= this.o.maxFetches) {
        this.counters.fetchesDeferred++;
        return;
      }
      const mode = installedVersion >= 1 && this.o.deltaAttempts > 0 ? 'delta' : 'full';
      f = { mode, from: installedVersion, target, version, size: advert.setSize ?? 0, digest: advert.setDigest ?? 0, patterns: [], askedAtMs: nowMs, attempts: 0, restarts: 0 };
      this.fetches.set(key, f);
      this.counters.fetchesStarted++;
    }
    const fetch = f as Fetch;
    fetch.target = target;
    if (advert.patterns.length === 0) {
      // A periodic advert of the version being fetched: the timer asks again if need be.
      if (fresh) this.advance(nowMs, key, fetch);
      return;
    }
    // A page while we asked for a delta: the peer no longer had the change and sent its set.
    if (fetch.mode === 'delta') this.fallBack(fetch);
    if ((advert.fromIndex ?? 0) !== fetch.patterns.length) {
      this.counters.pagesIgnored++;
      if (fresh) this.advance(nowMs, key, fetch);
      return;
    }
    this.counters.pagesReceived++;
    const room = this.limit(fetch) - fetch.patterns.length;
    for (let i = 0; i < advert.patterns.length && i < room; i++) fetch.patterns.push(advert.patterns[i]);
    fetch.attempts = 0;
    this.advance(nowMs, key, fetch);
  }

  /**
   * A PATTERNS_DELTA of a listed peer arrived (its sender checked by the caller). `installedVersion`:
   * the version of its set the list holds now. A delta from exactly that version is applied; one
   * that does not produce the set it claims turns the fetch in progress, if any, into a fetch of
   * the whole set (without one, the peer's next advert starts it).
   */
  onDelta(nowMs: number, target: SyncTarget, delta: PatternDelta, installedVersion: number): void {
    const key = peerKey(target.peer);
    const f = this.fetches.get(key);
    if (delta.fromVersion !== installedVersion || delta.toVersion <= installedVersion) {
      this.counters.deltasIgnored++;
      return;
    }
    const outcome = this.sink.applyDelta(target.peer, delta);
    if (outcome === 'stale') {
      this.counters.deltasIgnored++;
      return;
    }
    if (outcome === 'mismatch') {
      this.counters.deltaMismatches++;
      if (f !== undefined && f.mode === 'delta') {
        this.fallBack(f);
        this.ask(nowMs, f);
      }
      return;
    }
    this.counters.deltasApplied++;
    if (f === undefined) return;
    if (f.version <= delta.toVersion) {
      this.fetches.delete(key);
      return;
    }
    if (f.mode === 'delta') {
      // Still behind the advertised version: ask for the rest.
      f.from = delta.toVersion;
      f.attempts = 0;
      this.ask(nowMs, f);
    }
  }

  /** The peer left or restarted: its fetch, if any, is dropped. */
  forget(peer: PeerId): void {
    this.fetches.delete(peerKey(peer));
  }

  nextDeadlineMs(): number | undefined {
    let at: number | undefined;
    for (const f of this.fetches.values()) {
      const due = f.askedAtMs + this.o.retryMs;
      if (at === undefined || due < at) at = due;
    }
    return at;
  }

  onTimer(nowMs: number): void {
    for (const [key, f] of [...this.fetches]) {
      if (nowMs < f.askedAtMs + this.o.retryMs) continue;
      if (f.mode === 'delta') {
        if (++f.attempts >= this.o.deltaAttempts) this.fallBack(f);
        this.ask(nowMs, f);
        continue;
      }
      if (++f.attempts >= this.o.maxAttempts) {
        this.fetches.delete(key);
        this.counters.fetchesAbandoned++;
        continue;
      }
      this.ask(nowMs, f);
    }
  }

  private limit(f: Fetch): number {
    return Math.min(f.size, this.o.maxPatterns);
  }

  /** Installs a complete set, or asks for the next page. */
  private advance(nowMs: number, key: string, f: Fetch): void {
    if (f.patterns.length < this.limit(f)) {
      this.ask(nowMs, f);
      return;
    }
    const whole = f.size <= this.o.maxPatterns;
    if (!sortedDistinct(f.patterns) || (whole && patternSetDigest(f.patterns) !== f.digest)) {
      this.counters.digestMismatches++;
      f.patterns = [];
      if (++f.restarts > this.o.maxAttempts) {
        this.fetches.delete(key);
        this.counters.fetchesAbandoned++;
        return;
      }
      this.ask(nowMs, f);
      return;
    }
    this.fetches.delete(key);
    if (!whole) this.counters.setsTruncated++;
    this.counters.fetchesCompleted++;
    this.sink.install(f.target.peer, f.version, f.patterns);
  }

  private ask(nowMs: number, f: Fetch): void {
    f.askedAtMs = nowMs;
    if (f.mode === 'delta') {
      this.counters.deltasRequested++;
      this.sink.requestDelta(f.target, f.from, f.version);
      return;
    }
    this.counters.pagesRequested++;
    this.sink.request(f.target, f.version, f.patterns.length);
  }

  /** From now on the fetch is of the whole set, from its first page. */
  private fallBack(f: Fetch): void {
    f.mode = 'full';
    f.patterns = [];
    f.attempts = 0;
    this.counters.deltasFellBack++;
  }
}
