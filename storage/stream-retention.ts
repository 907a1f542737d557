/**
 * Per-stream state of the ledger store and the deletion of a stream's oldest messages
 * (retention by count, bytes and age; discarding confirmed messages).
 *
 * Deletions are queued lmdb writes; the counters here move at once, so the in-memory view is
 * ahead of the committed one until the batch commits.
 */
import type { LedgerDatabases } from './ledger-schema.js';
import type { LedgerRetentionOptions } from './options.js';
import { sentRecordTime } from './sent-record.js';

/** What the store keeps in memory per stream (rebuilt from the data at open). */
export interface StreamState {
  /** Newest sequence ever used; never goes down. */
  highSeq: number;
  /** No held message is below this. */
  lowSeq: number;
  messages: number;
  /** Stored record bytes of the held messages. */
  bytes: number;
  /** `sentAtMs` of the oldest held message; NaN when unknown. */
  oldestSentAtMs: number;
  /** Newest sequence known flushed to disk (may lag: it only errs on the safe side). */
  flushedSeq: number;
  /** A flush watcher is pending for this stream. */
  flushWatched: boolean;
}

/** The deletion counters the store exposes. */
export interface DeletionCounters {
  messagesDeleted: number;
  bytesDeleted: number;
}

/**
 * Deletes the oldest messages of a stream while over a bound; returns how many. `nowMs`
 * undefined: no age bound. A stream over its count or byte bound is cut to 63/64 of it, so the
 * range read that finds the oldest messages happens once per many appends, not on every one.
 */
export function trimStream(
  sent: LedgerDatabases['sent'],
  subject: string,
  s: StreamState,
  r: Readonly<Required<LedgerRetentionOptions>>,
  nowMs: number | undefined,
  counters: DeletionCounters,
  /** Given each removal's commit promise, so that a failed commit is never unhandled (cheap: a batch shares one). */
  watch?: (committed: Promise<boolean>) => void,
): number {
  const cutoff = nowMs === undefined ? Number.NEGATIVE_INFINITY : nowMs - r.maxAgeMs;
  if (s.messages === 0) return 0;
  const overBound = s.messages > r.maxMessagesPerStream || s.bytes > r.maxBytesPerStream;
  if (!overBound && s.oldestSentAtMs >= cutoff) return 0;
  const maxMessages = overBound ? r.maxMessagesPerStream - (r.maxMessagesPerStream >> 6) : r.maxMessagesPerStream;
  const maxBytes = overBound ? r.maxBytesPerStream - Math.floor(r.maxBytesPerStream / 64) : r.maxBytesPerStream;
  return deleteOldest(
    sent,
    subject,
    s,
    (_seq, sentAtMs) => s.messages > maxMessages || s.bytes > maxBytes || !(sentAtMs >= cutoff),
    counters,
    watch,
  );
}

/**
 * Deletes held messages from the oldest while `shouldDelete` says so. Reads committed data
 * from `lowSeq` on, and `lowSeq` moves past queued deletes at once, so a second call before
 * the commit never sees (and counts) the same message twice.
 */
export function deleteOldest(
  sent: LedgerDatabases['sent'],
  subject: string,
  s: StreamState,
  shouldDelete: (seq: number, sentAtMs: number) => boolean,
  counters: DeletionCounters,
  /** Given each removal's commit promise, so that a failed commit is never unhandled (cheap: a batch shares one). */
  watch?: (committed: Promise<boolean>) => void,
): number {
  let deleted = 0;
  for (const { key, value } of sent.getRange({ start: [subject, s.lowSeq], end: [subject, s.highSeq], inclusiveEnd: true })) {
    const sentAtMs = sentRecordTime(value);
    if (!shouldDelete(key[1], sentAtMs)) {
      s.lowSeq = key[1];
      s.oldestSentAtMs = sentAtMs;
      return deleted;
    }
    const removed = sent.remove(key);
    watch?.(removed);
    deleted++;
    s.messages--;
    s.bytes -= value.byteLength;
    s.lowSeq = key[1] + 1;
    s.oldestSentAtMs = Number.NaN;
    counters.messagesDeleted++;
    counters.bytesDeleted += value.byteLength;
  }
  return deleted;
}
