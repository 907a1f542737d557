/**
 * The public `Peer`: the application's end of the actor system. It validates every call, owns
 * the lifecycle (start, drain and close), the subscriptions and the public events, and
 * delegates each concern to a part it owns:
 * - `Publisher` (publisher.ts): publishes batched into one `published` message per microtask,
 *   backpressure, event-loop turn-taking;
 * - `Delivery` (delivery.ts): delivered records fanned out to the matching subscriptions;
 * - `Subscriptions` (subscriptions.ts): the subscriptions, from `subscribe` until they end, and
 *   their interest, batched to the subjects actor;
 * - `Durables` (durables.ts): durable subscriptions, their floors and confirmations;
 * - `Requests` (requests.ts): request/reply over this peer's inbox;
 * - `KnownPeers` (known-peers.ts): the peers heard and not gone, and the patterns they advertise;
 * - `CloseSequence` (close-sequence.ts): the graceful close's drain, last heartbeats and BYE.
 *
 * Ownership: everything here lives on the application thread. The actors may run elsewhere;
 * they are reached only through refs and events.
 */
import { show } from '../option-checks.js';
import { replyRoute } from './origin.js';
import { EventEmitter } from 'node:events';
import type { PeerId, WireMessage } from '../../codecs/frame.js';
import { AbortError, ERROR_CODES, InvalidOptionError, LedgecastError, PeerClosedError, deserializeError } from '../../errors.js';
import { ActorSystem } from '../../runtime/actor-system.js';
import { ringBytesFor } from '../../runtime/options.js';
import type { ActorEvent } from '../../runtime/actor.js';
import { validatePattern, validateSubject } from '../subjects/subject.js';
import type { SenderInbox } from '../sender/messages.js';
import type { SubjectsInbox } from '../subjects/messages.js';
import type { AppEvent, DeliveredBatch } from './events.js';
import type { Message, ReplyPublisher } from './message.js';
import { resolvePeerOptions, actorNamesOf, type PeerOptions, type ResolvedPeerOptions } from './peer-options.js';
import type { Subscription } from './subscription.js';
import { actorRegistry } from './actor-modules.js';
import { unpackDelivered } from '../receiver/delivered-batch.js';
import type { LedgerInbox } from '../ledger/messages.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import { Publisher, QUEUED_MAX_BYTES } from './publisher.js';
import { Delivery } from './delivery.js';
import { Durables } from './durables.js';
import { OverflowLosses } from './overflow-losses.js';
import { BehindMarks } from './behind-marks.js';
import { reportError } from './error-reporting.js';
import { ActorInlet } from './actor-inlet.js';
import { Requests } from './requests.js';
import { Subscriptions } from './subscriptions.js';
import { KnownPeers } from './known-peers.js';
import { CloseSequence } from './close-sequence.js';
import { resolveCodec, type Codec, type CodecOption } from './codec.js';
import type { PublishItem } from '../sender/messages.js';
import type { PublishOptions, RequestOptions, SubscribeOptions } from './call-options.js';
import { checkCallOptions, PUBLISH_OPTION_KEYS, REQUEST_OPTION_KEYS, SUBSCRIBE_OPTION_KEYS } from './call-options.js';
import type {
  DataLossEvent,
  DataLossReason,
  PeerEvents,
  PeerJoinedEvent,
  PeerLeftEvent,
  SlowConsumerEvent,
  StreamResetEvent,
  MulticastUnreachableEvent,
} from './peer-events.js';
import { actorsStats, type PeerStats } from './peer-stats.js';
import { startMonitor, type Monitor } from '../../monitor/monitor-server.js';
import { attachLogger, type PeerLog } from '../../monitor/logger.js';

export type {
  DataLossEvent,
  DataLossReason,
  MulticastUnreachableEvent,
  PeerEvents,
  PeerJoinedEvent,
  PeerLeftEvent,
  PeerLeftReason,
  PeerUpdatedEvent,
  SlowConsumerEvent,
  StreamResetEvent,
} from './peer-events.js';
// Data-path messages cross threads in their own byte layout (registers the packers).
import '../thread-packers.js';
export type { PeerStats } from './peer-stats.js';
export type { PublishOptions, RequestOptions, SubscribeOptions } from './call-options.js';

/**
 * One embedded ledgecast peer. Create it with {@link createPeer}; `await using peer = await
 * createPeer()` closes it at the end of the scope (`Symbol.asyncDispose`).
 *
 * Events (typed by {@link PeerEvents}): `'dataLoss'` ({@link DataLossEvent}), `'peerJoined'`
 * ({@link PeerJoinedEvent}), `'peerUpdated'` ({@link PeerUpdatedEvent}), `'peerLeft'`
 * ({@link PeerLeftEvent}), `'multicastUnreachable'` ({@link MulticastUnreachableEvent}),
 * `'slowConsumer'` ({@link SlowConsumerEvent}), `'streamReset'` ({@link StreamResetEvent}),
 * `'error'` (Error: a `HandlerError` when a subscription handler failed, an actor's error, a
 * reply that could not be published). Without an `'error'` listener an error never throws
 * (which would end the process): it is printed as one process warning (`process.emitWarning`,
 * code `LEDGECAST_ERROR`).
 */
export class Peer extends EventEmitter<PeerEvents> {
  /** This peer's name. */
  readonly name: string;
  /** This start's incarnation number. */
  readonly incarnation: number;
  /**
   * Resolves once the peer is closed (by `close()` or `await using`): with `undefined`, or with
   * the error closing ended on (an actor that failed to stop). Never rejects.
   */
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;
  private readonly options: ResolvedPeerOptions;
  private readonly codec: Codec;
  private readonly echo: boolean;
  /**
   * A ledger: `publish` never resolves when queued. Its stream numbers survive a crash, and what a crash loses
   * is reported to receivers as lost; a publish that resolved before it was numbered would vanish unreported.
   */
  private readonly withLedger: boolean;
  /** When the start finished (`performance.now()`): the no-responders rule waits for discovery after it. */
  private startedAtMs = Number.POSITIVE_INFINITY;
  private readonly system: ActorSystem;
  // The parts that talk to actors are built by start(), once the refs exist; every use comes
  // after assertOpen() or from an actor event (held until start() finished).
  private publisher!: Publisher;
  private durables!: Durables;
  private delivery!: Delivery;
  private subscriptions!: Subscriptions;
  private closeSequence!: CloseSequence;
  private readonly requests: Requests;
  /** Events held until the application could attach listeners (undefined once released). */
  private heldEvents: AppEvent[] | undefined = [];
  /** The actors' events: replies at once, the rest in slices of the thread's time per turn (actor-inlet.ts). */
  private readonly inlet: ActorInlet;
  private state: 'starting' | 'open' | 'closing' | 'closed' = 'starting';
  private closing: Promise<void> | undefined;
  private readonly knownPeers = new KnownPeers();
  private readonly counters = { dataLossEvents: 0 };
  /**
   * What `msg.respond()` calls. A reply never rejects (handlers write `void msg.respond(x)`): a
   * failure goes to 'error', except a reply refused because this peer is closing (a request
   * delivered while it drains): `respond()` resolving false says it, and the requester's
   * timeout, or another responder, answers for it (before 7 December: a `PeerClosedError`
   * warning in a third of the README example's runs).
   */
  private readonly reply: ReplyPublisher = (replyTo: string, data: unknown) => {
    // One stream per requester, not one per request (origin.ts).
    const route = replyRoute(replyTo);
    return this.publishWith(route.subject, data, route.replyTo, undefined, undefined, false).then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof PeerClosedError && this.state !== 'open')) this.emitError(err instanceof Error ? err : new Error(String(err)));
        return false;
      },
    );
  };
  /** Messages dropped for full subscriptions (iterator queue, durable unconfirmed), said as `dataLoss` ranges. */
  private readonly overflows = new OverflowLosses((e) => this.sayLoss(e));
  /** `peerLeft` and `dataLoss` events wait behind what durable subscriptions hold for their marks. */
  private readonly behindMarks = new BehindMarks(() => (this.durables as Durables | undefined)?.heldNow());
  private sayLoss(e: DataLossEvent): void {
    this.counters.dataLossEvents++;
    this.emit('dataLoss', e);
  }
  /** Own publishes, accepted by the sender with their seqs: delivered to own subscriptions (echo). */
  private readonly onEcho = (items: readonly PublishItem[], seqs: readonly number[]): void => {
    const sender = { name: this.name, incarnation: this.incarnation };
    const senders: PeerId[] = new Array<PeerId>(items.length).fill(sender);
    const messages: WireMessage[] = items.map((it, i) => ({ subject: it.subject, seq: seqs[i], flags: it.flags, replyTo: it.replyTo, payload: it.payload }));
    if (this.state === 'open' || this.state === 'closing') this.delivery.deliver({ senders, messages }, true);
  };
  /** The `logger` and `monitor` options at work (monitor/), started after the actors. */
  private log: PeerLog | undefined;
  private monitor: Monitor | undefined;

  /** The HTTP monitor's address (`http://127.0.0.1:9464/`) with the `monitor` option, else undefined. */
  get monitorUrl(): string | undefined {
    return this.monitor?.url;
  }

  /** @internal Use {@link createPeer}. */
  constructor(options: ResolvedPeerOptions) {
    super();
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.knownPeers.replayToLateListeners(this as EventEmitter);
    this.options = options;
    this.inlet = new ActorInlet((e, deadlineMs) => this.onEvent(e, deadlineMs), () => this.durables as Durables | undefined, options.durablePaceMessages, (subject) => this.requests.isReply(subject));
    this.codec = options.codec;
    this.echo = options.echo;
    this.withLedger = options.config.ledger !== undefined;
    this.name = options.config.self.name;
    this.incarnation = options.config.self.incarnation;
    const discoveryGraceMs = options.config.discoveryMs + options.config.advertIntervalMs;
    this.requests = new Requests(
      {
        subscribe: (pattern, handler) => this.subscribe(pattern, handler),
        publish: (subject, data, o) => this.publishWith(subject, data, o.replyTo, undefined, o.codec, false),
        hasResponders: (subject) => this.delivery.takesOwn(subject) || this.knownPeers.advertise(subject),
        hasLocalResponders: (subject, except) => this.delivery.takesOwn(subject) || this.knownPeers.advertiseInZone(subject, except),
        discoveryLeftMs: () => Math.max(0, Math.ceil(this.startedAtMs + discoveryGraceMs - performance.now())),
      },
      this.name,
      this.incarnation,
    );
    const registry = actorRegistry<unknown>(actorNamesOf(options.config), options.config);
    this.system = new ActorSystem(
      {
        onEvent: (_actor, event) => this.inlet.push(event as unknown as AppEvent),
        onError: (source, err) => this.emitError(new Error(`${source}: ${err.message}`, { cause: err })),
      },
      // A ring between threads must hold one whole message (plus its envelope).
      { registry, topology: options.topology, ringBytes: ringBytesFor(options.maxMessageBytes) },
    );
  }

  /** @internal Starts the actors (binds sockets, starts workers). */
  async start(): Promise<void> {
    await this.system.start();
    const ledger = this.options.config.ledger === undefined ? undefined : this.system.ref<LedgerInbox>('ledger');
    this.publisher = new Publisher(this.system.ref<SenderInbox>('sender'), this.options.maxPendingPublishes, this.options.maxMessageBytes, this.onEcho, (err, count) => {
      // With the cause's code (ERR_BACKPRESSURE for `sender.maxStreams`, ERR_PEER_CLOSED), as callers test `err.code`.
      const code = err instanceof LedgecastError ? err.code : ERROR_CODES.internal;
      this.emitError(new LedgecastError(code, `${count} message(s) accepted by tryPublish(), or by a publish() that resolved once queued, were not published: ${err.message}`, { cause: err }));
    });
    this.durables = new Durables(ledger, this.options.maxQueuedPerSubscription, this.overflows.dropped, {
      ref: this.system.ref<ReceiverInbox>('receiver'),
      paceMessages: this.options.durablePaceMessages,
    }, this.options.durableConfirmDelayMs);
    this.delivery = new Delivery(this.durables, this.reply, this.overflows.dropped, (loss, subject) =>
      this.sayLoss({ sender: loss.sender, senderIncarnation: loss.incarnation, zone: loss.zone, subject, fromSeq: loss.fromSeq, toSeq: loss.toSeq, reason: loss.reason as DataLossReason }),
    );
    this.subscriptions = new Subscriptions(
      {
        delivery: this.delivery,
        durables: this.durables,
        subjects: this.system.ref<SubjectsInbox>('subjects'),
        isOpen: () => this.state === 'open',
        onError: (err) => this.emitError(err),
        ended: () => this.behindMarks.progressed(),
      },
      this.options.maxQueuedPerSubscription,
      this.echo,
    );
    this.closeSequence = new CloseSequence(this.system, this.publisher, this.durables, ledger);
    this.state = 'open';
    this.startedAtMs = performance.now();
    setImmediate(() => {
      const held = this.heldEvents ?? [];
      this.heldEvents = undefined;
      for (const e of held) this.onEvent(e);
    });
  }

  /** @internal Starts the logger adapter and the HTTP monitor (options `logger`, `monitor`). */
  async startObservers(): Promise<void> {
    if (this.options.logger !== undefined) this.log = attachLogger(this, this.options.logger, this.system.topology);
    if (this.options.monitor !== undefined) this.monitor = await startMonitor(this, this.options.monitor);
  }

  /**
   * Publishes `data` on `subject`. A `Uint8Array` goes as raw bytes; any other value is
   * encoded by the codec (`options.codec`, else the peer's; msgpack by default). With `echo`
   * (the default) the peer's own matching subscriptions get it too, before this resolves, with
   * `msg.sender` this peer and `msg.seq` the stream's seq.
   *
   * Resolves when the message has been sequenced and handed to the socket, or sooner, once it is
   * queued, for a message of at most 4 KiB (`QUEUED_MAX_BYTES`, publisher.ts) that no
   * subscription of this peer takes, on a peer without a ledger: its
   * bytes are copied at the call, it leaves with the others of this event-loop turn (so that a
   * loop of awaited publishes fills datagrams rather than sending one each), and a failure to
   * publish it after that (the peer closed before sending it, `sender.maxStreams` was reached)
   * is said by an `'error'` event naming how many, as for `tryPublish`. End with
   * `await peer.close()`, not `process.exit()`: close hands over what waits for the turn's end
   * (and lets receivers recover what they missed).
   * Either way it waits while `maxPendingPublishes` messages are pending (backpressure), and lets
   * the event loop turn after every `PUBLISHES_PER_TURN` (publisher.ts) publishes or 4 MiB, so that a loop
   * of awaited publishes (which resolve in microtasks) never starves sockets and timers.
   * A larger `Uint8Array` is not copied: the peer reads it when it sequences the message (on a
   * worker thread's sender: when it writes the batch for it). Leave it as it is until this
   * resolves; with `tryPublish`, give each message an array of its own.
   * @throws InvalidSubjectError (a wildcard or a bad token), PayloadTooLargeError, EncodeError (a value the codec cannot encode), PeerClosedError.
   */
  publish(subject: string, data: unknown, options?: PublishOptions): Promise<void> {
    if (options !== undefined) {
      try {
        checkCallOptions('publish', options, PUBLISH_OPTION_KEYS);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.publishWith(subject, data, options?.replyTo, options?.codec);
  }

  /**
   * `publish`, with the codec given as an option (resolved here) or already resolved (`codec`).
   * `whenQueued`: the publish may settle once queued (see `publish`); requests and replies wait
   * for the sender, so that their failure rejects them.
   */
  private async publishWith(
    subject: string,
    data: unknown,
    replyTo: string | undefined,
    codecOption: CodecOption | undefined,
    codec?: Codec,
    whenQueued = true,
  ): Promise<void> {
    this.assertOpen();
    // Before the echo check, which reads the subject: a subject that is not a string is an InvalidSubjectError, not a TypeError.
    this.publisher.checkSubject(subject);
    const echo = this.echo && this.delivery.takesOwn(subject);
    let queued = whenQueued && !echo && !this.withLedger;
    let payload = data;
    if (queued && data instanceof Uint8Array) {
      // The caller may reuse its array once this resolves: ours is a copy (pooled by Node when small).
      if (data.byteLength <= QUEUED_MAX_BYTES) payload = Buffer.from(data);
      else queued = false;
    }
    const item = this.publisher.prepare(subject, payload, replyTo, codec ?? (codecOption === undefined ? this.codec : resolveCodec('publish options.codec', codecOption)));
    if (item.payload.byteLength > QUEUED_MAX_BYTES) queued = false;
    if (this.publisher.mustWait(item.payload.byteLength)) return this.publisher.publishWhenRoom(item, echo, queued);
    if (queued) return this.publisher.publishQueued(item);
    return this.publisher.publish(item, echo);
  }

  /**
   * Publishes without waiting: false (and nothing queued) when `maxPendingPublishes` messages
   * or 64 MiB of payload are already pending, or when this event-loop turn has published its
   * share (4,096 publishes or 4 MiB of payload; see `PUBLISHES_PER_TURN` in publisher.ts): then
   * `await publish(...)` waits for room or for the next turn.
   * A message it accepted that the peer then fails to publish (the peer closed before sending
   * it, its ledger failed, `sender.maxStreams` was reached) is said by an `'error'` event naming
   * how many: there is no promise to reject.
   * @throws InvalidSubjectError, PayloadTooLargeError, EncodeError, PeerClosedError.
   */
  tryPublish(subject: string, data: unknown, options?: PublishOptions): boolean {
    if (options !== undefined) checkCallOptions('tryPublish', options, PUBLISH_OPTION_KEYS);
    this.assertOpen();
    const item = this.publisher.prepare(subject, data, options?.replyTo, options?.codec === undefined ? this.codec : resolveCodec('publish options.codec', options.codec));
    return this.publisher.tryPublish(item, this.echo && this.delivery.takesOwn(subject));
  }

  /**
   * Subscribes to `pattern` (`*` one token, `>` the rest). With a handler, each message is
   * passed to it; without, iterate: `for await (const msg of peer.subscribe('a.>'))`.
   * With `{ durable: 'name' }` the subscription resumes after a restart (see {@link SubscribeOptions}).
   * A handler may be async; a handler that throws, or whose promise rejects, never stops the
   * subscription: the error goes to the `'error'` event as a `HandlerError` (code
   * `ERR_HANDLER`, `cause`: what it threw). Handlers are not awaited before the next message.
   * `subscribe<T>(…)` types `msg.data` as `T` (decoded by the codec, not checked: see
   * {@link SubscribeOptions.codec}). With `echo` (the default) this peer's own publishes on
   * matching subjects are delivered too (not to durable subscriptions).
   * @throws InvalidSubjectError, InvalidOptionError (a durable subscription without
   *   `options.ledger`, or a durable name already subscribed), PeerClosedError.
   */
  subscribe<T = unknown>(pattern: string, handler?: (msg: Message<T>) => void): Subscription<T>;
  subscribe<T = unknown>(pattern: string, options: SubscribeOptions, handler?: (msg: Message<T>) => void): Subscription<T>;
  subscribe<T = unknown>(pattern: string, a?: SubscribeOptions | ((msg: Message<T>) => void), b?: (msg: Message<T>) => void): Subscription<T> {
    this.assertOpen();
    validatePattern(pattern);
    const withOptions = typeof a === 'object' && a !== null;
    const handler = withOptions ? b : a;
    if (handler !== undefined && typeof handler !== 'function') throw new InvalidOptionError('subscribe(pattern, handler): handler must be a function');
    // Ignored, `subscribe(pattern, handler, { durable })` would be a plain subscription.
    if (!withOptions && b !== undefined) throw new InvalidOptionError('subscribe(pattern, handler, options): options go before the handler: subscribe(pattern, options, handler)');
    const o: SubscribeOptions = withOptions ? a : {};
    checkCallOptions('subscribe', o, SUBSCRIBE_OPTION_KEYS);
    const durable = this.durables.check(o.durable, o.ack, o.resumeFrom);
    const signal = withOptions ? a.signal : undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('subscribe options.signal must be an AbortSignal');
    if (signal?.aborted === true) throw new InvalidOptionError('subscribe options.signal is already aborted');
    const codec = withOptions && a.codec !== undefined ? resolveCodec('subscribe options.codec', a.codec) : this.codec;
    return this.subscriptions.subscribe(pattern, handler, codec, durable, signal);
  }

  /**
   * Publishes a request and resolves with the first reply (published by a responder with
   * `msg.respond(data)`; `request<T>` types `reply.data` as `T`, unchecked). A subscription of
   * this peer answers too (with `echo`, the default): a request to oneself works.
   *
   * Fails fast with `NoRespondersError` when no known peer advertises a pattern matching
   * `subject` and no subscription of ours matches it. Start-up: the peers are being discovered
   * for `discoveryMs + advertIntervalMs` (1.3 s by default) after `createPeer`; a request made
   * in that time with no responder known is published all the same and fails with
   * `NoRespondersError` at the end of it if there is still none (and no reply came).
   * @throws (rejects with) NoRespondersError, TimeoutError (no reply within `timeoutMs`),
   *   AbortError (`signal` aborted), InvalidSubjectError, InvalidOptionError, PeerClosedError.
   */
  async request<T = unknown>(subject: string, data: unknown, options: RequestOptions = {}): Promise<Message<T>> {
    checkCallOptions('request', options, REQUEST_OPTION_KEYS);
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new InvalidOptionError(`options.timeoutMs must be a positive integer, got ${show(timeoutMs)}`);
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('request options.signal must be an AbortSignal');
    const codec = options.codec === undefined ? this.codec : resolveCodec('request options.codec', options.codec);
    this.assertOpen();
    validateSubject(subject);
    if (signal?.aborted === true) throw new AbortError(`request to ${subject} aborted`, { cause: signal.reason });
    return this.requests.request<T>(subject, data, { timeoutMs, signal, codec });
  }

  /** Counters of every actor (gathered from every thread) and of the application side. */
  async stats(): Promise<PeerStats> {
    this.assertOpen();
    const system = await this.system.stats();
    return {
      name: this.name,
      incarnation: this.incarnation,
      topology: this.system.topology,
      app: {
        published: this.publisher.published,
        delivered: this.delivery.delivered,
        echoed: this.delivery.echoed,
        noResponders: this.requests.noResponders,
        originDuplicates: this.delivery.originDedup.duplicates,
        dataLossEvents: this.counters.dataLossEvents,
        subscriptionOverflows: this.overflows.count,
        pendingPublishes: this.publisher.pending,
        subscriptions: this.subscriptions.size,
        ...this.durables.stats(),
      },
      actors: actorsStats(system),
    };
  }

  /** The peers known now (heard and not gone), with their address and patterns as last `'peerJoined'`/`'peerUpdated'` said. */
  peers(): PeerJoinedEvent[] {
    return this.knownPeers.list();
  }

  /**
   * Closes the peer, draining first (as NATS's `drain()`): new publishes are refused at once;
   * what was published is still sent, and NAKs are still served, until every live receiver has
   * confirmed the end of each stream or `timeoutMs` (default `closeTimeoutMs`, 10 s) has passed.
   * A receiver that makes no progress for the stall bound (`sender.stallTimeoutMs`, 2 s) from the
   * close's start is not waited for; one that has not reported any position of a stream since it
   * joined (it may not hear our multicast yet, and its unicast fallback starts
   * `multicastProbeMs`, 3 s, after it joined) is waited for until then at the latest. Then a last
   * heartbeat names each stream's final seq and BYE follows, naming them too (three rounds,
   * 0-100 ms apart): a receiver reports what it will never get as `dataLoss` (`senderLeft`)
   * 200 ms after the first BYE. About 130 ms in all, then every actor stops and every socket and
   * worker closes. `close({ timeoutMs: 0 })` stops without waiting for receivers. Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing === undefined) {
      const timeoutMs = options.timeoutMs ?? this.options.closeTimeoutMs;
      if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
        return Promise.reject(new InvalidOptionError(`close options.timeoutMs must be a non-negative number, got ${show(timeoutMs)}`));
      }
      this.log?.closing();
      this.closing = this.doClose(timeoutMs).then(() => this.log?.closed());
      this.closing.then(
        () => this.resolveClosed(undefined),
        (err: unknown) => this.resolveClosed(err instanceof Error ? err : new Error(String(err))),
      );
    }
    return this.closing;
  }

  private async doClose(timeoutMs: number): Promise<void> {
    const closeStartMs = performance.now();
    if (this.state === 'starting') {
      this.state = 'closed';
      await this.system.close();
      return;
    }
    this.state = 'closing';
    this.publisher.rejectWaiting();
    await this.monitor?.close();
    await this.closeSequence.run(timeoutMs);
    // What the receiver delivered before the close is still handled, within the close's bound.
    const dropped = await this.inlet.finish(closeStartMs + timeoutMs);
    if (dropped > 0) this.emitError(new LedgecastError(ERROR_CODES.peerClosed, `${dropped} message(s) this peer received were not handed to its subscriptions: the peer closed first (close timeoutMs ${timeoutMs})`));
    this.overflows.flush();
    this.behindMarks.flush();
    this.state = 'closed';
    this.durables.close();
    await this.system.close();
    this.publisher.close();
    this.requests.close();
    this.subscriptions.unsubscribeAll();
  }

  /** Handles one actor event, stopping inside it once `deadlineMs` passed if it can: returns what it left. */
  private onEvent(event: AppEvent, deadlineMs = Number.POSITIVE_INFINITY): AppEvent | undefined {
    // Events that arrive while createPeer is still starting (a peer heard at once) wait until
    // the application has had its chance to add listeners: one macrotask after the start.
    if (this.heldEvents !== undefined) {
      this.heldEvents.push(event);
      return undefined;
    }
    switch (event.kind) {
      case 'delivered':
        return this.delivery.deliverUntil(event, deadlineMs);
      case 'deliveredPacked': {
        let records: DeliveredBatch;
        try {
          records = unpackDelivered(event.bytes);
        } catch (err) {
          this.emitError(err instanceof Error ? err : new Error(String(err)));
          break;
        }
        return this.delivery.deliverUntil(records, deadlineMs);
      }
      case 'accepted':
        this.publisher.settle(event.batchId, undefined, event.seqs);
        break;
      case 'dataLoss': {
        const unconfirmedToSeq = this.durables.unconfirmedThrough(event.sender.name, event.subject, event.from, event.to);
        const told: DataLossEvent = { sender: event.sender.name, senderIncarnation: event.sender.incarnation, subject: event.subject, fromSeq: event.from, toSeq: event.to, reason: event.reason };
        const loss: DataLossEvent = event.skipped ? { ...told, skipped: true } : told;
        this.behindMarks.after(() => this.sayLoss(unconfirmedToSeq === undefined ? loss : { ...loss, unconfirmedToSeq }));
        // 'durableBehind' is one subscription's: the others took those messages.
        if (event.reason !== 'durableBehind') this.durables.lost(event.sender, event.subject, event.to);
        break;
      }
      case 'peerJoined':
        this.emit('peerJoined', this.knownPeers.joined(event));
        break;
      case 'peerUpdated': {
        const updated = this.knownPeers.updated(event);
        if (updated !== undefined) this.emit('peerUpdated', updated);
        break;
      }
      case 'peerLeft':
        this.knownPeers.left(event.peer);
        this.behindMarks.after(() => this.emit('peerLeft', { name: event.peer.name, incarnation: event.peer.incarnation, reason: event.reason } satisfies PeerLeftEvent));
        break;
      case 'multicastUnreachable':
        this.emit('multicastUnreachable', { name: event.peer.name, incarnation: event.peer.incarnation } satisfies MulticastUnreachableEvent);
        break;
      case 'slowConsumer':
        this.emit('slowConsumer', { name: event.peer.name, incarnation: event.peer.incarnation, subject: event.subject, lagMessages: event.lagMessages } satisfies SlowConsumerEvent);
        break;
      case 'streamReset':
        this.durables.renumbered(event.sender, event.subject);
        this.emit('streamReset', { sender: event.sender.name, senderIncarnation: event.sender.incarnation, subject: event.subject, fromSeq: event.fromSeq } satisfies StreamResetEvent);
        break;
      case 'durableReady': {
        const sub = this.state === 'open' ? this.durables.ready(event.id, event.positions, event.handed) : undefined;
        if (sub !== undefined) this.subscriptions.activate(sub);
        break;
      }
      case 'durableMarked': {
        const more = this.durables.marked(event.token, deadlineMs);
        if (this.behindMarks.size > 0) this.behindMarks.progressed();
        return more ? event : undefined; // cut: the rest next turn
      }
      case 'ledgerFlushed':
      case 'drained':
        this.closeSequence.answered(event.token);
        break;
      case 'error': {
        const err = deserializeError(event.error);
        const batchId = (event.error.details as { batchId?: number } | undefined)?.batchId;
        if (typeof batchId === 'number') this.publisher.settle(batchId, err);
        else this.emitError(err);
        break;
      }
      default:
        this.emitError(new Error(`unknown actor event ${JSON.stringify((event as ActorEvent).kind)}`));
    }
    return undefined;
  }

  private emitError(err: Error): void {
    reportError(this as EventEmitter, err, { type: err.name, code: 'LEDGECAST_ERROR' });
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new PeerClosedError(this.state === 'starting' ? 'the peer is not started' : 'the peer is closed');
  }
}

// `await using peer = await createPeer()`: Node 20.4+ has Symbol.asyncDispose; older runtimes
// (and polyfills) use the registry symbol.
export interface Peer extends AsyncDisposable {}
Object.defineProperty(Peer.prototype, Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose'), {
  value: function asyncDispose(this: Peer): Promise<void> {
    return this.close();
  },
  writable: true,
  configurable: true,
});

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
    await peer.startObservers();
  } catch (err) {
    await peer.close().catch(() => undefined);
    throw err;
  }
  return peer;
}

/** Re-exported for the identity type in events. */
export type { PeerId };
