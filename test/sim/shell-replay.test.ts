/**
 * Replays one shell-simulator seed: `LEDGECAST_SHELL_SEED=12 npx vitest run test/sim/shell-replay.test.ts`.
 * Without the variable it replays the regression seeds kept from development, and checks that a
 * seed replays exactly.
 */
import { describe, expect, it } from 'vitest';
import { SHELL_REGRESSION_SEEDS, runShellScenario, shellParamsForSeed } from './shell/shell-scenario.js';

const fromEnv = process.env.LEDGECAST_SHELL_SEED;


const seeds = fromEnv ? [Number(fromEnv)] : SHELL_REGRESSION_SEEDS;

describe('shell simulator replay', () => {
  it.each(seeds.map((s) => [s]))('shell seed %i holds every invariant', async (seed) => {
    const result = await runShellScenario(shellParamsForSeed(seed));
    const { params } = result;
    console.log(
      `shell seed ${seed}: ${params.peers} peers, ${Math.round(params.lossRate * 100)}% loss, window ${params.windowMessages}, ` +
        `published ${result.published} (batches refused ${result.refusedBatches}), delivered ${result.delivered} of ${result.expectedDeliveries}, ` +
        `channels given up ${result.channelGiveUps}, NAKs ${result.naksSent}, data-loss events ${result.dataLossEvents}, ${result.datagrams} datagrams, ${result.events} events`,
    );
    for (const v of result.violations.slice(0, 30)) console.log(`${v.kind}: ${v.detail}`);
    expect(result.violations).toEqual([]);
  });

  // Seed 13: 15 % loss, a 48-message window (data-loss events), large messages, publishing at
  // t = 0 and a multicast blackout: most of what a run can do.
  it('replays a seed exactly: the same deliveries, in the same order, and the same datagrams', async () => {
    const first = await runShellScenario(shellParamsForSeed(13));
    const second = await runShellScenario(shellParamsForSeed(13));
    expect(first.delivered).toBeGreaterThan(0);
    expect(first.dataLossEvents).toBeGreaterThan(0);
    expect(second.trace.delivered).toEqual(first.trace.delivered);
    expect(second.trace.datagramSizes).toEqual(first.trace.datagramSizes);
    expect([second.datagrams, second.bytes, second.events]).toEqual([first.datagrams, first.bytes, first.events]);
  });
});
