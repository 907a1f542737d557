import { defineConfig } from 'vitest/config';

/** The tests mutation testing runs: unit and simulator (they import the TypeScript sources). */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/sim/**/*.test.ts'],
    exclude: ['test/unit/runtime/**', 'test/unit/cli/**'],
    testTimeout: 60_000,
  },
});
