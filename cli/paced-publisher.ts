/**
 * Publishing in order at a paced or unbounded rate, for `pub`, `bench` and the demo.
 */
import type { Peer } from '../actors/app/peer.js';
import { sleep } from './cli-io.js';
import { Pacer } from './pacer.js';

/** Publishes in flight before waiting for the sender to accept them (also yields to I/O). */
export const YIELD_EVERY = 256;

/**
 * Publishes in order, waiting for the pacer's slot when paced.
 *
 * `publish` returns `undefined` when the message went without waiting, and the caller must
 * then not `await` anything: the peer gathers every publish of one microtask into one batch
 * (hence few, full datagrams), and an `await` per message would split that batch into one
 * datagram per message. It returns a promise when the caller has to wait: for the pacer's next
 * slot, or, every {@link YIELD_EVERY} messages, for the sender to accept what is in flight
 * (accepts come in order, so the newest publish settles last). That bounds what is in flight
 * and lets the event loop run. A failed publish is rethrown at the next wait.
 */
export class PacedPublisher {
  private readonly pacer: Pacer | undefined;
  private inFlight = 0;
  private newest: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** Messages handed to the peer so far. */
  published = 0;

  constructor(
    private readonly peer: Peer,
    ratePerSec: number | undefined,
    private readonly stop: AbortSignal,
  ) {
    this.pacer = ratePerSec === undefined ? undefined : new Pacer(ratePerSec);
  }

  /**
   * Publishes now, or returns a promise that publishes once allowed (see the class doc). `what`
   * names the message in the error its failure becomes (`line 3 of stdin: payload of …`).
   * @throws the error of an earlier publish that failed: nothing more is published.
   */
  publish(subject: string, data: unknown, what?: string): Promise<void> | undefined {
    if (this.stop.aborted) return undefined;
    // Nothing more after a failure: `pub` from stdin went on with the lines after one too large,
    // then exited 2 naming none of them (a user-style check, 7 December).
    if (this.failure !== undefined) throw this.failure;
    if (this.inFlight >= YIELD_EVERY) return this.drained().then(() => this.publish(subject, data, what));
    if (this.pacer !== undefined && this.pacer.due(performance.now()) === 0) return this.waitForSlot().then(() => this.publish(subject, data, what));
    this.pacer?.take(1);
    this.newest = this.peer.publish(subject, data).catch((err: unknown) => {
      if (this.failure !== undefined) return;
      // Naming the message in its error keeps the error's class and code.
      if (what !== undefined && err instanceof Error) err.message = `${what}: ${err.message}`;
      this.failure = err;
    });
    this.published++;
    this.inFlight++;
    return undefined;
  }

  /** Resolves when every publish so far was accepted by the sender. */
  async drained(): Promise<void> {
    await this.newest;
    this.inFlight = 0;
    if (this.failure !== undefined) throw this.failure;
  }

  private async waitForSlot(): Promise<void> {
    // Accepting what is in flight first keeps the wait from also splitting batches later.
    await this.drained();
    while (this.pacer !== undefined && this.pacer.due(performance.now()) === 0 && !this.stop.aborted) {
      await sleep(Math.max(1, this.pacer.delayMs(performance.now())), this.stop);
    }
  }
}
