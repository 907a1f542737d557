/**
 * The public `Peer`: the application's end of the actor system. It validates every call,
 * batches publishes into one `published` message per microtask, bounds what is pending
 * (backpressure), fans deliveries out to subscriptions, and turns actor events into the
 * public events.
 *
 * Ownership: everything here lives on the application thread. The actors may run elsewhere;
 * they are reached only through refs and events.
 */
import { EventEmitter } from 'node:events';
import { encodePayload } from '../../codecs/payload-codec.js';
import { streamKey, type PeerId } from '../../codecs/frame.js';
import {
  BackpressureError,
  InvalidOptionError,
  PeerClosedError,
  TimeoutError,
  deserializeError,
} from '../../errors.js';
import { ActorSystem } from '../../runtime/actor-system.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { ActorEvent } from '../../runtime/actor.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import { validatePattern, validateSubject } from '../subjects/subject.js';
import type { FlowInbox, SenderInbox, PublishItem } from '../sender/messages.js';
import type { RetransmitInbox } from '../retransmit/messages.js';
import type { SubjectsInbox, ReceiversInbox } from '../subjects/messages.js';
import type { AppEvent, DeliveredRecord } from './events.js';
import { Message } from './message.js';
import { resolvePeerOptions, actorNamesOf, type PeerOptions, type ResolvedPeerOptions } from './peer-options.js';
import { Subscription } from './subscription.js';
import { actorModuleUrl } from './actor-modules.js';
import { AckTracker } from '../ledger/ack-tracker.js';
import { assertMessageSize } from '../sender/fragmenter.js';
import { packPublishItems } from '../sender/publish-batch.js';
import { unpackDelivered } from '../receiver/delivered-batch.js';
import { MAIN_THREAD } from '../../runtime/topology.js';
import type { DurablePosition, LedgerInbox, StreamResume } from '../ledger/messages.js';
import { ledgerNameProblem } from '../../storage/options.js';

/** A data-loss event: messages of a stream that can no longer be recovered. */
export interface DataLossEvent {
  readonly sender: string;
  readonly subject: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly reason: string;
}

/** A peer seen joining (from its advertisement). */
export interface PeerJoinedEvent {
  readonly name: string;
  readonly incarnation: number;
  readonly host: string;
  readonly port: number;
  readonly patterns: readonly string[];
}

/** A peer that left ('bye'), went silent ('expired') or restarted ('restarted'). */
export interface PeerLeftEvent {
  readonly name: string;
  readonly incarnation: number;
  readonly reason: string;
}

/** Options of `peer.publish`. */
export interface PublishOptions {
  /** The subject a reply should be published on. */
  replyTo?: string;
}

/** Options of `peer.subscribe`. */
export interface SubscribeOptions {
  /**
   * Makes the subscription durable under this name (needs `options.ledger`): the peer keeps, per
   * stream (sender name + subject), the last message confirmed, and a subscription opened again
   * under the same name after a restart (same peer name and ledger path) first receives what
   * it missed, exactly once and in order per stream, from where it stopped, then new messages.
   * Messages delivered but not confirmed when the process died are delivered again.
   * One live subscription per name at a time. Open durable subscriptions before non-durable
   * ones on the same subjects: a stream the peer already follows cannot go back.
   * @default undefined
   */
  durable?: string;
  /**
   * When a durable subscription's message counts as confirmed. `'auto'`: once the handler
   * returned or, when it returns a promise (an async handler), once that promise fulfilled;
   * when iterating, once the loop asks for the next message. A handler that throws or rejects
   * leaves its message unconfirmed, as an unacknowledged one with `'manual'` (the error goes to
   * the `'error'` event). `'manual'`: when `msg.ack()` is called; a stream's position
   * moves only over a run of acknowledged messages, so an unacknowledged one (and everything
   * after it in its stream) is delivered again after a restart.
   * @default 'auto'
   */
  ack?: 'auto' | 'manual';
  /**
   * Ends the subscription when aborted (as `unsubscribe()`): a `for await` loop over it ends.
   * @default undefined
   */
  signal?: AbortSignal;
}

/** Options of `peer.request`. */
export interface RequestOptions {
  /** How long to wait for the first reply. @default 5000 */
  timeoutMs?: number;
}

/** Counters of every actor, by actor name, plus the application side's. */
export interface PeerStats {
  readonly name: string;
  readonly incarnation: number;
  readonly topology: Readonly<Record<string, string>>;
  readonly app: {
    published: number;
    pendingPublishes: number;
    delivered: number;
    subscriptions: number;
    dataLossEvents: number;
    subscriptionOverflows: number;
    /** Durable subscriptions open now, and their delivered messages not yet confirmed. */
    durableSubscriptions: number;
    unconfirmed: number;
    /** Durable positions sent to the ledger. */
    confirmations: number;
  };
  readonly actors: Record<string, Record<string, unknown>>;
}

/** A durable subscription's state on the application thread. */
interface DurableState {
  readonly name: string;
  readonly ack: 'auto' | 'manual';
  readonly sub: Subscription;
  ready: boolean;
  /** Confirmed position per stream when it opened: anything at or below is not delivered again. */
  readonly floors: Map<string, number>;
  readonly tracker: AckTracker;
}

interface PendingBatch {
  readonly batchId: number;
  readonly count: number;
  readonly resolvers: ((err?: Error) => void)[];
}

/**
 * One embedded ledgecast peer. Create it with {@link createPeer}.
 *
 * Events: `'dataLoss'` ({@link DataLossEvent}), `'peerJoined'` ({@link PeerJoinedEvent}),
 * `'peerLeft'` ({@link PeerLeftEvent}), `'multicastUnreachable'` ({ name, incarnation }),
 * `'slowConsumer'` ({ name, subject, lagMessages }), `'streamReset'`, `'error'` (Error: a
 * `HandlerError` when a subscription handler failed, an actor's error, a reply that could not
 * be published). Without an `'error'` listener an error never throws (which would end the
 * process): it is printed as one process warning (`process.emitWarning`, code `LEDGECAST_ERROR`).
 */
export class Peer extends EventEmitter {
  /** This peer's name. */
  readonly name: string;
  /** This start's incarnation number. */
  readonly incarnation: number;
  private readonly options: ResolvedPeerOptions;
  private readonly system: ActorSystem;
  private sender!: ActorRef<SenderInbox>;
  private subjects!: ActorRef<SubjectsInbox>;
  private receivers!: ActorRef<ReceiversInbox>;
  private readonly matcher = new PatternMatcher<Subscription>();
  private readonly subscriptions = new Set<Subscription>();
  private nextSubscriptionId = 1;
  private nextBatchId = 1;
  /** Events held until the application could attach listeners (undefined once released). */
  private heldEvents: AppEvent[] | undefined = [];
  private readonly validSubjects = new Set<string>();
  private batch: PublishItem[] = [];
  private batchBytes = 0;
  private readonly outbox: Extract<SenderInbox, { kind: 'published' | 'publishedPacked' }>[] = [];
  private outboxWaiting = false;
  private batchResolvers: ((err?: Error) => void)[] = [];
  private flushScheduled = false;
  private readonly inFlight: PendingBatch[] = [];
  private pendingCount = 0;
  private spaceWaiters: (() => void)[] = [];
  /** Publishes since the event loop last turned (reset by a `setImmediate`). */
  private publishedThisTurn = 0;
  private turnScheduled = false;
  private turnWaiters: (() => void)[] = [];
  private readonly onTurn = (): void => {
    this.turnScheduled = false;
    this.publishedThisTurn = 0;
    const waiters = this.turnWaiters;
    this.turnWaiters = [];
    for (const w of waiters) w();
  };
  private state: 'starting' | 'open' | 'closing' | 'closed' = 'starting';
  private closing: Promise<void> | undefined;
  private inboxSubscription: Subscription | undefined;
  private inboxPrefix: string;
  private nextInboxId = 1;
  private readonly requests = new Map<string, (msg: Message | undefined) => void>();
  /** Peers known now (from the receivers actor's peerJoined/peerLeft), by name + incarnation. */
  private readonly knownPeers = new Map<string, PeerJoinedEvent>();
  private readonly counters = { published: 0, delivered: 0, dataLossEvents: 0, subscriptionOverflows: 0, confirmations: 0 };
  private ledger: ActorRef<LedgerInbox> | undefined;
  /** Durable subscriptions by subscription id, and the names in use. */
  private readonly durables = new Map<number, DurableState>();
  private readonly durableNames = new Set<string>();
  /** Confirmed positions waiting for the next microtask, by durable + stream. */
  private confirmBatch = new Map<string, DurablePosition>();
  private confirmScheduled = false;
  private nextFlushToken = 1;
  private readonly flushWaiters = new Map<number, () => void>();
  private readonly drainWaiters = new Map<number, () => void>();

  /** @internal Use {@link createPeer}. */
  constructor(options: ResolvedPeerOptions) {
    super();
    // A 'peerJoined' listener added at any time first hears of the peers already known (as
    // their own 'peerJoined', in a microtask), then of changes: an application that attaches it
    // after `await createPeer(...)`, or later, misses nobody.
    this.on('newListener', (event: string | symbol, listener: (e: PeerJoinedEvent) => void) => {
      if (event !== 'peerJoined' || this.knownPeers.size === 0) return;
      const known = [...this.knownPeers.values()];
      queueMicrotask(() => {
        if (!this.listeners('peerJoined').includes(listener)) return;
        for (const p of known) if (this.knownPeers.has(`${p.name}\u0000${p.incarnation}`)) listener.call(this, p);
      });
    });
    this.options = options;
    this.name = options.config.self.name;
    this.incarnation = options.config.self.incarnation;
    this.inboxPrefix = `_INBOX.${this.name.replace(/[^A-Za-z0-9_\-:]/g, '_')}.${this.incarnation}`;
    const registry: Record<string, { module: string; options: unknown }> = {};
    for (const name of actorNamesOf(options.config)) registry[name] = { module: actorModuleUrl(name), options: options.config };
    this.system = new ActorSystem(
      {
        onEvent: (_actor, event) => this.onEvent(event as unknown as AppEvent),
        onError: (source, err) => this.emitError(new Error(`${source}: ${err.message}`, { cause: err })),
      },
      // A ring between threads must hold one whole message (plus its envelope).
      { registry, topology: options.topology, ringBytes: ringBytesFor(options.maxMessageBytes) },
    );
  }

  /** @internal Starts the actors (binds sockets, starts workers). */
  async start(): Promise<void> {
    await this.system.start();
    this.sender = this.system.ref<SenderInbox>('sender');
    this.subjects = this.system.ref<SubjectsInbox>('subjects');
    this.receivers = this.system.ref<ReceiversInbox>('receivers');
    if (this.options.config.ledger !== undefined) this.ledger = this.system.ref<LedgerInbox>('ledger');
    this.state = 'open';
    setImmediate(() => {
      const held = this.heldEvents ?? [];
      this.heldEvents = undefined;
      for (const e of held) this.onEvent(e);
    });
  }

  /**
   * Publishes `data` on `subject`. A `Uint8Array` goes as raw bytes; any other value is
   * msgpack-encoded. Resolves when the message has been sequenced and handed to the socket;
   * waits while `maxPendingPublishes` messages are pending (backpressure), and lets the event
   * loop turn after every {@link PUBLISHES_PER_TURN} publishes, so that a loop of awaited
   * publishes (which resolve in microtasks) never starves sockets and timers.
   * @throws InvalidSubjectError (a wildcard or a bad token), PayloadTooLargeError, PeerClosedError.
   */
  async publish(subject: string, data: unknown, options?: PublishOptions): Promise<void> {
    const item = this.prepare(subject, data, options);
    for (;;) {
      if (this.pendingCount >= this.options.maxPendingPublishes) {
        await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      } else if (this.publishedThisTurn >= PUBLISHES_PER_TURN) {
        await new Promise<void>((resolve) => this.turnWaiters.push(resolve));
      } else break;
      this.assertOpen();
    }
    return new Promise<void>((resolve, reject) => this.enqueue(item, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Publishes without waiting: false (and nothing queued) when `maxPendingPublishes` messages
   * are already pending, or when this event-loop turn has published its share (see
   * {@link PUBLISHES_PER_TURN}): then `await publish(...)` waits for room or for the next turn.
   * @throws InvalidSubjectError, PayloadTooLargeError, PeerClosedError.
   */
  tryPublish(subject: string, data: unknown, options?: PublishOptions): boolean {
    const item = this.prepare(subject, data, options);
    if (this.pendingCount >= this.options.maxPendingPublishes || this.publishedThisTurn >= PUBLISHES_PER_TURN) return false;
    this.enqueue(item, undefined);
    return true;
  }

  /**
   * Subscribes to `pattern` (`*` one token, `>` the rest). With a handler, each message is
   * passed to it; without, iterate: `for await (const msg of peer.subscribe('a.>'))`.
   * With `{ durable: 'name' }` the subscription resumes after a restart (see {@link SubscribeOptions}).
   * A handler may be async; a handler that throws, or whose promise rejects, never stops the
   * subscription: the error goes to the `'error'` event as a `HandlerError` (code
   * `ERR_HANDLER`, `cause`: what it threw). Handlers are not awaited before the next message.
   * @throws InvalidSubjectError, InvalidOptionError (a durable subscription without
   *   `options.ledger`, or a durable name already subscribed), PeerClosedError.
   */
  subscribe(pattern: string, handler?: (msg: Message) => void): Subscription;
  subscribe(pattern: string, options: SubscribeOptions, handler?: (msg: Message) => void): Subscription;
  subscribe(pattern: string, a?: SubscribeOptions | ((msg: Message) => void), b?: (msg: Message) => void): Subscription {
    this.assertOpen();
    validatePattern(pattern);
    const withOptions = typeof a === 'object' && a !== null;
    const handler = withOptions ? b : a;
    if (handler !== undefined && typeof handler !== 'function') throw new InvalidOptionError('subscribe(pattern, handler): handler must be a function');
    const durable = this.checkSubscribeOptions(withOptions ? a : {});
    const signal = withOptions ? a.signal : undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('subscribe options.signal must be an AbortSignal');
    if (signal?.aborted === true) throw new InvalidOptionError('subscribe options.signal is already aborted');
    const sub = new Subscription(
      this.nextSubscriptionId++,
      pattern,
      handler,
      this.options.maxQueuedPerSubscription,
      (s) => this.onUnsubscribe(s),
      (err) => this.emitError(err instanceof Error ? err : new Error(String(err))),
      durable?.ack === 'auto' ? (msg) => msg.ack() : undefined,
    );
    this.subscriptions.add(sub);
    if (signal !== undefined) {
      const onAbort = (): void => sub.unsubscribe();
      signal.addEventListener('abort', onAbort, { once: true });
      sub.onEnd(() => signal.removeEventListener('abort', onAbort));
    }
    if (durable === undefined) {
      this.matcher.add(pattern, sub);
      this.subjects.send({ kind: 'subscribed', id: sub.id, pattern });
      return sub;
    }
    this.durables.set(sub.id, { ...durable, sub, ready: false, floors: new Map(), tracker: new AckTracker(this.options.maxQueuedPerSubscription) });
    this.durableNames.add(durable.name);
    // The ledger hands its positions to the receiver, which answers `durableReady`; only then
    // does the subscription take messages (and its interest reach the receiver).
    try {
      this.ledger!.send({ kind: 'durableOpened', id: sub.id, durable: durable.name, pattern });
    } catch (err) {
      sub.unsubscribe();
      throw err;
    }
    return sub;
  }

  private checkSubscribeOptions(o: SubscribeOptions): { name: string; ack: 'auto' | 'manual' } | undefined {
    for (const key of Object.keys(o)) {
      if (key !== 'durable' && key !== 'ack' && key !== 'signal') throw new InvalidOptionError(`subscribe options.${key} is not a known option (known: durable, ack, signal)`);
    }
    if (o.durable === undefined) {
      if (o.ack !== undefined) throw new InvalidOptionError('subscribe options.ack needs options.durable (only durable subscriptions confirm messages)');
      return undefined;
    }
    const problem = ledgerNameProblem(o.durable);
    if (problem !== undefined) throw new InvalidOptionError(`subscribe options.durable ${problem}`);
    const ack = o.ack ?? 'auto';
    if (ack !== 'auto' && ack !== 'manual') throw new InvalidOptionError(`subscribe options.ack must be 'auto' or 'manual', got ${JSON.stringify(ack)}`);
    if (this.ledger === undefined) {
      throw new InvalidOptionError(`durable subscription ${JSON.stringify(o.durable)} needs options.ledger (its positions are kept in the ledger)`);
    }
    if (this.durableNames.has(o.durable)) throw new InvalidOptionError(`durable subscription ${JSON.stringify(o.durable)} is already open on this peer`);
    return { name: o.durable, ack };
  }

  /**
   * Publishes a request and resolves with the first reply (published by a responder with
   * `msg.respond(data)`), or rejects with TimeoutError.
   */
  async request(subject: string, data: unknown, options: RequestOptions = {}): Promise<Message> {
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new InvalidOptionError(`options.timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
    this.assertOpen();
    validateSubject(subject);
    this.inboxSubscription ??= this.subscribe(`${this.inboxPrefix}.>`, (msg) => this.requests.get(msg.subject)?.(msg));
    const inbox = `${this.inboxPrefix}.${this.nextInboxId++}`;
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(inbox);
        reject(new TimeoutError(`no reply to ${subject} within ${timeoutMs} ms`));
      }, timeoutMs);
      // Settled by the first reply, or with undefined by close().
      this.requests.set(inbox, (msg) => {
        clearTimeout(timer);
        this.requests.delete(inbox);
        if (msg) resolve(msg);
        else reject(new PeerClosedError('the peer closed before a reply arrived'));
      });
      this.publish(subject, data, { replyTo: inbox }).catch((err: unknown) => {
        clearTimeout(timer);
        this.requests.delete(inbox);
        reject(err);
      });
    });
  }

  /** Counters of every actor (gathered from every thread) and of the application side. */
  async stats(): Promise<PeerStats> {
    this.assertOpen();
    const system = await this.system.stats();
    const actors: Record<string, Record<string, unknown>> = {};
    for (const thread of Object.values(system.threads)) {
      for (const [name, a] of Object.entries(thread.actors)) actors[name] = { ...(a.actor ?? {}), mailbox: a.mailbox };
    }
    return {
      name: this.name,
      incarnation: this.incarnation,
      topology: this.system.topology,
      app: {
        ...this.counters,
        pendingPublishes: this.pendingCount,
        subscriptions: this.subscriptions.size,
        durableSubscriptions: this.durables.size,
        unconfirmed: [...this.durables.values()].reduce((n, d) => n + d.tracker.unacked, 0),
      },
      actors,
    };
  }

  /** The peers known now (heard and not gone), as their last `'peerJoined'` described them. */
  peers(): PeerJoinedEvent[] {
    return [...this.knownPeers.values()].map((p) => ({ ...p, patterns: [...p.patterns] }));
  }

  /**
   * Closes the peer, draining first (as NATS's `drain()`): new publishes are refused at once;
   * what was published is still sent, and NAKs are still served, until every live receiver has
   * confirmed the end of each stream or `timeoutMs` (default `closeTimeoutMs`, 10 s) has passed.
   * A receiver that makes no progress for the stall bound is not waited for. Then a last
   * heartbeat names each stream's final seq and BYE follows, naming them too (three rounds,
   * 0-100 ms apart): a receiver reports what it will never get as `dataLoss` (`senderLeft`)
   * 200 ms after the first BYE. About 130 ms in all, then every actor stops and every socket and
   * worker closes. `close({ timeoutMs: 0 })` stops without waiting for receivers. Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing === undefined) {
      const timeoutMs = options.timeoutMs ?? this.options.closeTimeoutMs;
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        return Promise.reject(new InvalidOptionError(`close options.timeoutMs must be a non-negative number, got ${String(timeoutMs)}`));
      }
      this.closing = this.doClose(timeoutMs);
    }
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    if (this.state === 'starting') {
      this.state = 'closed';
      await this.system.close();
      return;
    }
    this.state = 'closing';
    this.flush();
    const deadline = Date.now() + timeoutMs;
    // Let the sender hand over what is pending (it waits for credit, as before the close).
    const handOver = Date.now() + Math.max(2000, timeoutMs);
    while (this.pendingCount > 0 && Date.now() < handOver) await new Promise((r) => setTimeout(r, 5));
    this.sender.trySend({ kind: 'draining' });
    if (timeoutMs > 0) await this.drain(deadline);
    // Each round, the retransmit actor sends a last heartbeat naming every stream's final seq,
    // then has the receivers actor say BYE with the same entries. Three rounds, spaced (0, 20,
    // 100 ms): a receiver whose socket overflowed at the first still gets one. Should the
    // retransmit actor refuse the round, the BYE goes anyway, naming no stream.
    for (const waitMs of BYE_ROUNDS_MS) {
      await new Promise((r) => setTimeout(r, waitMs));
      if (!this.system.ref<RetransmitInbox>('retransmit').trySend({ kind: 'closing' })) this.receivers.trySend({ kind: 'leaving' });
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.flushLedger(2000);
    await new Promise((r) => setTimeout(r, 20));
    this.state = 'closed';
    await this.system.close();
    const closedError = new PeerClosedError();
    for (const b of this.inFlight) for (const r of b.resolvers) r(closedError);
    this.inFlight.length = 0;
    for (const r of this.batchResolvers) r(closedError);
    this.batchResolvers = [];
    this.batch = [];
    for (const w of this.spaceWaiters) w();
    this.spaceWaiters = [];
    for (const settle of this.requests.values()) settle(undefined);
    this.requests.clear();
    for (const s of [...this.subscriptions]) s.unsubscribe();
  }

  /** Waits until every live receiver confirmed every stream of ours (the flow actor's `drained`), or `deadline`. */
  private async drain(deadline: number): Promise<void> {
    const token = this.nextFlushToken++;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.drainWaiters.set(token, resolve);
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      if (!this.system.ref<FlowInbox>('flow').trySend({ kind: 'drainRequested', token })) resolve();
    });
    clearTimeout(timer);
    this.drainWaiters.delete(token);
  }

  /** Sends pending confirmations and waits (bounded) until the ledger flushed what it received. */
  private async flushLedger(timeoutMs: number): Promise<void> {
    if (this.ledger === undefined) return;
    this.sendConfirmations();
    const token = this.nextFlushToken++;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.flushWaiters.set(token, resolve);
      timer = setTimeout(resolve, timeoutMs);
      if (!this.ledger!.trySend({ kind: 'flushRequested', token })) resolve();
    });
    clearTimeout(timer);
    this.flushWaiters.delete(token);
  }

  /** Durable `d`'s acknowledgement of message `seq` of stream (`sender`, `subject`). */
  private acknowledge(d: DurableState, sender: string, subject: string, seq: number): void {
    const key = streamKey(sender, subject);
    const position = d.tracker.ack(key, seq);
    if (position === undefined || this.ledger === undefined) return;
    this.confirmBatch.set(`${d.name}\u0000${key}`, { durable: d.name, sender, subject, seq: position });
    if (this.confirmScheduled) return;
    this.confirmScheduled = true;
    queueMicrotask(() => this.sendConfirmations());
  }

  private sendConfirmations(): void {
    this.confirmScheduled = false;
    // After close the ledger is gone: late acknowledgements only mean a redelivery next time.
    if (this.confirmBatch.size === 0 || this.ledger === undefined || this.state === 'closed') return;
    const positions = [...this.confirmBatch.values()];
    this.confirmBatch = new Map();
    this.counters.confirmations += positions.length;
    const msg: LedgerInbox = { kind: 'confirmed', positions };
    const ledger = this.ledger;
    // Not dropped when the mailbox is full: a lost confirmation means a needless redelivery.
    if (!ledger.trySend(msg)) void ledger.whenWritable().then(() => ledger.trySend(msg));
  }

  private onDurableReady(id: number, positions: readonly StreamResume[]): void {
    const d = this.durables.get(id);
    if (d === undefined || d.ready || d.sub.isClosed || this.state !== 'open') return;
    d.ready = true;
    for (const p of positions) d.floors.set(streamKey(p.sender, p.subject), p.seq);
    this.matcher.add(d.sub.pattern, d.sub);
    this.subjects.send({ kind: 'subscribed', id, pattern: d.sub.pattern });
  }

  private prepare(subject: string, data: unknown, options: PublishOptions | undefined): PublishItem {
    this.assertOpen();
    // Publishers reuse a few subjects: validate each once (a bounded set of good ones).
    if (!this.validSubjects.has(subject)) {
      validateSubject(subject);
      if (this.validSubjects.size >= 4096) this.validSubjects.clear();
      this.validSubjects.add(subject);
    }
    if (options?.replyTo !== undefined) validateSubject(options.replyTo);
    // Raw bytes go as they are, without the codec's result object (one object per publish: the item).
    let flags = 0;
    let payload: Uint8Array;
    if (data instanceof Uint8Array) payload = data;
    else ({ flags, payload } = encodePayload(data));
    assertMessageSize(payload.byteLength, this.options.maxMessageBytes);
    return { subject, flags, payload, replyTo: options?.replyTo };
  }

  private enqueue(item: PublishItem, resolver: ((err?: Error) => void) | undefined): void {
    this.batch.push(item);
    this.batchBytes += item.payload.byteLength + item.subject.length + 16;
    if (resolver) this.batchResolvers.push(resolver);
    this.pendingCount++;
    this.counters.published++;
    if (this.publishedThisTurn++ === 0 && !this.turnScheduled) {
      this.turnScheduled = true;
      setImmediate(this.onTurn);
    }
    // A batch crosses to the sender as one message (one ring record when the sender is on
    // another thread): keep it well under a ring's size, and let the sender start early.
    if (this.batchBytes >= MAX_BATCH_BYTES) {
      this.flush();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Hands the publishes of this microtask to the sender as one message. */
  private flush(): void {
    if (this.batch.length === 0) return;
    const batchId = this.nextBatchId++;
    const items = this.batch;
    this.inFlight.push({ batchId, count: items.length, resolvers: this.batchResolvers });
    this.batch = [];
    this.batchBytes = 0;
    this.batchResolvers = [];
    // To a sender on another thread the batch goes packed: one byte array crosses, not an object
    // (msgpack-encoded key by key, rebuilt on the far side) per publish.
    this.outbox.push(this.sender.thread === MAIN_THREAD ? { kind: 'published', batchId, items } : { kind: 'publishedPacked', batchId, bytes: packPublishItems(items) });
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
        sent = this.sender.trySend(next);
      } catch (err) {
        // The sender is gone (closing) or the batch can never fit: fail it, keep order.
        this.outbox.shift();
        this.settleBatch(next.batchId, err instanceof Error ? err : new BackpressureError(String(err)));
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

  private settleBatch(batchId: number, err?: Error): void {
    while (this.inFlight.length > 0 && this.inFlight[0].batchId <= batchId) {
      const b = this.inFlight.shift()!;
      this.pendingCount -= b.count;
      const failure = b.batchId === batchId ? err : undefined;
      for (const r of b.resolvers) r(failure);
    }
    while (this.spaceWaiters.length > 0 && this.pendingCount < this.options.maxPendingPublishes) this.spaceWaiters.shift()!();
  }

  private onEvent(event: AppEvent): void {
    // Events that arrive while createPeer is still starting (a peer heard at once) wait until
    // the application has had its chance to add listeners: one macrotask after the start.
    if (this.heldEvents !== undefined) {
      this.heldEvents.push(event);
      return;
    }
    switch (event.kind) {
      case 'delivered':
        this.deliver(event.messages);
        break;
      case 'deliveredPacked': {
        let records: DeliveredRecord[];
        try {
          records = unpackDelivered(event.bytes);
        } catch (err) {
          this.emitError(err instanceof Error ? err : new Error(String(err)));
          break;
        }
        this.deliver(records);
        break;
      }
      case 'accepted':
        this.settleBatch(event.batchId);
        break;
      case 'dataLoss':
        this.counters.dataLossEvents++;
        this.emit('dataLoss', { sender: event.sender.name, subject: event.subject, fromSeq: event.from, toSeq: event.to, reason: event.reason } satisfies DataLossEvent);
        break;
      case 'peerJoined': {
        const joined: PeerJoinedEvent = { name: event.peer.name, incarnation: event.peer.incarnation, host: event.host, port: event.port, patterns: event.patterns };
        this.knownPeers.set(`${joined.name}\u0000${joined.incarnation}`, joined);
        this.emit('peerJoined', joined);
        break;
      }
      case 'peerLeft':
        this.knownPeers.delete(`${event.peer.name}\u0000${event.peer.incarnation}`);
        this.emit('peerLeft', { name: event.peer.name, incarnation: event.peer.incarnation, reason: event.reason } satisfies PeerLeftEvent);
        break;
      case 'multicastUnreachable':
        this.emit('multicastUnreachable', { name: event.peer.name, incarnation: event.peer.incarnation });
        break;
      case 'slowConsumer':
        this.emit('slowConsumer', { name: event.peer.name, subject: event.subject, lagMessages: event.lagMessages });
        break;
      case 'streamReset':
        this.emit('streamReset', { sender: event.sender.name, subject: event.subject, fromSeq: event.fromSeq });
        break;
      case 'durableReady':
        this.onDurableReady(event.id, event.positions);
        break;
      case 'ledgerFlushed':
        this.flushWaiters.get(event.token)?.();
        break;
      case 'drained':
        this.drainWaiters.get(event.token)?.();
        break;
      case 'error': {
        const err = deserializeError(event.error);
        const batchId = (event.error.details as { batchId?: number } | undefined)?.batchId;
        if (typeof batchId === 'number') this.settleBatch(batchId, err);
        else this.emitError(err);
        break;
      }
      default:
        this.emitError(new Error(`unknown actor event ${JSON.stringify((event as ActorEvent).kind)}`));
    }
  }

  private deliver(records: readonly DeliveredRecord[]): void {
    // A reply never rejects (handlers write `void msg.respond(x)`): a failure goes to 'error'.
    const reply = (subject: string, data: unknown): Promise<boolean> =>
      this.publish(subject, data).then(
        () => true,
        (err: unknown) => {
          this.emitError(err instanceof Error ? err : new Error(String(err)));
          return false;
        },
      );
    // Indexed loops: `for … of` costs an iterator object per loop here, per message.
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      const subs = this.matcher.match(r.subject);
      if (subs.length === 0) continue;
      this.counters.delivered++;
      let shared: Message | undefined;
      for (let j = 0; j < subs.length; j++) {
        const s = subs[j];
        let msg: Message;
        const d = this.durables.size === 0 ? undefined : this.durables.get(s.id);
        if (d === undefined) {
          msg = shared ??= new Message(r.subject, r.sender.name, r.sender.incarnation, r.seq, r.replyTo, r.payload, r.flags, reply);
        } else {
          // Each durable subscription confirms on its own, so it gets its own Message.
          const key = streamKey(r.sender.name, r.subject);
          const floor = d.floors.get(key);
          if (floor !== undefined && r.seq <= floor) continue; // it confirmed this before (re)opening
          if (!d.tracker.delivered(key, r.seq)) {
            this.counters.subscriptionOverflows++;
            this.emit('dataLoss', { sender: r.sender.name, subject: r.subject, fromSeq: r.seq, toSeq: r.seq, reason: 'subscriberOverflow' } satisfies DataLossEvent);
            continue;
          }
          msg = new Message(r.subject, r.sender.name, r.sender.incarnation, r.seq, r.replyTo, r.payload, r.flags, reply, () =>
            this.acknowledge(d, r.sender.name, r.subject, r.seq),
          );
        }
        if (!s.push(msg)) {
          this.counters.subscriptionOverflows++;
          this.emit('dataLoss', { sender: r.sender.name, subject: r.subject, fromSeq: r.seq, toSeq: r.seq, reason: 'subscriberOverflow' } satisfies DataLossEvent);
        }
      }
    }
  }

  private onUnsubscribe(sub: Subscription): void {
    if (!this.subscriptions.delete(sub)) return;
    const d = this.durables.get(sub.id);
    if (d !== undefined) {
      // Its positions stay in the ledger: subscribing again under the name resumes from them.
      this.durables.delete(sub.id);
      this.durableNames.delete(d.name);
      if (!d.ready) return; // it never reached the matcher nor the subjects actor
    }
    this.matcher.remove(sub.pattern, sub);
    if (this.state === 'open') this.subjects.trySend({ kind: 'unsubscribed', id: sub.id });
  }

  private emitError(err: Error): void {
    // An 'error' event without a listener would throw out of the event loop: keep it visible
    // without crashing the application.
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err.message, { type: err.name, code: 'LEDGECAST_ERROR' });
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new PeerClosedError(this.state === 'starting' ? 'the peer is not started' : 'the peer is closed');
  }
}

/** Publishes handed to the sender in one message at most (bytes of payload and subject). */
const MAX_BATCH_BYTES = 256 * 1024;

/** Waits before each round of last heartbeat + BYE (both naming every stream's final seq) when closing. */
const BYE_ROUNDS_MS = [0, 20, 80] as const;

/**
 * Publishes accepted in one event-loop turn before `tryPublish` says false and `publish` waits
 * for the next turn (`setImmediate`). `await publish()` resolves in microtasks, so a tight loop
 * of them would otherwise never let the socket be read: the publisher would not hear its
 * receivers (adverts, positions, NAKs) and its send queue would grow without bound. About 4 ms
 * of publishing at 1 us a message; one `setImmediate` per 4096 publishes costs nothing measurable.
 */
const PUBLISHES_PER_TURN = 4096;

/** The smallest power-of-two ring (at least 1 MiB) that holds one message of `maxMessageBytes` and its envelope. */
function ringBytesFor(maxMessageBytes: number): number {
  let size = 1 << 20;
  while (size - 64 * 1024 < maxMessageBytes) size *= 2;
  return size;
}

/**
 * Creates and starts a peer: validates the options, binds the sockets, starts the actors
 * (and their worker threads, per `topology`).
 * @throws InvalidOptionError for an unknown or bad option (before anything is bound).
 */
export async function createPeer(options: PeerOptions = {}): Promise<Peer> {
  const resolved = resolvePeerOptions(options);
  const peer = new Peer(resolved);
  try {
    await peer.start();
  } catch (err) {
    await peer.close().catch(() => undefined);
    throw err;
  }
  return peer;
}

/** Re-exported for the identity type in events. */
export type { PeerId };
