/**
 * The sender window: the DATA datagrams this peer sent recently, kept as they went on the wire,
 * to serve retransmissions.
 */
import type { FragmentRange, SeqRange, StreamInfo, WireMessage } from '../../codecs/frame.js';
import { MESSAGE_FLAGS } from '../../codecs/frame.js';
import {
  DATA_HEADER_LENGTH,
  DATA_MESSAGE_COUNT_OFFSET,
  DATA_STREAM_COUNT_OFFSET,
  dataStreamEntryLength,
  STREAM_ENTRY_HEADER_LENGTH,
  STREAM_ENTRY_SUBJECT_LENGTH_OFFSET,
  STREAM_ENTRY_SUBJECT_OFFSET,
} from '../../codecs/frames/data.js';
import { HEADER_LENGTH, SENDER_NAME_LENGTH_OFFSET } from '../../codecs/frames/header.js';
import {
  FRAGMENT_EXTENSION_LENGTH,
  MESSAGE_FLAGS_OFFSET,
  MESSAGE_FRAG_INDEX_OFFSET,
  MESSAGE_HEADER_LENGTH,
  MESSAGE_PAYLOAD_LENGTH_OFFSET,
  MESSAGE_REPLY_TO_LENGTH_OFFSET,
  MESSAGE_SEQ_OFFSET,
  MESSAGE_SUBJECT_INDEX_OFFSET,
  readRecordAt,
} from '../../codecs/frames/message-record.js';
import { readAscii, readU64 } from '../../codecs/wire-primitives.js';
import { BackpressureError, ERROR_CODES, LedgecastError } from '../../errors.js';
import { RingDeque } from './ring-deque.js';
import { DEFAULT_SENDER_OPTIONS, type ResolvedSenderOptions } from './options.js';

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

/** One held datagram and how many of its records are held. */
interface HeldDatagram {
  readonly bytes: Uint8Array;
  refs: number;
}

/**
 * The held records of one stream, oldest first, in typed arrays (no object per record): the
 * serial of the datagram holding the record (mod 2^32) and its offset there; its seq is read from
 * the datagram; whether it continues the message before it. 7 bytes per record. A ring that
 * doubles when full and halves when a quarter full.
 *
 * A stream holding one record keeps it in three fields and no arrays, and a stream whose records
 * were all evicted drops its arrays: most of 100,000 streams of one message each, or idle ones,
 * cost no typed arrays (they were about 600 bytes a stream).
 */
class RecordIndex {
  private serials: Uint32Array | undefined;
  private offsets: Uint16Array | undefined;
  /** 1 for a fragment `k > 0` (it continues the message of the record before it). */
  private continues: Uint8Array | undefined;
  /** The record held while there are no arrays (then `length` is 0 or 1). */
  private serial0 = 0;
  private offset0 = 0;
  private continues0 = 0;
  private head = 0;
  length = 0;

  push(serial: number, offset: number, continues: boolean): void {
    if (this.serials === undefined) {
      if (this.length === 0) {
        this.serial0 = serial;
        this.offset0 = offset;
        this.continues0 = continues ? 1 : 0;
        this.length = 1;
        return;
      }
      this.resize(16);
    } else if (this.length === this.serials.length) this.resize(this.serials.length * 2);
    const serials = this.serials as Uint32Array;
    const i = (this.head + this.length) & (serials.length - 1);
    serials[i] = serial;
    (this.offsets as Uint16Array)[i] = offset;
    (this.continues as Uint8Array)[i] = continues ? 1 : 0;
    this.length++;
  }

  /** Whether the oldest record continues a message (its first fragment was evicted with it). */
  firstContinues(): boolean {
    return (this.continues === undefined ? this.continues0 : this.continues[this.head]) === 1;
  }

  /** Drops the oldest record; returns its datagram serial. */
  shift(): number {
    const serials = this.serials;
    if (serials === undefined) {
      this.length = 0;
      return this.serial0;
    }
    const serial = serials[this.head];
    this.head = (this.head + 1) & (serials.length - 1);
    this.length--;
    if (this.length === 0) this.dropArrays();
    else if (serials.length > 64 && this.length <= serials.length / 4) this.resize(serials.length / 2);
    return serial;
  }

  serialAt(i: number): number {
    const serials = this.serials;
    return serials === undefined ? this.serial0 : serials[(this.head + i) & (serials.length - 1)];
  }

  offsetAt(i: number): number {
    const offsets = this.offsets;
    return offsets === undefined ? this.offset0 : offsets[(this.head + i) & (offsets.length - 1)];
  }

  private dropArrays(): void {
    this.serials = undefined;
    this.offsets = undefined;
    this.continues = undefined;
    this.head = 0;
  }

  private resize(capacity: number): void {
    const serials = new Uint32Array(capacity);
    const offsets = new Uint16Array(capacity);
    const continues = new Uint8Array(capacity);
    if (this.serials === undefined) {
      serials[0] = this.serial0;
      offsets[0] = this.offset0;
      continues[0] = this.continues0;
    } else {
      const mask = this.serials.length - 1;
      for (let k = 0; k < this.length; k++) {
        const i = (this.head + k) & mask;
        serials[k] = this.serials[i];
        offsets[k] = (this.offsets as Uint16Array)[i];
        continues[k] = (this.continues as Uint8Array)[i];
      }
    }
    this.serials = serials;
    this.offsets = offsets;
    this.continues = continues;
    this.head = 0;
  }
}

/** A FIFO of stream ids (4 bytes each): the window's eviction order. Grows like {@link RecordIndex}. */
class IdRing {
  private ids = new Uint32Array(64);
  private head = 0;
  length = 0;

  push(id: number): void {
    if (this.length === this.ids.length) this.resize(this.ids.length * 2);
    this.ids[(this.head + this.length) & (this.ids.length - 1)] = id;
    this.length++;
  }

  shift(): number {
    const id = this.ids[this.head];
    this.head = (this.head + 1) & (this.ids.length - 1);
    this.length--;
    if (this.ids.length > 64 && this.length <= this.ids.length / 4) this.resize(this.ids.length / 2);
    return id;
  }

  private resize(capacity: number): void {
    const ids = new Uint32Array(capacity);
    for (let k = 0; k < this.length; k++) ids[k] = this.ids[(this.head + k) & (this.ids.length - 1)];
    this.ids = ids;
    this.head = 0;
  }
}

interface StreamWindow {
  readonly subject: string;
  /** Index in the window's `byId` (the eviction order names streams by id). */
  readonly id: number;
  /** Held records of the stream, oldest first; seqs never decrease (the fragments of a message share its seq). */
  readonly records: RecordIndex;
  /** Newest sequence ever added (0 when none). */
  highSeq: number;
  /** Fragment index of the newest held record: -1 when it is a whole message or none is held. */
  lastFrag: number;
}

/** Records one DATA datagram may hold at most (a record takes at least 16 bytes). */
const MAX_RECORDS = 4096;
// Scratch of addDatagram (synchronous, so shared): each record's table index, seq, offset, fragment index.
const scratchIndex = new Int32Array(MAX_RECORDS);
const scratchSeq = new Float64Array(MAX_RECORDS);
const scratchOffset = new Int32Array(MAX_RECORDS);
const scratchFrag = new Int32Array(MAX_RECORDS);

/**
 * Holds the DATA datagrams of one sender as they were sent, and an index of their records per
 * stream: the window costs the wire bytes of its messages plus 11 bytes per message (7 of index,
 * 4 of eviction order), and no object per message (retransmission reads a record back out of its datagram when asked).
 *
 * A fragmented message is one message: its fragments (all of its seq, each a record, maybe in
 * different datagrams) are added in index order, counted as one message, evicted together, and
 * served whole or fragment by fragment ({@link serveFragments}).
 *
 * Bounds: at most `windowMaxMessages` messages and `windowMaxBytes` datagram bytes, and at most
 * `maxStreams` streams. Eviction is oldest message first across streams, in insertion order; a
 * datagram's bytes are released when its last held record is evicted; a message whose datagram
 * alone passes `windowMaxBytes` is evicted at once.
 *
 * Invariants: per stream, held seqs never decrease from oldest to newest (strictly between
 * messages), and the newest held message, if any, is the stream's `highSeq`. Stream entries
 * outlive their messages so that `highSeq` is kept.
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
    datagrams: 0,
    requestsBeyondHighSeq: 0,
    invalidRanges: 0,
    fragmentsDropped: 0,
  };

  private readonly streams = new Map<string, StreamWindow>();
  /** The streams by id (ids are never reused: stream entries stay). */
  private readonly byId: StreamWindow[] = [];
  /** Insertion order of every held message, as its stream's id: the front is the next to evict. */
  private readonly order = new IdRing();
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
   */
  addDatagram(datagram: Uint8Array): number {
    const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const { subjects, count } = scanDatagram(view, datagram);
    const table: (StreamWindow | undefined)[] = subjects.map((s) => this.streams.get(s));
    let opened = 0;
    for (const s of table) if (s === undefined) opened++;
    if (opened > 0 && this.streams.size + opened > this.maxStreams) {
      throw new BackpressureError(`sender window: more than ${this.maxStreams} streams (options.maxStreams)`);
    }
    // Each message's seq must be above its stream's newest, checked for the whole datagram first.
    const highs = table.map((s) => s?.highSeq ?? 0);
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
    const serial = (this.firstSerial + this.datagrams.length) >>> 0;
    let refs = 0;
    for (let r = 0; r < count; r++) {
      const t = scratchIndex[r];
      let s = table[t];
      if (s === undefined) {
        s = { subject: subjects[t], id: this.byId.length, records: new RecordIndex(), highSeq: 0, lastFrag: -1 };
        this.streams.set(s.subject, s);
        this.byId.push(s);
        table[t] = s;
      }
      const seq = scratchSeq[r];
      const frag = scratchFrag[r];
      if (frag > 0) {
        if (s.records.length === 0 || s.highSeq !== seq || s.lastFrag !== frag - 1) {
          this.counters.fragmentsDropped++;
          continue;
        }
      } else {
        // Read back from a Float64Array the seq is a float: `| 0` keeps a small one a small
        // integer, or V8 would hold every stream's highSeq boxed (16 bytes more per stream).
        s.highSeq = seq <= 0x3fff_ffff ? seq | 0 : seq;
        this.order.push(s.id);
        this.counters.messages++;
      }
      s.lastFrag = frag;
      s.records.push(serial, scratchOffset[r], frag > 0);
      refs++;
    }
    if (refs === 0) {
      this.onDatagramReleased?.(datagram);
      return 0;
    }
    this.datagrams.push({ bytes: datagram, refs });
    this.counters.datagrams++;
    return this.grew(datagram.byteLength);
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
    const s = this.streams.get(subject);
    const first = s === undefined ? -1 : this.firstRecordOf(s, seq);
    if (s === undefined || first < 0) return undefined;
    const out: WireMessage[] = [];
    for (let i = first; i < s.records.length && this.seqAt(s, i) === seq; i++) out.push(this.recordAt(s, i));
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
    const s = this.streams.get(subject);
    const first = s === undefined ? -1 : this.firstRecordOf(s, r.seq);
    if (s === undefined || first < 0) return undefined;
    const records = s.records;
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
    const s = this.streams.get(subject);
    if (s === undefined) return 1;
    return s.records.length > 0 ? this.seqAt(s, 0) : s.highSeq + 1;
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
    const records = s.records;
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
    const s = this.streams.get(subject);
    const highSeq = Math.max(s?.highSeq ?? 0, startSeq - 1);
    const lowSeq = s !== undefined && s.records.length > 0 ? this.seqAt(s, 0) : highSeq + 1;
    return { subject, startSeq, lowSeq, highSeq };
  }

  /** Number of streams with an entry (messages held or not). */
  get streamCount(): number {
    return this.streams.size;
  }

  /**
   * Record `i` of stream `s`, read back out of its datagram, its payload copied: what is read
   * may be kept (a reliable channel keeps it for its retries) after the window let the datagram
   * go and its memory was reused.
   */
  private recordAt(s: StreamWindow, i: number): WireMessage {
    const m = readRecordAt(this.datagramAt(s.records.serialAt(i)).bytes, s.records.offsetAt(i), s.subject);
    return { ...m, payload: m.payload.slice() };
  }

  /** The seq of record `i` of stream `s`, read from its datagram (a u64, little-endian). */
  private seqAt(s: StreamWindow, i: number): number {
    const b = this.datagramAt(s.records.serialAt(i)).bytes;
    const o = s.records.offsetAt(i) + MESSAGE_SEQ_OFFSET;
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
    if (s.records.length === 0) return -1;
    const i = this.indexOf(s, seq);
    return i < s.records.length && this.seqAt(s, i) === seq ? i : -1;
  }

  /** Index of the first record with seq >= `seq` (`records.length` when none). */
  private indexOf(s: StreamWindow, seq: number): number {
    const n = s.records.length;
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

  /** Evicts the oldest message (all its records) and releases the datagrams it emptied. */
  private evictOldest(): void {
    const s = this.byId[this.order.shift()];
    const records = s.records;
    this.onEvict?.(s.subject, this.seqAt(s, 0));
    this.release(records.shift());
    while (records.length > 0 && records.firstContinues()) this.release(records.shift());
    if (records.length === 0) s.lastFrag = -1;
    this.counters.messages--;
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

/**
 * Reads the stream table and the record headers of a DATA datagram this peer built into the
 * scratch arrays (table index, seq, offset, fragment index per record); returns the table's
 * subjects and the record count. Throws a `LedgecastError` when the datagram is not well formed.
 */
function scanDatagram(view: DataView, bytes: Uint8Array): { subjects: string[]; count: number } {
  const malformed = (why: string): LedgecastError => new LedgecastError(ERROR_CODES.internal, `sender window: not a DATA datagram of ours (${why})`);
  const end = bytes.byteLength;
  if (end < HEADER_LENGTH) throw malformed('too short');
  let o = HEADER_LENGTH + view.getUint8(SENDER_NAME_LENGTH_OFFSET);
  if (o + DATA_HEADER_LENGTH > end) throw malformed('too short');
  const streamCount = view.getUint16(o + DATA_STREAM_COUNT_OFFSET, true);
  const count = view.getUint16(o + DATA_MESSAGE_COUNT_OFFSET, true);
  if (count > MAX_RECORDS) throw malformed(`${count} records`);
  o += DATA_HEADER_LENGTH;
  const subjects: string[] = [];
  for (let i = 0; i < streamCount; i++) {
    if (o + STREAM_ENTRY_HEADER_LENGTH > end) throw malformed('stream table');
    const length = view.getUint8(o + STREAM_ENTRY_SUBJECT_LENGTH_OFFSET);
    subjects.push(readAscii(bytes, o + STREAM_ENTRY_SUBJECT_OFFSET, length));
    o += dataStreamEntryLength(view, o);
  }
  for (let r = 0; r < count; r++) {
    if (o + MESSAGE_HEADER_LENGTH > end) throw malformed('records');
    const index = view.getUint16(o + MESSAGE_SUBJECT_INDEX_OFFSET, true);
    const flags = view.getUint8(o + MESSAGE_FLAGS_OFFSET);
    const seq = readU64(view, o + MESSAGE_SEQ_OFFSET);
    if (index >= streamCount || seq < 1) throw malformed('record header');
    scratchIndex[r] = index;
    scratchSeq[r] = seq;
    scratchOffset[r] = o;
    const fragmented = (flags & MESSAGE_FLAGS.fragment) !== 0;
    scratchFrag[r] = fragmented ? view.getUint32(o + MESSAGE_FRAG_INDEX_OFFSET, true) : -1;
    o +=
      MESSAGE_HEADER_LENGTH +
      (fragmented ? FRAGMENT_EXTENSION_LENGTH : 0) +
      view.getUint8(o + MESSAGE_REPLY_TO_LENGTH_OFFSET) +
      view.getUint32(o + MESSAGE_PAYLOAD_LENGTH_OFFSET, true);
  }
  if (o !== end) throw malformed('length');
  return { subjects, count };
}
