/**
 * How many reports of one kind (an `error` event a hostile host could cause at will) may go out
 * per interval: the rest are counted by the caller, not said. Pure: time is passed in.
 */
export class ReportBudget {
  private windowStartMs = -Infinity;
  private used = 0;
  /** Reports refused since the start. */
  suppressed = 0;

  constructor(
    private readonly perInterval: number,
    private readonly intervalMs: number,
  ) {}

  /** Whether a report may go out at `nowMs` (counted as gone when true). */
  take(nowMs: number): boolean {
    if (nowMs - this.windowStartMs >= this.intervalMs) {
      this.windowStartMs = nowMs;
      this.used = 0;
    }
    if (this.used >= this.perInterval) {
      this.suppressed++;
      return false;
    }
    this.used++;
    return true;
  }
}
