/**
 * The subject manager's shell: the local subscriptions (id → pattern, and a reference count per
 * pattern) and what follows from them.
 *
 * Whenever the set of distinct patterns changes (not on a second subscription to a pattern already
 * held) it sends the full pattern list as `interest` to `receiver` and as `localPatterns` to
 * `receivers`, then the multicast groups to be in as `groupsWanted` to `socket`: the groups of
 * every pattern ({@link GroupMap.groupsForPattern}) plus, always, the base group, which carries
 * ADVERT, BYE and other peer-wide traffic even with no subscription. With multicast off the
 * wanted set is empty. It sends `groupsWanted` once at start too.
 *
 * Bounds: one entry per live subscription of the application (the application bounds them).
 */
import type { Actor, ActorContext } from '../../runtime/actor.js';
import type { ActorRef } from '../../runtime/actor-ref.js';
import type { PeerConfig } from '../app/peer-config.js';
import { assertNever } from '../core.js';
import type { ReceiverInbox } from '../receiver/messages.js';
import type { SocketInbox } from '../socket/messages.js';
import { GroupMap } from './group-map.js';
import type { ReceiversInbox, SubjectsInbox } from './messages.js';
import { validatePattern } from './subject.js';

/** Counters of the subjects actor. */
export interface SubjectsActorCounters {
  subscriptions: number;
  unsubscriptions: number;
  /** `unsubscribed` for an id that is not subscribed (already gone, or never was). */
  unknownUnsubscribes: number;
  /** Times the pattern set was sent on (changes within `CHANGE_GAP_MS` of each other count once). */
  patternChanges: number;
}

/** Least time between two sends of the pattern set (later changes wait, coalesced). */
const CHANGE_GAP_MS = 10;

/** Builds the subjects actor. */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<SubjectsInbox> {
  const groupMap = new GroupMap(config.groupMap);
  const multicast = config.socket.multicast;
  const patternOf = new Map<number, string>();
  /** pattern → number of subscriptions; insertion order is the order patterns are sent in. */
  const refCounts = new Map<string, number>();
  const counters: SubjectsActorCounters = { subscriptions: 0, unsubscriptions: 0, unknownUnsubscribes: 0, patternChanges: 0 };
  let socket: ActorRef<SocketInbox>;
  let receiver: ActorRef<ReceiverInbox>;
  let receivers: ActorRef<ReceiversInbox>;
  let lastSentMs = Number.NEGATIVE_INFINITY;
  /** A change waits for the timer (see `patternsChanged`). */
  let pending = false;

  function groupsWanted(): string[] {
    if (!multicast) return [];
    const groups = new Set<string>([groupMap.baseGroup]);
    for (const pattern of refCounts.keys()) {
      if (groups.size === groupMap.groupCount) break;
      for (const g of groupMap.groupsForPattern(pattern)) groups.add(g);
    }
    return [...groups];
  }

  /**
   * The pattern set changed: sent on at once, unless it was sent less than CHANGE_GAP_MS ago;
   * then once that gap has passed, with whatever changed meanwhile (a burst of thousands of
   * subscriptions is sent a few times, not once per subscription: each send is the whole set).
   */
  function patternsChanged(): void {
    const now = ctx.clock();
    if (now - lastSentMs >= CHANGE_GAP_MS) {
      sendPatterns(now);
      return;
    }
    if (pending) return;
    pending = true;
    ctx.setTimer(lastSentMs + CHANGE_GAP_MS, () => sendPatterns(ctx.clock()));
  }

  function sendPatterns(now: number): void {
    pending = false;
    lastSentMs = now;
    counters.patternChanges++;
    const patterns = [...refCounts.keys()];
    // Interest first: the receiver tracks streams before the joins let their data in.
    receiver.send({ kind: 'interest', patterns });
    receivers.send({ kind: 'localPatterns', patterns });
    socket.send({ kind: 'groupsWanted', groups: groupsWanted() });
  }

  /** Adds one reference to `pattern`; true when the pattern is new. */
  function retain(pattern: string): boolean {
    const n = refCounts.get(pattern) ?? 0;
    refCounts.set(pattern, n + 1);
    return n === 0;
  }

  /** Drops one reference to `pattern`; true when it was the last. */
  function release(pattern: string): boolean {
    const n = refCounts.get(pattern) ?? 0;
    if (n <= 1) {
      refCounts.delete(pattern);
      return true;
    }
    refCounts.set(pattern, n - 1);
    return false;
  }

  function onSubscribed(id: number, pattern: string): void {
    // The Peer validated it already; a bad pattern here is a bug worth a throw.
    validatePattern(pattern);
    const previous = patternOf.get(id);
    if (previous === pattern) return;
    counters.subscriptions++;
    let changed = previous !== undefined && release(previous);
    patternOf.set(id, pattern);
    changed = retain(pattern) || changed;
    if (changed) patternsChanged();
  }

  function onUnsubscribed(id: number): void {
    const pattern = patternOf.get(id);
    if (pattern === undefined) {
      counters.unknownUnsubscribes++;
      return;
    }
    counters.unsubscriptions++;
    patternOf.delete(id);
    if (release(pattern)) patternsChanged();
  }

  return {
    name: ctx.name,

    start() {
      socket = ctx.ref<SocketInbox>('socket');
      receiver = ctx.ref<ReceiverInbox>('receiver');
      receivers = ctx.ref<ReceiversInbox>('receivers');
      socket.send({ kind: 'groupsWanted', groups: groupsWanted() });
    },

    receive(msg) {
      switch (msg.kind) {
        case 'subscribed':
          onSubscribed(msg.id, msg.pattern);
          return;
        case 'unsubscribed':
          onUnsubscribed(msg.id);
          return;
        default:
          assertNever(msg);
      }
    },

    stats() {
      return { ...counters, activeSubscriptions: patternOf.size, patterns: refCounts.size, groups: groupsWanted() };
    },
  };
}
