/**
 * Runs a block of seeds as one test each and prints an aggregate table per loss rate.
 */
import { afterAll, expect, it } from 'vitest';
import { paramsForSeed, replayCommand, runScenario, type ScenarioResult } from './scenario.js';
import { formatTable } from './table.js';

export function seedSuite(from: number, to: number): void {
  const results: ScenarioResult[] = [];
  for (let seed = from; seed <= to; seed++) {
    const params = paramsForSeed(seed);
    const label = `seed ${seed}: ${params.peers} peers, ${Math.round(params.lossRate * 100)}% loss, ${params.publishers} publishers` +
      (params.partitions.length > 0 ? ', partition' : '') +
      (params.publishStartMs === 0 ? ', publish at t = 0' : '') +
      (params.blackouts.length > 0 ? ', multicast blackout' : '');
    it(`${label} delivers every subscribed message once, in order, or reports it lost`, () => {
      const result = runScenario(params);
      results.push(result);
      const shown = result.violations.slice(0, 10).map((v) => `${v.kind}: ${v.detail}`).join('\n');
      expect(result.violations, `replay: ${replayCommand(seed)}\n${shown}`).toEqual([]);
      expect(result.delivered).toBeGreaterThan(0);
    });
  }
  afterAll(() => {
    if (results.length > 0) console.log(`\nsimulator seeds ${from}..${to}\n${formatTable(results)}`);
  });
}
