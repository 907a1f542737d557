/**
 * Pattern-set changes under loss (issue 14, changes as deltas), on the shell simulator: p0 changes
 * its large set again and again while adverts, deltas and requests are lost; once the loss stops,
 * every peer knows every other peer's exact set within two advert intervals. Replay one seed:
 * `LEDGECAST_CHURN_SEED=N npx vitest run test/sim/pattern-churn.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { PATTERN_CHURN_REGRESSION_SEEDS, patternChurnParamsForSeed, patternChurnReplayCommand, runPatternChurn } from './shell/pattern-churn.js';

const fromEnv = process.env.LEDGECAST_CHURN_SEED;
const SEEDS = fromEnv ? [Number(fromEnv)] : [...Array.from({ length: 12 }, (_, i) => i + 1), ...PATTERN_CHURN_REGRESSION_SEEDS];

describe('pattern-set churn under loss', () => {
  for (const seed of SEEDS) {
    const p = patternChurnParamsForSeed(seed);
    it(`seed ${seed}: ${p.peers} peers, ${p.basePatterns} patterns, ${Math.round(p.lossRate * 100)}% loss, ${p.changes} changes: every peer knows every exact set within two advert intervals after the loss stops`, async () => {
      const r = await runPatternChurn(p);
      console.log(`churn seed ${seed}: ${r.versions} versions, converged ${r.convergedAfterMs?.toFixed(1)} ms after the loss stopped; ${JSON.stringify(r.counters)}`);
      expect(r.mismatches, `replay: ${patternChurnReplayCommand(seed)}`).toEqual([]);
      expect(r.convergedAfterMs).toBeDefined();
      expect(r.convergedAfterMs!).toBeLessThanOrEqual(2 * p.advertIntervalMs);
      expect(r.versions).toBeGreaterThan(10);
    });
  }

  it('went through the delta paths: pushed and applied, asked for and answered, answered with the whole set, and fell back', async () => {
    const total: Record<string, number> = {};
    for (const seed of [1, 2, 3]) {
      const r = await runPatternChurn(patternChurnParamsForSeed(seed));
      for (const [k, n] of Object.entries(r.counters)) total[k] = (total[k] ?? 0) + n;
    }
    for (const k of ['deltasPushed', 'deltasApplied', 'deltasRequested', 'deltaAnswersSent', 'deltasNotPushed', 'deltasFellBack', 'fetchesCompleted']) expect(total[k], k).toBeGreaterThan(0);
  });

  it('replays a seed exactly', async () => {
    const a = await runPatternChurn(patternChurnParamsForSeed(5));
    const b = await runPatternChurn(patternChurnParamsForSeed(5));
    expect([b.traceHash, b.datagrams, b.bytes, b.versions]).toEqual([a.traceHash, a.datagrams, a.bytes, a.versions]);
  });
});
