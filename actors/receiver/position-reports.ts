/**
 * Which stream positions a receiver's next report to a sender carries (they go back in ACKs and
 * feed the sender's flow control).
 *
 * A report carries the streams whose position moved since they were last reported, each in
 * {@link POSITION_REPORT_REPEATS} successive reports (one lost ACK datagram costs nothing), plus
 * a bounded slice of the others not reported for {@link POSITION_REFRESH_MS}, taken in turn,
 * so a position whose reports were all lost is still refreshed. A receiver of 100,000 idle
 * streams so sends a few dozen entries per report, not 100,000 every `ackIntervalMs`.
 *
 * A stream may be capped (`positionCap`): its report then says at most that seq, however far it
 * has delivered. The application caps a stream while a durable subscription has too much of it
 * unconfirmed, so the sender's flow control paces it (actors/app/durable-pacing.ts).
 *
 * Pure: the time comes in; the state lives on the streams and their sender entry.
 */
import type { StreamPosition } from '../../codecs/frame.js';

/** Reports a moved position goes in. */
export const POSITION_REPORT_REPEATS = 3;
/** An unchanged position is reported again after this long (when its turn in the slice comes). */
export const POSITION_REFRESH_MS = 5000;
/** Most unchanged positions refreshed per report. */
export const POSITION_REFRESH_PER_REPORT = 16;
/** Most streams one report looks at for the refresh slice (bounds the work per report). */
const REFRESH_VISITS_PER_REPORT = 4 * POSITION_REFRESH_PER_REPORT;

/** A stream as reports see it (fields kept on the receiver's stream state). */
export interface ReportedStream {
  readonly subject: string;
  readonly stream: { readonly position: number };
  /** The position last put in a report; -1 before the first. */
  reportedSeq: number;
  /** When it was last put in a report. */
  reportedAtMs: number;
  /** Reports it is still to go in (a moved position goes in {@link POSITION_REPORT_REPEATS}). */
  repeatsLeft: number;
  /** The highest position a report may say (`Infinity`: no cap). */
  positionCap: number;
}

/** The position a report says for `st`: how far it delivered, at most its cap. */
export function reportedPosition(st: ReportedStream): number {
  const p = st.stream.position;
  return p <= st.positionCap ? p : st.positionCap;
}

/** A sender as reports see it: its streams and the report state kept on its entry. */
export interface ReportingSender<S extends ReportedStream> {
  readonly streams: Map<string, S>;
  /** Streams to put in the next report (moved, or repeats left). */
  positionsDirty?: Set<S>;
  /** Where the refresh slice goes on from. */
  refreshCursor?: Iterator<S>;
}

/** Report state of a new stream (spread into it): its first position is reported. */
export const UNREPORTED: Readonly<Pick<ReportedStream, 'reportedSeq' | 'reportedAtMs' | 'repeatsLeft' | 'positionCap'>> = Object.freeze({
  reportedSeq: -1,
  positionCap: Number.POSITIVE_INFINITY,
  reportedAtMs: Number.NEGATIVE_INFINITY,
  repeatsLeft: 0,
});

/** `st` may have moved: the next report looks at it. O(1). */
export function notePosition<S extends ReportedStream>(sender: ReportingSender<S>, st: S): void {
  if (reportedPosition(st) === st.reportedSeq) return;
  (sender.positionsDirty ??= new Set()).add(st);
}

/** The positions of the next report to `sender` at `nowMs` (empty: nothing to say). */
export function takePositionReport<S extends ReportedStream>(sender: ReportingSender<S>, nowMs: number): StreamPosition[] {
  const out: StreamPosition[] = [];
  const dirty = sender.positionsDirty;
  if (dirty !== undefined) {
    for (const st of dirty) {
      if (sender.streams.get(st.subject) !== st) {
        dirty.delete(st); // replaced or forgotten since
        continue;
      }
      const seq = reportedPosition(st);
      if (seq !== st.reportedSeq) {
        st.reportedSeq = seq;
        st.repeatsLeft = POSITION_REPORT_REPEATS;
      }
      out.push({ subject: st.subject, seq });
      st.reportedAtMs = nowMs;
      if (--st.repeatsLeft <= 0) dirty.delete(st);
    }
  }
  refreshSlice(sender, nowMs, out);
  return out;
}

/** Appends up to {@link POSITION_REFRESH_PER_REPORT} positions not reported for a while, in turn. */
function refreshSlice<S extends ReportedStream>(sender: ReportingSender<S>, nowMs: number, out: StreamPosition[]): void {
  let cursor = sender.refreshCursor ?? sender.streams.values();
  let restarted = sender.refreshCursor === undefined;
  let taken = 0;
  for (let visits = 0; taken < POSITION_REFRESH_PER_REPORT && visits < REFRESH_VISITS_PER_REPORT; visits++) {
    const next = cursor.next();
    if (next.done === true) {
      if (restarted) break; // every stream looked at once in this report
      cursor = sender.streams.values();
      restarted = true;
      continue;
    }
    const st = next.value;
    if (nowMs - st.reportedAtMs < POSITION_REFRESH_MS) continue;
    const seq = reportedPosition(st);
    st.reportedSeq = seq;
    st.reportedAtMs = nowMs;
    out.push({ subject: st.subject, seq });
    taken++;
  }
  sender.refreshCursor = cursor;
}
