/**
 * The ledger actor's inbox, and the shapes it sends to the sender, the retransmit actor and the
 * receiver (those inboxes include them; see each folder's `messages.ts`).
 */
import type { PeerId, ResumedFrom, SeqRange, WireMessage } from '../../codecs/frame.js';

/** A durable subscription's position on one stream: everything up to `seq` was confirmed. */
export interface DurablePosition {
  readonly durable: string;
  /** The sender's name (streams outlive incarnations). */
  readonly sender: string;
  readonly subject: string;
  readonly seq: number;
  /** The sender incarnation whose numbering `seq` counts in (the one that sent it). */
  readonly incarnation?: number;
}

/**
 * Where a durable subscription resumes one stream: the last confirmed `seq` (resume at `seq + 1`),
 * and the sender incarnation whose numbering it counts in, when known: a later incarnation of
 * that sender that numbers the stream again from at or below `seq` (a restart without a ledger)
 * is taken from its start instead.
 */
export interface StreamResume {
  readonly sender: string;
  readonly subject: string;
  readonly seq: number;
  readonly incarnation?: number;
}

/** The newest sequence the ledger holds committed (sync) or flushed (async) for one of our streams. */
export interface CommittedStream {
  readonly subject: string;
  readonly seq: number;
}

/**
 * A stream the ledger resumes after a restart: its newest sequence, and the oldest message of it
 * the ledger holds, if any (what DATA and HEARTBEAT state as the stream's `resumed` part).
 */
export interface ResumedStream extends CommittedStream {
  readonly held?: ResumedFrom;
}

/** What the ledger knows of one of our streams, for heartbeats and for serving NAKs. */
export interface LedgerStreamInfo {
  readonly subject: string;
  /** Oldest sequence the ledger holds (`highSeq + 1` when none). */
  readonly lowSeq: number;
  /** Newest sequence ever used (before this incarnation, for a resumed stream). */
  readonly highSeq: number;
  /**
   * In the report made when the ledger opens: milliseconds since the message `lowSeq` was
   * published (absent: none held, or unknown).
   */
  readonly lowAgeMs?: number;
}

/**
 * A whole application message as the sender sequenced it (never a fragment: no fragment bits).
 * `fragmentBytes` is set when it goes on the wire fragmented: the payload of every fragment but
 * the last, so the ledger can serve the same fragments again.
 */
export interface SequencedMessage extends WireMessage {
  readonly fragmentBytes?: number;
}

export type LedgerInbox =
  /**
   * The sender sequenced these messages (in sequence order per subject), before they go on the
   * wire. They are appended to the ledger; `committed` follows (per flush, not per message).
   */
  | { readonly kind: 'sequenced'; readonly messages: readonly SequencedMessage[] }
  /**
   * The retransmit actor could not serve these ranges of our stream `subject` from its window
   * (ascending, disjoint): read them from the ledger and answer `served` for `peer`.
   */
  | { readonly kind: 'serveRequested'; readonly peer: PeerId; readonly subject: string; readonly ranges: readonly SeqRange[] }
  /**
   * The application opened durable subscription `durable` on `pattern` (subscription `id`):
   * send the receiver its stored positions of the streams matching `pattern`. `given`: positions
   * the application keeps elsewhere (subscribe options `resumeFrom`): the later of each counts,
   * and streams neither lists are wanted from their start.
   */
  | { readonly kind: 'durableOpened'; readonly id: number; readonly durable: string; readonly pattern: string; readonly given?: readonly StreamResume[] }
  /**
   * Durable positions confirmed by the application (one per stream, the newest), and the
   * highest seqs handed to it above them (`handed`: delivered, not confirmed yet). With
   * `markToken`, `handed` holds marks written before the messages are handed: answer
   * `durableMarked { token: markToken }` once they are committed (or the ledger failed).
   */
  | { readonly kind: 'confirmed'; readonly positions: readonly DurablePosition[]; readonly handed?: readonly DurablePosition[]; readonly markToken?: number }
  /**
   * These streams' senders restarted without a ledger and number them again (`incarnation`): the
   * durable subscriptions named have confirmed and been handed nothing of the new numbering.
   */
  | { readonly kind: 'durableRenumbered'; readonly streams: readonly { readonly durable: string; readonly sender: string; readonly subject: string; readonly incarnation: number }[] }
  /** The application is closing: flush everything received so far, then emit `ledgerFlushed { token }`. */
  | { readonly kind: 'flushRequested'; readonly token: number };
