/**
 * Where this peer's traffic on one of its subjects goes: the subject's multicast group (when
 * multicast is on) and every peer that gets the subject by unicast (the `unicastTargets` the
 * receiver list sends: receivers that cannot hear multicast, or everyone with multicast off).
 *
 * One policy, two users, each with its own table on its own thread, fed the same
 * `unicastTargets`: the sender routes DATA with it, the retransmit actor HEARTBEATs and
 * multicast RETRANSMITs. Pure. Without unicast targets (the usual case) a route depends on the
 * subject's group alone: one route object per group, whatever the number of subjects. With
 * targets, routes are cached per subject (at most `maxCachedSubjects`; the cache is emptied when
 * full). Both caches are dropped whenever the targets change.
 */
import { peerKey, type PeerId } from '../../codecs/frame.js';
import type { Destination } from '../socket/messages.js';
import type { GroupMap } from './group-map.js';
import { PatternMatcher } from './pattern-matcher.js';
import { isValidPattern } from './subject.js';

/** A peer that gets the subjects matching `patterns` by unicast. */
export interface UnicastTarget {
  readonly peer: PeerId;
  readonly patterns: readonly string[];
}

/** The destinations of one subject. */
export interface Route {
  /** Names the destination set: two routes with one key have the same destinations, in order. */
  readonly key: string;
  readonly destinations: readonly Destination[];
  /** {@link destinationKey} of each destination, in the same order. */
  readonly destinationKeys: readonly string[];
}

/** A string naming `d` (the group, the peer's name and incarnation, or the address). */
export function destinationKey(d: Destination): string {
  switch (d.kind) {
    case 'group':
      return `g:${d.group}`;
    case 'peer':
      return `p:${peerKey(d.peer)}`;
    case 'address':
      return `a:${d.host}:${d.port}`;
  }
}

export class RouteTable {
  private targets = new PatternMatcher<PeerId>();
  private hasTargets = false;
  private readonly cache = new Map<string, Route>();
  private readonly byGroup = new Map<string, Route>();

  constructor(
    private readonly groupMap: GroupMap,
    private readonly multicast: boolean,
    private readonly maxCachedSubjects = 4096,
  ) {}

  /** Replaces the unicast targets. Returns how many of their patterns were invalid (skipped). */
  setUnicastTargets(list: readonly UnicastTarget[]): number {
    this.targets = new PatternMatcher<PeerId>();
    this.hasTargets = false;
    this.cache.clear();
    this.byGroup.clear();
    let invalid = 0;
    for (const t of list) {
      for (const p of t.patterns) {
        if (isValidPattern(p)) {
          this.targets.add(p, t.peer);
          this.hasTargets = true;
        } else invalid++;
      }
    }
    return invalid;
  }

  /** The route of `subject` (a subject validated before): its group first, then each unicast target. */
  routeOf(subject: string): Route {
    if (!this.hasTargets) return this.groupRoute(this.multicast ? this.groupMap.groupForValidSubject(subject) : undefined);
    const cached = this.cache.get(subject);
    if (cached !== undefined) return cached;
    const destinations: Destination[] = [];
    const destinationKeys: string[] = [];
    if (this.multicast) {
      const group = this.groupMap.groupForValidSubject(subject);
      destinations.push({ kind: 'group', group });
      destinationKeys.push(`g:${group}`);
    }
    for (const peer of this.targets.match(subject)) {
      destinations.push({ kind: 'peer', peer });
      destinationKeys.push(`p:${peerKey(peer)}`);
    }
    const route: Route = { key: destinationKeys.join('\u0000'), destinations, destinationKeys };
    if (this.cache.size >= this.maxCachedSubjects) this.cache.clear();
    this.cache.set(subject, route);
    return route;
  }

  /** The route to `group` alone (`undefined`: multicast off, nowhere), made once per group. */
  private groupRoute(group: string | undefined): Route {
    const key = group ?? '';
    let route = this.byGroup.get(key);
    if (route === undefined) {
      route = group === undefined ? { key: '', destinations: [], destinationKeys: [] } : { key: `g:${group}`, destinations: [{ kind: 'group', group }], destinationKeys: [`g:${group}`] };
      this.byGroup.set(key, route);
    }
    return route;
  }
}
