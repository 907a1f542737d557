/**
 * One simulated peer made of the real actor shells: socket, subjects, receivers, flow, sender,
 * retransmit and receiver, built by their own factories from a {@link PeerConfig} that
 * `resolvePeerOptions` resolved (as `createPeer` does), all on one simulated thread (the
 * `single` placement; no ledger), the socket actor on a {@link SimEndpoint}.
 *
 * The application side does what `actors/app/peer.ts` does: it subscribes by sending
 * `subscribed` to the subjects actor, publishes by sending `published` batches to the sender
 * actor (in order, waiting for room when its mailbox is full), and reads the actors' events:
 * `delivered`, `dataLoss`, `accepted`, `error`, ...
 *
 * What the checker reads ({@link CheckedPeer}):
 * - `published`: what the application published, numbered as the sender must number it (per
 *   stream 1, 2, 3, ... in publish order; a batch the sender refused takes no seq);
 * - `evicted`: what the sender window evicted. The retransmit actor's window is private, so a
 *   second `SenderWindow` with the peer's own options is fed every `sent` message the retransmit
 *   actor receives, in the same order, and records what it evicts. Same core, same inputs: it
 *   evicts exactly what the actor's window does, and `shell-checks.ts` compares their counters at
 *   the end. A shell that lost data its window should still hold is therefore reported
 *   (`lossWhileHeld`), never excused.
 */
import { peerKey, streamKey, type PeerId } from '../../../codecs/frame.js';
import { encodePayload } from '../../../codecs/payload-codec.js';
import { DECODE_ERROR_REASONS } from '../../../codecs/index.js';
import type { AppEvent } from '../../../actors/app/events.js';
import type { DeliveredMessage } from '../../../actors/receiver/receiver-sink.js';
import type { PeerConfig } from '../../../actors/app/peer-config.js';
import { actorNamesOf, resolvePeerOptions, type PeerOptions } from '../../../actors/app/peer-options.js';
import type { ReceiverInbox } from '../../../actors/receiver/messages.js';
import { createActor as createReceiver } from '../../../actors/receiver/receiver-actor.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import { createActor as createRetransmit } from '../../../actors/retransmit/retransmit-actor.js';
import { createActor as createFlow } from '../../../actors/flow/flow-actor.js';
import type { PublishItem, SenderInbox } from '../../../actors/sender/messages.js';
import { createActor as createSender } from '../../../actors/sender/sender-actor.js';
import { SenderWindow } from '../../../actors/sender/sender-window.js';
import type { SocketInbox } from '../../../actors/socket/messages.js';
import { createSocketActor } from '../../../actors/socket/socket-actor.js';
import type { SubjectsInbox } from '../../../actors/subjects/messages.js';
import { PatternMatcher } from '../../../actors/subjects/pattern-matcher.js';
import { createActor as createReceivers } from '../../../actors/membership/receivers-actor.js';
import { createActor as createSubjects } from '../../../actors/subjects/subjects-actor.js';
import type { ActorEvent, CreateActor } from '../../../runtime/actor.js';
import type { ActorRef } from '../../../runtime/actor-ref.js';
import { MAIN_THREAD } from '../../../runtime/topology.js';
import type { CheckedPeer, CheckedPublish } from '../checked-peer.js';
import type { EventQueue } from '../event-queue.js';
import type { SimNetwork } from '../sim-network.js';
import type { LossRecord } from '../sim-peer.js';
import { SimActorSystem, type SimActorSpec } from './sim-actor-system.js';
import { SimEndpoint } from './sim-endpoint.js';

export interface ShellPeerSetup {
  readonly name: string;
  /** Fixed here (`resolvePeerOptions` draws one at random) so that a seed replays. */
  readonly incarnation: number;
  /** Subscribed at start, each by its own `subscribed` (ids 1, 2, ...). */
  readonly patterns: readonly string[];
  /** `createPeer` options; `unicastPort` must be set (it is the peer's address on the simulated network). */
  readonly options: Omit<PeerOptions, 'name' | 'topology' | 'ledger'>;
}

export interface ShellPeerDeps {
  readonly queue: EventQueue;
  readonly now: () => number;
  readonly network: SimNetwork;
}

/** One `published` batch and what became of it. */
export interface PublishedBatch {
  readonly batchId: number;
  readonly items: readonly PublishItem[];
  state: 'pending' | 'accepted' | 'refused';
}

/** An `error` event an actor emitted (not a batch refusal). */
export interface ErrorEvent {
  readonly actor: string;
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

type Factory = CreateActor<unknown, PeerConfig>;

export class ShellPeer implements CheckedPeer {
  readonly id: PeerId;
  readonly config: PeerConfig;
  readonly system: SimActorSystem;
  readonly delivered: DeliveredMessage[] = [];
  readonly losses: LossRecord[] = [];
  readonly evicted = new Map<string, Set<number>>();
  readonly batches: PublishedBatch[] = [];
  /** Batches the sender refused (`error` with `details.batchId`), by error name. */
  readonly refusals = new Map<string, number>();
  readonly errorEvents: ErrorEvent[] = [];
  /** Every event the actors emitted, counted by kind. */
  readonly eventCounts = new Map<string, number>();
  /** Each listed peer's pattern set as this peer knows it (from `peerJoined` and `peerUpdated`), by name. */
  readonly knownPatterns = new Map<string, readonly string[]>();
  /**
   * RETRANSMIT `unavailable` ranges handed to the receiver actor for a stream it already follows
   * (it delivered or reported lost some of it): each must reach its core (`unavailableReports`).
   */
  unavailableForFollowedStreams = 0;
  /**
   * Reliable-channel frames (NAK, RETRANSMIT) the socket actor had no address for, as
   * `name#incarnation channelSeq` of their target: those attempts never reached the wire.
   */
  readonly unaddressedChannelFrames = new Set<string>();
  /** The mirror of the retransmit actor's sender window (see the file overview). */
  readonly shadowWindow: SenderWindow;
  #endpoint: SimEndpoint | undefined;
  readonly #deps: ShellPeerDeps;
  readonly #subscriptions = new PatternMatcher<string>();
  /** Streams (sender name, subject) something of which was delivered or reported lost. */
  readonly #followed = new Set<string>();
  /** The socket actor's address book, kept from the `peerAddress` messages it is sent: peer keys with an address. */
  readonly #addressed = new Set<string>();
  readonly #patterns: readonly string[];
  /** Live subscriptions by id (the start-up ones are 1..n). */
  readonly #subscribed = new Map<number, string>();
  #nextSubscriptionId = 1;
  readonly #outbox: Extract<SenderInbox, { kind: 'published' }>[] = [];
  #outboxWaiting = false;
  #nextBatchId = 1;
  /** Every batch up to this one is settled by an `accepted`. */
  #acceptedUpTo = 0;
  #sender!: ActorRef<SenderInbox>;

  private constructor(setup: ShellPeerSetup, deps: ShellPeerDeps) {
    this.#deps = deps;
    const resolved = resolvePeerOptions({ ...setup.options, name: setup.name, topology: 'single' });
    if (Object.values(resolved.topology).some((thread) => thread !== MAIN_THREAD)) throw new Error('the shell simulator runs the single placement only');
    this.config = { ...resolved.config, self: { name: setup.name, incarnation: setup.incarnation } };
    if (this.config.socket.unicastPort === 0) throw new Error('options.unicastPort must be set: it is the peer address on the simulated network');
    this.id = this.config.self;
    this.#patterns = setup.patterns;
    for (const p of setup.patterns) this.#subscriptions.add(p, p);
    this.shadowWindow = new SenderWindow({ onEvict: (subject, seq) => this.#evictedSet(subject).add(seq) }, this.config.sender);
    this.system = new SimActorSystem(
      {
        queue: deps.queue,
        now: deps.now,
        onEvent: (actor, event) => this.#onEvent(actor, event),
        onReceive: (actor, msg) => this.#observe(actor, msg),
      },
      actorNamesOf(this.config),
    );
  }

  /** Builds and starts the actors (as `createPeer` does), then subscribes. */
  static async start(setup: ShellPeerSetup, deps: ShellPeerDeps): Promise<ShellPeer> {
    const peer = new ShellPeer(setup, deps);
    await peer.#start();
    return peer;
  }

  async #start(): Promise<void> {
    const { queue, now, network } = this.#deps;
    const factories: Record<string, Factory> = {
      socket: (config, ctx) =>
        createSocketActor(config, ctx, async (options, handler) => {
          const address = { host: options.interface, port: options.unicastPort };
          this.#endpoint = new SimEndpoint(this.id.name, address, network, queue, now, handler);
          return this.#endpoint;
        }),
      subjects: createSubjects as Factory,
      receivers: createReceivers as Factory,
      flow: createFlow as Factory,
      sender: createSender as Factory,
      retransmit: createRetransmit as Factory,
      receiver: createReceiver as Factory,
    };
    const specs: SimActorSpec<PeerConfig>[] = actorNamesOf(this.config).map((name) => {
      const create = factories[name];
      if (create === undefined) throw new Error(`the shell simulator has no factory for actor "${name}"`);
      return { name, create };
    });
    await this.system.start(specs, this.config);
    this.#sender = this.system.ref<SenderInbox>('sender');
    const subjects = this.system.ref<SubjectsInbox>('subjects');
    for (const pattern of this.#patterns) this.subscribe(pattern);
  }

  /** Subscribes to `pattern` as `peer.subscribe` does; returns the subscription id. */
  subscribe(pattern: string): number {
    const id = this.#nextSubscriptionId++;
    this.#subscribed.set(id, pattern);
    this.#subscriptions.add(pattern, pattern);
    this.system.ref<SubjectsInbox>('subjects').send({ kind: 'subscribed', id, pattern });
    return id;
  }

  /** Subscribes to each of `patterns` in one batch (one microtask of `peer.subscribe` calls); returns the ids. */
  subscribeMany(patterns: readonly string[]): number[] {
    const changes = patterns.map((pattern) => {
      const id = this.#nextSubscriptionId++;
      this.#subscribed.set(id, pattern);
      this.#subscriptions.add(pattern, pattern);
      return { kind: 'subscribed' as const, id, pattern };
    });
    this.system.ref<SubjectsInbox>('subjects').send({ kind: 'changes', changes });
    return changes.map((c) => c.id);
  }

  /** Ends subscription `id`. */
  unsubscribe(id: number): void {
    const pattern = this.#subscribed.get(id);
    if (pattern === undefined) return;
    this.#subscribed.delete(id);
    if (![...this.#subscribed.values()].includes(pattern)) this.#subscriptions.remove(pattern, pattern);
    this.system.ref<SubjectsInbox>('subjects').send({ kind: 'unsubscribed', id });
  }

  /** The live subscriptions, by id. */
  get subscriptions(): ReadonlyMap<number, string> {
    return this.#subscribed;
  }

  /** The distinct patterns subscribed, sorted: the set this peer advertises. */
  get patternSet(): string[] {
    return [...new Set(this.#subscribed.values())].sort();
  }

  /** The peer's endpoint on the simulated network. */
  get endpoint(): SimEndpoint {
    if (this.#endpoint === undefined) throw new Error(`${this.id.name} is not started`);
    return this.#endpoint;
  }

  /** Publishes `messages` as one batch, as `peer.publish` calls made in one microtask are. */
  publish(messages: readonly { subject: string; data: Uint8Array }[]): void {
    const items: PublishItem[] = messages.map((m) => ({ subject: m.subject, ...encodePayload(m.data) }));
    const batchId = this.#nextBatchId++;
    this.batches.push({ batchId, items, state: 'pending' });
    this.#outbox.push({ kind: 'published', batchId, items });
    this.#drainOutbox();
  }

  isSubscribed(subject: string): boolean {
    return this.#subscriptions.matches(subject);
  }

  get published(): CheckedPublish[] {
    const out: CheckedPublish[] = [];
    const last = new Map<string, number>();
    for (const b of this.batches) {
      if (b.state === 'refused') continue;
      for (const item of b.items) {
        const seq = (last.get(item.subject) ?? 0) + 1;
        last.set(item.subject, seq);
        out.push({ subject: item.subject, seq, lastSeq: seq, payload: item.payload });
      }
    }
    return out;
  }

  get window(): { counters: { peakMessages: number } } {
    return { counters: { peakMessages: this.#windowStats().peakMessages } };
  }

  get receiver(): { peakBufferedMessages: number } {
    return { peakBufferedMessages: this.stats('receiver').peakBufferedMessages as number };
  }

  /** Frames some actor could not decode, per actor and reason. */
  get decodeErrors(): Map<string, number> {
    const out = new Map<string, number>();
    const add = (actor: string, counts: Record<string, number> | undefined, only?: readonly string[]): void => {
      for (const [reason, n] of Object.entries(counts ?? {})) {
        if (n > 0 && (only === undefined || only.includes(reason))) out.set(`${actor}.${reason}`, n);
      }
    };
    add('socket', this.stats('socket').dropped as Record<string, number>, DECODE_ERROR_REASONS);
    add('receivers', this.stats('receivers').dropped as Record<string, number>);
    add('receiver', this.stats('receiver').dropped as Record<string, number>, DECODE_ERROR_REASONS);
    add('retransmit', this.stats('retransmit').decodeErrors as Record<string, number>);
    return out;
  }

  /** Actor `name`'s `stats()`. */
  stats(name: string): Record<string, unknown> {
    return this.system.stats(name).actor;
  }

  /** The retransmit actor's window counters (its `stats().window`). */
  #windowStats(): SenderWindow['counters'] {
    return this.stats('retransmit').window as SenderWindow['counters'];
  }

  /** The real window's counters, for the comparison with {@link shadowWindow}. */
  get windowCounters(): SenderWindow['counters'] {
    return this.#windowStats();
  }

  /** Hands batches to the sender in order, as `Peer.drainOutbox`: a full mailbox makes them wait, never drops them. */
  #drainOutbox(): void {
    while (this.#outbox.length > 0) {
      const next = this.#outbox[0];
      let sent: boolean;
      try {
        sent = this.#sender.trySend(next);
      } catch {
        this.#outbox.shift();
        this.#settle(next.batchId, 'refused');
        continue;
      }
      if (!sent) {
        if (!this.#outboxWaiting) {
          this.#outboxWaiting = true;
          void this.#sender.whenWritable().then(() => {
            this.#outboxWaiting = false;
            this.#drainOutbox();
          });
        }
        return;
      }
      this.#outbox.shift();
    }
  }

  #settle(batchId: number, state: 'accepted' | 'refused'): void {
    const b = this.batches[batchId - 1];
    if (b !== undefined && b.state === 'pending') b.state = state;
  }

  #evictedSet(subject: string): Set<number> {
    let set = this.evicted.get(subject);
    if (set === undefined) this.evicted.set(subject, (set = new Set()));
    return set;
  }

  /**
   * Sees every message before its actor does: feeds the window mirror with what the retransmit
   * actor is sent, counts the unavailable ranges the receiver actor must pass on, and notes the
   * channel frames the socket actor will drop for want of an address.
   */
  #observe(actor: string, msg: unknown): void {
    const m = msg as RetransmitInbox | ReceiverInbox | SocketInbox;
    if (actor === 'socket') {
      if (m.kind === 'peerAddress') {
        if (m.host === undefined || m.port === undefined) this.#addressed.delete(peerKey(m.peer));
        else this.#addressed.add(peerKey(m.peer));
      } else if (m.kind === 'frameOut' && m.destination.kind === 'peer' && !this.#addressed.has(peerKey(m.destination.peer))) {
        const f = m.frame;
        if ((f.kind === 'nak' || f.kind === 'retransmit') && f.channelSeq > 0) {
          this.unaddressedChannelFrames.add(`${m.destination.peer.name}#${m.destination.peer.incarnation} ${f.channelSeq}`);
        }
      }
    } else if (actor === 'retransmit' && m.kind === 'sent') {
      for (const datagram of m.datagrams) {
        try {
          this.shadowWindow.addDatagram(datagram);
        } catch {
          // Refused as the actor's window refuses it (its `windowRejected`): the counters compare.
        }
      }
    } else if (actor === 'receiver' && m.kind === 'retransmitted') {
      for (const u of m.unavailable) if (this.#followed.has(streamKey(m.sender.name, u.subject))) this.unavailableForFollowedStreams++;
    }
  }

  #onEvent(actor: string, event: ActorEvent): void {
    const e = event as unknown as AppEvent;
    this.eventCounts.set(e.kind, (this.eventCounts.get(e.kind) ?? 0) + 1);
    switch (e.kind) {
      case 'peerJoined':
      case 'peerUpdated':
        this.knownPatterns.set(e.peer.name, e.patterns);
        break;
      case 'peerLeft':
        if (this.knownPatterns.has(e.peer.name)) this.knownPatterns.delete(e.peer.name);
        break;
      case 'delivered':
        for (let i = 0; i < e.messages.length; i++) {
          const m = e.messages[i];
          const sender = e.senders[i];
          this.delivered.push({ sender, subject: m.subject, seq: m.seq, lastSeq: m.seq, flags: m.flags, replyTo: m.replyTo, payload: m.payload });
          this.#followed.add(streamKey(sender.name, m.subject));
        }
        break;
      case 'accepted':
        // As `Peer.settleBatch`: every batch up to this one.
        for (let id = this.#acceptedUpTo + 1; id <= e.batchId; id++) this.#settle(id, 'accepted');
        this.#acceptedUpTo = Math.max(this.#acceptedUpTo, e.batchId);
        break;
      case 'dataLoss':
        this.losses.push({ sender: e.sender.name, subject: e.subject, from: e.from, to: e.to, reason: e.reason, atMs: this.#deps.now() });
        this.#followed.add(streamKey(e.sender.name, e.subject));
        break;
      case 'error': {
        const batchId = (e.error.details as { batchId?: number } | undefined)?.batchId;
        if (typeof batchId === 'number') {
          this.#settle(batchId, 'refused');
          this.refusals.set(e.error.name, (this.refusals.get(e.error.name) ?? 0) + 1);
        } else {
          this.errorEvents.push({ actor, name: e.error.name, code: e.error.code, message: e.error.message });
        }
        break;
      }
      default:
        break;
    }
  }
}
