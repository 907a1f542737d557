import { defineConfig } from 'vitest/config';

/**
 * `npm run test:repro`: reproductions of known bugs that are not fixed yet (test/repro/*.repro.ts;
 * not part of `npm test`). Each fails while its bug is there; once fixed, it moves to the suite.
 */
export default defineConfig({
  test: {
    include: ['test/repro/**/*.repro.ts'],
    testTimeout: 60_000,
  },
});
