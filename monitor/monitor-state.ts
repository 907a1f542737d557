/**
 * What the monitor page shows, kept in bounded memory: a ring of figure samples (the charts),
 * the streams the monitor's own subscriptions heard, and the latest notable events. Pure: the
 * caller passes the time and the figures; nothing here reads a clock or the peer.
 */
import type { PeerJoinedEvent } from '../actors/app/peer-events.js';
import type { PeerFigures } from './figures.js';

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
  readonly sender: string;
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
}

/** Bounds of {@link MonitorState}. */
export interface MonitorStateLimits {
  readonly historySize: number;
  /** @default 1000 */
  readonly maxStreams?: number;
  /** @default 50 */
  readonly maxEvents?: number;
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
  private readonly streams = new Map<string, { sender: string; subject: string; messages: number; lastSeq: number; lastMs: number }>();
  private readonly maxStreams: number;
  private latest: PeerFigures | undefined;
  private streamsOmitted = 0;

  constructor(limits: MonitorStateLimits) {
    this.history = new Ring(limits.historySize);
    this.events = new Ring(limits.maxEvents ?? 50);
    this.maxStreams = limits.maxStreams ?? 1000;
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

  /** A message the monitor's own subscription received. */
  onMessage(sender: string, subject: string, seq: number, tMs: number): void {
    const key = `${sender}\u0000${subject}`;
    const row = this.streams.get(key);
    if (row !== undefined) {
      row.messages++;
      row.lastSeq = Math.max(row.lastSeq, seq);
      row.lastMs = tMs;
    } else if (this.streams.size < this.maxStreams) {
      this.streams.set(key, { sender, subject, messages: 1, lastSeq: seq, lastMs: tMs });
    } else {
      this.streamsOmitted++;
    }
  }

  /** A notable event. */
  onEvent(tMs: number, kind: string, text: string): void {
    this.events.push({ t: tMs, kind, text });
  }

  /** The state as served by `/api/state`. */
  snapshot(self: MonitorSnapshot['self'], peers: readonly PeerJoinedEvent[], nowMs: number): MonitorSnapshot {
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
    };
  }
}
