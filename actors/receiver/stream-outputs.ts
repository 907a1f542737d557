/**
 * What a stream's outputs become: deliveries, loss reports and NAKs to the {@link ReceiverSink},
 * counted. One object shared by every stream (stream-state.ts: no closures per stream).
 */
import type { SeqRange, WireMessage } from '../../codecs/frame.js';
import type { ResolvedReceiverOptions } from './options.js';
import type { ReceiverCounters } from './receiver-counters.js';
import type { DataLossReason, ReceiverSink } from './receiver-sink.js';
import type { StreamEvents, StreamState } from './stream-state.js';

/** Every stream's outputs (the stream's `next` has moved past what it outputs: fragments held below it are dropped). */
export class StreamOutputs implements StreamEvents {
  constructor(
    private readonly sink: ReceiverSink,
    private readonly counters: ReceiverCounters,
    private readonly options: ResolvedReceiverOptions,
  ) {}

  message(st: StreamState, m: WireMessage): void {
    st.reassembler?.dropBelow(m.seq + 1);
    this.deliver(st, m);
  }

  lost(st: StreamState, from: number, to: number, reason: DataLossReason): void {
    st.reassembler?.dropBelow(to + 1);
    const [skipFrom, skipTo] = [Math.max(from, st.unheardFrom), Math.min(to, st.unheardTo)];
    if (skipFrom > skipTo) {
      this.reportLoss(st, from, to, reason, false);
      return;
    }
    // Numbers a restarted sender skipped are told apart from messages known to be missed.
    if (from < skipFrom) this.reportLoss(st, from, skipFrom - 1, reason, false);
    this.reportLoss(st, skipFrom, skipTo, reason, true);
    if (skipTo < to) this.reportLoss(st, skipTo + 1, to, reason, false);
    if (skipTo === st.unheardTo) st.unheardFrom = st.unheardTo = 0;
  }

  nak(st: StreamState, ranges: SeqRange[]): void {
    this.requestNak(st, ranges);
  }

  /** A NAK of the stream: messages held in part are asked for by their missing fragments only. */
  private requestNak(st: StreamState, asked: SeqRange[]): void {
    const { ranges, fragments } = st.reassembler?.refineNak(asked, this.options.maxNakRanges) ?? { ranges: [...asked], fragments: [] };
    if (ranges.length === 0 && fragments.length === 0) return;
    this.counters.naksSent++;
    this.counters.nakRangesSent += ranges.length;
    for (const r of ranges) this.counters.nakSeqsRequested += r.to - r.from + 1;
    this.counters.nakFragmentRangesSent += fragments.length;
    for (const f of fragments) this.counters.nakFragmentsRequested += f.toFrag - f.fromFrag + 1;
    if (fragments.length === 0) this.sink.requestNak(st.sender.current, st.subject, ranges);
    else this.sink.requestNak(st.sender.current, st.subject, ranges, fragments);
  }

  private deliver(st: StreamState, m: WireMessage): void {
    this.counters.messagesDelivered++;
    // The decoded (or reassembled) message itself: the application's Message is made from it.
    this.sink.deliver(st.peer, m);
  }

  private reportLoss(st: StreamState, from: number, to: number, reason: DataLossReason, skipped: boolean): void {
    this.counters.dataLossEvents++;
    this.counters.dataLossMessages += to - from + 1;
    if (!skipped) this.sink.dataLoss({ sender: st.peer, subject: st.subject, from, to, reason });
    else {
      this.counters.dataLossSkipped += to - from + 1;
      this.sink.dataLoss({ sender: st.peer, subject: st.subject, from, to, reason, skipped: true });
    }
  }
}
