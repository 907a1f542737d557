/**
 * Frames of sender incarnations not advertised yet, held back until their ADVERT arrives.
 */
import { peerKey, type PeerId, type ResumedFrom, type StreamInfo, type WireMessage } from '../../codecs/frame.js';
import type { ReceiverCounters } from './receiver-counters.js';

/** Most messages and heartbeat entries held, over every incarnation together. */
export const UNADVERTISED_HOLD_ITEMS = 4096;
/** Most bytes held (payloads, plus {@link ITEM_OVERHEAD_BYTES} per item), over every incarnation together. */
export const UNADVERTISED_HOLD_BYTES = 4 * 1024 * 1024;
/** What one held item is charged beside its payload. */
const ITEM_OVERHEAD_BYTES = 64;

/**
 * One frame held back: a DATA or RETRANSMIT message, or the entries of a HEARTBEAT (or BYE),
 * with the address it came from when it came off the wire (`host` undefined: from another actor,
 * which checked it).
 */
export type HeldFrame = (
  | {
      readonly kind: 'data';
      /** When it arrived. */
      readonly atMs: number;
      readonly startSeq: number;
      readonly msg: WireMessage;
      readonly ageMs: number | undefined;
      readonly resumed: ResumedFrom | undefined;
    }
  | { readonly kind: 'heartbeat'; readonly atMs: number; readonly streams: readonly StreamInfo[] }
) & { readonly host: string | undefined; readonly port: number };

/** Whether a frame naming an incarnation that came from `host:port` is to be refused (it is not proven to send from there). */
export type RefusesSource = (sender: PeerId, host: string, port: number) => boolean;

/** The counters an {@link UnadvertisedHold} adds to. */
export type UnadvertisedHoldCounters = Pick<ReceiverCounters, 'unadvertisedHeld' | 'unadvertisedDropped' | 'unadvertisedReplayed' | 'unadvertisedUnproven'>;

interface Group {
  readonly firstAtMs: number;
  readonly frames: HeldFrame[];
  items: number;
  bytes: number;
}

/**
 * Holds the frames of incarnations a receiver may not act on yet (see `SenderTable`), per
 * incarnation in arrival order, so that a sender that restarted and sent before its ADVERT
 * reached us loses nothing: {@link take} hands them back when the ADVERT comes.
 *
 * Bounds: at most {@link UNADVERTISED_HOLD_ITEMS} items and {@link UNADVERTISED_HOLD_BYTES} bytes
 * over every incarnation (a frame that does not fit is dropped, never one held before it); an
 * incarnation's frames are held `holdMs` from its first one, then dropped together (at
 * {@link nextDeadlineMs}, and whenever something is held or taken, so nothing older is ever
 * handed back). Frames forged in
 * the name of incarnations that never advertise thus cost bounded memory for a bounded time.
 * Every item is counted once as held, then once as replayed or dropped.
 */
export class UnadvertisedHold {
  private readonly groups = new Map<string, Group>();
  private items = 0;
  private bytes = 0;

  constructor(
    private readonly counters: UnadvertisedHoldCounters,
    private readonly holdMs: number,
    private readonly maxItems = UNADVERTISED_HOLD_ITEMS,
    private readonly maxBytes = UNADVERTISED_HOLD_BYTES,
  ) {}

  /** Items held now (messages and heartbeat entries). */
  get size(): number {
    return this.items;
  }

  /** Holds a message of `sender` that came from `host:port` (undefined: checked elsewhere); false when it was dropped (no room). */
  holdData(nowMs: number, sender: PeerId, startSeq: number, msg: WireMessage, ageMs: number | undefined, resumed?: ResumedFrom, host?: string, port = 0): boolean {
    return this.hold(nowMs, sender, { kind: 'data', atMs: nowMs, startSeq, msg, ageMs, resumed, host, port }, 1, msg.payload.byteLength);
  }

  /** Holds the entries of a heartbeat of `sender` that came from `host:port`; false when they were dropped (no room). */
  holdHeartbeat(nowMs: number, sender: PeerId, streams: readonly StreamInfo[], host?: string, port = 0): boolean {
    return this.hold(nowMs, sender, { kind: 'heartbeat', atMs: nowMs, streams, host, port }, streams.length, 0);
  }

  /**
   * The frames held of exactly `sender`, in arrival order (no longer held), without those that
   * came from an address `refuses` names (its advert did not prove it sends from there: anyone
   * could have sent them before it advertised; counted in `unadvertisedUnproven`).
   */
  take(nowMs: number, sender: PeerId, refuses?: RefusesSource): HeldFrame[] {
    this.expire(nowMs);
    const key = peerKey(sender);
    const g = this.groups.get(key);
    if (g === undefined) return [];
    this.groups.delete(key);
    this.items -= g.items;
    this.bytes -= g.bytes;
    if (refuses === undefined) {
      this.counters.unadvertisedReplayed += g.items;
      return g.frames;
    }
    const taken: HeldFrame[] = [];
    for (const f of g.frames) {
      const items = f.kind === 'data' ? 1 : f.streams.length;
      if (f.host !== undefined && refuses(sender, f.host, f.port)) this.counters.unadvertisedUnproven += items;
      else {
        this.counters.unadvertisedReplayed += items;
        taken.push(f);
      }
    }
    return taken;
  }

  private hold(nowMs: number, sender: PeerId, frame: HeldFrame, items: number, payloadBytes: number): boolean {
    this.counters.unadvertisedHeld += items;
    this.expire(nowMs);
    const bytes = payloadBytes + items * ITEM_OVERHEAD_BYTES;
    if (this.items + items > this.maxItems || this.bytes + bytes > this.maxBytes) {
      this.counters.unadvertisedDropped += items;
      return false;
    }
    const key = peerKey(sender);
    let g = this.groups.get(key);
    if (g === undefined) this.groups.set(key, (g = { firstAtMs: nowMs, frames: [], items: 0, bytes: 0 }));
    g.frames.push(frame);
    g.items += items;
    g.bytes += bytes;
    this.items += items;
    this.bytes += bytes;
    return true;
  }

  /** When the oldest incarnation held is due to be dropped; `undefined`: nothing held. */
  nextDeadlineMs(): number | undefined {
    for (const g of this.groups.values()) return g.firstAtMs + this.holdMs;
    return undefined;
  }

  /** Drops what is due (see {@link nextDeadlineMs}). */
  onTimer(nowMs: number): void {
    this.expire(nowMs);
  }

  /** Drops every incarnation whose first frame is `holdMs` old (groups are kept in creation order). */
  private expire(nowMs: number): void {
    for (const [key, g] of this.groups) {
      if (nowMs - g.firstAtMs < this.holdMs) break;
      this.groups.delete(key);
      this.items -= g.items;
      this.bytes -= g.bytes;
      this.counters.unadvertisedDropped += g.items;
    }
  }
}

/** `resumed` as it stands `heldMs` after it arrived (its age grown by that). */
export function olderResumedBy(resumed: ResumedFrom | undefined, heldMs: number): ResumedFrom | undefined {
  return resumed?.ageMs === undefined || heldMs === 0 ? resumed : { seq: resumed.seq, ageMs: resumed.ageMs + heldMs };
}

/** A held heartbeat entry as it stands `heldMs` after it arrived (its ages grown by that). */
export function olderInfoBy(i: StreamInfo, heldMs: number): StreamInfo {
  if (i.ageMs === undefined && i.resumed?.ageMs === undefined) return i;
  return { ...i, ageMs: i.ageMs === undefined ? undefined : i.ageMs + heldMs, resumed: olderResumedBy(i.resumed, heldMs) };
}
