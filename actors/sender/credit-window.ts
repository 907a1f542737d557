/**
 * How far each of our streams may send: the flow actor's credit (`maxSeq` per subject, worked
 * out from receivers' positions), or, before the stream's first credit, a first window from the
 * stream's first seq in this incarnation: 1/16 of the window by message count and by bytes at
 * the message's size, at least one message (so a message larger than `flowWindowBytes` still
 * goes), and within the retransmission window as the flow actor's credit is. A stream starts conservatively because its receivers are not known yet; the flow
 * actor's credit follows within a message hop.
 *
 * Pure, one per sender actor, on its thread. Streams are named by their index in the sender's
 * {@link SequenceGenerator} (`idOf`): a credit is a number in an array, no map entry or object
 * per stream. Bounded by the sender's `maxStreams`.
 */
export interface CreditWindowOptions {
  readonly flowWindowMessages: number;
  readonly flowWindowBytes: number;
  /** The retransmission window: a stream's window is at most half of it by messages, a quarter by bytes (as the flow actor's `windowFor`). */
  readonly windowMaxMessages?: number;
  readonly windowMaxBytes?: number;
}

export class CreditWindow {
  /** By stream index: the credit, or {@link NO_CREDIT}. */
  private readonly credit: number[] = [];
  /** Credits of subjects the sender has no index for yet (taken over at their first use). */
  private readonly early = new Map<string, number>();

  constructor(private readonly o: CreditWindowOptions) {}

  /**
   * The flow actor's credit: `subject` (stream index `id`, undefined while the sender has none)
   * may send up to `maxSeq` (it replaces the previous one).
   */
  onCredit(subject: string, id: number | undefined, maxSeq: number): void {
    if (id === undefined) {
      this.early.set(subject, maxSeq);
      return;
    }
    while (this.credit.length <= id) this.credit.push(NO_CREDIT);
    this.credit[id] = maxSeq;
    if (this.early.size > 0) this.early.delete(subject);
  }

  /**
   * The newest seq `subject` (stream index `id`) may send now. `startSeq` is the stream's first
   * seq in this incarnation and `messageBytes` the size of the message at hand (both for the
   * first window).
   */
  limit(subject: string, id: number, startSeq: number, messageBytes: number): number {
    let c = id < this.credit.length ? this.credit[id] : NO_CREDIT;
    if (c === NO_CREDIT && this.early.size > 0) {
      const early = this.early.get(subject);
      if (early !== undefined) {
        this.onCredit(subject, id, early);
        c = early;
      }
    }
    return c !== NO_CREDIT ? c : startSeq - 1 + firstWindow(this.o, messageBytes);
  }
}

/** No credit yet (credits are seqs, never negative). */
const NO_CREDIT = -1;

/** The first window of a stream, in messages of `messageBytes` (see {@link CreditWindow}). */
export function firstWindow(o: CreditWindowOptions, messageBytes: number): number {
  const perSeq = Math.max(1, messageBytes);
  let full = Math.min(o.flowWindowMessages, Math.floor(o.flowWindowBytes / perSeq));
  // A small retransmission window bounds it too: what goes before the first credit must stay in
  // the window until receivers confirm it (found with windowMessages 512: 2,048 went first).
  if (o.windowMaxMessages !== undefined) full = Math.min(full, Math.floor(o.windowMaxMessages / 2));
  if (o.windowMaxBytes !== undefined) full = Math.min(full, Math.floor(o.windowMaxBytes / 4 / perSeq));
  return Math.max(1, Math.floor(full / 16));
}
