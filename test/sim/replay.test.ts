/**
 * Replays one simulator seed: `LEDGECAST_SIM_SEED=123 npx vitest run test/sim/replay.test.ts`.
 * Without the variable it replays the regression seeds kept from development.
 */
import { describe, expect, it } from 'vitest';
import { paramsForSeed, runScenario } from './scenario.js';

const fromEnv = process.env.LEDGECAST_SIM_SEED;
// Seeds that once failed while developing; each is kept as a regression test.
export const REGRESSION_SEEDS: readonly number[] = [];

const seeds = fromEnv ? [Number(fromEnv)] : REGRESSION_SEEDS;

describe('simulator replay', () => {
  it.each(seeds.map((s) => [s]))('seed %i holds every invariant', (seed) => {
    const result = runScenario(paramsForSeed(seed));
    for (const v of result.violations.slice(0, 30)) console.log(`${v.kind}: ${v.detail}`);
    expect(result.violations).toEqual([]);
  });
});
