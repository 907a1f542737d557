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
import type { SubjectsInbox } from './messages.js';
import type { ReceiversInbox } from '../membership/messages.js';
import { validatePattern } from './subject.js';

/** Counters of the subjects actor. */
export interface SubjectsActorCounters {
  subscriptions: number;
  unsubscriptions: number;
  /** `unsubscribed` for an id that is not subscribed (already gone, or never was). */
  unknownUnsubscribes: number;
  /** Times the pattern set changed and was sent on (once per `changes` batch). */
  patternChanges: number;
}

/** Builds the subjects actor. */
export function createActor(config: PeerConfig, ctx: ActorContext): Actor<SubjectsInbox> {
  const groupMap = new GroupMap(config.groupMap);
  const multicast = config.socket.multicast;
  const patternOf = new Map<number, string>();
  /** pattern → number of subscriptions; insertion order is the order patterns are sent in. */
  const refCounts = new Map<string, number>();
  /** pattern → when the application first subscribed to it (of the subscriptions held now). */
  const sinceOf = new Map<string, number>();
  const counters: SubjectsActorCounters = { subscriptions: 0, unsubscriptions: 0, unknownUnsubscribes: 0, patternChanges: 0 };
  let socket: ActorRef<SocketInbox>;
  let receiver: ActorRef<ReceiverInbox>;
  let receivers: ActorRef<ReceiversInbox>;

  function groupsWanted(): string[] {
    if (!multicast) return [];
    const groups = new Set<string>([groupMap.baseGroup]);
    for (const pattern of refCounts.keys()) {
      if (groups.size === groupMap.groupCount) break;
      for (const g of groupMap.groupsForPattern(pattern)) groups.add(g);
    }
    return [...groups];
  }

  function patternsChanged(): void {
    counters.patternChanges++;
    const patterns = [...refCounts.keys()];
    const sinceMs = patterns.map((p) => sinceOf.get(p) as number);
    // Interest first: the receiver tracks streams before the joins let their data in.
    receiver.send({ kind: 'interest', patterns, sinceMs });
    receivers.send({ kind: 'localPatterns', patterns });
    socket.send({ kind: 'groupsWanted', groups: groupsWanted() });
  }

  /** Adds one reference to `pattern`, subscribed at `atMs`; true when the pattern is new. */
  function retain(pattern: string, atMs: number): boolean {
    const n = refCounts.get(pattern) ?? 0;
    refCounts.set(pattern, n + 1);
    if (n === 0) sinceOf.set(pattern, atMs);
    return n === 0;
  }

  /** Drops one reference to `pattern`; true when it was the last. */
  function release(pattern: string): boolean {
    const n = refCounts.get(pattern) ?? 0;
    if (n <= 1) {
      refCounts.delete(pattern);
      sinceOf.delete(pattern);
      return true;
    }
    refCounts.set(pattern, n - 1);
    return false;
  }

  /** Applies a subscription; true when the pattern set changed. */
  function onSubscribed(id: number, pattern: string, atMs: number | undefined): boolean {
    // The Peer validated it already; a bad pattern here is a bug worth a throw.
    validatePattern(pattern);
    const previous = patternOf.get(id);
    if (previous === pattern) return false;
    counters.subscriptions++;
    let changed = previous !== undefined && release(previous);
    patternOf.set(id, pattern);
    // A time from the application, on the runtime's shared clock; never one ahead of ours.
    const now = ctx.clock();
    const at = atMs !== undefined && Number.isFinite(atMs) && atMs <= now ? atMs : now;
    return retain(pattern, at) || changed;
  }

  /** Applies an unsubscription; true when the pattern set changed. */
  function onUnsubscribed(id: number): boolean {
    const pattern = patternOf.get(id);
    if (pattern === undefined) {
      counters.unknownUnsubscribes++;
      return false;
    }
    counters.unsubscriptions++;
    patternOf.delete(id);
    return release(pattern);
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
          if (onSubscribed(msg.id, msg.pattern, msg.atMs)) patternsChanged();
          return;
        case 'unsubscribed':
          if (onUnsubscribed(msg.id)) patternsChanged();
          return;
        case 'changes': {
          // A batch (one microtask of the application's subscribes) sends the set on once.
          let changed = false;
          for (const c of msg.changes) changed = (c.kind === 'subscribed' ? onSubscribed(c.id, c.pattern, c.atMs) : onUnsubscribed(c.id)) || changed;
          if (changed) patternsChanged();
          return;
        }
        default:
          assertNever(msg);
      }
    },

    stats() {
      return { ...counters, activeSubscriptions: patternOf.size, patterns: refCounts.size, groups: groupsWanted() };
    },
  };
}
