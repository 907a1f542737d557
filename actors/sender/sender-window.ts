/**
 * The sender window: the DATA datagrams this peer sent recently, kept as they went on the wire,
 * to serve retransmissions.
 */
import type { FragmentRange, SeqRange, StreamInfo, WireMessage } from '../../codecs/frame.js';
import { MESSAGE_SEQ_OFFSET, readRecordAt } from '../../codecs/frames/message-record.js';
import { BackpressureError, ERROR_CODES, LedgecastError } from '../../errors.js';
import { IdRing } from './id-ring.js';
import { RingDeque } from './ring-deque.js';
import { DEFAULT_SENDER_OPTIONS, type ResolvedSenderOptions } from './options.js';
import type { RecordIndex } from './record-index.js';
import { StreamWindow, type HeldDatagram } from './stream-window.js';
import { scanDatagram, scratchFrag, scratchIndex, scratchOffset, scratchSeq } from './scan-datagram.js';

/** The options {@link SenderWindow} reads. */
export type SenderWindowOptions = Pick<ResolvedSenderOptions, 'windowMaxMessages' | 'windowMaxBytes' | 'maxStreams'>;

export interface SenderWindowDeps {
  /** Called for each message leaving the window, oldest first. */
  onEvict?: (subject: string, seq: number) => void;
  /**
   * Called once for each datagram given to `addDatagram` when the window no longer reads it:
   * its last held record was evicted, or none of it was kept. (Not for one `addDatagram`
   * refused by throwing: the caller still has it.) Records read back out are copies, so the
   * datagram's memory may be reused from then on (codecs/slab-pool.ts).
   */
  onDatagramReleased?: (datagram: Uint8Array) => void;
  /**
   * Whether a stream's messages count as unconfirmed until {@link SenderWindow.setConfirmed}
   * says otherwise (true: the flow actor tells the window what receivers confirmed, and a
   * message evicted before it is told could be one a receiver still needs). Default false:
   * confirmed until told, so eviction is oldest first.
   */
  awaitConfirmation?: boolean;
}

/** What {@link SenderWindow} counts (a live record: read it, do not write it). */
export interface SenderWindowCounters {
  /** Messages held now (a fragmented message counts once). */
  messages: number;
  /** Bytes of the datagrams held now (wire bytes). */
  bytes: number;
  /** Most messages ever held at once. */
  peakMessages: number;
  /** Most datagram bytes ever held at once. */
  peakBytes: number;
  /** Messages evicted to stay within the bounds. */
  evicted: number;
  /**
   * Of `evicted`, messages the receivers the flow actor waits for had not confirmed
   * ({@link SenderWindow.setConfirmed}): nothing confirmed was held to make room instead. A
   * receiver that asks for one is told it is unavailable (unless the ledger has it).
   */
  evictedUnconfirmed: number;
  /** Messages held now that were passed over by eviction because they were not confirmed yet. */
  deferred: number;
  /** Messages ever passed over by eviction because they were not confirmed yet (each at most once). */
  passedOver: number;
  /** Datagrams held now. */
  datagrams: number;
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

/**
 * Holds the DATA datagrams of one sender as they were sent, and an index of their records per
 * stream: the window costs the wire bytes of its messages plus 11 bytes per message (7 of index,
 * 4 of eviction order; room is made before a datagram is added, so the rings stay within the bounds), and no object per message (retransmission reads a record back out of its datagram when asked).
 *
 * A fragmented message is one message: its fragments (all of its seq, each a record, maybe in
 * different datagrams) are added in index order, counted as one message, evicted together, and
 * served whole or fragment by fragment ({@link serveFragments}).
 *
 * Bounds: at most `windowMaxMessages` messages and `windowMaxBytes` datagram bytes, and at most
 * `maxStreams` streams. Eviction takes confirmed messages first: what the receivers the flow actor
 * waits for have delivered ({@link setConfirmed}). In insertion order, the oldest message is
 * evicted if confirmed; if not, it is passed over (deferred: its stream counts it, its place in
 * the order is given up) and the next is looked at; deferred messages that became confirmed go
 * before any other. Only when nothing held is confirmed is a message evicted unconfirmed: the
 * oldest deferred stream's oldest (counted in `evictedUnconfirmed`; a receiver asking for it is
 * told it is unavailable). Each message is deferred at most once, so eviction stays O(1)
 * amortized. The flow actor's credit keeps each stream in flight within its share of half the
 * window (actors/flow/in-flight-share.ts), so this last case comes only when more is unconfirmed
 * than the window holds (see that file for when). A
 * datagram's bytes are released when its last held record is evicted; a message whose datagram
 * alone passes `windowMaxBytes` is evicted at once.
 *
 * Invariants: per stream, held seqs never decrease from oldest to newest (strictly between
 * messages), and the newest held message, if any, is the stream's `highSeq`. Stream entries
 * outlive their messages so that `highSeq` is kept: a stream whose last record was evicted is
 * **parked**, its entry only its `highSeq` (a number, no object; its id is given to the next
 * stream that needs one), and made whole again by its next record. Nothing else changes for it:
 * what it no longer holds is unavailable, seqs above `highSeq` were never sent.
 *
 * Costs: `addDatagram` O(records); `get` O(1) when the stream's seqs are contiguous, O(log n)
 * else; `serve` O(log n + returned).
 */
export class SenderWindow {
  readonly counters: SenderWindowCounters = {
    messages: 0,
    bytes: 0,
    peakMessages: 0,
    peakBytes: 0,
    evicted: 0,
    evictedUnconfirmed: 0,
    deferred: 0,
    passedOver: 0,
    datagrams: 0,
    requestsBeyondHighSeq: 0,
    invalidRanges: 0,
    fragmentsDropped: 0,
  };

  /** Every stream: its records and facts, or, parked (nothing held), its `highSeq` alone. */
  private readonly streams = new Map<string, StreamWindow | number>();
  /** The streams holding records, by id; a parked stream's id is free for another (`freeIds`). */
  private readonly byId: (StreamWindow | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /**
   * Insertion order of the held messages not deferred, as their stream's id: the front is the
   * next to look at for eviction (a stream's id stands for its oldest message then, whichever).
   */
  private readonly order = new IdRing();
  /** Ids of the streams with deferred messages, in the order they first deferred one (the oldest first). */
  private readonly deferredStreams = new Set<number>();
  /** Of `deferredStreams`, those whose oldest held message is now confirmed: evicted from first. */
  private readonly ready = new Set<number>();
  /**
   * What was told confirmed of the streams not holding records (parked, or not yet opened), when
   * it is not what is assumed until told (`untold`): a stream opened for them starts from it.
   */
  private readonly floors = new Map<string, number>();
  /** What a stream's `confirmed` is until told: 0 (`awaitConfirmation`) or every seq. */
  private readonly untold: number;
  /** Datagrams in the order they were added; the front has serial `firstSerial`. */
  private readonly datagrams = new RingDeque<HeldDatagram>(64);
  private firstSerial = 0;
  private readonly onEvict: ((subject: string, seq: number) => void) | undefined;
  private readonly onDatagramReleased: ((datagram: Uint8Array) => void) | undefined;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxStreams: number;

  constructor(deps: SenderWindowDeps = {}, options: SenderWindowOptions = DEFAULT_SENDER_OPTIONS) {
    this.onEvict = deps.onEvict;
    this.onDatagramReleased = deps.onDatagramReleased;
    this.untold = deps.awaitConfirmation === true ? 0 : Number.MAX_SAFE_INTEGER;
    this.maxMessages = options.windowMaxMessages;
    this.maxBytes = options.windowMaxBytes;
    this.maxStreams = options.maxStreams;
  }

  /**
   * Adds a DATA datagram this peer sent (all its records); returns how many messages were
   * evicted to make room. The datagram is kept as it is: the caller must not change it.
   *
   * Refuses the whole datagram, adding nothing, when it is not a well-formed DATA datagram or a
   * message's seq is not above its stream's newest (a bug in the caller: a `LedgecastError`), or
   * when it opens a stream beyond `maxStreams` (`BackpressureError`). A fragment `k > 0` whose
   * message is not the stream's newest held one with fragments `0..k-1` (evicted meanwhile) is
   * dropped and counted (`fragmentsDropped`).
   *
   * `canonical`, when given, returns the caller's own string equal to a subject read from the
   * datagram: a stream's entry then keeps that one (shared with the caller's tables) instead of
   * a copy per stream.
   */
  addDatagram(datagram: Uint8Array, canonical?: (subject: string) => string): number {
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const { subjects, count } = scanDatagram(view, datagram);
    let entries = subjects.map((s) => this.streams.get(s));
    let opened = 0;
    for (const e of entries) if (e === undefined) opened++;
    if (opened > 0 && this.streams.size + opened > this.maxStreams) {
      throw new BackpressureError(`sender window: more than ${this.maxStreams} streams (options.maxStreams)`);
    }
    // Each message's seq must be above its stream's newest, checked for the whole datagram first.
    const highs = entries.map((e) => (e === undefined ? 0 : typeof e === 'number' ? e : e.highSeq));
    for (let r = 0; r < count; r++) {
      if (scratchFrag[r] > 0) continue;
      const t = scratchIndex[r];
      if (!(scratchSeq[r] > highs[t])) {
        throw new LedgecastError(
          ERROR_CODES.internal,
          `sender window: seq ${scratchSeq[r]} of ${JSON.stringify(subjects[t])} is not above ${highs[t]}`,
        );
      }
      highs[t] = scratchSeq[r];
    }
    // Room first, so that the index rings never pass the bounds (at 65,536 messages, a power of
    // two, one message more doubled them: 11 bytes a held message more, measured). Evicting may
    // park a stream of this datagram: its entry is read again.
    const evictedBefore = this.makeRoom(count, datagram.byteLength);
    if (evictedBefore > 0) entries = subjects.map((s) => this.streams.get(s));
    const table: (StreamWindow | undefined)[] = entries.map((e) => (typeof e === 'number' ? undefined : e));
    const serial = (this.firstSerial + this.datagrams.length) >>> 0;
    let refs = 0;
    for (let r = 0; r < count; r++) {
      const t = scratchIndex[r];
      let s = table[t];
      if (s === undefined) {
        // A new stream, or a parked one made whole (from its highSeq).
        const id = this.freeIds.pop() ?? this.byId.length;
        const subject = canonical === undefined ? subjects[t] : canonical(subjects[t]);
        const floor = this.floors.size > 0 ? this.floors.get(subject) : undefined;
        if (floor !== undefined) this.floors.delete(subject);
        s = new StreamWindow(subject, id, (entries[t] as number | undefined) ?? 0, floor ?? this.untold);
        this.streams.set(subject, s);
        this.byId[id] = s;
        table[t] = s;
      }
      const seq = scratchSeq[r];
      const frag = scratchFrag[r];
      if (frag > 0) {
        if (s.length === 0 || s.highSeq !== seq || s.lastFrag !== frag - 1) {
          this.counters.fragmentsDropped++;
          continue;
        }
      } else {
        // Read back from a Float64Array the seq is a float: `| 0` keeps a small one a small
        // integer, or V8 would hold every stream's highSeq boxed (16 bytes more per stream).
        s.highSeq = seq <= 0x3fff_ffff ? seq | 0 : seq;
        this.order.push(s.id);
        this.counters.messages++;
        s.messages++;
      }
      s.lastFrag = frag;
      s.push(serial, scratchOffset[r], frag > 0);
      refs++;
    }
    // A stream opened here whose records were all dropped fragments holds nothing: parked.
    for (const st of table) if (st !== undefined && st.length === 0) this.park(st);
    if (refs === 0) {
      this.onDatagramReleased?.(datagram);
      return evictedBefore;
    }
    this.datagrams.push({ bytes: datagram, refs });
    this.counters.datagrams++;
    return evictedBefore + this.grew(datagram.byteLength);
  }

  /**
   * Evicts the oldest messages until the `count` records in the scratch arrays (their new
   * messages) and `bytes` more fit the bounds; returns the messages evicted. What a datagram
   * alone brings beyond the bounds is left to {@link grew}.
   */
  private makeRoom(count: number, bytes: number): number {
    let incoming = 0;
    for (let r = 0; r < count; r++) if (scratchFrag[r] <= 0) incoming++;
    const c = this.counters;
    let evicted = 0;
    while ((c.messages + incoming > this.maxMessages || c.bytes + bytes > this.maxBytes) && c.messages > 0) {
      this.evictOne();
      evicted++;
    }
    return evicted;
  }

  /**
   * Bytes of the record index and the eviction order (typed arrays, outside the datagrams):
   * about 11 a held message. O(streams): for stats and measurements, not per message.
   */
  indexBytes(): number {
    let n = this.order.bytes;
    for (const s of this.byId) if (s !== undefined) n += s.ringBytes;
    return n;
  }

  /** Counts `bytes` more held, then evicts to the bounds; returns the messages evicted. */
  private grew(bytes: number): number {
    const c = this.counters;
    c.bytes += bytes;
    let evicted = 0;
    while ((c.messages > this.maxMessages || c.bytes > this.maxBytes) && c.messages > 0) {
      this.evictOne();
      evicted++;
    }
    if (c.messages > c.peakMessages) c.peakMessages = c.messages;
    if (c.bytes > c.peakBytes) c.peakBytes = c.bytes;
    return evicted;
  }

  /** The held message `seq` of `subject`, if still held: its records (one, or its fragments in order). */
  get(subject: string, seq: number): readonly WireMessage[] | undefined {
    const s = this.holding(subject);
    const first = s === undefined ? -1 : this.firstRecordOf(s, seq);
    if (s === undefined || first < 0) return undefined;
    const out: WireMessage[] = [];
    for (let i = first; i < s.length && this.seqAt(s, i) === seq; i++) out.push(this.recordAt(s, i));
    return out;
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
    const s = this.holding(subject);
    const first = s === undefined ? -1 : this.firstRecordOf(s, r.seq);
    if (s === undefined || first < 0) return undefined;
    const records: RecordIndex = s;
    let held = 0;
    while (first + held < records.length && this.seqAt(s, first + held) === r.seq) held++;
    const whole = this.recordAt(s, first);
    if (whole.fragIndex === undefined) return [whole];
    // Fragments are held from index 0, in order: fragment k is record `first + k`.
    const out: WireMessage[] = [];
    for (let k = Math.max(0, r.fromFrag); k <= Math.min(held - 1, r.toFrag); k++) out.push(k === 0 ? whole : this.recordAt(s, first + k));
    return out;
  }

  /** Oldest held sequence of `subject`; `highSeq + 1` when none is held. */
  lowSeq(subject: string): number {
    const e = this.streams.get(subject);
    if (e === undefined) return 1;
    return typeof e === 'number' ? e + 1 : e.length > 0 ? this.seqAt(e, 0) : e.highSeq + 1;
  }

  /** Newest sequence ever added for `subject`; 0 for a stream never added. */
  highSeq(subject: string): number {
    const e = this.streams.get(subject);
    return e === undefined ? 0 : typeof e === 'number' ? e : e.highSeq;
  }

  /** Whether `subject` is parked: known, nothing of it held (its entry is its `highSeq` alone). */
  isParked(subject: string): boolean {
    return typeof this.streams.get(subject) === 'number';
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
    const high = this.highSeq(subject);
    if (to > high) {
      this.counters.requestsBeyondHighSeq++;
      to = high;
    }
    if (from > to) return { messages, unavailable };
    const low = this.lowSeq(subject);
    if (from < low) {
      unavailable.push({ from, to: Math.min(to, low - 1) });
      from = low;
    }
    // Left to serve: held records (a parked stream, holding none, is unavailable up to its highSeq).
    const s = this.holding(subject);
    if (from > to || s === undefined) return { messages, unavailable };
    const records: RecordIndex = s;
    // `!(served < maxMessages)` below also stops at once on a NaN limit.
    let served = 0;
    let next = from; // first seq of the range not yet accounted for
    let current = 0; // seq of the message being served (its further fragments follow)
    for (let i = this.indexOf(s, from); i < records.length; i++) {
      const seq = this.seqAt(s, i);
      if (seq > to) break;
      if (seq !== current) {
        if (seq > next) {
          unavailable.push({ from: next, to: seq - 1 });
          next = seq;
        }
        if (!(served < maxMessages)) return { messages, unavailable, rest: { from: next, to } };
        served++;
        current = seq;
        next = seq + 1;
      }
      messages.push(this.recordAt(s, i));
    }
    if (next <= to) unavailable.push({ from: next, to });
    return { messages, unavailable };
  }

  /** The heartbeat/DATA facts of `subject`, given its first sequence in this incarnation. */
  streamInfo(subject: string, startSeq: number): StreamInfo {
    const s = this.holding(subject);
    const highSeq = Math.max(this.highSeq(subject), startSeq - 1);
    const lowSeq = s !== undefined && s.length > 0 ? this.seqAt(s, 0) : highSeq + 1;
    return { subject, startSeq, lowSeq, highSeq };
  }

  /** Number of streams with an entry (messages held or not). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** The stream of `subject` if it holds records (not parked). */
  private holding(subject: string): StreamWindow | undefined {
    const e = this.streams.get(subject);
    return typeof e === 'number' ? undefined : e;
  }

  /** `s` holds nothing any more: its entry becomes its highSeq, its id free. */
  private park(s: StreamWindow): void {
    // Holding nothing, it has nothing deferred: it is in neither set.
    if (s.confirmed !== this.untold) this.floors.set(s.subject, s.confirmed);
    this.streams.set(s.subject, s.highSeq);
    this.byId[s.id] = undefined;
    this.freeIds.push(s.id);
  }

  /**
   * Record `i` of stream `s`, read back out of its datagram, its payload copied: what is read
   * may be kept (a reliable channel keeps it for its retries) after the window let the datagram
   * go and its memory was reused.
   */
  private recordAt(s: StreamWindow, i: number): WireMessage {
    const m = readRecordAt(this.datagramAt(s.serialAt(i)).bytes, s.offsetAt(i), s.subject);
    return { ...m, payload: m.payload.slice() };
  }

  /** The seq of record `i` of stream `s`, read from its datagram (a u64, little-endian). */
  private seqAt(s: StreamWindow, i: number): number {
    const b = this.datagramAt(s.serialAt(i)).bytes;
    const o = s.offsetAt(i) + MESSAGE_SEQ_OFFSET;
    const low = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
    const high = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
    return high * 0x1_0000_0000 + low;
  }

  /** The held datagram of `serial` (serials count mod 2^32). */
  private datagramAt(serial: number): HeldDatagram {
    return this.datagrams.at((serial - this.firstSerial) >>> 0) as HeldDatagram;
  }

  /** Index of the first record of message `seq` of `s`, or -1 when it is not held. */
  private firstRecordOf(s: StreamWindow, seq: number): number {
    if (s.length === 0) return -1;
    const i = this.indexOf(s, seq);
    return i < s.length && this.seqAt(s, i) === seq ? i : -1;
  }

  /** Index of the first record with seq >= `seq` (`records.length` when none). */
  private indexOf(s: StreamWindow, seq: number): number {
    const n = s.length;
    if (n === 0) return 0;
    const guess = seq - this.seqAt(s, 0);
    if (guess <= 0) return 0;
    // A stream of whole messages with contiguous seqs: the record is at its distance from the first.
    if (guess < n && this.seqAt(s, guess) === seq && this.seqAt(s, guess - 1) < seq) return guess;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqAt(s, mid) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * What the receivers the flow actor waits for have delivered of `subject`: up to `seq`
   * (`Number.MAX_SAFE_INTEGER`: nobody is waited for). Messages up to it are evicted before any
   * other. It may go down (a receiver joined, or one excluded caught up).
   */
  setConfirmed(subject: string, seq: number): void {
    const e = this.streams.get(subject);
    if (e === undefined || typeof e === 'number') {
      if (seq !== this.untold) this.floors.set(subject, seq);
      else if (this.floors.size > 0) this.floors.delete(subject);
      return;
    }
    e.confirmed = seq;
    if (e.deferred > 0) this.noteReady(e);
  }

  /** Whether the oldest held message of `s` (holding records) is confirmed. */
  private evictable(s: StreamWindow): boolean {
    // Seqs rise by at least one a message: the oldest is at most `highSeq - (messages - 1)`.
    // When that is confirmed (the usual case: the window holds more than is in flight), no read.
    return s.highSeq - s.messages < s.confirmed || this.seqAt(s, 0) <= s.confirmed;
  }

  /** Keeps `ready` true to `s` (with deferred messages): listed when its oldest is confirmed. */
  private noteReady(s: StreamWindow): void {
    if (this.evictable(s)) this.ready.add(s.id);
    else this.ready.delete(s.id);
  }

  /**
   * Evicts one message: a confirmed deferred one, else the first confirmed in insertion order
   * (deferring the unconfirmed passed over), else the oldest deferred one, unconfirmed.
   */
  private evictOne(): void {
    // Sizes checked first: an iterator over an empty set is an object per eviction.
    if (this.ready.size > 0) {
      this.evictDeferred(this.byId[this.ready.values().next().value as number] as StreamWindow);
      return;
    }
    // Every id in the order names a stream holding records (the message it stands for).
    while (this.order.length > 0) {
      const s = this.byId[this.order.shift()] as StreamWindow;
      if (this.evictable(s)) {
        this.evictOldest(s);
        return;
      }
      if (s.deferred++ === 0) this.deferredStreams.add(s.id);
      this.counters.deferred++;
      this.counters.passedOver++;
    }
    if (this.deferredStreams.size > 0) {
      this.counters.evictedUnconfirmed++;
      this.evictDeferred(this.byId[this.deferredStreams.values().next().value as number] as StreamWindow);
    }
  }

  /** Evicts the oldest message of `s`, one of its deferred ones. */
  private evictDeferred(s: StreamWindow): void {
    s.deferred--;
    this.counters.deferred--;
    if (s.deferred === 0) {
      this.deferredStreams.delete(s.id);
      this.ready.delete(s.id);
    }
    this.evictOldest(s);
    if (s.deferred > 0) this.noteReady(s);
  }

  /** Evicts the oldest message of `s` (all its records) and releases the datagrams it emptied. */
  private evictOldest(s: StreamWindow): void {
    this.onEvict?.(s.subject, this.seqAt(s, 0));
    this.release(s.shift());
    while (s.length > 0 && s.firstContinues()) this.release(s.shift());
    if (s.length === 0) this.park(s);
    this.counters.messages--;
    s.messages--;
    this.counters.evicted++;
  }

  /** One record of datagram `serial` is no longer held: the datagram goes when none is. */
  private release(serial: number): void {
    const held = this.datagramAt(serial);
    if (--held.refs > 0) return;
    this.counters.bytes -= held.bytes.byteLength;
    this.counters.datagrams--;
    // No record of it is read again (a stale entry may wait below at the front, unread).
    this.onDatagramReleased?.(held.bytes);
    // Eviction is oldest first, so emptied datagrams leave from the front; one emptied behind a
    // held one (another stream's record keeps the older one) waits there, its bytes already released.
    for (let front = this.datagrams.first(); front !== undefined && front.refs === 0; front = this.datagrams.first()) {
      this.datagrams.shift();
      this.firstSerial = (this.firstSerial + 1) >>> 0;
    }
  }
}
