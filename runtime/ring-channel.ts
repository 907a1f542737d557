import { PayloadTooLargeError, PeerClosedError } from '../errors.js';
import { APP_TARGET_INDEX, ENVELOPE_HEADER_BYTES, type EncodedEnvelope, type EnvelopeCodec } from './envelope-codec.js';
import type { Mailbox } from './mailbox.js';
import type { Ring } from './ring.js';

/**
 * The sending end of the ring from this thread to another: encodes envelopes into the ring and
 * publishes once per event-loop turn (a microtask after the first write), so every message sent
 * during one turn of the sending thread costs one atomic store and at most one wake-up. A long
 * burst also publishes every EAGER_PUBLISH_RECORDS records, so the other thread can start on it
 * before the burst ends.
 *
 * When the ring is full, envelopes wait in a local queue bounded by `maxPendingMessages` and
 * `maxPendingBytes`; a pump moves them into the ring as the consumer frees space (sleeping on
 * the ring's read index meanwhile). Past those bounds `trySend` returns `false`. Order is kept:
 * once something waits, later envelopes wait behind it.
 */
export class OutboundChannel {
  readonly toThread: string;
  readonly counters = {
    /** Envelopes written into the ring. */
    sent: 0,
    /** Envelopes that had to wait for room in the ring. */
    queuedWhileFull: 0,
    /** `trySend` calls refused because the wait queue was full. */
    refusedFull: 0,
    /** Envelopes discarded because the ring closed while they waited. */
    discardedOnClose: 0,
  };
  readonly #ring: Ring;
  readonly #codec: EnvelopeCodec;
  readonly #maxPendingMessages: number;
  readonly #maxPendingBytes: number;
  readonly #maxBodyBytes: number;
  #pending: EncodedEnvelope[] = [];
  #pendingHead = 0;
  #pendingBytes = 0;
  #pumping = false;
  #publishScheduled = false;
  #unpublished = 0;
  #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(toThread: string, ring: Ring, codec: EnvelopeCodec, bounds: { maxPendingMessages: number; maxPendingBytes: number }) {
    this.toThread = toThread;
    this.#ring = ring;
    this.#codec = codec;
    this.#maxPendingMessages = bounds.maxPendingMessages;
    this.#maxPendingBytes = bounds.maxPendingBytes;
    this.#maxBodyBytes = ring.maxRecordBytes - ENVELOPE_HEADER_BYTES;
  }

  /** The channel's counters with the ring's producer-side counters. */
  stats(): Record<string, number> {
    const { recordsWritten, publishes, consumerWakes, fullRefusals, producerSleeps } = this.#ring.counters;
    return { ...this.counters, pending: this.pendingCount, recordsWritten, publishes, consumerWakes, fullRefusals, producerSleeps };
  }

  /** Envelopes waiting for room in the ring. */
  get pendingCount(): number {
    return this.#pending.length - this.#pendingHead;
  }

  /**
   * Sends `payload` to the actor with index `target` on the other thread; `false` when the wait
   * queue is full (nothing queued).
   * @throws PeerClosedError when the ring is closed; PayloadTooLargeError when the encoded
   *   message exceeds what one ring record holds.
   */
  trySend(target: number, payload: unknown): boolean {
    if (this.#ring.closed) throw new PeerClosedError(`thread "${this.toThread}" is closed`);
    const env = this.#codec.encode(target, payload);
    const size = env.size;
    if (size > this.#maxBodyBytes) {
      throw new PayloadTooLargeError(
        `a message of ${size} encoded bytes cannot cross threads: the limit is ${this.#maxBodyBytes} (ringBytes - 7)`,
      );
    }
    if (this.pendingCount === 0 && this.#codec.tryWrite(this.#ring, env)) {
      this.counters.sent++;
      if (++this.#unpublished >= EAGER_PUBLISH_RECORDS) {
        this.#unpublished = 0;
        this.#ring.publish();
      }
      if (!this.#publishScheduled) {
        this.#publishScheduled = true;
        queueMicrotask(this.#publish);
      }
      return true;
    }
    if (this.pendingCount >= this.#maxPendingMessages || this.#pendingBytes + size > this.#maxPendingBytes) {
      this.counters.refusedFull++;
      return false;
    }
    // A Uint8Array body is the caller's own array: copy it, the caller may reuse it after send.
    this.#pending.push(env.body === payload ? { ...env, body: env.body.slice() } : env);
    this.#pendingBytes += size;
    this.counters.queuedWhileFull++;
    if (!this.#pumping) void this.#pump();
    return true;
  }

  /** Resolves when nothing waits for room any more (so `trySend` accepts again). */
  whenWritable(): Promise<void> {
    if (this.#ring.closed) return Promise.reject(new PeerClosedError(`thread "${this.toThread}" is closed`));
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Publishes what was written, closes the ring (for both threads) and discards what still waits for room. */
  close(): void {
    this.#ring.publish();
    this.#ring.close();
    this.#failPending();
  }

  readonly #publish = (): void => {
    this.#publishScheduled = false;
    this.#unpublished = 0;
    this.#ring.publish();
  };

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.pendingCount > 0) {
        const env = this.#pending[this.#pendingHead];
        if (!this.#codec.tryWrite(this.#ring, env)) {
          // Publishes what was written, then sleeps on the read index until the consumer frees room.
          await this.#ring.whenWritable(ENVELOPE_HEADER_BYTES + env.size);
          continue;
        }
        this.#pending[this.#pendingHead++] = undefined as unknown as EncodedEnvelope;
        this.#pendingBytes -= env.size;
        this.counters.sent++;
      }
      this.#pending = [];
      this.#pendingHead = 0;
      this.#ring.publish();
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w.resolve();
    } catch {
      // Only a closed ring makes whenWritable reject.
      this.#failPending();
    } finally {
      this.#pumping = false;
    }
  }

  #failPending(): void {
    this.counters.discardedOnClose += this.pendingCount;
    this.#pending = [];
    this.#pendingHead = 0;
    this.#pendingBytes = 0;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new PeerClosedError(`thread "${this.toThread}" is closed`));
  }
}

/** Records after which a burst is published without waiting for the end of the turn. */
const EAGER_PUBLISH_RECORDS = 256;

/** Where an {@link InboundChannel} delivers. */
export interface InboundSink {
  /** The mailbox of the actor with this index, or `undefined` when it does not run on this thread. */
  mailboxAt(index: number): Mailbox<unknown> | undefined;
  /** A payload addressed to the application thread. */
  onAppPayload(payload: unknown): void;
  /** A record that could not be decoded (a bug). */
  onDecodeError(err: unknown): void;
}

/**
 * The receiving end of the ring from another thread: drains it into local mailboxes.
 *
 * It reads up to `maxRecordsPerRead` records per pass, then yields with `setImmediate` (the
 * dispatcher runs the delivered messages in between); with nothing to read it sleeps on the
 * ring. A full target mailbox stops the pass *before* that record, and the loop waits for room:
 * backpressure then flows back through the ring to the sending thread, nothing is dropped.
 * Messages for an actor that has stopped are counted and dropped.
 */
export class InboundChannel {
  readonly fromThread: string;
  readonly counters = { delivered: 0, droppedStopped: 0, droppedUnknownTarget: 0, decodeErrors: 0, blockedOnFullMailbox: 0 };
  readonly #ring: Ring;
  readonly #codec: EnvelopeCodec;
  readonly #sink: InboundSink;
  readonly #maxRecordsPerRead: number;
  #blocked: Mailbox<unknown> | undefined;
  #done: Promise<void> | undefined;

  constructor(fromThread: string, ring: Ring, codec: EnvelopeCodec, sink: InboundSink, maxRecordsPerRead: number) {
    this.fromThread = fromThread;
    this.#ring = ring;
    this.#codec = codec;
    this.#sink = sink;
    this.#maxRecordsPerRead = maxRecordsPerRead;
  }

  /** The channel's counters with the ring's consumer-side counters. */
  stats(): Record<string, number> {
    const { recordsRead, consumerSleeps } = this.#ring.counters;
    return { ...this.counters, recordsRead, consumerSleeps, usedBytes: this.#ring.usedBytes };
  }

  /** Starts draining. */
  start(): void {
    this.#done ??= this.#loop();
  }

  /** Closes the ring and resolves once the drain loop has ended. */
  async close(): Promise<void> {
    this.#ring.close();
    await this.#done;
  }

  async #loop(): Promise<void> {
    const ring = this.#ring;
    for (;;) {
      this.#blocked = undefined;
      // Look at `closed` before reading: a producer publishes before it closes, so a read that
      // follows a closed flag sees everything that will ever be published.
      const closed = ring.closed;
      const n = ring.read(this.#onRecord, this.#maxRecordsPerRead);
      const blocked = this.#blocked as Mailbox<unknown> | undefined;
      if (blocked !== undefined) {
        this.counters.blockedOnFullMailbox++;
        // A closed mailbox rejects; its records are then dropped (and counted) by the next pass.
        await blocked.whenWritable().catch(() => undefined);
        continue;
      }
      if (n > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (closed) return;
      await ring.whenReadable();
    }
  }

  readonly #onRecord = (bytes: Uint8Array, offset: number, length: number): boolean => {
    const codec = this.#codec;
    const target = codec.targetOf(bytes, offset);
    let payload: unknown;
    if (target === APP_TARGET_INDEX) {
      try {
        payload = codec.decodePayload(bytes, offset, length);
      } catch (err) {
        this.counters.decodeErrors++;
        this.#sink.onDecodeError(err);
        return true;
      }
      this.#sink.onAppPayload(payload);
      return true;
    }
    const mailbox = this.#sink.mailboxAt(target);
    if (mailbox === undefined) {
      this.counters.droppedUnknownTarget++;
      return true;
    }
    if (mailbox.state === 'closed') {
      this.counters.droppedStopped++;
      return true;
    }
    if (mailbox.full) {
      this.#blocked = mailbox;
      return false;
    }
    try {
      payload = codec.decodePayload(bytes, offset, length);
    } catch (err) {
      this.counters.decodeErrors++;
      this.#sink.onDecodeError(err);
      return true;
    }
    mailbox.tryPush(payload);
    this.counters.delivered++;
    return true;
  };
}
