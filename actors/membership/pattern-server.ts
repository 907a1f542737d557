/**
 * Serving our own pattern set to the other peers (issue 14): what our ADVERT says of it, the pages
 * of it that PATTERNS_REQUEST asks for, the PATTERNS_DELTA pushed when it changes and the ones
 * PATTERNS_DELTA_REQUEST asks for. The set, its version, digest and recent changes are a
 * {@link PatternLog}; this core turns them into frames (each within `maxDatagramBytes`) and keeps
 * the budget of answers. The receivers shell sends what it returns.
 *
 * Pure: time comes in as `nowMs`. Bounds: answers (pages and deltas together) at most
 * `answersPerSecond`; the log's own bounds; every loop is over one page or one change.
 */
import type { AdvertFrame, PatternsDeltaFrame, PatternsDeltaRequestFrame, PatternsRequestFrame, PeerId } from '../../codecs/frame.js';
import { encodedSize } from '../../codecs/frame-codec.js';
import { PatternLog } from './pattern-log.js';

export interface PatternServerOptions {
  /** Every frame built fits in this many bytes. */
  readonly maxDatagramBytes: number;
  /** Our advert carries the whole set only while it stays within this many bytes. */
  readonly inlineBytes: number;
  /** Pages and deltas sent on request, per second, to all askers together. */
  readonly answersPerSecond: number;
  /** Changes kept in the log. */
  readonly logSteps: number;
  /** Patterns kept over the logged changes. */
  readonly logPatterns: number;
}

export interface PatternServerCounters {
  /** Times our pattern set changed (each a new version). */
  patternSetChanges: number;
  /** Pages of our pattern set sent, answering PATTERNS_REQUEST. */
  patternPagesSent: number;
  /** PATTERNS_REQUEST for another incarnation of ours (a restart), or beyond the answer budget. */
  patternRequestsIgnored: number;
  /** PATTERNS_DELTA frames built when our set changed (each sent to the group and the unicast peers). */
  deltasPushed: number;
  /** Changes of our set advertised without a delta: too large for a datagram, or no longer logged. */
  deltasNotPushed: number;
  /** PATTERNS_DELTA sent answering PATTERNS_DELTA_REQUEST. */
  deltaAnswersSent: number;
  /** PATTERNS_DELTA_REQUEST answered with the first page of the whole set (the change is no longer logged, or too large). */
  deltaRequestsAnsweredFull: number;
  /** PATTERNS_DELTA_REQUEST for another incarnation, from a version not older than ours, or beyond the answer budget. */
  deltaRequestsIgnored: number;
}

/** Where our listener is and the ADVERT flags to use: what a page needs besides the set. */
export interface AdvertBase {
  readonly host: string;
  readonly port: number;
  readonly flags: number;
}

export class PatternServer {
  readonly counters: PatternServerCounters = {
    patternSetChanges: 0,
    patternPagesSent: 0,
    patternRequestsIgnored: 0,
    deltasPushed: 0,
    deltasNotPushed: 0,
    deltaAnswersSent: 0,
    deltaRequestsAnsweredFull: 0,
    deltaRequestsIgnored: 0,
  };
  private readonly log: PatternLog;
  private inlineSet = true;
  /** The version our last periodic (or change) advert named: a change is pushed as the delta from it. */
  private advertisedVersion: number;
  private budget: number;
  private budgetAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly self: PeerId,
    private readonly o: PatternServerOptions,
  ) {
    this.log = new PatternLog({ maxSteps: o.logSteps, maxPatterns: o.logPatterns });
    this.advertisedVersion = this.log.version;
    this.budget = o.answersPerSecond;
  }

  get version(): number {
    return this.log.version;
  }

  get size(): number {
    return this.log.set.length;
  }

  /** Whether our adverts carry the whole set (it is small). */
  get inline(): boolean {
    return this.inlineSet;
  }

  /** Our set becomes `patterns`. Returns false when it is the same set. */
  update(patterns: readonly string[]): boolean {
    if (!this.log.update(patterns)) return false;
    this.inlineSet = this.fitsInline(this.log.set);
    this.counters.patternSetChanges++;
    return true;
  }

  /** Our ADVERT: the set's version, size and digest, and the set itself when it is small. */
  advert(base: AdvertBase): AdvertFrame {
    const log = this.log;
    return { kind: 'advert', sender: this.self, ...base, patterns: this.inlineSet ? log.set : [], setVersion: log.version, setSize: log.set.length, setDigest: log.digest, fromIndex: 0 };
  }

  /** An advert naming the current version goes to everyone now: the next change is pushed from it. */
  markAdvertised(): void {
    this.advertisedVersion = this.log.version;
  }

  /**
   * The delta to push for the changes since our last advert: `undefined` when there is none to
   * push (no change, a set carried inline, or a change that does not fit a datagram).
   */
  changeDelta(): PatternsDeltaFrame | undefined {
    if (this.inlineSet || this.advertisedVersion === this.log.version) return undefined;
    const frame = this.delta(this.advertisedVersion);
    if (frame === undefined) this.counters.deltasNotPushed++;
    else this.counters.deltasPushed++;
    return frame;
  }

  /** A PATTERNS_REQUEST: the page it asks for (of the current version, from its start when it asks another), or nothing. */
  onRequest(nowMs: number, frame: PatternsRequestFrame, base: AdvertBase): AdvertFrame | undefined {
    if (frame.targetIncarnation !== this.self.incarnation || !this.spend(nowMs)) {
      this.counters.patternRequestsIgnored++;
      return undefined;
    }
    this.counters.patternPagesSent++;
    // A request for an older version gets the current one from its start: the asker starts over.
    return this.page(frame.setVersion === this.log.version ? frame.fromIndex : 0, base);
  }

  /**
   * A PATTERNS_DELTA_REQUEST: the delta from the asker's version to ours, or, when we no longer
   * have it (or it does not fit a datagram), the first page of the whole set; nothing for another
   * incarnation, a version not older than ours, or beyond the budget.
   */
  onDeltaRequest(nowMs: number, frame: PatternsDeltaRequestFrame, base: AdvertBase): PatternsDeltaFrame | AdvertFrame | undefined {
    if (frame.targetIncarnation !== this.self.incarnation || frame.fromVersion >= this.log.version || !this.spend(nowMs)) {
      this.counters.deltaRequestsIgnored++;
      return undefined;
    }
    const answer = this.delta(frame.fromVersion);
    if (answer !== undefined) {
      this.counters.deltaAnswersSent++;
      return answer;
    }
    this.counters.deltaRequestsAnsweredFull++;
    return this.page(0, base);
  }

  /** One page of the set from `fromIndex` on: as many patterns as fit in a datagram. */
  private page(fromIndex: number, base: AdvertBase): AdvertFrame {
    const { set, version, digest } = this.log;
    const head = { kind: 'advert', sender: this.self, ...base, setVersion: version, setSize: set.length, setDigest: digest } as const;
    const from = Math.min(fromIndex, set.length);
    let bytes = encodedSize({ ...head, patterns: [], fromIndex: from });
    let to = from;
    while (to < set.length && to - from < 0xffff && bytes + 1 + set[to].length <= this.o.maxDatagramBytes) bytes += 1 + set[to++].length;
    return { ...head, patterns: set.slice(from, to), fromIndex: from };
  }

  /** The change from `fromVersion` to now as one PATTERNS_DELTA that fits a datagram, if the log has it. */
  private delta(fromVersion: number): PatternsDeltaFrame | undefined {
    const change = this.log.changeSince(fromVersion);
    if (change === undefined || change.added.length > 0xffff || change.removed.length > 0xffff) return undefined;
    const log = this.log;
    const frame: PatternsDeltaFrame = { kind: 'patternsDelta', sender: this.self, fromVersion, toVersion: log.version, setSize: log.set.length, setDigest: log.digest, ...change };
    return encodedSize(frame) <= this.o.maxDatagramBytes ? frame : undefined;
  }

  /** Takes one answer from the budget of the current second; false when it is spent. */
  private spend(nowMs: number): boolean {
    if (nowMs - this.budgetAtMs >= 1000) {
      this.budget = this.o.answersPerSecond;
      this.budgetAtMs = nowMs;
    }
    if (this.budget <= 0) return false;
    this.budget--;
    return true;
  }

  /** Whether an advert carrying all of `patterns` stays within `inlineBytes` (stops counting past it). */
  private fitsInline(patterns: readonly string[]): boolean {
    let size = encodedSize({ kind: 'advert', sender: this.self, host: '0.0.0.0', port: 1, flags: 0, patterns: [], setVersion: 1, setSize: patterns.length, setDigest: 1, fromIndex: 0 });
    for (let i = 0; i < patterns.length && size <= this.o.inlineBytes; i++) size += 1 + patterns[i].length;
    return size <= this.o.inlineBytes;
  }
}
