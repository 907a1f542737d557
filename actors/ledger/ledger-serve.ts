/**
 * Answers a NAK's ranges from the ledger: what it holds, and what it no longer holds.
 */
import { MESSAGE_FLAGS, type SeqRange, type WireMessage } from '../../codecs/frame.js';
import type { LedgerMessage } from '../../storage/sent-record.js';
import { fragmentPayload } from '../sender/fragmenter.js';

const FRAGMENT_BITS = MESSAGE_FLAGS.fragment | MESSAGE_FLAGS.firstFragment | MESSAGE_FLAGS.lastFragment;
import { normalizeRanges } from '../retransmit/seq-ranges.js';

/** The part of the store {@link serveFromLedger} reads (a fake in tests). */
export interface SentReader {
  getSent(subject: string, from: number, to: number, maxMessages: number): LedgerMessage[];
}

/** What {@link serveFromLedger} found. */
export interface LedgerServeResult {
  /**
   * Held messages, ascending, at most `maxMessages` messages; a message stored with
   * `fragmentBytes` comes back as its fragments (all of its seq), as it went on the wire.
   */
  readonly messages: WireMessage[];
  /** Parts of the ranges looked at that the ledger does not hold (retention, a skip, never stored). */
  readonly unavailable: SeqRange[];
  /** Sequences not looked at because `maxMessages` was reached (the asker NAKs them again). */
  readonly deferred: number;
}

/**
 * Reads `ranges` of `subject` (untrusted: normalized, at most `maxRanges` read) from `reader`:
 * at most `maxMessages` messages, the lowest first. Every sequence of a range looked at is
 * either returned or reported unavailable; once the limit is reached the rest is deferred, not
 * reported (it may well be held). The work is O(ranges + messages), never O(range width).
 */
export function serveFromLedger(
  reader: SentReader,
  subject: string,
  ranges: readonly SeqRange[],
  maxMessages: number,
  maxRanges: number,
): LedgerServeResult {
  const messages: WireMessage[] = [];
  const unavailable: SeqRange[] = [];
  let deferred = 0;
  let served = 0; // messages (a fragmented one counts once)
  for (const range of normalizeRanges(ranges, maxRanges).ranges) {
    if (range.to < 1) continue; // seq 0 never exists
    const r = range.from < 1 ? { from: 1, to: range.to } : range;
    const room = maxMessages - served;
    if (room <= 0) {
      deferred += r.to - r.from + 1;
      continue;
    }
    const got = reader.getSent(subject, r.from, r.to, room);
    let next = r.from; // first sequence of the range not accounted for
    for (const m of got) {
      if (m.seq < next || m.seq > r.to) continue; // a reader bug must not corrupt the answer
      if (m.seq > next) unavailable.push({ from: next, to: m.seq - 1 });
      const wire = toWire(subject, m);
      served++;
      if (wire === undefined) unavailable.push({ from: m.seq, to: m.seq });
      else for (const w of wire) messages.push(w);
      next = m.seq + 1;
    }
    if (next > r.to) continue;
    if (got.length >= room) deferred += r.to - next + 1; // the limit stopped the read
    else unavailable.push({ from: next, to: r.to });
  }
  return { messages, unavailable, deferred };
}

/**
 * `result` with its last unavailable range reaching `skipEnd` when the ledger holds nothing
 * after it up to there: `skipEnd` is the last number the stream skipped at this start (the
 * resumed `highSeq`, raised by `maxUnflushedPerStream` after an unclean `'async'` stop, or the
 * sequence floor), below which nothing can be sent again. A receiver that NAKs into the skip (in
 * parts of its tracked span) then learns all of it at once: one `dataLoss`, not one per NAK.
 * Unchanged when part of the ask was deferred, or nothing is unavailable below `skipEnd`.
 */
export function widenToSkip(reader: SentReader, subject: string, result: LedgerServeResult, skipEnd: number): LedgerServeResult {
  const last = result.unavailable.at(-1);
  if (last === undefined || result.deferred > 0 || last.to >= skipEnd) return result;
  if (reader.getSent(subject, last.to + 1, skipEnd, 1).length > 0) return result;
  return { ...result, unavailable: [...result.unavailable.slice(0, -1), { from: last.from, to: skipEnd }] };
}

/**
 * The wire records of a stored message: one, or its fragments. `undefined` for a record that
 * is one fragment of the old numbering (fragment bits, no `fragmentBytes`): not servable.
 */
function toWire(subject: string, m: LedgerMessage): WireMessage[] | undefined {
  if ((m.flags & FRAGMENT_BITS) !== 0) return undefined;
  const base = m.replyTo === undefined ? { subject, seq: m.seq } : { subject, seq: m.seq, replyTo: m.replyTo };
  if (m.fragmentBytes === undefined || m.payload.byteLength <= m.fragmentBytes) {
    return [{ ...base, flags: m.flags, payload: m.payload }];
  }
  return fragmentPayload(m.payload, m.fragmentBytes, m.flags).map((f) => ({
    ...base,
    flags: f.flags,
    payload: f.payload,
    fragIndex: f.fragIndex,
    fragCount: f.fragCount,
  }));
}
