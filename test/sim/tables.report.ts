/**
 * Prints the tables of docs/SIMULATION.md for seeds 1-200: `npm run sim:tables`. Not part of
 * `npm test` (its file name does not match `*.test.ts`): the seed suites already run these seeds.
 */
import { describe, expect, it } from 'vitest';
import { paramsForSeed, runScenario, type ScenarioResult } from './scenario.js';
import { formatStartupTable, formatTable } from './table.js';

describe('simulator tables for docs/SIMULATION.md', () => {
  it('seeds 1-200', () => {
    const results: ScenarioResult[] = [];
    const started = process.hrtime.bigint();
    for (let seed = 1; seed <= 200; seed++) results.push(runScenario(paramsForSeed(seed)));
    const cpuS = Number(process.hrtime.bigint() - started) / 1e9;
    const datagrams = results.reduce((s, r) => s + r.datagrams, 0);
    const peakBytes = results.reduce((m, r) => Math.max(m, r.peakWindowBytes), 0);
    console.log(`\n${formatTable(results)}\n\n${formatStartupTable(results)}\n\n` +
      `datagrams simulated: ${datagrams}; peak window bytes: ${peakBytes}; wall time: ${cpuS.toFixed(1)} s`);
    expect(results.reduce((s, r) => s + r.violations.length, 0)).toBe(0);
  }, 600_000);
});
