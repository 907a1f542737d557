import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs: unit and simulator (they import the TypeScript sources).
 * The 200-seed simulator suites (seeds-*.test.ts, about a minute) run only with
 * LEDGECAST_MUTATION_SEEDS=1: every mutant they cover, and that survives, would cost that minute.
 * LEDGECAST_MUTATION_TESTS (comma-separated globs, e.g. `test/unit/receiver/**`) narrows the run to
 * one folder's tests, which is what makes a folder's run fit in minutes on 2 cores.
 */
const seeds = process.env.LEDGECAST_MUTATION_SEEDS === '1';
const only = process.env.LEDGECAST_MUTATION_TESTS?.split(',').filter((g) => g !== '');

export default defineConfig({
  test: {
    include: only ?? ['test/unit/**/*.test.ts', 'test/sim/**/*.test.ts'],
    exclude: ['test/unit/runtime/**', 'test/unit/cli/**', ...(seeds ? [] : ['test/sim/seeds-*.test.ts'])],
    testTimeout: 60_000,
  },
});
