/**
 * The peers a `Peer` knows now, as the receivers actor reports them (`peerJoined`, `peerUpdated`,
 * `peerLeft`), by name and incarnation, with their latest address and advertised patterns: what
 * `peer.peers()` lists, what a late `'peerJoined'` listener first hears of, and whom a request may
 * expect a reply from.
 *
 * Ownership: owned by the `Peer`, on the application thread.
 */
import type { EventEmitter } from 'node:events';
import type { PeerId } from '../../codecs/frame.js';
import type { AppEvent } from './events.js';
import { isBridgePeer } from './origin.js';
import type { PeerJoinedEvent, PeerUpdatedEvent } from './peer-events.js';
import { patternMatches } from '../subjects/subject.js';

type PeerHeard = Extract<AppEvent, { kind: 'peerJoined' | 'peerUpdated' }>;

/** The peers heard and not gone (see the module comment). */
export class KnownPeers {
  private readonly byKey = new Map<string, PeerJoinedEvent>();

  /**
   * A 'peerJoined' listener added to `emitter` at any time first hears of the peers already
   * known (as their own 'peerJoined', in a microtask), then of changes: an application that
   * attaches it after `await createPeer(...)`, or later, misses nobody. ('newListener' is
   * EventEmitter's own event, outside PeerEvents.)
   */
  replayToLateListeners(emitter: EventEmitter): void {
    emitter.on('newListener', (event: string | symbol, listener: (e: PeerJoinedEvent) => void) => {
      if (event !== 'peerJoined' || this.byKey.size === 0) return;
      const known = [...this.byKey.values()];
      queueMicrotask(() => {
        if (!emitter.listeners('peerJoined').includes(listener)) return;
        for (const p of known) if (this.byKey.has(keyOf(p))) listener.call(emitter, p);
      });
    });
  }

  /** A peer joined: it is known from now on; returns the public event. */
  joined(e: PeerHeard): PeerJoinedEvent {
    const joined = publicPeerOf(e);
    this.byKey.set(keyOf(joined), joined);
    return joined;
  }

  /** A known peer's patterns (or address) changed: the public event; undefined for a peer not known. */
  updated(e: PeerHeard): PeerUpdatedEvent | undefined {
    const now = publicPeerOf(e);
    const key = keyOf(now);
    const before = this.byKey.get(key);
    if (before === undefined) return undefined;
    this.byKey.set(key, now);
    return { ...now, previousPatterns: before.patterns };
  }

  /** A peer left: it is no longer known. */
  left(peer: PeerId): void {
    this.byKey.delete(keyOf(peer));
  }

  /** Copies of the peers known now. */
  list(): PeerJoinedEvent[] {
    return [...this.byKey.values()].map((p) => ({ ...p, patterns: [...p.patterns] }));
  }

  /** Whether a known peer advertises a pattern matching `subject`. */
  advertise(subject: string): boolean {
    for (const p of this.byKey.values()) for (const pattern of p.patterns) if (patternMatches(pattern, subject)) return true;
    return false;
  }

  /** Whether a known peer of this zone (not a zone bridge) other than `except` advertises a pattern matching `subject`. */
  advertiseInZone(subject: string, except: string): boolean {
    for (const p of this.byKey.values()) {
      if (p.name === except || isBridgePeer(p.patterns)) continue;
      for (const pattern of p.patterns) if (patternMatches(pattern, subject)) return true;
    }
    return false;
  }
}

function publicPeerOf(e: PeerHeard): PeerJoinedEvent {
  return { name: e.peer.name, incarnation: e.peer.incarnation, host: e.host, port: e.port, patterns: e.patterns };
}

function keyOf(p: PeerId): string {
  return `${p.name}\u0000${p.incarnation}`;
}
