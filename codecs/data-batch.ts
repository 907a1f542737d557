/**
 * DataBatchBuilder: packs messages, of one or several subjects, into DATA datagrams up to a
 * byte budget. This is the publishing hot path (millions of small messages per second).
 *
 * Why it looks the way it does:
 * - DATA puts the subject table before the messages, but the table is only known once the
 *   batch is complete. The builder writes each message record straight into the slab the
 *   datagram will be cut from, after room for the header and the table as large as the last
 *   batch's (`tableRoom`), and the table entries into a small scratch buffer; `finish` writes the
 *   header and the table in front of the records (the records move only when this batch's table
 *   outgrew the room: up in the slab, or into a new one). A datagram ends where its slab does
 *   (`tryAdd` says false there). The payload is copied once,
 *   from the application's buffer into the datagram. (Until step 13 of issue 10 the records went
 *   into a scratch buffer and `finish` copied them: 7.5 % of a 1 KB publisher's CPU.)
 * - No object is allocated per added message: fields are written straight into the slab.
 * - A subject is validated and its table entry sized once per batch (the last subject is
 *   remembered, so runs of one subject cost a string comparison); subjects seen before skip
 *   validation through a bounded cache ({@link SUBJECT_CACHE_MAX_ENTRIES}).
 *
 * Memory: the table's scratch buffer (`maxDatagramBytes`), the slab it cuts from, plus the cache.
 *
 * @packageDocumentation
 */

import { MESSAGE_FLAGS, wireStreamAge, type PeerId, type ResumedFrom, type WireMessage } from './frame.js';
import { isSubjectString } from './subject-syntax.js';
import { nameLength, writeAscii, writeU64 } from './wire-primitives.js';
import {
  DATA_HEADER_LENGTH,
  DATA_MESSAGE_COUNT_OFFSET,
  DATA_STREAM_COUNT_OFFSET,
  STREAM_ENTRY_AGE_OFFSET,
  STREAM_ENTRY_FLAGS_OFFSET,
  STREAM_ENTRY_HEADER_LENGTH,
  STREAM_ENTRY_START_SEQ_OFFSET,
  STREAM_ENTRY_SUBJECT_LENGTH_OFFSET,
  STREAM_ENTRY_SUBJECT_OFFSET,
} from './frames/data.js';
import { BODY_LENGTH_OFFSET, FRAME_TYPE, HEADER_LENGTH, MAX_FRAME_BYTES, measureHeader, writeHeader } from './frames/header.js';
import {
  assertFragmentFields,
  assertMessageFlags,
  FRAGMENT_EXTENSION_LENGTH,
  isMessageFlags,
  MESSAGE_HEADER_LENGTH,
  recordHeaderLength,
  writeMessageRecord,
} from './frames/message-record.js';
import { RETRANSMIT_HEADER_LENGTH } from './frames/retransmit.js';
import { assertResumed, RESUMED_LENGTH, resumedLength, streamEntryFlags, writeResumed } from './frames/stream-entry-flags.js';
import type { SlabPool } from './slab-pool.js';

/** Subjects (and replyTo subjects) whose validation a builder remembers; the cache is cleared when full. */
export const SUBJECT_CACHE_MAX_ENTRIES = 4096;

/**
 * Bytes of the slabs `finish` cuts datagrams from. A slab lives while any of its datagrams is
 * kept (the sender window keeps them oldest first, so slabs go in order).
 */
export const DATAGRAM_SLAB_BYTES = 64 * 1024;

/**
 * Bytes of the slabs for datagrams of up to `maxDatagramBytes`: at least {@link DATAGRAM_SLAB_BYTES}
 * and two datagrams with their headroom (a datagram ends where its slab does, so a slab's unused
 * end is less than a record; the window's two partly used slabs are what larger slabs would cost).
 */
export function slabBytesFor(maxDatagramBytes: number): number {
  return Math.max(DATAGRAM_SLAB_BYTES, 2 * maxDatagramBytes);
}

/** Free slabs a pool keeps for reuse, in bytes (16 MiB): the count follows from the slab size. */
export const FREE_SLAB_BYTES = 16 * 1024 * 1024;

/** Options of {@link DataBatchBuilder}. */
export interface DataBatchBuilderOptions {
  /** The sending peer, written in the header of every datagram. */
  readonly sender: PeerId;
  /** Largest datagram the builder produces, in bytes (at most {@link MAX_FRAME_BYTES}). */
  readonly maxDatagramBytes: number;
}

/**
 * Builds DATA datagrams. Typical use: `if (!b.tryAdd(m, startSeq)) { send(b.finish()); b.tryAdd(m, startSeq); }`,
 * and `send(b.finish())` when the batching delay expires and `!b.isEmpty`.
 *
 * Not thread-safe, not re-entrant; one builder per sender (it reuses its buffers).
 */
export class DataBatchBuilder {
  /** Largest datagram this builder produces, in bytes. */
  readonly maxDatagramBytes: number;

  /** Common header + sender name; its bodyLength is patched in `finish`. */
  private readonly prefix: Uint8Array;
  /** The batch's records are `slab[recordsAt, recordsAt + recordsLength)` (when `count > 0`). */
  private recordsAt = 0;
  private recordsLength = 0;
  /** A view of the whole slab, for writing records. */
  private slabView: DataView = new DataView(new ArrayBuffer(0));
  /** Bytes of table a batch leaves room for in front of its records: the last batch's table. */
  private tableRoom = 0;
  private readonly table: Uint8Array;
  private readonly tableView: DataView;
  private tableLength = 0;
  private readonly indexBySubject = new Map<string, number>();
  private readonly startSeqs: number[] = [];
  private count = 0;
  private lastSubject: string | undefined = undefined;
  private lastIndex = -1;
  private readonly validSubjects = new Set<string>();
  /** Where `finish` cuts datagrams from; `slabUsed` bytes of it are handed out. */
  private slab: Uint8Array = new Uint8Array(0);
  private slabUsed = 0;
  /** Where slabs come from when set (reused memory), else fresh allocations. */
  private slabPool: SlabPool | undefined;

  constructor(options: DataBatchBuilderOptions) {
    const { sender, maxDatagramBytes } = options;
    const prefixLength = measureHeader(sender);
    // Room for at least one message with a 1-byte subject and an empty payload.
    const minimum = prefixLength + DATA_HEADER_LENGTH + STREAM_ENTRY_HEADER_LENGTH + 1 + MESSAGE_HEADER_LENGTH;
    if (!Number.isInteger(maxDatagramBytes) || maxDatagramBytes < minimum || maxDatagramBytes > MAX_FRAME_BYTES) {
      throw new RangeError(
        `maxDatagramBytes must be an integer in ${minimum}..${MAX_FRAME_BYTES}, got ${maxDatagramBytes}`,
      );
    }
    this.maxDatagramBytes = maxDatagramBytes;
    this.prefix = new Uint8Array(prefixLength);
    writeHeader(new DataView(this.prefix.buffer), this.prefix, 0, FRAME_TYPE.data, sender, prefixLength);
    this.table = new Uint8Array(maxDatagramBytes);
    this.tableView = new DataView(this.table.buffer);
  }

  /**
   * Cuts datagrams from `pool`'s slabs from now on (undefined: fresh memory). The builder holds
   * the slab it cuts from; every other holder of a datagram must take its own hold
   * (`pool.hold`) before the next `finish`, which may release the builder's.
   */
  useSlabPool(pool: SlabPool | undefined): void {
    const records = this.count > 0 ? this.slab.slice(this.recordsAt, this.recordsAt + this.recordsLength) : undefined;
    if (this.slabPool !== undefined && this.slab.length > 0) this.slabPool.release(this.slab.buffer);
    this.slabPool = pool;
    this.slab = new Uint8Array(0);
    this.slabView = new DataView(this.slab.buffer);
    this.slabUsed = 0;
    // A batch under way keeps its records (in a slab of the new source).
    if (records !== undefined) {
      this.newSlab(this.headroom(this.tableLength) + records.length);
      this.recordsAt = this.headroom(this.tableLength);
      this.slab.set(records, this.recordsAt);
    }
  }

  /** True when no message has been added since the last `finish` or `reset`. */
  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Messages in the current batch. */
  get messageCount(): number {
    return this.count;
  }

  /** Size of the datagram `finish` would return now (header + name + table + messages). */
  get byteLength(): number {
    return this.prefix.length + DATA_HEADER_LENGTH + this.tableLength + this.recordsLength;
  }

  /**
   * Adds `message` of a stream whose first sequence in this incarnation is `startSeq`, sent
   * `ageMs` after that first message (undefined: unknown; used when the stream enters the table).
   * Returns false, adding nothing, when it would push the datagram over `maxDatagramBytes`, or
   * past the end of the slab the datagram is cut from (finish the batch and add it to the next one). Throws a RangeError when the message is
   * invalid, or when it cannot fit even in an empty batch (fragment it first, see
   * {@link maxPayloadPerDatagram}).
   */
  tryAdd(message: WireMessage, startSeq: number, ageMs?: number, resumed?: ResumedFrom): boolean {
    return this.tryAddFields(
      message.subject,
      message.seq,
      message.flags,
      message.payload,
      startSeq,
      message.replyTo,
      message.fragIndex,
      message.fragCount,
      ageMs,
      resumed,
    );
  }

  /** {@link tryAdd} without a message object: the fields as arguments. */
  tryAddFields(
    subject: string,
    seq: number,
    flags: number,
    payload: Uint8Array,
    startSeq: number,
    replyTo?: string,
    fragIndex?: number,
    fragCount?: number,
    ageMs?: number,
    resumed?: ResumedFrom,
  ): boolean {
    let index: number;
    let tableGrowth = 0;
    if (subject === this.lastSubject) {
      index = this.lastIndex;
    } else {
      const known = this.indexBySubject.get(subject);
      if (known !== undefined) {
        index = known;
      } else {
        this.checkSubject(subject, 'subject');
        if (!Number.isSafeInteger(startSeq) || startSeq < 1) {
          throw new RangeError(`startSeq must be a safe integer >= 1, got ${startSeq}`);
        }
        assertResumed(resumed, startSeq, 'stream');
        index = -1;
        tableGrowth = STREAM_ENTRY_HEADER_LENGTH + subject.length + resumedLength(resumed);
      }
    }
    if (index >= 0 && this.startSeqs[index] !== startSeq) {
      throw new RangeError(`startSeq ${startSeq} differs from ${this.startSeqs[index]} given earlier for ${subject}`);
    }
    if (!Number.isSafeInteger(seq) || seq < startSeq) {
      throw new RangeError(`seq must be a safe integer >= startSeq ${startSeq}, got ${seq}`);
    }
    if (!isMessageFlags(flags) || !Number.isInteger(flags)) assertMessageFlags(flags, 'message');
    if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be a Uint8Array');
    if ((flags & MESSAGE_FLAGS.fragment) !== 0 || fragIndex !== undefined || fragCount !== undefined) {
      assertFragmentFields({ subject, seq, flags, payload, fragIndex, fragCount }, 'message');
    }
    let recordLength = recordHeaderLength(flags) + payload.length;
    if (replyTo !== undefined) {
      this.checkSubject(replyTo, 'replyTo');
      recordLength += replyTo.length;
    }
    if (this.byteLength + tableGrowth + recordLength > this.maxDatagramBytes) {
      if (this.count === 0) {
        throw new RangeError(
          `a message with a ${payload.length}-byte payload does not fit in a ${this.maxDatagramBytes}-byte datagram`,
        );
      }
      return false;
    }
    if (this.count === 0) this.recordsAt = this.slabUsed + this.headroom(this.tableRoom);
    if (this.recordsAt + this.recordsLength + recordLength > this.slab.length) {
      // The slab ends first: this datagram ends here (the next starts in a new slab), so that
      // what a slab leaves unused is less than a record, not up to a datagram.
      if (this.count > 0) return false;
      this.moveRecords(this.headroom(Math.max(this.tableRoom, tableGrowth)));
    }
    if (index < 0) index = this.addStream(subject, startSeq, ageMs, resumed);
    this.lastSubject = subject;
    this.lastIndex = index;
    this.recordsLength = writeMessageRecord(
      this.slabView,
      this.slab,
      this.recordsAt + this.recordsLength,
      seq,
      flags,
      index,
      replyTo,
      payload,
      fragIndex,
      fragCount,
    ) - this.recordsAt;
    this.count++;
    return true;
  }

  /**
   * Returns the batch as one DATA datagram and empties the builder. The datagram is a view of
   * exactly its bytes into a slab the builder shares between consecutive datagrams (one memory
   * allocation per {@link DATAGRAM_SLAB_BYTES}, not per datagram): the caller owns those bytes,
   * which the builder never writes again, and keeps the slab alive while it keeps the view.
   * Throws a RangeError when the batch is empty (a DATA frame needs a message).
   */
  finish(): Uint8Array {
    if (this.count === 0) throw new RangeError('cannot finish an empty DATA batch');
    const front = this.headroom(this.tableLength);
    let start = this.recordsAt - front;
    if (start < this.slabUsed) {
      // This batch's table outgrew the room left for it: the records move up, in this slab if it
      // has room, else into a new one.
      const up = this.slabUsed - start;
      if (this.recordsAt + up + this.recordsLength <= this.slab.length) {
        this.slab.copyWithin(this.recordsAt + up, this.recordsAt, this.recordsAt + this.recordsLength);
        this.recordsAt += up;
      } else this.moveRecords(front);
      start = this.recordsAt - front;
    }
    this.writeFront(this.slab, start);
    const end = this.recordsAt + this.recordsLength;
    const out = this.slab.subarray(start, end);
    this.slabUsed = end;
    this.tableRoom = this.tableLength;
    this.reset();
    return out;
  }

  /**
   * Writes the batch as one DATA datagram into `target` at `offset` (for instance straight
   * into a send ring, with no allocation), empties the builder and returns the bytes written.
   * Throws a RangeError, keeping the batch, when it is empty or does not fit.
   */
  finishInto(target: Uint8Array, offset: number): number {
    if (this.count === 0) throw new RangeError('cannot finish an empty DATA batch');
    const size = this.byteLength;
    if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
      throw new RangeError(`a ${size}-byte DATA datagram does not fit at offset ${offset} of ${target.length} bytes`);
    }
    this.writeFront(target, offset);
    target.set(this.slab.subarray(this.recordsAt, this.recordsAt + this.recordsLength), offset + this.headroom(this.tableLength));
    this.reset();
    return size;
  }

  /** Bytes in front of the records for a table of `tableLength` bytes: header, sender name, DATA header, table. */
  private headroom(tableLength: number): number {
    return this.prefix.length + DATA_HEADER_LENGTH + tableLength;
  }

  /** Writes the header and the table of the batch at `offset` of `target` (the records follow them). */
  private writeFront(target: Uint8Array, offset: number): void {
    const prefixLength = this.prefix.length;
    target.set(this.prefix, offset);
    const view = new DataView(target.buffer, target.byteOffset + offset, prefixLength + DATA_HEADER_LENGTH);
    view.setUint32(BODY_LENGTH_OFFSET, this.byteLength - prefixLength, true);
    view.setUint16(prefixLength + DATA_STREAM_COUNT_OFFSET, this.startSeqs.length, true);
    view.setUint16(prefixLength + DATA_MESSAGE_COUNT_OFFSET, this.count, true);
    target.set(this.table.subarray(0, this.tableLength), offset + prefixLength + DATA_HEADER_LENGTH);
  }

  /** Continues the batch in a new slab, its records (copied) `front` bytes from the slab's start. */
  private moveRecords(front: number): void {
    const old = this.slab;
    const from = this.recordsAt;
    this.newSlab(front + this.maxDatagramBytes);
    if (this.recordsLength > 0) this.slab.set(old.subarray(from, from + this.recordsLength), front);
    this.recordsAt = front;
    // The old slab goes back only now that its records were read.
    if (this.slabPool !== undefined && old.length > 0) this.slabPool.release(old.buffer);
  }

  /** A slab of at least `bytes` to cut from (from the pool when one is set); nothing of it is handed out yet. */
  private newSlab(bytes: number): void {
    const pool = this.slabPool;
    if (pool !== undefined && bytes <= pool.slabBytes) {
      // Reused memory keeps old bytes: every byte handed out is written first.
      this.slab = pool.take();
    } else {
      // Not zero-filled (every byte handed out is written first): zeroing a fresh slab cost as
      // much as building its datagrams.
      const memory = Buffer.allocUnsafeSlow(Math.max(DATAGRAM_SLAB_BYTES, bytes));
      this.slab = new Uint8Array(memory.buffer, memory.byteOffset, memory.byteLength);
    }
    this.slabView = new DataView(this.slab.buffer, this.slab.byteOffset, this.slab.byteLength);
    this.slabUsed = 0;
  }

  /** Discards the current batch. */
  reset(): void {
    this.recordsLength = 0;
    this.tableLength = 0;
    this.count = 0;
    this.indexBySubject.clear();
    this.startSeqs.length = 0;
    this.lastSubject = undefined;
    this.lastIndex = -1;
  }

  private addStream(subject: string, startSeq: number, ageMs: number | undefined, resumed: ResumedFrom | undefined): number {
    const index = this.startSeqs.length;
    const o = this.tableLength;
    writeU64(this.tableView, o + STREAM_ENTRY_START_SEQ_OFFSET, startSeq);
    this.tableView.setUint32(o + STREAM_ENTRY_AGE_OFFSET, wireStreamAge(ageMs), true);
    this.tableView.setUint8(o + STREAM_ENTRY_FLAGS_OFFSET, streamEntryFlags(resumed));
    this.tableView.setUint8(o + STREAM_ENTRY_SUBJECT_LENGTH_OFFSET, subject.length);
    this.tableLength = writeResumed(this.tableView, writeAscii(this.table, o + STREAM_ENTRY_SUBJECT_OFFSET, subject), resumed);
    this.startSeqs.push(startSeq);
    this.indexBySubject.set(subject, index);
    return index;
  }

  private checkSubject(subject: string, what: string): void {
    if (this.validSubjects.has(subject)) return;
    if (typeof subject !== 'string' || !isSubjectString(subject, false)) {
      throw new RangeError(`${what} is not a valid subject: ${JSON.stringify(subject)}`);
    }
    if (this.validSubjects.size >= SUBJECT_CACHE_MAX_ENTRIES) this.validSubjects.clear();
    this.validSubjects.add(subject);
  }
}

/**
 * The largest payload of a single message of `subject` (with `replyTo`, if any) that fits in
 * one datagram of `maxDatagramBytes` from `senderName`, both as DATA and as a one-message
 * RETRANSMIT (so anything the sender fragments to this size can also be retransmitted).
 * 0 when not even an empty payload fits. Throws a RangeError on an invalid name or subject.
 */
export function maxPayloadPerDatagram(
  maxDatagramBytes: number,
  senderName: string,
  subject: string,
  replyTo?: string,
): number {
  const nameBytes = nameLength(senderName, 'senderName');
  if (!isSubjectString(subject, false)) throw new RangeError(`subject is not valid: ${JSON.stringify(subject)}`);
  if (replyTo !== undefined && !isSubjectString(replyTo, false)) {
    throw new RangeError(`replyTo is not valid: ${JSON.stringify(replyTo)}`);
  }
  const tableOverhead = Math.max(
    // The stream entry as it is at its largest (a resumed stream's), whatever this one's is.
    DATA_HEADER_LENGTH + STREAM_ENTRY_HEADER_LENGTH + subject.length + RESUMED_LENGTH,
    RETRANSMIT_HEADER_LENGTH + 1 + subject.length,
  );
  const overhead =
    HEADER_LENGTH + nameBytes + tableOverhead + MESSAGE_HEADER_LENGTH + (replyTo === undefined ? 0 : replyTo.length);
  return Math.max(0, Math.min(maxDatagramBytes, MAX_FRAME_BYTES) - overhead);
}

/**
 * The largest payload of one fragment of a message of `subject` (with `replyTo`) in one datagram:
 * {@link maxPayloadPerDatagram} less the fragment extension of the record. 0 when none fits.
 */
export function maxFragmentPerDatagram(
  maxDatagramBytes: number,
  senderName: string,
  subject: string,
  replyTo?: string,
): number {
  return Math.max(0, maxPayloadPerDatagram(maxDatagramBytes, senderName, subject, replyTo) - FRAGMENT_EXTENSION_LENGTH);
}
