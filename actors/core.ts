/**
 * Conventions every pure core shares: injected randomness, timers as data, exhaustive switches.
 *
 * A core never reads a clock or calls `Math.random`: time arrives as `nowMs` (a monotonic
 * millisecond clock owned by the shell or the simulator) and randomness as an {@link Rng}.
 * A core that needs to wake up exposes {@link TimerCore}; its shell owns the single timer.
 *
 * @packageDocumentation
 */

/** A source of uniform numbers in [0, 1). Seeded in tests and the simulator. */
export type Rng = () => number;

/** A core that wants to be called back at a time it chooses. */
export interface TimerCore {
  /** The earliest time `onTimer` should run, or `undefined` when nothing is pending. */
  nextDeadlineMs(): number | undefined;
  /** Does whatever was due at or before `nowMs`. */
  onTimer(nowMs: number): void;
}

/**
 * A small, fast, seeded PRNG (mulberry32). Deterministic for a given seed, so the
 * simulator can replay a run exactly.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ends an exhaustive `switch`: a compile error when a case is missing. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}

/** The earliest of several optional deadlines. */
export function earliest(...deadlines: (number | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const d of deadlines) if (d !== undefined && (best === undefined || d < best)) best = d;
  return best;
}
