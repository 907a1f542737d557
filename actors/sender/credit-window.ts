/**
 * How far each of our streams may send: the flow actor's credit (`maxSeq` per subject, worked
 * out from receivers' positions), or, before the stream's first credit, a first window from the
 * stream's first seq in this incarnation: 1/16 of the window by message count and by bytes at
 * the message's size, at least one message (so a message larger than `flowWindowBytes` still
 * goes). A stream starts conservatively because its receivers are not known yet; the flow
 * actor's credit follows within a message hop.
 *
 * Pure, one per sender actor, on its thread. Bounded by the subjects the flow actor credits
 * (ours: at most the sender's `maxStreams`).
 */
export interface CreditWindowOptions {
  readonly flowWindowMessages: number;
  readonly flowWindowBytes: number;
}

export class CreditWindow {
  private readonly credit = new Map<string, number>();

  constructor(private readonly o: CreditWindowOptions) {}

  /** The flow actor's credit: `subject` may send up to `maxSeq` (it replaces the previous one). */
  onCredit(subject: string, maxSeq: number): void {
    this.credit.set(subject, maxSeq);
  }

  /**
   * The newest seq `subject` may send now. `startSeq` is the stream's first seq in this
   * incarnation and `messageBytes` the size of the message at hand (both for the first window).
   */
  limit(subject: string, startSeq: number, messageBytes: number): number {
    return this.credit.get(subject) ?? startSeq - 1 + firstWindow(this.o, messageBytes);
  }
}

/** The first window of a stream, in messages of `messageBytes` (see {@link CreditWindow}). */
export function firstWindow(o: CreditWindowOptions, messageBytes: number): number {
  const perSeq = Math.max(1, messageBytes);
  const full = Math.min(o.flowWindowMessages, Math.floor(o.flowWindowBytes / perSeq));
  return Math.max(1, Math.floor(full / 16));
}
