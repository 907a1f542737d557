/**
 * The sender window: recent messages of every stream, kept in memory to serve retransmissions.
 */
import type { FragmentRange, SeqRange, StreamInfo, WireMessage } from '../../codecs/frame.js';
import { BackpressureError, ERROR_CODES, LedgecastError } from '../../errors.js';
import { RingDeque } from './ring-deque.js';
import { DEFAULT_SENDER_OPTIONS, type ResolvedSenderOptions } from './options.js';

/** The options {@link SenderWindow} reads. */
export type SenderWindowOptions = Pick<ResolvedSenderOptions, 'windowMaxMessages' | 'windowMaxBytes' | 'maxStreams'>;

export interface SenderWindowDeps {
  /** Called for each message leaving the window (oldest first): its records (one, or its fragments). */
  onEvict?: (records: readonly WireMessage[]) => void;
}

/** What {@link SenderWindow} counts (a live record: read it, do not write it). */
export interface SenderWindowCounters {
  /** Messages held now. */
  messages: number;
  /** Payload bytes held now. */
  bytes: number;
  /** Most messages ever held at once. */
  peakMessages: number;
  /** Most payload bytes ever held at once. */
  peakBytes: number;
  /** Messages evicted to stay within the bounds. */
  evicted: number;
  /** `serve` calls that asked for sequences above the stream's newest (ignored: never sent). */
  requestsBeyondHighSeq: number;
  /** `serve` calls with a malformed range (not integers, `from < 1` or `from > to`). */
  invalidRanges: number;
  /** Fragments not added because the rest of their message was not held (evicted, or out of order). */
  fragmentsDropped: number;
}

/** The answer of {@link SenderWindow.serve}. */
export interface ServeResult {
  /**
   * The held messages of the range, in sequence order (at most `maxMessages` messages): a
   * fragmented message contributes all its fragments, in index order.
   */
  readonly messages: WireMessage[];
  /** Sub-ranges no longer held (evicted, or skipped by the sender), in order. */
  readonly unavailable: SeqRange[];
  /** The tail of the range not looked at because `maxMessages` was reached; serve it later. */
  readonly rest?: SeqRange;
}

/** The fragments of one message, held as one entry of the window. */
interface FragmentSet {
  readonly seq: number;
  /** The fragments added so far, in index order (`fragments[i].fragIndex === i`). */
  readonly fragments: WireMessage[];
  /** Their payload bytes. */
  bytes: number;
}

/** One held message: a single record, or the fragments of a fragmented one. */
type Held = WireMessage | FragmentSet;

function isSet(h: Held): h is FragmentSet {
  return (h as FragmentSet).fragments !== undefined;
}

function heldBytes(h: Held): number {
  return isSet(h) ? h.bytes : h.payload.byteLength;
}

function heldRecords(h: Held): readonly WireMessage[] {
  return isSet(h) ? h.fragments : [h];
}

interface StreamWindow {
  /** Held messages of the stream, oldest first, seqs strictly increasing (not necessarily contiguous). */
  readonly queue: RingDeque<Held>;
  /** Newest sequence ever added (0 when none). */
  highSeq: number;
}

/**
 * Holds the recent {@link WireMessage}s of every stream of one sender.
 *
 * A fragmented message is one entry: its fragments (all of its seq) are added in index order,
 * counted as one message, evicted together, and served whole or fragment by fragment
 * ({@link serveFragments}).
 *
 * Bounds: at most `windowMaxMessages` messages and `windowMaxBytes` payload bytes in total
 * (`payload.byteLength`; a payload that is a view keeps its whole buffer alive, so callers hand
 * in payloads that own their bytes or views of one message's buffer, as fragments are), and at
 * most `maxStreams` streams. Eviction is oldest-first across streams, in insertion order; a
 * message larger than `windowMaxBytes` on its own is evicted at once.
 *
 * Invariants: per stream, held seqs increase from oldest to newest, and the newest held message,
 * if any, is the stream's `highSeq` (eviction is FIFO, so a stream loses its oldest first).
 * Stream entries outlive their messages so that `highSeq` is kept.
 *
 * Costs: `add` O(1) amortized; `get` O(1) when the stream's seqs are contiguous, O(log n) else;
 * `serve` O(log n + returned).
 */
export class SenderWindow {
  readonly counters: SenderWindowCounters = {
    messages: 0,
    bytes: 0,
    peakMessages: 0,
    peakBytes: 0,
    evicted: 0,
    requestsBeyondHighSeq: 0,
    invalidRanges: 0,
    fragmentsDropped: 0,
  };

  private readonly streams = new Map<string, StreamWindow>();
  /** Insertion order of every held message, as its stream: the front is the next to evict. */
  private readonly order = new RingDeque<StreamWindow>(64);
  private readonly onEvict: ((records: readonly WireMessage[]) => void) | undefined;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxStreams: number;

  constructor(deps: SenderWindowDeps = {}, options: SenderWindowOptions = DEFAULT_SENDER_OPTIONS) {
    this.onEvict = deps.onEvict;
    this.maxMessages = options.windowMaxMessages;
    this.maxBytes = options.windowMaxBytes;
    this.maxStreams = options.maxStreams;
  }

  /**
   * Adds a sent message, or one fragment of a message (fragment 0 opens it; the next ones, in
   * index order, join it); returns how many messages were evicted to make room.
   * Throws if `msg.seq` is not above the stream's newest (a bug in the caller), or
   * `BackpressureError` for a new stream beyond `maxStreams`. A later fragment whose message is
   * not the newest held entry (evicted meanwhile) is dropped and counted (`fragmentsDropped`).
   */
  add(msg: WireMessage): number {
    let s = this.streams.get(msg.subject);
    const fragIndex = msg.fragIndex ?? 0;
    if (fragIndex > 0) return this.addFragment(s, msg);
    if (!Number.isSafeInteger(msg.seq) || msg.seq <= (s?.highSeq ?? 0)) {
      throw new LedgecastError(
        ERROR_CODES.internal,
        `sender window: seq ${msg.seq} of ${JSON.stringify(msg.subject)} is not above ${s?.highSeq ?? 0}`,
      );
    }
    if (s === undefined) {
      if (this.streams.size >= this.maxStreams) {
        throw new BackpressureError(`sender window: more than ${this.maxStreams} streams (options.maxStreams)`);
      }
      s = { queue: new RingDeque<Held>(), highSeq: 0 };
      this.streams.set(msg.subject, s);
    }
    s.queue.push(msg.fragCount === undefined ? msg : { seq: msg.seq, fragments: [msg], bytes: msg.payload.byteLength });
    s.highSeq = msg.seq;
    this.order.push(s);
    this.counters.messages++;
    return this.grew(msg.payload.byteLength);
  }

  /** Fragment `fragIndex > 0` of the stream's newest message. */
  private addFragment(s: StreamWindow | undefined, msg: WireMessage): number {
    const last = s?.queue.last();
    if (last === undefined || !isSet(last) || last.seq !== msg.seq || last.fragments.length !== msg.fragIndex) {
      this.counters.fragmentsDropped++;
      return 0;
    }
    last.fragments.push(msg);
    last.bytes += msg.payload.byteLength;
    return this.grew(msg.payload.byteLength);
  }

  /** Counts `bytes` more held, then evicts to the bounds; returns the messages evicted. */
  private grew(bytes: number): number {
    const c = this.counters;
    c.bytes += bytes;
    let evicted = 0;
    while ((c.messages > this.maxMessages || c.bytes > this.maxBytes) && this.order.length > 0) {
      this.evictOldest();
      evicted++;
    }
    if (c.messages > c.peakMessages) c.peakMessages = c.messages;
    if (c.bytes > c.peakBytes) c.peakBytes = c.bytes;
    return evicted;
  }

  /** The held message `seq` of `subject`, if still held: its records (one, or its fragments in order). */
  get(subject: string, seq: number): readonly WireMessage[] | undefined {
    const h = this.find(subject, seq);
    return h === undefined ? undefined : heldRecords(h);
  }

  /**
   * Fragments `fromFrag..toFrag` of message `seq` of `subject` (untrusted: clamped to the
   * fragments held): `undefined` when the message is not held, else the held fragments of the
   * range, in order (possibly none); a message held unfragmented comes back whole.
   */
  serveFragments(subject: string, r: FragmentRange): WireMessage[] | undefined {
    if (!Number.isSafeInteger(r.seq) || !Number.isInteger(r.fromFrag) || !Number.isInteger(r.toFrag) || r.fromFrag > r.toFrag) {
      this.counters.invalidRanges++;
      return undefined;
    }
    const h = this.find(subject, r.seq);
    if (h === undefined) return undefined;
    if (!isSet(h)) return [h];
    return h.fragments.slice(Math.max(0, r.fromFrag), Math.min(h.fragments.length, r.toFrag + 1));
  }

  private find(subject: string, seq: number): Held | undefined {
    const q = this.streams.get(subject)?.queue;
    if (q === undefined || q.length === 0) return undefined;
    const i = this.indexOf(q, seq);
    const m = q.at(i);
    return m !== undefined && m.seq === seq ? m : undefined;
  }

  /** Oldest held sequence of `subject`; `highSeq + 1` when none is held. */
  lowSeq(subject: string): number {
    const s = this.streams.get(subject);
    return s?.queue.first()?.seq ?? (s?.highSeq ?? 0) + 1;
  }

  /** Newest sequence ever added for `subject`; 0 for a stream never added. */
  highSeq(subject: string): number {
    return this.streams.get(subject)?.highSeq ?? 0;
  }

  /**
   * What the window holds of `[from, to]` of `subject`: up to `maxMessages` messages, the
   * sub-ranges below them that are no longer held, and the `rest` not looked at.
   *
   * The range may come from the wire: a malformed one returns nothing (counted in
   * `invalidRanges`); seqs above `highSeq` were never sent, so they are neither served nor
   * unavailable (counted in `requestsBeyondHighSeq`). "Unavailable" means not in this window:
   * the caller may still find older seqs in the ledger.
   */
  serve(subject: string, from: number, to: number, maxMessages: number): ServeResult {
    const messages: WireMessage[] = [];
    const unavailable: SeqRange[] = [];
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || from > to) {
      this.counters.invalidRanges++;
      return { messages, unavailable };
    }
    const s = this.streams.get(subject);
    const high = s?.highSeq ?? 0;
    if (to > high) {
      this.counters.requestsBeyondHighSeq++;
      to = high;
    }
    if (s === undefined || from > to) return { messages, unavailable };
    const low = this.lowSeq(subject);
    if (from < low) {
      unavailable.push({ from, to: Math.min(to, low - 1) });
      from = low;
    }
    if (from > to) return { messages, unavailable };
    const q = s.queue;
    // `!(served < maxMessages)` below also stops at once on a NaN limit.
    let served = 0;
    let next = from; // first seq of the range not yet accounted for
    for (let i = this.indexOf(q, from); i < q.length; i++) {
      const m = q.at(i) as Held;
      if (m.seq > to) break;
      if (m.seq > next) {
        unavailable.push({ from: next, to: m.seq - 1 });
        next = m.seq;
      }
      if (!(served < maxMessages)) return { messages, unavailable, rest: { from: next, to } };
      served++;
      if (isSet(m)) for (const f of m.fragments) messages.push(f);
      else messages.push(m);
      next = m.seq + 1;
    }
    if (next <= to) unavailable.push({ from: next, to });
    return { messages, unavailable };
  }

  /** The heartbeat/DATA facts of `subject`, given its first sequence in this incarnation. */
  streamInfo(subject: string, startSeq: number): StreamInfo {
    const s = this.streams.get(subject);
    const highSeq = Math.max(s?.highSeq ?? 0, startSeq - 1);
    const lowSeq = s?.queue.first()?.seq ?? highSeq + 1;
    return { subject, startSeq, lowSeq, highSeq };
  }

  /** Number of streams with an entry (messages held or not). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Index in `q` of the first message with seq >= `seq` (`q.length` when none). */
  private indexOf(q: RingDeque<Held>, seq: number): number {
    const first = (q.first() as Held).seq;
    const guess = seq - first;
    if (guess <= 0) return 0;
    if (guess < q.length && (q.at(guess) as Held).seq === seq) return guess; // contiguous stream
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((q.at(mid) as Held).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private evictOldest(): void {
    const s = this.order.shift() as StreamWindow;
    const m = s.queue.shift() as Held;
    this.counters.messages--;
    this.counters.bytes -= heldBytes(m);
    this.counters.evicted++;
    this.onEvict?.(heldRecords(m));
  }
}
