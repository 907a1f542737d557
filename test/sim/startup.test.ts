/**
 * Start-up cases of the simulator (issue 9): publishers that publish from t = 0, before any
 * advert was heard, and subscribers deaf to multicast for their first few hundred ms, which
 * hear streams late and must still get them from their first seq (by NAK). A start-up seed
 * must replay exactly, and the seed draws must give every case its share.
 */
import { describe, expect, it } from 'vitest';
import { isStartupSeed, paramsForSeed, runScenario, type ScenarioResult } from './scenario.js';

/** t = 0, 10 % loss, p0 and p4 deaf for 343 ms, large messages: 4 streams heard late. */
const STARTUP_SEED = 122;

/** Everything the applications saw, in order: deliveries (with a payload checksum) and losses. */
function traceOf(result: ScenarioResult): string[] {
  const out: string[] = [];
  for (const peer of result.peers) {
    for (const d of peer.delivered) {
      let sum = 0;
      for (const b of d.payload) sum = (sum * 31 + b) >>> 0;
      out.push(`${peer.id.name} got ${d.sender.name} ${d.subject} ${d.seq} ${d.payload.byteLength}B ${sum}`);
    }
    for (const l of peer.losses) out.push(`${peer.id.name} lost ${l.sender} ${l.subject} ${l.from}..${l.to} ${l.reason} @${l.atMs}`);
  }
  return out;
}

describe('simulator start-up cases', () => {
  it(`seed ${STARTUP_SEED} (publish at t = 0, multicast blackout, large messages) replays to the same trace`, () => {
    const params = paramsForSeed(STARTUP_SEED);
    expect(params.publishStartMs).toBe(0);
    expect(params.blackouts.length).toBeGreaterThan(0);
    expect(params.largeMessageRate).toBeGreaterThan(0);
    const first = runScenario(params);
    const second = runScenario(paramsForSeed(STARTUP_SEED));
    expect(first.violations).toEqual([]);
    // The deaf subscribers heard streams late and still got each from its first seq.
    expect(first.lateHeardStreams).toBeGreaterThan(0);
    expect(first.lateHeardFromStart).toBe(first.lateHeardStreams);
    const trace = traceOf(first);
    expect(trace.length).toBeGreaterThan(1000);
    expect(traceOf(second)).toEqual(trace);
    expect([second.naksSent, second.datagrams, second.events, second.simulatedMs]).toEqual([
      first.naksSent,
      first.datagrams,
      first.events,
      first.simulatedMs,
    ]);
  });

  it('seeds 1-200 give each start-up case its share, decided by the seed alone', () => {
    let atZero = 0;
    let blackout = 0;
    let both = 0;
    let atZeroLarge = 0;
    let startup = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const p = paramsForSeed(seed);
      expect(paramsForSeed(seed)).toEqual(p);
      if (p.publishStartMs === 0) atZero++;
      if (p.blackouts.length > 0) blackout++;
      if (p.publishStartMs === 0 && p.blackouts.length > 0) both++;
      if (p.publishStartMs === 0 && p.largeMessageRate > 0) atZeroLarge++;
      if (isStartupSeed(p)) startup++;
      for (const b of p.blackouts) {
        expect(b.fromMs).toBe(0);
        expect(b.toMs).toBeGreaterThanOrEqual(300);
        expect(b.deaf.length).toBeGreaterThan(0);
      }
    }
    expect([atZero, blackout, both, atZeroLarge, startup]).toEqual([82, 63, 28, 56, 117]);
  });
});
