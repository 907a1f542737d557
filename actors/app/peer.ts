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
import type { PeerId } from '../../codecs/frame.js';
import {
  BackpressureError,
  InvalidOptionError,
  PayloadTooLargeError,
  PeerClosedError,
  TimeoutError,
  deserializeError,
} from '../../errors.js';
import { ActorSystem } from '../../runtime/actor-system.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { ActorEvent } from '../../runtime/actor.js';
import { PatternMatcher } from '../subjects/pattern-matcher.js';
import { validatePattern, validateSubject } from '../subjects/subject.js';
import type { SenderInbox, PublishItem } from '../sender/messages.js';
import type { SubjectsInbox, ReceiversInbox } from '../subjects/messages.js';
import type { AppEvent, DeliveredRecord } from './events.js';
import { Message } from './message.js';
import { resolvePeerOptions, ACTOR_NAMES, type PeerOptions, type ResolvedPeerOptions } from './peer-options.js';
import { Subscription } from './subscription.js';
import { actorModuleUrl } from './actor-modules.js';

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
  };
  readonly actors: Record<string, Record<string, unknown>>;
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
 * `'slowConsumer'` ({ name, subject, lagMessages }), `'streamReset'`, `'error'` (Error).
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
  private batch: PublishItem[] = [];
  private batchResolvers: ((err?: Error) => void)[] = [];
  private flushScheduled = false;
  private readonly inFlight: PendingBatch[] = [];
  private pendingCount = 0;
  private spaceWaiters: (() => void)[] = [];
  private state: 'starting' | 'open' | 'closing' | 'closed' = 'starting';
  private closing: Promise<void> | undefined;
  private inboxSubscription: Subscription | undefined;
  private inboxPrefix: string;
  private nextInboxId = 1;
  private readonly requests = new Map<string, (msg: Message | undefined) => void>();
  private readonly counters = { published: 0, delivered: 0, dataLossEvents: 0, subscriptionOverflows: 0 };

  /** @internal Use {@link createPeer}. */
  constructor(options: ResolvedPeerOptions) {
    super();
    this.options = options;
    this.name = options.config.self.name;
    this.incarnation = options.config.self.incarnation;
    this.inboxPrefix = `_INBOX.${this.name.replace(/[^A-Za-z0-9_\-:]/g, '_')}.${this.incarnation}`;
    const registry: Record<string, { module: string; options: unknown }> = {};
    for (const name of ACTOR_NAMES) registry[name] = { module: actorModuleUrl(name), options: options.config };
    this.system = new ActorSystem(
      {
        onEvent: (_actor, event) => this.onEvent(event as unknown as AppEvent),
        onError: (source, err) => this.emitError(new Error(`${source}: ${err.message}`, { cause: err })),
      },
      { registry, topology: options.topology },
    );
  }

  /** @internal Starts the actors (binds sockets, starts workers). */
  async start(): Promise<void> {
    await this.system.start();
    this.sender = this.system.ref<SenderInbox>('sender');
    this.subjects = this.system.ref<SubjectsInbox>('subjects');
    this.receivers = this.system.ref<ReceiversInbox>('receivers');
    this.state = 'open';
  }

  /**
   * Publishes `data` on `subject`. A `Uint8Array` goes as raw bytes; any other value is
   * msgpack-encoded. Resolves when the message has been sequenced and handed to the socket;
   * waits while `maxPendingPublishes` messages are pending (backpressure).
   * @throws InvalidSubjectError (a wildcard or a bad token), PayloadTooLargeError, PeerClosedError.
   */
  async publish(subject: string, data: unknown, options?: PublishOptions): Promise<void> {
    const item = this.prepare(subject, data, options);
    while (this.pendingCount >= this.options.maxPendingPublishes) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
      this.assertOpen();
    }
    return new Promise<void>((resolve, reject) => this.enqueue(item, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Publishes without waiting: false (and nothing queued) when `maxPendingPublishes` messages
   * are already pending.
   * @throws InvalidSubjectError, PayloadTooLargeError, PeerClosedError.
   */
  tryPublish(subject: string, data: unknown, options?: PublishOptions): boolean {
    const item = this.prepare(subject, data, options);
    if (this.pendingCount >= this.options.maxPendingPublishes) return false;
    this.enqueue(item, undefined);
    return true;
  }

  /**
   * Subscribes to `pattern` (`*` one token, `>` the rest). With a handler, each message is
   * passed to it; without, iterate: `for await (const msg of peer.subscribe('a.>'))`.
   * @throws InvalidSubjectError, PeerClosedError.
   */
  subscribe(pattern: string, handler?: (msg: Message) => void): Subscription {
    this.assertOpen();
    validatePattern(pattern);
    if (handler !== undefined && typeof handler !== 'function') throw new InvalidOptionError('subscribe(pattern, handler): handler must be a function');
    const sub = new Subscription(
      this.nextSubscriptionId++,
      pattern,
      handler,
      this.options.maxQueuedPerSubscription,
      (s) => this.onUnsubscribe(s),
      (err) => this.emitError(err instanceof Error ? err : new Error(String(err))),
    );
    this.subscriptions.add(sub);
    this.matcher.add(pattern, sub);
    this.subjects.send({ kind: 'subscribed', id: sub.id, pattern });
    return sub;
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
      },
      actors,
    };
  }

  /**
   * Flushes pending publishes, says BYE, stops every actor and closes every socket and worker.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.state === 'starting') {
      this.state = 'closed';
      await this.system.close();
      return;
    }
    this.state = 'closing';
    this.flush();
    // Let the sender hand over what is pending (bounded wait), then say BYE.
    const deadline = Date.now() + 2000;
    while (this.pendingCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    this.sender.trySend({ kind: 'draining' });
    this.receivers.trySend({ kind: 'leaving' });
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

  private prepare(subject: string, data: unknown, options: PublishOptions | undefined): PublishItem {
    this.assertOpen();
    validateSubject(subject);
    if (options?.replyTo !== undefined) validateSubject(options.replyTo);
    const { flags, payload } = encodePayload(data);
    if (payload.byteLength > this.options.maxMessageBytes) {
      throw new PayloadTooLargeError(`payload of ${payload.byteLength} bytes exceeds maxMessageBytes (${this.options.maxMessageBytes})`);
    }
    return options?.replyTo !== undefined ? { subject, flags, payload, replyTo: options.replyTo } : { subject, flags, payload };
  }

  private enqueue(item: PublishItem, resolver: ((err?: Error) => void) | undefined): void {
    this.batch.push(item);
    if (resolver) this.batchResolvers.push(resolver);
    this.pendingCount++;
    this.counters.published++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Hands the publishes of this microtask to the sender as one message. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const batchId = this.nextBatchId++;
    const items = this.batch;
    this.inFlight.push({ batchId, count: items.length, resolvers: this.batchResolvers });
    this.batch = [];
    this.batchResolvers = [];
    try {
      this.sender.send({ kind: 'published', batchId, items });
    } catch (err) {
      this.settleBatch(batchId, err instanceof Error ? err : new BackpressureError(String(err)));
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
    switch (event.kind) {
      case 'delivered':
        this.deliver(event.messages);
        break;
      case 'accepted':
        this.settleBatch(event.batchId);
        break;
      case 'dataLoss':
        this.counters.dataLossEvents++;
        this.emit('dataLoss', { sender: event.sender.name, subject: event.subject, fromSeq: event.from, toSeq: event.to, reason: event.reason } satisfies DataLossEvent);
        break;
      case 'peerJoined':
        this.emit('peerJoined', { name: event.peer.name, incarnation: event.peer.incarnation, host: event.host, port: event.port, patterns: event.patterns } satisfies PeerJoinedEvent);
        break;
      case 'peerLeft':
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
    const reply = (subject: string, data: unknown): Promise<void> => this.publish(subject, data);
    for (const r of records) {
      const subs = this.matcher.match(r.subject);
      if (subs.length === 0) continue;
      this.counters.delivered++;
      const msg = new Message(
        { subject: r.subject, sender: r.sender.name, senderIncarnation: r.sender.incarnation, seq: r.seq, replyTo: r.replyTo, raw: r.payload, flags: r.flags },
        reply,
      );
      for (const s of subs) {
        if (!s.push(msg)) {
          this.counters.subscriptionOverflows++;
          this.emit('dataLoss', { sender: r.sender.name, subject: r.subject, fromSeq: r.seq, toSeq: r.seq, reason: 'subscriberOverflow' } satisfies DataLossEvent);
        }
      }
    }
  }

  private onUnsubscribe(sub: Subscription): void {
    if (!this.subscriptions.delete(sub)) return;
    this.matcher.remove(sub.pattern, sub);
    if (this.state === 'open') this.subjects.trySend({ kind: 'unsubscribed', id: sub.id });
  }

  private emitError(err: Error): void {
    // An 'error' event without a listener would throw out of the event loop: keep it visible
    // without crashing the application.
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err.message, { code: 'LEDGECAST_ERROR' });
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new PeerClosedError(this.state === 'starting' ? 'the peer is not started' : 'the peer is closed');
  }
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
