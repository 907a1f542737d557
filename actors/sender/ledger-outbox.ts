/**
 * What the sender tells the ledger (with `config.ledger`): each sequenced batch, in order and
 * never dropped, before anything of it goes on the wire. A message the ledger's mailbox refuses
 * waits here, with everything after it, until the mailbox has room.
 *
 * Ownership: one per sender actor, on its thread; connected to the ledger when the actor starts.
 */
import type { WireMessage } from '../../codecs/frame.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { batchEnds, recordBytes } from '../../runtime/batching.js';
import type { LedgerInbox, SequencedMessage } from '../ledger/messages.js';

/** Sends to the ledger in order, holding back what its mailbox refused. */
export class LedgerOutbox {
  /** Messages the ledger's mailbox refused, resent in order once it has room. */
  private readonly backlog: LedgerInbox[] = [];
  private ref!: ActorRef<LedgerInbox>;

  /** @param counters the sender's, whose `mailboxFull` counts each refusal. */
  constructor(private readonly counters: { mailboxFull: number }) {}

  /** The actor started: the ledger's ref. */
  connect(ref: ActorRef<LedgerInbox>): void {
    this.ref = ref;
  }

  /** Messages waiting for room in the ledger's mailbox. */
  get waiting(): number {
    return this.backlog.length;
  }

  /** Sends one batch's messages, as they were sequenced, in `sequenced` messages cut by the cross-thread rule. */
  sendSequenced(messages: readonly SequencedMessage[]): void {
    for (const part of byteBoundedParts(messages)) this.send({ kind: 'sequenced', messages: part });
  }

  /** Sends to the ledger, never dropping: a refused message waits (in order) for room. */
  private send(msg: LedgerInbox): void {
    if (this.backlog.length === 0 && this.ref.trySend(msg)) return;
    this.counters.mailboxFull++;
    this.backlog.push(msg);
    if (this.backlog.length === 1) void this.ref.whenWritable().then(this.drain);
  }

  private readonly drain = (): void => {
    while (this.backlog.length > 0 && this.ref.trySend(this.backlog[0])) this.backlog.shift();
    if (this.backlog.length > 0) void this.ref.whenWritable().then(this.drain);
  };
}

/** Splits `messages` into parts by the one cross-thread rule (runtime/batching.ts), in order. */
function byteBoundedParts(messages: readonly WireMessage[]): WireMessage[][] {
  const parts: WireMessage[][] = [];
  let start = 0;
  for (const end of batchEnds(messages.length, (i) => recordBytes(messages[i].payload.byteLength, messages[i].subject.length))) {
    parts.push(messages.slice(start, end));
    start = end;
  }
  return parts;
}
