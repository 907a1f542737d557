/**
 * The flags byte of a DATA stream-table entry and of a HEARTBEAT (and BYE) stream entry, and the
 * optional part it announces, written after the entry's subject:
 *
 * ```
 * size field
 *    8 resumedSeq     u64, 1 <= resumedSeq < startSeq   (with flag `resumed` only)
 *    4 resumedAgeMs   u32 ms; 0xFFFFFFFF unknown          (with flag `resumed` only)
 * ```
 *
 * Layout and meaning: docs/PROTOCOL.md "Resumed streams".
 */
import { UNKNOWN_STREAM_AGE, wireStreamAge, type ResumedFrom } from '../frame.js';
import type { DecodeErrorReason } from '../decode-result.js';
import { assertSeq, readU64, writeU64 } from '../wire-primitives.js';

/** Flag bit: the entry's subject is followed by {@link ResumedFrom}. Every other bit must be 0. */
export const STREAM_ENTRY_RESUMED = 0x01;
/** Bytes of the resumed part. */
export const RESUMED_LENGTH = 12;

/** The flags byte of an entry that does (or does not) carry `resumed`. */
export function streamEntryFlags(resumed: ResumedFrom | undefined): number {
  return resumed === undefined ? 0 : STREAM_ENTRY_RESUMED;
}

/** Bytes the resumed part adds to an entry. */
export function resumedLength(resumed: ResumedFrom | undefined): number {
  return resumed === undefined ? 0 : RESUMED_LENGTH;
}

/** Throws a RangeError naming `what` unless `resumed` is absent or `1 <= seq < startSeq`. */
export function assertResumed(resumed: ResumedFrom | undefined, startSeq: number, what: string): void {
  if (resumed === undefined) return;
  assertSeq(resumed.seq, 1, `${what}.resumed.seq`);
  if (resumed.seq >= startSeq) throw new RangeError(`${what}.resumed.seq ${resumed.seq} must be below startSeq ${startSeq}`);
}

/** Writes the resumed part (if any) at `o`; returns the end offset. */
export function writeResumed(view: DataView, o: number, resumed: ResumedFrom | undefined): number {
  if (resumed === undefined) return o;
  writeU64(view, o, resumed.seq);
  view.setUint32(o + 8, wireStreamAge(resumed.ageMs), true);
  return o + RESUMED_LENGTH;
}

/**
 * Reads the resumed part an entry's `flags` announce, at `o` (never past `end`), for a stream
 * starting at `startSeq`: `undefined` when the flags announce none, else the part or the reason
 * it is refused. Never throws.
 */
export function readResumed(
  view: DataView,
  o: number,
  end: number,
  flags: number,
  startSeq: number,
): ResumedFrom | DecodeErrorReason | undefined {
  if ((flags & ~STREAM_ENTRY_RESUMED) !== 0) return 'badFlags';
  if (flags === 0) return undefined;
  if (o + RESUMED_LENGTH > end) return 'tooShort';
  const seq = readU64(view, o);
  if (seq < 1 || seq >= startSeq) return 'badSeq';
  const age = view.getUint32(o + 8, true);
  return age === UNKNOWN_STREAM_AGE ? { seq } : { seq, ageMs: age };
}
