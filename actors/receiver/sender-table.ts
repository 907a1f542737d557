/**
 * The senders a receiver knows, by name: current incarnation, retired incarnations, departure.
 */
import type { PeerId } from '../../codecs/frame.js';

/** Most retired incarnations remembered per sender name. */
export const MAX_RETIRED_INCARNATIONS = 8;

/** One sender name and the streams tracked for it. */
export interface SenderEntry<S> {
  readonly name: string;
  /** The incarnation frames are accepted from and NAKs go to. */
  current: PeerId;
  /** Incarnations whose frames are ignored, oldest first (at most {@link MAX_RETIRED_INCARNATIONS}). */
  readonly retired: number[];
  /** When a frame of `current` was last accepted. */
  lastHeardMs: number;
  /**
   * `graceMs` after `current` was adopted (or the sender first seen): until then another
   * unknown incarnation is ignored, and the owner holds back streams not yet resynchronized.
   */
  resyncUntilMs: number;
  /** Released by `depart`; only its streams' positions are kept. */
  departed: boolean;
  readonly streams: Map<string, S>;
  /** `admit`'s answer for an ordinary frame of this sender, made once (admit runs per message). */
  accepted?: Admission<S>;
}

/** What {@link SenderTable.admit} decided about a frame. */
export type Admission<S> =
  /** No state for this name yet. */
  | { readonly kind: 'unknown' }
  /** A frame of a retired incarnation, or of an unknown one during the grace: drop it. */
  | { readonly kind: 'ignored' }
  /** Accepted; `adopted` when this frame made its incarnation current. */
  | { readonly kind: 'accepted'; readonly sender: SenderEntry<S>; readonly adopted: boolean };

const UNKNOWN = Object.freeze({ kind: 'unknown' as const });
const IGNORED = Object.freeze({ kind: 'ignored' as const });

/**
 * Sender names, with the incarnation rules of the receiver.
 *
 * Incarnation numbers are random per start, not ordered, so "newer" cannot be read from them:
 * a frame of an incarnation that is neither current nor retired is taken as a restart and its
 * incarnation adopted (the previous one retired), except within `graceMs` of the current one's
 * adoption or first sight, when it may as well be a late, reordered frame of an older one and is
 * ignored. A departed sender keeps its entry (and its streams' positions) until it is forgotten
 * to make room, oldest departure first.
 *
 * Bounds: one entry per name with tracked streams (the owner bounds streams); per entry at most
 * {@link MAX_RETIRED_INCARNATIONS} retired incarnations.
 */
export class SenderTable<S> {
  private readonly entries = new Map<string, SenderEntry<S>>();
  /** Departed entries in departure order. */
  private readonly departedOrder = new Map<string, SenderEntry<S>>();

  constructor(private readonly graceMs: number) {}

  get(name: string): SenderEntry<S> | undefined {
    return this.entries.get(name);
  }

  values(): IterableIterator<SenderEntry<S>> {
    return this.entries.values();
  }

  /** Checks the incarnation of a frame from `peer` and notes that the sender was heard from. */
  admit(nowMs: number, peer: PeerId): Admission<S> {
    const s = this.entries.get(peer.name);
    if (s === undefined) return UNKNOWN;
    if (s.retired.includes(peer.incarnation)) return IGNORED;
    let adopted = false;
    if (s.current.incarnation !== peer.incarnation) {
      if (nowMs < s.resyncUntilMs) return IGNORED;
      this.retire(s, s.current.incarnation);
      s.current = { name: peer.name, incarnation: peer.incarnation };
      s.resyncUntilMs = nowMs + this.graceMs;
      adopted = true;
    }
    if (s.departed) {
      s.departed = false;
      this.departedOrder.delete(s.name);
    }
    s.lastHeardMs = nowMs;
    if (adopted) return { kind: 'accepted', sender: s, adopted };
    return (s.accepted ??= Object.freeze({ kind: 'accepted' as const, sender: s, adopted: false }));
  }

  /** A new entry for a sender first seen now (its first stream is being created). */
  add(nowMs: number, peer: PeerId): SenderEntry<S> {
    const s: SenderEntry<S> = {
      name: peer.name,
      current: { name: peer.name, incarnation: peer.incarnation },
      retired: [],
      lastHeardMs: nowMs,
      resyncUntilMs: nowMs + this.graceMs,
      departed: false,
      streams: new Map(),
      accepted: undefined,
    };
    this.entries.set(s.name, s);
    return s;
  }

  /** Frames of `incarnation` are ignored from now on. */
  retire(s: SenderEntry<S>, incarnation: number): void {
    if (s.retired.includes(incarnation)) return;
    s.retired.push(incarnation);
    if (s.retired.length > MAX_RETIRED_INCARNATIONS) s.retired.shift();
  }

  /** Marks `s` departed (the owner has settled its streams). */
  depart(s: SenderEntry<S>): void {
    s.departed = true;
    this.departedOrder.set(s.name, s);
  }

  /** Forgets `name` (departed or not) and returns its entry, if any. */
  forget(name: string): SenderEntry<S> | undefined {
    const s = this.entries.get(name);
    if (s === undefined) return undefined;
    this.entries.delete(name);
    this.departedOrder.delete(name);
    return s;
  }

  /** Forgets the longest-departed sender and returns it, if any. */
  forgetOldestDeparted(): SenderEntry<S> | undefined {
    for (const s of this.departedOrder.values()) {
      this.departedOrder.delete(s.name);
      this.entries.delete(s.name);
      return s;
    }
    return undefined;
  }
}
