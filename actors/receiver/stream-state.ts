/**
 * One stream of one sender as the {@link Receiver} tracks it: its {@link StreamReceiver}, the
 * {@link Reassembler} of its fragmented messages (made at its first fragment), and what position
 * reports need. The stream's outputs go to one object the receiver shares between all streams,
 * with the stream they concern: no closures per stream (100,000 streams of three closures each
 * cost about 280 bytes a stream).
 */
import type { PeerId, SeqRange, WireMessage } from '../../codecs/frame.js';
import type { ReportedStream } from './position-reports.js';
import type { Reassembler } from './reassembler.js';
import type { DataLossReason } from './receiver-sink.js';
import type { SenderEntry } from './sender-table.js';
import type { StreamReceiver, StreamReceiverOutput } from './stream-receiver.js';

/** Where every stream's outputs go, with the stream (the receiver's handlers). */
export interface StreamEvents {
  message(st: StreamState, m: WireMessage): void;
  lost(st: StreamState, from: number, to: number, reason: DataLossReason): void;
  nak(st: StreamState, ranges: SeqRange[]): void;
}

/** Most incarnations a stream remembers where they left it ({@link StreamState.leftAt}). */
export const MAX_LEFT_AT = 4;

export class StreamState implements ReportedStream, StreamReceiverOutput {
  /** The incarnation whose numbering the stream follows (behind `sender.current` until resynchronized). */
  peer: PeerId;
  /** Set by the owner right after construction. */
  stream!: StreamReceiver;
  /** Made at the stream's first fragment. */
  reassembler: Reassembler | undefined = undefined;
  /** When a frame last acted on it (the receiver's clock): parked after `idleStreamMs` of none. */
  activeAtMs = 0;
  reportedSeq = -1;
  reportedAtMs = Number.NEGATIVE_INFINITY;
  repeatsLeft = 0;
  /** See {@link ReportedStream.positionCap}; kept while the stream is tracked (parking waits for it to be lifted). */
  positionCap = Number.POSITIVE_INFINITY;
  /**
   * Numbers `unheardFrom..unheardTo` (0 and 0: none): a new incarnation went on numbering the
   * stream above them, and this receiver never heard of a message under them from the one
   * before (its data and heartbeats went no further than `unheardFrom - 1`). A sender restarted
   * after an unclean stop of an `'async'` ledger skips `maxUnflushedPerStream` numbers per stream
   * (a moved-aside ledger, many more), so that none is used twice: what of them is reported lost
   * is said to be skipped ({@link DataLoss.skipped}), as most never carried a message.
   */
  unheardFrom = 0;
  unheardTo = 0;
  /**
   * Where earlier incarnations of the sender left the stream when a later one numbered it again
   * (the next seq each expected), at most {@link MAX_LEFT_AT} (past it, the one that went least
   * far is forgotten), in the order they left: an incarnation
   * taken back goes on from there instead of delivering again what it had delivered.
   */
  private leftAt: { readonly incarnation: number; readonly nextSeq: number }[] | undefined = undefined;

  constructor(
    readonly subject: string,
    readonly sender: SenderEntry<StreamState>,
    /**
     * The next seq it resumed at (from `startAt`, or unparked), 0 for none: the first heartbeat
     * checks the sender did not renumber below it. The seq resumed at, not the stream's next seq
     * when that heartbeat comes: an entry made before the messages that followed the resume
     * were in the sender's window may arrive after them, and is no renumbering.
     */
    public resumeCheck: number,
    private readonly events: StreamEvents,
  ) {
    this.peer = sender.current;
  }

  /** `incarnation` left the stream expecting `nextSeq` next (another numbers it again). */
  noteLeftAt(incarnation: number, nextSeq: number): void {
    const left = (this.leftAt ??= []);
    const same = left.findIndex((p) => p.incarnation === incarnation);
    if (same >= 0) left.splice(same, 1);
    left.push({ incarnation, nextSeq });
    if (left.length <= MAX_LEFT_AT) return;
    // Past the bound, the incarnation that went least far goes: forged incarnations, adopted
    // several a second under fuzzing, deliver a handful each, and pushed the real one out when
    // the oldest went (its stream then started again at seq 1: 20-40 messages delivered twice).
    let least = 0;
    for (let i = 1; i < left.length; i++) if (left[i].nextSeq < left[least].nextSeq) least = i;
    left.splice(least, 1);
  }

  /** Where `incarnation` left the stream (forgotten now), if it did. */
  takeLeftAt(incarnation: number): number | undefined {
    const at = this.leftAt?.findIndex((p) => p.incarnation === incarnation) ?? -1;
    if (at < 0) return undefined;
    return this.leftAt!.splice(at, 1)[0]!.nextSeq;
  }

  message(m: WireMessage): void {
    this.events.message(this, m);
  }

  lost(from: number, to: number, reason: DataLossReason): void {
    this.events.lost(this, from, to, reason);
  }

  nak(ranges: SeqRange[]): void {
    this.events.nak(this, ranges);
  }
}
