/**
 * The steps of a `Peer`'s graceful close, between refusing new publishes and stopping the actors:
 * what was published is handed over and sent, the receivers confirm the end of each stream (or a
 * bound passes), the last heartbeat and BYE name each stream's final seq, and the ledger flushes.
 * Each ask to an actor carries a token that its answer (`drained`, `ledgerFlushed`) names back.
 *
 * Ownership: owned by the `Peer`, on the application thread; run once, by `close()`.
 */
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { ActorSystem } from '../../runtime/actor-system.js';
import type { FlowInbox } from '../flow/messages.js';
import type { LedgerInbox } from '../ledger/messages.js';
import type { ReceiversInbox } from '../membership/messages.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { SenderInbox } from '../sender/messages.js';
import type { Durables } from './durables.js';
import type { Publisher } from './publisher.js';

/** Waits before each round of last heartbeat + BYE (both naming every stream's final seq) when closing. */
const BYE_ROUNDS_MS = [0, 20, 80] as const;

/** Runs the close (see the module comment) and takes the actors' answers to it. */
export class CloseSequence {
  private nextToken = 1;
  /** Asks waiting for their answer, by token. */
  private readonly waiting = new Map<number, () => void>();

  constructor(
    private readonly system: ActorSystem,
    private readonly publisher: Publisher,
    private readonly durables: Durables,
    private readonly ledger: ActorRef<LedgerInbox> | undefined,
  ) {}

  /**
   * Runs the steps; waits for the receivers at most `timeoutMs` (0: not at all). Resolves when
   * the actors may be stopped.
   */
  async run(timeoutMs: number): Promise<void> {
    this.publisher.flush();
    const deadline = Date.now() + timeoutMs;
    // Let the sender hand over what is pending (it waits for credit, as before the close).
    const handOver = Date.now() + Math.max(2000, timeoutMs);
    while (this.publisher.pending > 0 && Date.now() < handOver) await new Promise((r) => setTimeout(r, 5));
    this.system.ref<SenderInbox>('sender').trySend({ kind: 'draining' });
    if (timeoutMs > 0) await this.drain(deadline);
    // Each round, the retransmit actor sends a last heartbeat naming every stream's final seq,
    // then has the receivers actor say BYE with the same entries. Three rounds, spaced (0, 20,
    // 100 ms): a receiver whose socket overflowed at the first still gets one. Should the
    // retransmit actor refuse the round, the BYE goes anyway, naming no stream.
    for (const waitMs of BYE_ROUNDS_MS) {
      await new Promise((r) => setTimeout(r, waitMs));
      if (!this.system.ref<RetransmitInbox>('retransmit').trySend({ kind: 'closing' })) this.system.ref<ReceiversInbox>('receivers').trySend({ kind: 'leaving' });
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.flushLedger(2000);
    await new Promise((r) => setTimeout(r, 20));
  }

  /** An actor answered the ask `token` (`drained`, `ledgerFlushed`). */
  answered(token: number): void {
    this.waiting.get(token)?.();
  }

  /** Waits until every live receiver confirmed every stream of ours (the flow actor's `drained`), or `deadline`. */
  private drain(deadline: number): Promise<void> {
    return this.ask(Math.max(0, deadline - Date.now()), (token) => this.system.ref<FlowInbox>('flow').trySend({ kind: 'drainRequested', token }));
  }

  /** Sends pending confirmations and waits (bounded) until the ledger flushed what it received. */
  private async flushLedger(timeoutMs: number): Promise<void> {
    const ledger = this.ledger;
    if (ledger === undefined) return;
    this.durables.sendConfirmations();
    await this.ask(timeoutMs, (token) => ledger.trySend({ kind: 'flushRequested', token }));
  }

  /** Sends an ask with a new token (`send`: false when refused, and then nothing is waited for) and waits at most `timeoutMs` for its answer. */
  private async ask(timeoutMs: number, send: (token: number) => boolean): Promise<void> {
    const token = this.nextToken++;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.waiting.set(token, resolve);
      timer = setTimeout(resolve, timeoutMs);
      if (!send(token)) resolve();
    });
    clearTimeout(timer);
    this.waiting.delete(token);
  }
}
