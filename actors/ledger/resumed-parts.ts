/**
 * The `resumed` part of our streams' DATA and HEARTBEAT entries (docs/PROTOCOL.md "Resumed
 * streams"): per stream the ledger resumed, the oldest message of the earlier numbering it holds
 * and when that was published, on this thread's clock (whole ms). Kept by the sender (DATA) and
 * the retransmit actor (HEARTBEAT, BYE), each from the ledger's report when it opened. Pure;
 * bounded by the ledger's streams.
 */
import type { ResumedFrom } from '../../codecs/frame.js';

export class ResumedParts {
  private readonly held = new Map<string, { readonly seq: number; readonly publishedMs: number | undefined }>();

  /** The ledger holds `subject` from `seq`, published `ageMs` ago (undefined: unknown). */
  note(nowMs: number, subject: string, seq: number, ageMs: number | undefined): void {
    this.held.set(subject, { seq, publishedMs: ageMs === undefined ? undefined : Math.floor(nowMs) - ageMs });
  }

  /** The part for `subject`, whose first seq in this incarnation is `startSeq`; undefined when none. */
  partOf(nowMs: number, subject: string, startSeq: number): ResumedFrom | undefined {
    const h = this.held.size === 0 ? undefined : this.held.get(subject);
    if (h === undefined || h.seq >= startSeq) return undefined;
    return h.publishedMs === undefined ? { seq: h.seq } : { seq: h.seq, ageMs: Math.max(0, Math.floor(nowMs) - h.publishedMs) };
  }
}
