/**
 * The senders a receiver knows, by name: current incarnation, retired incarnations, departure,
 * and the incarnation each name last advertised.
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
   * `graceMs` after `current` was adopted (or the sender first seen): until then the owner holds
   * back streams not yet resynchronized with it.
   */
  resyncUntilMs: number;
  /** Released by `depart`; only its streams' positions are kept. */
  departed: boolean;
  readonly streams: Map<string, S>;
  /** Streams whose position the next report to this sender carries (position-reports.ts). */
  positionsDirty?: Set<S>;
  /** Parked streams (idle, nothing pending): subject → the next sequence to release. */
  parked?: Map<string, number>;
  /** Where the idle sweep goes on from in `streams`. */
  parkCursor?: Iterator<S>;
  /** Where the next report's refresh slice goes on from (position-reports.ts). */
  refreshCursor?: Iterator<S>;
  /** `admit`'s answer for an ordinary frame of this sender, made once (admit runs per message). */
  accepted?: Admission<S>;
}

/** What {@link SenderTable.admit} decided about a frame. */
export type Admission<S> =
  /** No state for this name yet, and the frame's incarnation is the one it advertised, if any. */
  | { readonly kind: 'unknown' }
  /** A frame of a retired incarnation: drop it. */
  | { readonly kind: 'ignored' }
  /**
   * A frame of an incarnation the name has not advertised while another one is current or
   * advertised: not acted on (held back by the owner) until an ADVERT of it arrives.
   */
  | { readonly kind: 'unadvertised' }
  /** Accepted. */
  | { readonly kind: 'accepted'; readonly sender: SenderEntry<S> };

const UNKNOWN = Object.freeze({ kind: 'unknown' as const });
const IGNORED = Object.freeze({ kind: 'ignored' as const });
const UNADVERTISED = Object.freeze({ kind: 'unadvertised' as const });

/**
 * Sender names, with the incarnation rules of the receiver.
 *
 * Incarnations change on evidence only: a new incarnation of a known name becomes current when
 * an ADVERT of it arrives ({@link adopt}), never because a DATA or HEARTBEAT frame names it, so
 * one forged frame cannot retire a live sender. Until then its frames are `'unadvertised'`. The
 * first incarnation of a name nothing is tracked for is accepted as it comes (first contact),
 * unless the name advertised another one, or the table was made without first contact (then it
 * is `'unadvertised'` until it advertises).
 *
 * A departed sender keeps its entry (and its streams' positions) until it is forgotten to make
 * room, oldest departure first.
 *
 * Bounds: one entry per name with tracked streams (the owner bounds streams); per entry at most
 * {@link MAX_RETIRED_INCARNATIONS} retired incarnations; at most `maxAdvertised` advertised names
 * (the oldest note is forgotten first).
 */
export class SenderTable<S> {
  private readonly entries = new Map<string, SenderEntry<S>>();
  /** Departed entries in departure order. */
  private readonly departedOrder = new Map<string, SenderEntry<S>>();
  /** The incarnation each name last advertised, in the order the notes were made. */
  private readonly advertised = new Map<string, number>();

  /**
   * @param firstContact whether the first incarnation of a name nothing is tracked or noted for
   *   is accepted as it comes; false: `'unadvertised'` until it advertises.
   */
  constructor(
    private readonly graceMs: number,
    private readonly maxAdvertised = 100_000,
    private readonly firstContact = true,
  ) {}

  get(name: string): SenderEntry<S> | undefined {
    return this.entries.get(name);
  }

  values(): IterableIterator<SenderEntry<S>> {
    return this.entries.values();
  }

  /** Checks the incarnation of a frame from `peer` and notes that the sender was heard from. */
  admit(nowMs: number, peer: PeerId): Admission<S> {
    const s = this.entries.get(peer.name);
    if (s === undefined) {
      const advertised = this.advertised.get(peer.name);
      if (advertised === undefined) return this.firstContact ? UNKNOWN : UNADVERTISED;
      return advertised === peer.incarnation ? UNKNOWN : UNADVERTISED;
    }
    // Retired first: the current incarnation is retired too once it said BYE.
    // (`length` first: an incarnation is most often not a small integer, and handing it to
    // `includes` boxed it, a heap number per message.)
    if (s.retired.length > 0 && s.retired.includes(peer.incarnation)) return IGNORED;
    if (s.current.incarnation !== peer.incarnation) return UNADVERTISED;
    if (s.departed) {
      s.departed = false;
      this.departedOrder.delete(s.name);
    }
    // Once per datagram, not per message: every store of a float here made a heap number.
    if (s.lastHeardMs !== nowMs) s.lastHeardMs = nowMs;
    return (s.accepted ??= Object.freeze({ kind: 'accepted' as const, sender: s }));
  }

  /** `peer` advertised itself: its incarnation is the one frames of its name are taken from. */
  noteAdvertised(peer: PeerId): void {
    this.advertised.delete(peer.name);
    if (this.advertised.size >= this.maxAdvertised) {
      for (const name of this.advertised.keys()) {
        this.advertised.delete(name); // the oldest note
        break;
      }
    }
    this.advertised.set(peer.name, peer.incarnation);
  }

  /** `name` left (or its `incarnation` did): no incarnation of it counts as advertised any more. */
  forgetAdvertised(name: string, incarnation?: number): void {
    if (incarnation === undefined || this.advertised.get(name) === incarnation) this.advertised.delete(name);
  }

  /** The incarnation `name` last advertised, if it is noted. */
  advertisedIncarnation(name: string): number | undefined {
    return this.advertised.get(name);
  }

  /**
   * Makes `peer` (advertised) the current incarnation of `s`; the previous one is retired. An
   * incarnation retired before and advertised again is current again (the advert is the
   * evidence). The owner then restarts its streams' NAKs towards it.
   */
  adopt(nowMs: number, s: SenderEntry<S>, peer: PeerId): void {
    const again = s.retired.indexOf(peer.incarnation);
    if (again >= 0) s.retired.splice(again, 1);
    this.retire(s, s.current.incarnation);
    s.current = { name: peer.name, incarnation: peer.incarnation };
    s.resyncUntilMs = nowMs + this.graceMs;
    s.accepted = undefined;
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

  /** `incarnation`, the current one of `s`, retired by a BYE, counts again: false when it was not retired. */
  revive(s: SenderEntry<S>, incarnation: number): boolean {
    const at = s.current.incarnation === incarnation ? s.retired.indexOf(incarnation) : -1;
    if (at < 0) return false;
    s.retired.splice(at, 1);
    s.accepted = undefined;
    return true;
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
