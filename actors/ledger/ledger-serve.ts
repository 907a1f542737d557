/**
 * Answers a NAK's ranges from the ledger: what it holds, and what it no longer holds.
 */
import type { SeqRange, WireMessage } from '../../codecs/frame.js';
import type { LedgerMessage } from '../../storage/sent-record.js';
import { normalizeRanges } from '../retransmit/seq-ranges.js';

/** The part of the store {@link serveFromLedger} reads (a fake in tests). */
export interface SentReader {
  getSent(subject: string, from: number, to: number, maxMessages: number): LedgerMessage[];
}

/** What {@link serveFromLedger} found. */
export interface LedgerServeResult {
  /** Held messages, ascending, at most `maxMessages`. */
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
  for (const range of normalizeRanges(ranges, maxRanges).ranges) {
    if (range.to < 1) continue; // seq 0 never exists
    const r = range.from < 1 ? { from: 1, to: range.to } : range;
    const room = maxMessages - messages.length;
    if (room <= 0) {
      deferred += r.to - r.from + 1;
      continue;
    }
    const got = reader.getSent(subject, r.from, r.to, room);
    let next = r.from; // first sequence of the range not accounted for
    for (const m of got) {
      if (m.seq < next || m.seq > r.to) continue; // a reader bug must not corrupt the answer
      if (m.seq > next) unavailable.push({ from: next, to: m.seq - 1 });
      messages.push(toWire(subject, m));
      next = m.seq + 1;
    }
    if (next > r.to) continue;
    if (got.length >= room) deferred += r.to - next + 1; // the limit stopped the read
    else unavailable.push({ from: next, to: r.to });
  }
  return { messages, unavailable, deferred };
}

function toWire(subject: string, m: LedgerMessage): WireMessage {
  const w = { subject, seq: m.seq, flags: m.flags, payload: m.payload };
  return m.replyTo === undefined ? w : { ...w, replyTo: m.replyTo };
}
