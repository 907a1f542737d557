/**
 * Where a stream first heard of begins: at its start, at the oldest message its sender's ledger
 * holds (a resumed numbering), or at the first message heard (a late joiner).
 */
import type { ResumedFrom } from '../../codecs/frame.js';
import { isSeq } from './input-checks.js';
import type { ReceiverCounters } from './receiver-counters.js';

/** How much a wire `ageMs` may overstate a stream's age (whole ms on both ends). */
const AGE_ROUNDING_MS = 1;

/** What the rules read: the receiver's subscription times, its `lateJoinMaxMessages`, its counters. */
export interface StreamBeginRules {
  /** Since when a local subscription matching `subject` has existed, if one does (see `ReceiverDeps`). */
  readonly interestSinceMs: ((subject: string) => number | undefined) | undefined;
  readonly lateJoinMaxMessages: number;
  readonly counters: Pick<ReceiverCounters, 'invalidInputs'>;
}

/**
 * Whether a stream new to us, which continues an earlier incarnation's numbering, begins at the
 * oldest message its sender's ledger holds (`resumed.seq`, published `resumed.ageMs` ago),
 * judged at `seq` (the message or heartbeat at hand), as {@link beginsAtStart} judges `startSeq`.
 * An inconsistent `resumed` counts as an invalid input.
 */
export function beginsAtResumed(r: StreamBeginRules, nowMs: number, subject: string, startSeq: number, seq: number, resumed: ResumedFrom | undefined): boolean {
  if (resumed === undefined) return false;
  if (!isSeq(resumed.seq) || resumed.seq >= startSeq || resumed.seq > seq) {
    r.counters.invalidInputs++;
    return false;
  }
  return beginsAtStart(r, nowMs, subject, seq - resumed.seq, resumed.ageMs);
}

/**
 * Where a stream first heard of now begins: at its start (true; what is missing before the
 * first message heard is asked for) or at the first message heard (false: a late joiner, no
 * loss reported for what came before it). With the stream's age and our subscription time,
 * at its start exactly when a matching subscription existed before the stream's first
 * message (the age makes that comparison without any clock shared with the sender);
 * otherwise when at most `lateJoinMaxMessages` (`before`) came before it.
 */
export function beginsAtStart(r: StreamBeginRules, nowMs: number, subject: string, before: number, ageMs: number | undefined): boolean {
  const since = ageMs === undefined ? undefined : r.interestSinceMs?.(subject);
  // The age is in whole ms, counted from a whole-ms start: it may be up to 1 ms over.
  if (since !== undefined && ageMs !== undefined && Number.isFinite(ageMs) && ageMs >= 0) return since <= nowMs - ageMs + AGE_ROUNDING_MS;
  return before <= r.lateJoinMaxMessages;
}
