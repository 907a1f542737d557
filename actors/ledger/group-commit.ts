/**
 * Group commit for the `'sync'` ledger: batches sequenced while a commit is on its way to disk
 * wait, and go together in the next commit, so that one commit and one flush cover many batches.
 *
 * Without it every event turn that appends opens its own LMDB transaction and flush, and the
 * sender waits for each; at a few messages per turn (an importing bridge at 5,000 msg/s) the
 * commits cost more than the messages. With it there are at most two commits in the pipeline:
 * the one in flight, and the one gathering what arrives meanwhile. What waits here is not on the
 * wire yet (the sender's {@link LedgerGate} holds it back until it is reported committed), so
 * nothing a receiver saw can be missing from the ledger after a crash: the guarantee of `'sync'`
 * is unchanged; a batch only waits for the commit ahead of it instead of running alongside it.
 *
 * States: `idle` (nothing in flight); `gathering` (a commit was started in this event turn: later
 * batches of the same turn join it, as LMDB puts writes of one turn in one transaction);
 * `inFlight` (the turn ended: later batches wait). The shell ends the turn (`turnEnded`, from
 * `setImmediate`) and reports the commit done (`committed`), which hands back what waited, to be
 * appended at once as the next commit.
 *
 * Bounded by what the sender holds: it sequences no more than its queue, and the gate holds all
 * of it until committed.
 */
export class GroupCommit<T> {
  private state: 'idle' | 'gathering' | 'inFlight' = 'idle';
  private waiting: T[] = [];
  /** Batches that waited for a commit (each joined a later one). */
  waited = 0;
  /** Commits started (each one LMDB transaction and flush, at least). */
  commits = 0;

  /**
   * A batch was sequenced. True: append it now (it starts a commit, or joins the one gathered in
   * this turn; when it starts one, the shell ends the turn later with {@link turnEnded}). False: it
   * waits for the commit in flight, and {@link committed} hands it back.
   */
  offer(batch: T): boolean {
    if (this.state === 'inFlight') {
      this.waiting.push(batch);
      this.waited++;
      return false;
    }
    if (this.state === 'idle') {
      this.state = 'gathering';
      this.commits++;
    }
    return true;
  }

  /** Whether a commit is being gathered in this turn (the shell ends the turn once per commit). */
  get gathering(): boolean {
    return this.state === 'gathering';
  }

  /** The event turn that gathered the commit ended: batches from now on wait for it. */
  turnEnded(): void {
    if (this.state === 'gathering') this.state = 'inFlight';
  }

  /**
   * The commit in flight is on disk. Returns what waited meanwhile, oldest first, to append now
   * as the next commit (the state is `gathering` again: end the turn again), or an empty array
   * (idle).
   */
  committed(): T[] {
    const next = this.waiting;
    if (next.length === 0) {
      this.state = 'idle';
      return next;
    }
    this.waiting = [];
    this.state = 'gathering';
    this.commits++;
    return next;
  }

  /** Hands back everything waiting (the actor stops, or the store failed); the state is idle. */
  drain(): T[] {
    const next = this.waiting;
    this.waiting = [];
    this.state = 'idle';
    return next;
  }

  /** Batches waiting for the commit in flight. */
  get waitingBatches(): number {
    return this.waiting.length;
  }

  /** Whether nothing is in flight, gathered, or waiting. */
  get idle(): boolean {
    return this.state === 'idle';
  }
}
