/**
 * The publishing half of the `Peer`: turns publishes into one `published` message per microtask
 * for the sender actor (per event-loop turn for those settled when queued: {@link
 * Publisher.publishQueued}), bounds what is pending (backpressure), and lets the event loop turn
 * every {@link PUBLISHES_PER_TURN} publishes.
 *
 * Ownership: owned by the `Peer`, on the application thread. The `Peer` checks that it is open
 * before each publish, and calls {@link Publisher.close} once the actors have stopped.
 */
import { MSGPACK_CODEC, type Codec } from './codec.js';
import { BackpressureError, EncodeError, LedgecastError, PeerClosedError } from '../../errors.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import { MAIN_THREAD } from '../../runtime/topology.js';
import { validateSubject } from '../subjects/subject.js';
import { assertMessageSize } from '../sender/fragmenter.js';
import { preparePublishItems } from '../sender/publish-batch.js';
import type { PublishedToPack } from '../thread-packers.js';
import { publishItem } from '../sender/unit.js';
import type { PublishItem, SenderInbox } from '../sender/messages.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';
import { MAX_BATCH_BYTES, recordBytes } from '../../runtime/batching.js';


/**
 * Publishes accepted in one event-loop turn before `tryPublish` says false and `publish` waits
 * for the next turn (`setImmediate`). `await publish()` resolves in microtasks, so a tight loop
 * of them would otherwise never let the socket be read: the publisher would not hear its
 * receivers (adverts, positions, NAKs) and its send queue would grow without bound. About 4 ms
 * of publishing at 1 us a message; one `setImmediate` per 4096 publishes costs nothing measurable.
 */
const PUBLISHES_PER_TURN = 4096;

/**
 * The same turn bound in payload bytes (a publish larger than it goes alone in its turn). Found
 * on 6 December: 4,000 `tryPublish` calls with every tenth message 500 KB, right after
 * `createPeer`, handed 200 MB to the sender in one turn; the socket was not read for 500 ms, the
 * publisher did not hear its subscriber within start-up discovery, sent without limit, and the
 * subscriber lost half of the stream ('unavailable'). 4 MiB is about 4 ms of sending here.
 */
const PUBLISH_BYTES_PER_TURN = 4 * 1024 * 1024;

/**
 * Payload bytes pending (handed to the publisher, not yet accepted by the sender) past which
 * `tryPublish` says false and `publish` waits, as at `maxPendingPublishes` (a publish larger
 * than it is let in alone): 2,048 pending messages of 1 MiB would otherwise hold 2 GB.
 */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/**
 * Largest payload (bytes) a `publish` may resolve for as soon as it is queued (see
 * {@link Publisher.publishQueued}): copied at the call, so a bound keeps the copies small (at
 * most `maxPendingPublishes` of them are pending). Larger messages fill datagrams of their own.
 */
export const QUEUED_MAX_BYTES = 4096;

/** A batch handed to the sender, waiting for its `accepted`; its publishes count as pending until then. */
interface PendingBatch {
  readonly batchId: number;
  readonly count: number;
  readonly resolvers: ((err?: Error) => void)[];
  /** Its payload bytes (counted pending until it settles). */
  readonly bytes: number;
  /** The batch's items and the indexes of those to deliver locally once accepted (echo). */
  readonly echo: { readonly items: readonly PublishItem[]; readonly indexes: readonly number[] } | undefined;
}

/** A publish waiting for room (see {@link Publisher.publishWhenRoom}). */
interface Waiting {
  readonly item: PublishItem;
  readonly echo: boolean;
  /** Settled once in a batch (publishQueued), not once accepted. */
  readonly queued: boolean;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/** Hands own publishes, with the seqs the sender gave them, to the peer's own subscriptions. */
export type EchoSink = (items: readonly PublishItem[], seqs: readonly number[]) => void;

/**
 * Batches, hands over and settles the publishes of one peer. Batches reach the sender in
 * `batchId` order; `accepted { batchId }` settles every batch up to it, and an error naming a
 * `batchId` fails that batch (the ones before it succeeded).
 */
export class Publisher {
  /** Publishes accepted since the peer started. */
  published = 0;
  private nextBatchId = 1;
  private readonly validSubjects = new Set<string>();
  private batch: PublishItem[] = [];
  private batchBytes = 0;
  /** Payload bytes of the publishes in `batch`. */
  private batchPayloadBytes = 0;
  /** Payload bytes pending (see {@link MAX_PENDING_BYTES}). */
  private pendingBytes = 0;
  /** Payload bytes published since the event loop last turned. */
  private bytesThisTurn = 0;
  private batchResolvers: ((err?: Error) => void)[] = [];
  /** Indexes in `batch` of the publishes to deliver locally too (undefined: none). */
  private batchEcho: number[] | undefined;
  private flushScheduled = false;
  private readonly outbox: (Extract<SenderInbox, { kind: 'published' }> | PublishedToPack)[] = [];
  private outboxWaiting = false;
  private readonly inFlight: PendingBatch[] = [];
  private pendingCount = 0;
  /**
   * Publishes waiting for room or for the next turn, in call order: `waiting[waitHead..]`. The
   * publisher itself moves them into the batch as room comes ({@link pump}), each in O(1).
   * Before (6 December), each waiting publish was woken to ask again: every settle woke all of
   * them, and each woken one that found no room queued again, so 100,000 un-awaited `publish()`
   * calls right after `createPeer` froze the event loop for 12-18 s (a false ERR_NO_MULTICAST
   * with it: the socket was not read) while 8,192 of them went out.
   */
  private waiting: (Waiting | undefined)[] = [];
  private waitHead = 0;
  /** Publishes since the event loop last turned (reset by a `setImmediate`). */
  private publishedThisTurn = 0;
  private turnScheduled = false;
  private readonly onTurn = (): void => {
    // Publishes that resolved when queued wait here for the end of the turn (publishQueued).
    this.flush();
    this.turnScheduled = false;
    this.publishedThisTurn = 0;
    this.bytesThisTurn = 0;
    this.pump();
  };

  /**
   * @param echo receives, once accepted, the publishes queued with `echo` (with their seqs).
   * @param onRefused `count` publishes made with `tryPublish` (no promise to reject) failed with `err`.
   */
  constructor(
    private readonly sender: ActorRef<SenderInbox>,
    private readonly maxPendingPublishes: number,
    private readonly maxMessageBytes: number,
    private readonly echo?: EchoSink,
    private readonly onRefused?: (err: Error, count: number) => void,
  ) {}

  /** Publishes handed to the publisher and not yet accepted by the sender (nor failed). */
  get pending(): number {
    return this.pendingCount;
  }

  /**
   * Validates and encodes one publish. A `Uint8Array` goes as raw bytes; any other value is
   * encoded by `codec` (by default msgpack-encoded).
   * @throws InvalidSubjectError, PayloadTooLargeError, EncodeError (what the codec threw, as `cause`).
   */
  prepare(subject: string, data: unknown, replyTo: string | undefined, codec: Codec = MSGPACK_CODEC): PublishItem {
    this.checkSubject(subject);
    if (replyTo !== undefined) validateSubject(replyTo, 'options.replyTo');
    // Raw bytes go as they are, without the codec's result object (one object per publish: the item).
    let flags = 0;
    let payload: Uint8Array;
    if (data instanceof Uint8Array) payload = data;
    else {
      try {
        ({ flags, payload } = codec.encode(data));
      } catch (err) {
        if (err instanceof LedgecastError) throw err;
        throw new EncodeError(`publish to ${JSON.stringify(subject)}: the payload cannot be encoded by its codec (${(err as Error)?.message ?? String(err)})`, { cause: err });
      }
    }
    assertMessageSize(payload.byteLength, this.maxMessageBytes);
    // In the shape the sender numbers in place: the item becomes its unit (sender/unit.ts).
    return publishItem(subject, flags, payload, replyTo);
  }

  /** Throws InvalidSubjectError unless `subject` is a valid subject to publish on (each checked once: publishers reuse a few; a bounded set of good ones). */
  checkSubject(subject: string): void {
    if (this.validSubjects.has(subject)) return;
    validateSubject(subject);
    if (this.validSubjects.size >= 4096) this.validSubjects.clear();
    this.validSubjects.add(subject);
  }

  /** Prepares and queues one publish; false (and nothing queued) when there is no room now, or earlier publishes wait for it. */
  tryPublish(item: PublishItem, echo = false): boolean {
    // `mustWait()` written out: this runs for every publish.
    if (this.pendingCount >= this.maxPendingPublishes || this.publishedThisTurn >= PUBLISHES_PER_TURN || this.pendingBytes >= MAX_PENDING_BYTES || this.waitHead < this.waiting.length) return false;
    if (this.bytesThisTurn > 0 && this.bytesThisTurn + item.payload.byteLength > PUBLISH_BYTES_PER_TURN) return false;
    this.enqueue(item, undefined, echo);
    return true;
  }

  /** Whether `maxPendingPublishes` messages or {@link MAX_PENDING_BYTES} are pending. */
  private full(): boolean {
    return this.pendingCount >= this.maxPendingPublishes || this.pendingBytes >= MAX_PENDING_BYTES;
  }

  /** Whether this turn has published its share (a publish of `bytes` more would pass it; one alone always goes). */
  private turnSpent(bytes: number): boolean {
    return this.publishedThisTurn >= PUBLISHES_PER_TURN || (this.bytesThisTurn > 0 && this.bytesThisTurn + bytes > PUBLISH_BYTES_PER_TURN);
  }

  /**
   * Whether a publish of `bytes` payload must wait ({@link publishWhenRoom}): earlier publishes
   * wait (order is call order), `maxPendingPublishes` or {@link MAX_PENDING_BYTES} are pending,
   * or this turn has published its share.
   */
  mustWait(bytes = 0): boolean {
    return this.waitHead < this.waiting.length || this.full() || this.turnSpent(bytes);
  }

  /**
   * Queues a prepared publish behind those that wait; it is moved into a batch when there is room
   * (a batch settled under `maxPendingPublishes`, or the event loop turned). Resolves as
   * {@link publish} does, or, `queued`, as soon as it is in a batch (as {@link publishQueued});
   * rejects with PeerClosedError if the peer closes first.
   */
  publishWhenRoom(item: PublishItem, echo: boolean, queued: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, echo, queued, resolve, reject });
      // Room comes from the sender's `accepted`: what waits for the end of the turn goes now.
      if (this.full()) this.flush();
    });
  }

  /** Moves waiting publishes into the batch, in order, while there is room and turn share. */
  private pump(): void {
    while (this.waitHead < this.waiting.length) {
      const w = this.waiting[this.waitHead] as Waiting;
      if (this.full() || this.turnSpent(w.item.payload.byteLength)) break;
      this.waiting[this.waitHead++] = undefined;
      if (w.queued) {
        this.enqueue(w.item, undefined, false, true);
        w.resolve();
      } else this.enqueue(w.item, (err) => (err ? w.reject(err) : w.resolve()), w.echo);
    }
    if (this.waitHead === this.waiting.length) {
      this.waiting = [];
      this.waitHead = 0;
    } else {
      if (this.waitHead >= 4096 && this.waitHead * 2 >= this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitHead);
        this.waitHead = 0;
      }
      if (this.full()) this.flush();
    }
  }

  /** Queues a prepared publish (room permitting: see {@link mustWait}); resolves once the sender accepted it. */
  publish(item: PublishItem, echo = false): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue(item, (err) => (err ? reject(err) : resolve()), echo));
  }

  /**
   * Queues a prepared publish (room permitting: see {@link mustWait}) that is settled now: its
   * payload is the publisher's own (copied, or encoded by a codec), nothing of this peer
   * subscribes to it (no echo to deliver first), and a failure to publish it later is said by
   * `onRefused`, as for `tryPublish`. It goes to the sender at the end of the event-loop turn
   * (or once a batch or `maxPendingPublishes` is full), so that a loop of awaited publishes fills
   * datagrams instead of sending one per message.
   */
  publishQueued(item: PublishItem): void {
    this.enqueue(item, undefined, false, true);
  }

  private enqueue(item: PublishItem, resolver: ((err?: Error) => void) | undefined, echo: boolean, atTurnEnd = false): void {
    if (echo) (this.batchEcho ??= []).push(this.batch.length);
    this.batch.push(item);
    this.batchBytes += recordBytes(item.payload.byteLength, item.subject.length);
    this.batchPayloadBytes += item.payload.byteLength;
    this.pendingBytes += item.payload.byteLength;
    this.bytesThisTurn += item.payload.byteLength;
    if (resolver) this.batchResolvers.push(resolver);
    this.pendingCount++;
    this.published++;
    if (this.publishedThisTurn++ === 0 && !this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(this.onTurn);
    }
    // A batch crosses to the sender as one message: cut by the one rule (runtime/batching.ts).
    if (this.batchBytes >= MAX_BATCH_BYTES) {
      this.flush();
      return;
    }
    // At the turn's end: `onTurn` is due, scheduled by this turn's first publish (above).
    if (atTurnEnd) return;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Hands the publishes of this microtask to the sender as one message. */
  flush(): void {
    if (this.batch.length === 0) return;
    const batchId = this.nextBatchId++;
    const items = this.batch;
    const indexes = this.batchEcho;
    this.inFlight.push({ batchId, count: items.length, bytes: this.batchPayloadBytes, resolvers: this.batchResolvers, echo: indexes === undefined ? undefined : { items, indexes } });
    this.batch = [];
    this.batchBytes = 0;
    this.batchPayloadBytes = 0;
    this.batchResolvers = [];
    this.batchEcho = undefined;
    // To a sender on another thread the batch goes packed: one byte array crosses, not an object
    // (msgpack-encoded key by key, rebuilt on the far side) per publish.
    // Measured here, written straight into the ring record by its packer (actors/thread-packers.ts).
    if (indexes === undefined) {
      this.outbox.push(this.sender.thread === MAIN_THREAD ? { kind: 'published', batchId, items } : { kind: 'publishedPacked', batchId, batch: preparePublishItems(items) });
    } else {
      this.outbox.push(
        this.sender.thread === MAIN_THREAD ? { kind: 'published', batchId, items, echo: true } : { kind: 'publishedPacked', batchId, batch: preparePublishItems(items), echo: true },
      );
    }
    this.drainOutbox();
  }

  /**
   * Hands batches to the sender in order. When its mailbox or the ring to its thread is full
   * the batches wait here (bounded by `maxPendingPublishes`) until it is writable again:
   * a publish is never dropped for backpressure.
   */
  private drainOutbox(): void {
    while (this.outbox.length > 0) {
      const next = this.outbox[0];
      let sent: boolean;
      try {
        // A PublishedToPack goes to a sender on another thread only: its packer writes it into the
        // ring, and the sender reads it back as the packed bytes of its inbox type.
        sent = this.sender.trySend(next as SenderInbox);
      } catch (err) {
        // The sender is gone (closing) or the batch can never fit: fail it, keep order.
        this.outbox.shift();
        this.settle(next.batchId, err instanceof Error ? err : new BackpressureError(String(err)));
        continue;
      }
      if (!sent) {
        if (!this.outboxWaiting) {
          this.outboxWaiting = true;
          void this.sender.whenWritable().then(() => {
            this.outboxWaiting = false;
            this.drainOutbox();
          });
        }
        return;
      }
      this.outbox.shift();
    }
  }

  /**
   * Settles every batch up to `batchId`: that one with `err` (when given), the earlier ones as
   * accepted. `seqs` (batch `batchId`'s, when it was published with echo): its echo publishes
   * go to the echo sink first, so that they are delivered before `publish` resolves.
   */
  settle(batchId: number, err?: Error, seqs?: readonly number[]): void {
    while (this.inFlight.length > 0 && this.inFlight[0].batchId <= batchId) {
      const b = this.inFlight.shift()!;
      this.pendingCount -= b.count;
      this.pendingBytes -= b.bytes;
      const failure = b.batchId === batchId ? err : undefined;
      if (b.echo !== undefined && failure === undefined && b.batchId === batchId && seqs !== undefined && this.echo !== undefined) {
        const items = b.echo.indexes.map((i) => b.echo!.items[i]);
        this.echo(items, b.echo.indexes.map((i) => seqs[i]));
      }
      for (const r of b.resolvers) r(failure);
      // Publishes of `tryPublish` have no promise to reject: said, never dropped in silence.
      if (failure !== undefined && b.count > b.resolvers.length) this.onRefused?.(failure, b.count - b.resolvers.length);
    }
    if (this.waitHead < this.waiting.length) this.pump();
  }

  /**
   * The actors have stopped: every publish not yet settled fails with PeerClosedError, and
   * publishes waiting for room wake (and find the peer closed).
   */
  close(): void {
    const closedError = new PeerClosedError();
    // Publishes of `tryPublish` and those that resolved once queued have no promise to reject:
    // said (`onRefused`), never dropped in silence.
    let unsettled = this.batch.length - this.batchResolvers.length;
    for (const b of this.inFlight) {
      for (const r of b.resolvers) r(closedError);
      unsettled += b.count - b.resolvers.length;
    }
    this.inFlight.length = 0;
    if (unsettled > 0) this.onRefused?.(new PeerClosedError('the peer closed before they were sent'), unsettled);
    for (const r of this.batchResolvers) r(closedError);
    this.batchResolvers = [];
    this.batch = [];
    this.batchEcho = undefined;
    this.rejectWaiting(closedError);
  }

  /** The peer is closing: publishes still waiting for room fail with PeerClosedError (they were never handed over). */
  rejectWaiting(err: Error = new PeerClosedError()): void {
    const waiting = this.waiting;
    const head = this.waitHead;
    this.waiting = [];
    this.waitHead = 0;
    for (let i = head; i < waiting.length; i++) (waiting[i] as Waiting).reject(err);
  }
}
