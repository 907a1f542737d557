/**
 * Names whose incarnations left the window without ever reporting a position (pure: no I/O, time
 * passed in; one per {@link FlowControl}).
 *
 * A receiver that never reports holds a blocked stream for the stall bound (plus
 * `multicastProbeMs`) from when it was registered, once: then it is excluded. A name that comes
 * back under a new incarnation would start that hold again, each time: a forger advertising one
 * name under two incarnations in turn (each taken as a restart) held a publisher 5-7 s again and
 * again (a user-style check, 7 December: 200,000 messages took 20.5 s instead of 1 s). So a new
 * incarnation of such a name takes over the registration time and the exclusion of the first one
 * that never reported, until the name reports a position, or for `memoryMs` from that first
 * registration (then it starts afresh: one hold per name and `memoryMs` at most).
 */

/** What a new incarnation of a name takes over. */
export interface Unreported {
  /** When the first incarnation that never reported was registered (its stall clock). */
  readonly sinceMs: number;
  /** Whether one of them was excluded from the window (stalled). */
  readonly excluded: boolean;
}

/** Names remembered at most (the oldest forgotten first). */
export const MAX_UNREPORTED_NAMES = 4096;
/** How long from the first registration a name's history stands, ms. */
export const UNREPORTED_MEMORY_MS = 60_000;

export class UnreportedNames {
  private readonly byName = new Map<string, Unreported>();

  constructor(
    private readonly max = MAX_UNREPORTED_NAMES,
    private readonly memoryMs = UNREPORTED_MEMORY_MS,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  /** An incarnation of `name` registered at `sinceMs` left without reporting (`excluded`: it had been left out). */
  left(name: string, sinceMs: number, excluded: boolean): void {
    const before = this.byName.get(name);
    this.byName.delete(name);
    this.byName.set(name, before === undefined ? { sinceMs, excluded } : { sinceMs: Math.min(before.sinceMs, sinceMs), excluded: before.excluded || excluded });
    if (this.byName.size > this.max) this.byName.delete(this.byName.keys().next().value as string);
  }

  /** `name` reported a position: a live receiver, nothing to take over. */
  reported(name: string): void {
    if (this.byName.size > 0) this.byName.delete(name);
  }

  /** What a new incarnation of `name` registered at `nowMs` takes over, if anything. */
  takenOver(nowMs: number, name: string): Unreported | undefined {
    if (this.byName.size === 0) return undefined;
    const u = this.byName.get(name);
    if (u === undefined) return undefined;
    if (nowMs - u.sinceMs <= this.memoryMs) return u;
    this.byName.delete(name);
    return undefined;
  }
}
