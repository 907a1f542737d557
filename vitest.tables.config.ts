import { defineConfig } from 'vitest/config';

/** `npm run sim:tables`: prints the simulator tables of docs/SIMULATION.md (not part of `npm test`). */
export default defineConfig({
  test: {
    include: ['test/sim/tables.report.ts'],
    testTimeout: 600_000,
  },
});
