/**
 * What the retransmit actor knows of the ledger's copy of our streams, and the sender window as
 * the NAK planner sees it when a ledger backs the window.
 */
import type { FragmentRange, SeqRange, StreamInfo, WireMessage } from '../../codecs/frame.js';
import type { RetransmitServeResult, RetransmitWindow } from '../retransmit/retransmit-planner.js';
import type { LedgerStreamInfo } from './messages.js';

/** The sender window as {@link LedgerStreams} reads it. */
export interface WindowView extends RetransmitWindow {
  highSeq(subject: string): number;
  streamInfo(subject: string, startSeq: number): StreamInfo;
}

/**
 * The ledger's range of each of our streams (`lowSeq..highSeq` as last reported), on the
 * retransmit actor's thread.
 *
 * - {@link view} wraps the sender window for the planner: after a restart the window is empty,
 *   so a NAK for what this peer sent before the restart (up to `startSeq - 1`) would find
 *   nothing at all and get no answer; the wrapper reports those sequences "unavailable in the
 *   window", which the retransmit actor then asks the ledger for.
 * - {@link streamInfo} lowers a heartbeat's `lowSeq` to what the ledger holds: receivers report
 *   everything below `lowSeq` lost, so announcing only the window would throw away what the
 *   ledger can still serve.
 *
 * A stale `lowSeq` (retention moved it up since the last report) errs on the safe side: the
 * receivers NAK it and learn it is unavailable. Bounded: at most `maxStreams` streams (reports
 * for more are ignored).
 */
export class LedgerStreams {
  private readonly streams = new Map<string, { lowSeq: number; highSeq: number }>();
  /** Reports ignored because `maxStreams` streams were known. */
  refused = 0;

  constructor(private readonly maxStreams: number) {}

  /** The ledger reported these streams' ranges. */
  update(infos: readonly LedgerStreamInfo[]): void {
    for (const i of infos) {
      if (!Number.isSafeInteger(i.lowSeq) || !Number.isSafeInteger(i.highSeq)) continue;
      const s = this.streams.get(i.subject);
      if (s !== undefined) {
        s.lowSeq = i.lowSeq;
        s.highSeq = Math.max(s.highSeq, i.highSeq);
      } else if (this.streams.size < this.maxStreams) this.streams.set(i.subject, { lowSeq: i.lowSeq, highSeq: i.highSeq });
      else this.refused++;
    }
  }

  /** Oldest sequence of `subject` the ledger holds, if it holds any. */
  heldFrom(subject: string): number | undefined {
    const s = this.streams.get(subject);
    return s !== undefined && s.lowSeq <= s.highSeq ? s.lowSeq : undefined;
  }

  /** The window's stream facts, with `lowSeq` lowered to what the ledger holds. */
  streamInfo(window: WindowView, subject: string, startSeq: number): StreamInfo {
    const info = window.streamInfo(subject, startSeq);
    const held = this.heldFrom(subject);
    return held !== undefined && held < info.lowSeq ? { ...info, lowSeq: held } : info;
  }

  /**
   * The window for the planner: `window.serve`, plus the sequences before this incarnation
   * (`startSeqOf(subject) - 1` and below) the window never held, reported unavailable so that
   * they are looked up in the ledger.
   */
  view(window: WindowView, startSeqOf: (subject: string) => number | undefined): RetransmitWindow {
    return {
      serve(subject: string, from: number, to: number, maxMessages: number): RetransmitServeResult {
        const got = window.serve(subject, from, to, maxMessages);
        const windowHigh = window.highSeq(subject);
        const before = (startSeqOf(subject) ?? 1) - 1; // newest number of an earlier incarnation
        if (windowHigh > 0 || before < 1) return got; // a used window reports older seqs itself
        const lo = Math.max(from, 1);
        const hi = Math.min(to, before);
        if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) return got;
        const unavailable: SeqRange[] = [...got.unavailable, { from: lo, to: hi }];
        return { messages: got.messages, unavailable };
      },
      serveFragments(subject: string, range: FragmentRange): readonly WireMessage[] | undefined {
        return window.serveFragments(subject, range);
      },
    };
  }
}
