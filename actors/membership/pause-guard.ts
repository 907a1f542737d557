/**
 * PauseGuard: decisions made on silence wait until what arrived during a pause of this thread
 * has been read.
 *
 * A timer that fires long after its deadline means the thread did not run in between (the
 * process SIGSTOPped, a VM paused, a long stall). Node runs due timers before it polls the
 * sockets, so on waking a timer would judge peers by a silence that was this thread's own:
 * their datagrams are still unread in the socket buffer. A subscriber resumed after 10 s said
 * `peerLeft` 'expired' for its live publisher 17-20 ms after SIGCONT, then `peerJoined` for the
 * same incarnation 10-50 ms later (a user-style check, 8 December, 3 of 3 runs).
 *
 * So a late firing holds such decisions for `graceMs` and the next firing decides, late or not:
 * meanwhile the socket is read, and a live peer whose datagrams the kernel dropped while this
 * thread stood still (a full receive buffer) speaks again: every peer advertises once a second
 * (`advertIntervalMs`). A thread starved for long (heavy load) holds each decision at most once,
 * by `graceMs`, and nothing is held for ever.
 */

/** A timer at least this late (ms) means the thread did not run meanwhile. */
export const PAUSE_LATE_MS = 500;
/** How long decisions on silence wait after a pause (ms): the sockets are read, and each live peer advertises again (once a second by default). */
export const PAUSE_GRACE_MS = 1500;

export class PauseGuard {
  /** Pauses seen (late firings that held decisions). */
  pauses = 0;
  private graceUntilMs: number | undefined;

  constructor(
    private readonly lateMs = PAUSE_LATE_MS,
    private readonly graceMs = PAUSE_GRACE_MS,
  ) {}

  /** While decisions wait: until when (undefined: none wait). */
  get holdUntilMs(): number | undefined {
    return this.graceUntilMs;
  }

  /**
   * The timer fired at `nowMs` for `deadlineMs`: true when decisions on silence must wait (until
   * {@link holdUntilMs}), false when they are taken now.
   */
  holds(nowMs: number, deadlineMs: number | undefined): boolean {
    if (this.graceUntilMs !== undefined) {
      if (nowMs < this.graceUntilMs) return true;
      this.graceUntilMs = undefined;
      return false; // one grace per pause: this firing decides
    }
    if (deadlineMs === undefined || nowMs - deadlineMs < this.lateMs) return false;
    this.graceUntilMs = nowMs + this.graceMs;
    this.pauses++;
    return true;
  }
}
