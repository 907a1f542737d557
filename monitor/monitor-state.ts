/**
 * What the monitor page shows, kept in bounded memory: a ring of figure samples (the charts),
 * the streams the monitor's own subscriptions heard, and the latest notable events. Pure: the
 * caller passes the time and the figures; nothing here reads a clock or the peer.
 */
import type { PeerJoinedEvent } from '../actors/app/peer-events.js';
import type { PeerFigures } from './figures.js';
import type { MonitorBridgeStats } from './monitored-peer.js';
import type { MessageOrigin } from '../actors/app/origin.js';
import { zonesView, type ZonesView } from './zones-view.js';

/** One sample of the charted figures (counters are cumulative; the page draws their rates). */
export interface HistoryPoint {
  /** Wall-clock ms of the sample. */
  readonly t: number;
  readonly published: number;
  readonly delivered: number;
  readonly naksSent: number;
  readonly naksReceived: number;
  readonly messagesRetransmitted: number;
  readonly dataLossMessages: number;
  readonly slowConsumerEvents: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly peers: number;
  readonly streamsIn: number;
  readonly streamsOut: number;
}

/** A stream the monitor heard through its own subscriptions. */
export interface StreamRow {
  /** The publishing peer; for a message from another zone, the origin sender there (`msg.origin.sender`). */
  readonly sender: string;
  /** The origin zone of a stream from another zone (absent for this zone's streams); `sender` and `lastSeq` are then the origin's. */
  readonly zone?: string;
  readonly subject: string;
  readonly messages: number;
  readonly lastSeq: number;
  /** Wall-clock ms of its last message. */
  readonly lastMs: number;
}

/** A notable event (data loss, slow consumer, a peer joining or leaving…). */
export interface MonitorEvent {
  readonly t: number;
  readonly kind: string;
  readonly text: string;
}

/** The JSON of `/api/state`. */
export interface MonitorSnapshot {
  readonly self: { readonly name: string; readonly incarnation: number; readonly startedMs: number };
  readonly now: number;
  /** The latest figures, or undefined before the first sample. */
  readonly figures: PeerFigures | undefined;
  /** Per second, between the last two samples (0 before there are two). */
  readonly rates: { readonly published: number; readonly delivered: number; readonly naksSent: number; readonly naksReceived: number; readonly messagesRetransmitted: number };
  readonly peers: readonly PeerJoinedEvent[];
  readonly streams: readonly StreamRow[];
  /** Streams not listed because of the bound. */
  readonly streamsOmitted: number;
  readonly events: readonly MonitorEvent[];
  /** Oldest first. */
  readonly history: readonly HistoryPoint[];
  /** The bridges heard, the remote zones and what came from each (monitor/zones-view.ts). */
  readonly zones: ZonesView;
  /** When the monitored peer is a zone bridge's (`ledgecast bridge --http-port`): the bridge's stats. */
  readonly bridge?: MonitorBridgeStats;
}

/** Bounds of {@link MonitorState}. */
export interface MonitorStateLimits {
  readonly historySize: number;
  /** @default 1000 */
  readonly maxStreams?: number;
  /** @default 50 */
  readonly maxEvents?: number;
  /** Remote zones whose messages are counted. @default 256 */
  readonly maxZones?: number;
}

/** A fixed-size ring, oldest overwritten first. */
class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;
  constructor(readonly size: number) {
    this.items = new Array<T | undefined>(size);
  }
  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }
  /** Oldest first. */
  list(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.next - this.count + i + this.size) % this.size] as T);
    return out;
  }
  last(back = 0): T | undefined {
    return back < this.count ? this.items[(this.next - 1 - back + this.size) % this.size] : undefined;
  }
}

export class MonitorState {
  private readonly history: Ring<HistoryPoint>;
  private readonly events: Ring<MonitorEvent>;
  private readonly streams = new Map<string, { sender: string; zone?: string; subject: string; messages: number; lastSeq: number; lastMs: number }>();
  private readonly maxStreams: number;
  /** Messages heard per origin zone (imported by a bridge). */
  private readonly zonesHeard = new Map<string, { messages: number; lastMs: number }>();
  private readonly maxZones: number;
  private latest: PeerFigures | undefined;
  private streamsOmitted = 0;

  constructor(limits: MonitorStateLimits) {
    this.history = new Ring(limits.historySize);
    this.events = new Ring(limits.maxEvents ?? 50);
    this.maxStreams = limits.maxStreams ?? 1000;
    this.maxZones = limits.maxZones ?? 256;
  }

  /** A sample of the figures, taken at `tMs`. */
  sample(tMs: number, f: PeerFigures): void {
    this.latest = f;
    this.history.push({
      t: tMs,
      published: f.published,
      delivered: f.delivered,
      naksSent: f.naksSent,
      naksReceived: f.naksReceived,
      messagesRetransmitted: f.messagesRetransmitted,
      dataLossMessages: f.dataLossMessages,
      slowConsumerEvents: f.slowConsumerEvents,
      bytesSent: f.bytesSent,
      bytesReceived: f.bytesReceived,
      peers: f.peers,
      streamsIn: f.streamsIn,
      streamsOut: f.streamsOut,
    });
  }

  /**
   * A message the monitor's own subscription received; `origin`: it came from another zone
   * (`msg.origin`), listed under its origin sender and seq.
   */
  onMessage(sender: string, subject: string, seq: number, tMs: number, origin?: MessageOrigin): void {
    if (origin !== undefined) {
      sender = origin.sender;
      seq = origin.seq;
      const z = this.zonesHeard.get(origin.zone);
      if (z !== undefined) {
        z.messages++;
        z.lastMs = tMs;
      } else if (this.zonesHeard.size < this.maxZones) this.zonesHeard.set(origin.zone, { messages: 1, lastMs: tMs });
    }
    const key = origin === undefined ? `${sender}\u0000${subject}` : `${sender}\u0000${subject}\u0000${origin.zone}`;
    const row = this.streams.get(key);
    if (row !== undefined) {
      row.messages++;
      row.lastSeq = Math.max(row.lastSeq, seq);
      row.lastMs = tMs;
    } else if (this.streams.size < this.maxStreams) {
      this.streams.set(key, origin === undefined ? { sender, subject, messages: 1, lastSeq: seq, lastMs: tMs } : { sender, zone: origin.zone, subject, messages: 1, lastSeq: seq, lastMs: tMs });
    } else {
      this.streamsOmitted++;
    }
  }

  /** A notable event. */
  onEvent(tMs: number, kind: string, text: string): void {
    this.events.push({ t: tMs, kind, text });
  }

  /** The state as served by `/api/state`; `bridge`: the stats of the bridge whose peer this is, if any. */
  snapshot(self: MonitorSnapshot['self'], peers: readonly PeerJoinedEvent[], nowMs: number, bridge?: MonitorBridgeStats): MonitorSnapshot {
    const a = this.history.last(1);
    const b = this.history.last(0);
    const seconds = a !== undefined && b !== undefined && b.t > a.t ? (b.t - a.t) / 1000 : 0;
    const rate = (k: 'published' | 'delivered' | 'naksSent' | 'naksReceived' | 'messagesRetransmitted'): number =>
      seconds > 0 ? Math.max(0, (b![k] - a![k]) / seconds) : 0;
    return {
      self,
      now: nowMs,
      figures: this.latest,
      rates: { published: rate('published'), delivered: rate('delivered'), naksSent: rate('naksSent'), naksReceived: rate('naksReceived'), messagesRetransmitted: rate('messagesRetransmitted') },
      peers,
      streams: [...this.streams.values()].map((r) => ({ ...r })).sort((x, y) => x.sender.localeCompare(y.sender) || x.subject.localeCompare(y.subject)),
      streamsOmitted: this.streamsOmitted,
      events: this.events.list(),
      history: this.history.list(),
      zones: zonesView(
        peers,
        this.zonesHeard,
        bridge?.import.byZone,
        bridge === undefined ? undefined : { name: self.name, incarnation: self.incarnation, zone: bridge.zone, importingFrom: bridge.import.active ? bridge.import.zones : [] },
      ),
      ...(bridge === undefined ? {} : { bridge }),
    };
  }
}
