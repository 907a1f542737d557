/**
 * Which messages of another zone's streams JetStream no longer holds (pure, no I/O), seen by the
 * importer of that zone: a gap in an origin stream's seqs is a loss only when JetStream deleted
 * messages since that stream's previous message (its stream sequence jumped: `max_age` or
 * `max_msgs` removed them before they were imported). A gap without a deletion is a reordering
 * (a publish retried after a later one was stored), and the missing seq comes later.
 *
 * In memory, per bridge and zone imported from, kept across the import consumer's restarts and
 * the bridge's lease turns: at most `maxStreams` origin streams, the oldest forgotten first. When
 * the consumer starts again past what this bridge saw (another bridge imported meanwhile, or a
 * purge moved it), every stream is forgotten: its last seq may be stale. A stream forgotten, or
 * not seen since the bridge started, reports nothing.
 */

/** A range of an origin stream that will never be imported. */
export interface OriginGap {
  readonly sender: string;
  readonly incarnation: number;
  readonly subject: string;
  readonly fromSeq: number;
  readonly toSeq: number;
}

interface Last {
  /** The highest origin seq seen. */
  seq: number;
  /** The JetStream stream sequence it was stored at. */
  at: number;
}

export class OriginGaps {
  private readonly last = new Map<string, Last>();
  /** The previous stream sequence seen (0: none yet). */
  private previous = 0;
  /** The stream sequence that ended the latest deletion seen (a jump in stream sequences). */
  private deletedBefore = 0;

  constructor(private readonly maxStreams = 65_536) {}

  /**
   * The consumer starts (or starts again) after `ackFloor` (its acknowledged stream sequence): a
   * first message stored after `ackFloor + 1` means messages were deleted in between. What the
   * previous run saw past `ackFloor` comes again and reports nothing. Past the last stream
   * sequence seen, messages this bridge never saw were acknowledged: every stream is forgotten.
   */
  start(ackFloor: number): void {
    if (ackFloor > this.previous) {
      this.last.clear();
      this.deletedBefore = 0;
    }
    this.previous = ackFloor;
  }

  /**
   * A message stored at stream sequence `at` was read (every one, imported or not: a jump between
   * two is a deletion). Returns the stream sequences deleted right before it, if any: said by the
   * bridge whether or not {@link seen} can name their origin streams (it cannot for streams not
   * seen since the bridge started).
   */
  passed(at: number): { readonly from: number; readonly to: number } | undefined {
    let deleted: { readonly from: number; readonly to: number } | undefined;
    if (at > this.previous + 1) {
      this.deletedBefore = Math.max(this.deletedBefore, at);
      deleted = { from: this.previous + 1, to: at - 1 };
    }
    if (at > this.previous) this.previous = at;
    return deleted;
  }

  /**
   * Message `seq` of origin stream (sender, incarnation, subject), stored at stream sequence
   * `at` (after {@link passed}): the range lost before it, if any. A loss record passes its
   * `toSeq`: what it covers is not a gap.
   */
  seen(sender: string, incarnation: number, subject: string, seq: number, at: number): OriginGap | undefined {
    const key = `${sender}\u0000${incarnation}\u0000${subject}`;
    const l = this.last.get(key);
    if (l === undefined) {
      if (this.last.size >= this.maxStreams) this.last.delete(this.last.keys().next().value as string);
      this.last.set(key, { seq, at });
      return undefined;
    }
    if (seq <= l.seq) return undefined; // a late one (reordered), or seen before
    const gap = seq > l.seq + 1 && this.deletedBefore > l.at ? { sender, incarnation, subject, fromSeq: l.seq + 1, toSeq: seq - 1 } : undefined;
    l.seq = seq;
    l.at = at;
    return gap;
  }
}
