/**
 * The shell simulator's seed suite: the real actor shells of 2-6 peers over the simulated lossy
 * network (`test/sim/shell/`), one test per seed, each held to the delivery invariants and the
 * shells' own checks. Replay one: `LEDGECAST_SHELL_SEED=N npx vitest run test/sim/shell-replay.test.ts`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { SHELL_REGRESSION_SEEDS, runShellScenario, shellParamsForSeed, shellReplayCommand, type ShellScenarioResult } from './shell/shell-scenario.js';
import { formatShellTable } from './shell/shell-table.js';

/** Seeds 1..SHELL_SEEDS, then the regression seeds: about 40 s on the shared 2-core machine (see docs/SIMULATION.md). */
const SHELL_SEEDS = 200;
const SEEDS = [...Array.from({ length: SHELL_SEEDS }, (_, i) => i + 1), ...SHELL_REGRESSION_SEEDS];

describe('shell simulator, seeds 1-200 and the regression seeds', () => {
  const results: ShellScenarioResult[] = [];
  for (const seed of SEEDS) {
    const params = shellParamsForSeed(seed);
    const label =
      `shell seed ${seed}: ${params.peers} peers, ${Math.round(params.lossRate * 100)}% loss, ${params.publishers} publishers` +
      (params.partitions.length > 0 ? ', partition' : '') +
      (params.publishStartMs === 0 ? ', publish at t = 0' : '') +
      (params.blackouts.length > 0 ? ', multicast blackout' : '') +
      (params.largeMessageRate > 0 ? ', large messages' : '') +
      (params.windowMessages < 100 ? ', small window' : '');
    it(`${label}: the shells deliver every subscribed message once, in order, or report it lost, and raise nothing`, async () => {
      const result = await runShellScenario(params);
      results.push(result);
      const shown = result.violations.slice(0, 10).map((v) => `${v.kind}: ${v.detail}`).join('\n');
      expect(result.violations, `replay: ${shellReplayCommand(seed)}\n${shown}`).toEqual([]);
      expect(result.delivered).toBeGreaterThan(0);
    });
  }

  it('went through every shell path the checks rely on (own frames, heartbeats, NAKs of whole messages and fragments, unavailable ranges, multicast retransmits, credit, advert replies)', () => {
    expect(results.length).toBe(SEEDS.length);
    const total: Record<string, number> = {};
    for (const r of results) for (const [k, n] of Object.entries(r.coverage)) total[k] = (total[k] ?? 0) + n;
    for (const [k, n] of Object.entries(total)) expect(n, k).toBeGreaterThan(0);
  });

  afterAll(() => {
    if (results.length > 0) console.log(`\nshell simulator seeds 1..${SHELL_SEEDS} and ${SHELL_REGRESSION_SEEDS.join(', ')}\n${formatShellTable(results)}`);
  });
});
