/**
 * The sender's publish core: turns a batch of publishes into {@link Unit}s, each message validated,
 * fragmented when it does not fit a datagram, and numbered. A batch is validated whole before
 * any seq is taken, so a refused batch (it throws) uses no seq.
 *
 * Ownership: one per sender actor, on its thread. The payload room per subject is cached here;
 * the stream numbering (`SequenceGenerator`) is the shell's, passed in, since it is replaced when
 * the ledger resumes. Pure: no clock, no I/O.
 */
import type { WireMessage } from '../../codecs/frame.js';
import { MESSAGE_FLAGS } from '../../codecs/frame.js';
import { FRAGMENT_EXTENSION_LENGTH } from '../../codecs/frames/message-record.js';
import { maxPayloadPerDatagram } from '../../codecs/data-batch.js';
import { BackpressureError, PayloadTooLargeError } from '../../errors.js';
import type { SequencedMessage } from '../ledger/messages.js';
import { validateSubject } from '../subjects/subject.js';
import { assertMessageSize, fragmentPayload } from './fragmenter.js';
import type { PublishItem } from './messages.js';
import type { ResolvedSenderOptions } from './options.js';
import type { SequenceGenerator } from './sequence-generator.js';
import { unitOf, type Unit } from './unit.js';

export type { Unit } from './unit.js';

const NO_PAYLOAD = new Uint8Array(0);

/** Subjects whose payload room is remembered at most (the cache is emptied when full). */
const MAX_CACHED_SUBJECTS = 4096;

/** Validates, fragments and sequences publish batches (see the module comment). */
export class BatchSequencer {
  /** Validated subjects and their payload room (see roomFor). */
  private readonly rooms = new Map<string, number>();

  /**
   * @param maxDatagramBytes the largest DATA datagram; with `senderName` (written in each) it
   *   bounds the payload a datagram can carry.
   */
  constructor(
    private readonly o: ResolvedSenderOptions,
    private readonly maxDatagramBytes: number,
    private readonly senderName: string,
  ) {}

  /**
   * Validates a whole batch, then sequences it with `sequences`; with a ledger, appends each
   * message, whole, to `toLedger`. Throws (nothing sequenced) when any item is refused. Undefined
   * (nothing sequenced) when the queue, holding `queued` messages of `queuedBytes`, has no room
   * for it under `windowMaxMessages`/`windowMaxBytes` and is not empty: the batch waits (an empty
   * queue takes any batch).
   */
  sequence(
    batchId: number,
    items: readonly PublishItem[],
    toLedger: SequencedMessage[] | undefined,
    sequences: SequenceGenerator,
    queued: number,
    queuedBytes: number,
  ): Unit[] | undefined {
    const o = this.o;
    // Per message this makes nothing (the item becomes its unit): indexed loops (no iterator objects), and
    // fragments kept aside only for messages that need them (`fragmented[i]`, an array made only
    // if one does).
    let fragmented: (ReturnType<typeof fragmentPayload> | undefined)[] | undefined;
    let newSubjects: Set<string> | undefined;
    let bytes = 0;
    // A batch is mostly runs of one subject: its room and stream are looked up once per run.
    let runSubject: string | undefined;
    let runReplyTo: string | undefined;
    let room = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      assertMessageSize(item.payload.byteLength, o.maxMessageBytes);
      if (item.subject !== runSubject || item.replyTo !== runReplyTo) {
        room = this.roomFor(item.subject, item.replyTo);
        if (item.subject !== runSubject && !sequences.has(item.subject)) (newSubjects ??= new Set()).add(item.subject);
        runSubject = item.subject;
        runReplyTo = item.replyTo;
      }
      const whole = item.payload.byteLength <= room && (item.flags & ~MESSAGE_FLAGS.msgpack) === 0;
      if (!whole) (fragmented ??= [])[i] = fragmentPayload(item.payload, this.fragmentRoom(room), item.flags);
      bytes += item.payload.byteLength;
    }
    if (sequences.size + (newSubjects?.size ?? 0) > o.maxStreams) {
      throw new BackpressureError(`publishing would exceed ${o.maxStreams} streams (options.maxStreams)`);
    }
    const queueEmpty = queued === 0 && queuedBytes === 0;
    if (!queueEmpty && (queued + items.length > o.windowMaxMessages || queuedBytes + bytes > o.windowMaxBytes)) return undefined;
    const units: Unit[] = [];
    const lastIndex = items.length - 1;
    let seq = 0;
    let runEnd = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const fragments = fragmented?.[i];
      // One seq per application message, fragmented or not: a run of one subject reserves its
      // seqs at once.
      if (i === runEnd) {
        runEnd = i + 1;
        while (runEnd < items.length && items[runEnd].subject === item.subject) runEnd++;
        seq = sequences.nextRange(item.subject, runEnd - i);
      } else seq++;
      let wire: WireMessage[] | undefined;
      if (fragments !== undefined) {
        wire = fragments.map((f): WireMessage => {
          const m = { subject: item.subject, seq, flags: f.flags, payload: f.payload, fragIndex: f.fragIndex, fragCount: f.fragCount };
          return item.replyTo === undefined ? m : { ...m, replyTo: item.replyTo };
        });
      }
      if (toLedger !== undefined) {
        const whole: SequencedMessage =
          item.replyTo === undefined
            ? { subject: item.subject, seq, flags: item.flags, payload: item.payload }
            : { subject: item.subject, seq, flags: item.flags, replyTo: item.replyTo, payload: item.payload };
        toLedger.push(fragments === undefined ? whole : { ...whole, fragmentBytes: fragments[0].payload.byteLength });
      }
      // The item becomes its unit (no object made per message; see unit.ts).
      units.push(unitOf(item, seq, wire, i === lastIndex ? batchId : undefined));
    }
    // An empty batch still needs its `accepted`: a unit with no message carries it.
    if (items.length === 0) {
      units.push({ subject: '', seq: 0, flags: 0, payload: NO_PAYLOAD, replyTo: undefined, fragments: undefined, batchId });
    }
    return units;
  }

  /**
   * The largest payload per datagram for `subject` (validated). Cached per subject without a
   * reply subject: validation and the size arithmetic are per stream, not per message.
   */
  private roomFor(subject: string, replyTo: string | undefined): number {
    if (replyTo === undefined) {
      const cached = this.rooms.get(subject);
      if (cached !== undefined) return cached;
    }
    validateSubject(subject);
    if (replyTo !== undefined) validateSubject(replyTo);
    const room = Math.min(this.o.maxFragmentBytes, maxPayloadPerDatagram(this.maxDatagramBytes, this.senderName, subject, replyTo));
    if (room < 1) {
      throw new PayloadTooLargeError(
        `subject ${JSON.stringify(subject)} and its reply subject leave no room for a payload in a ${this.maxDatagramBytes}-byte datagram`,
      );
    }
    if (replyTo === undefined) {
      if (this.rooms.size >= MAX_CACHED_SUBJECTS) this.rooms.clear();
      this.rooms.set(subject, room);
    }
    return room;
  }

  /** Payload per fragment when a message does not fit `room`: the fragment extension takes 8 bytes. */
  private fragmentRoom(room: number): number {
    const f = room - FRAGMENT_EXTENSION_LENGTH;
    if (f < 1) {
      throw new PayloadTooLargeError(
        `a ${this.maxDatagramBytes}-byte datagram leaves no room for a fragment of this subject (options.maxDatagramBytes)`,
      );
    }
    return f;
  }
}
