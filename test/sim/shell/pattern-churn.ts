/**
 * A seeded run of the shell simulator for pattern-set changes (issue 14, changes as deltas): 3-5
 * peers of real actor shells; p0 holds a large set (hundreds to thousands of patterns, more than
 * an advert carries) and changes it again and again (single subscriptions and unsubscriptions,
 * bursts within the coalescing gap, now and then a change too large for one delta) while the
 * network loses, duplicates and reorders datagrams, adverts and requests alike. At `lossStopMs`
 * the changes and the loss stop; from then on every peer must know every other peer's exact set
 * (`peerJoined`/`peerUpdated` patterns equal to the set it subscribes) within two advert
 * intervals. `runPatternChurn(params)` is deterministic: a seed replays.
 */
import { createRng, type Rng } from '../../../actors/core.js';
import { patternSetDigest } from '../../../codecs/frames/advert.js';
import { EventQueue } from '../event-queue.js';
import { SimNetwork, type LinkConditions } from '../sim-network.js';
import { ShellPeer } from './shell-peer.js';
import { runEvents } from './run-events.js';

export interface PatternChurnParams {
  readonly seed: number;
  readonly peers: number;
  /** Patterns p0 subscribes at start. */
  readonly basePatterns: number;
  readonly lossRate: number;
  readonly duplicateRate: number;
  readonly jitterMs: number;
  /** Changes of p0's subscriptions (each one to several subscribe/unsubscribe calls). */
  readonly changes: number;
  /** Changes, and loss, stop here. */
  readonly lossStopMs: number;
  readonly advertIntervalMs: number;
  readonly maxDatagramBytes: number;
}

export interface PatternChurnResult {
  readonly params: PatternChurnParams;
  readonly peers: ShellPeer[];
  /** When, after `lossStopMs`, every peer first knew every other's exact set (undefined: never by the deadline). */
  readonly convergedAfterMs: number | undefined;
  /** At the deadline (`lossStopMs + 2 * advertIntervalMs`): who does not know whose set, and how it differs. */
  readonly mismatches: string[];
  /** Versions p0's set went through. */
  readonly versions: number;
  /** Summed over the peers: the receivers actors' pattern-sync and delta counters. */
  readonly counters: Record<string, number>;
  readonly datagrams: number;
  readonly bytes: number;
  /** The network's hash over every datagram delivered: equal for two runs of one seed. */
  readonly traceHash: number;
}

/** The churn seeds once failing, kept as regression tests (none yet). */
export const PATTERN_CHURN_REGRESSION_SEEDS: readonly number[] = [];

export function patternChurnParamsForSeed(seed: number): PatternChurnParams {
  const rng = createRng(0x9e3779b9 ^ seed);
  return {
    seed,
    peers: 3 + Math.floor(rng() * 3),
    basePatterns: 200 + Math.floor(rng() * 2800),
    lossRate: 0.1 + rng() * 0.3,
    duplicateRate: rng() * 0.05,
    jitterMs: rng() * 4,
    changes: 20 + Math.floor(rng() * 60),
    lossStopMs: 6000,
    advertIntervalMs: 500,
    maxDatagramBytes: 1400 + Math.floor(rng() * 7000),
  };
}

export async function runPatternChurn(params: PatternChurnParams): Promise<PatternChurnResult> {
  const rng = createRng(params.seed);
  const queue = new EventQueue();
  let nowMs = 0;
  const now = (): number => nowMs;
  // Mutable: the loss stops at lossStopMs.
  const link: LinkConditions = { lossRate: params.lossRate, duplicateRate: params.duplicateRate, delayMs: 0.5, jitterMs: params.jitterMs };
  const network = new SimNetwork(queue, rng, now, link);

  const peers: ShellPeer[] = [];
  for (let i = 0; i < params.peers; i++) {
    peers.push(
      await ShellPeer.start(
        {
          name: `p${i}`,
          incarnation: 2000 + i,
          patterns: i === 0 ? [] : [`own.p${i}.>`, `shared.${i}.*`],
          options: { unicastPort: 41_000 + i, maxDatagramBytes: params.maxDatagramBytes, advertIntervalMs: params.advertIntervalMs, discoveryMs: 300 },
        },
        { queue, now, network },
      ),
    );
  }
  const p0 = peers[0];
  p0.subscribeMany(Array.from({ length: params.basePatterns }, (_, i) => `base.${String(i).padStart(5, '0')}.${i % 7 === 0 ? '>' : 'x'}`));

  scheduleChanges(queue, rng, p0, params);
  queue.push(params.lossStopMs, () => {
    link.lossRate = 0;
    link.duplicateRate = 0;
  });

  const deadlineMs = params.lossStopMs + 2 * params.advertIntervalMs;
  let convergedAtMs: number | undefined;
  let checkedAtMs = params.lossStopMs - 1;
  await runEvents(queue, {
    untilMs: deadlineMs,
    maxEvents: 3_000_000,
    setNow: (ms) => (nowMs = ms),
    afterEach: (t) => {
      if (t < params.lossStopMs || Math.floor(t) <= checkedAtMs) return;
      checkedAtMs = Math.floor(t);
      const ok = mismatchesOf(peers).length === 0;
      if (ok && convergedAtMs === undefined) convergedAtMs = t;
      if (!ok) convergedAtMs = undefined;
    },
  });
  nowMs = deadlineMs;

  const counters: Record<string, number> = {};
  for (const peer of peers) {
    const r = peer.stats('receivers');
    const sums = { ...(r.patternSync as Record<string, number>) };
    for (const k of ['patternPagesSent', 'deltasPushed', 'deltasNotPushed', 'deltaAnswersSent', 'deltaRequestsAnsweredFull', 'deltaRequestsIgnored', 'deltasUnproven', 'patternRequestsIgnored']) sums[k] = r[k] as number;
    for (const [k, n] of Object.entries(sums)) if (typeof n === 'number') counters[k] = (counters[k] ?? 0) + n;
  }
  return {
    params,
    peers,
    convergedAfterMs: convergedAtMs === undefined ? undefined : convergedAtMs - params.lossStopMs,
    mismatches: mismatchesOf(peers),
    versions: p0.stats('receivers').patternSetVersion as number,
    counters,
    datagrams: network.counters.sent,
    bytes: network.counters.bytes,
    traceHash: network.traceHash,
  };
}

/** p0's changes, at random times before `lossStopMs`; the pattern ids come from the seed. */
function scheduleChanges(queue: EventQueue, rng: Rng, p0: ShellPeer, params: PatternChurnParams): void {
  const stepMs = (params.lossStopMs - 800) / params.changes;
  let next = 0;
  const fresh = (): string => {
    const k = next++;
    const shape = rng();
    return shape < 0.15 ? `churn.${k}.*` : shape < 0.25 ? `churn.${k}.>` : `churn.${k}.leaf`;
  };
  const one = (): void => {
    const ids = [...p0.subscriptions.keys()];
    const r = rng();
    if (r < 0.5 || ids.length === 0) p0.subscribe(fresh());
    else if (r < 0.9) p0.unsubscribe(ids[Math.floor(rng() * ids.length)]);
    // A second subscription to a pattern held: no change of the set.
    else p0.subscribe(p0.subscriptions.get(ids[Math.floor(rng() * ids.length)]) as string);
  };
  for (let c = 0; c < params.changes; c++) {
    const at = 800 + c * stepMs + rng() * stepMs * 0.9;
    const kind = rng();
    if (kind < 0.75) queue.push(at, one);
    else if (kind < 0.93) {
      // A burst within the coalescing gap: one advert and one delta for all of it.
      const n = 2 + Math.floor(rng() * 5);
      for (let i = 0; i < n; i++) queue.push(at + i * rng() * 5, one);
    } else {
      // A change larger than one datagram holds: no delta, the listeners fetch the whole set.
      const n = 100 + Math.floor(rng() * 200);
      queue.push(at, () => p0.subscribeMany(Array.from({ length: n }, fresh)));
    }
  }
}

/** Every pair (a, b) where a does not know b's exact set. */
export function mismatchesOf(peers: readonly ShellPeer[]): string[] {
  const out: string[] = [];
  for (const a of peers) {
    for (const b of peers) {
      if (a === b) continue;
      const want = b.patternSet;
      const got = a.knownPatterns.get(b.id.name);
      if (got === undefined) out.push(`${a.id.name} does not list ${b.id.name}`);
      else if (got.length !== want.length || got.some((p, i) => p !== want[i])) {
        out.push(`${a.id.name} holds ${got.length} patterns of ${b.id.name} (digest ${patternSetDigest([...got].sort())}), which has ${want.length} (digest ${patternSetDigest(want)})`);
      }
    }
  }
  return out;
}

/** The one-line command that replays a churn seed. */
export function patternChurnReplayCommand(seed: number): string {
  return `LEDGECAST_CHURN_SEED=${seed} npx vitest run test/sim/pattern-churn.test.ts`;
}
