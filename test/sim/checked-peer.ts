/**
 * What the invariant checker reads of a simulated peer: the core simulator's `SimPeer` and the
 * shell simulator's `ShellPeer` both provide it.
 */
import type { PeerId } from '../../codecs/frame.js';
import type { LossRecord } from './sim-peer.js';

/** One message the application of a peer received. */
export interface CheckedDelivery {
  readonly sender: PeerId;
  readonly subject: string;
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** One message a peer's application published, with the seq its stream gave it. */
export interface CheckedPublish {
  readonly subject: string;
  readonly seq: number;
  /** Always `seq` (one seq per message); kept from when fragments had seqs of their own. */
  readonly lastSeq: number;
  readonly payload: Uint8Array;
}

export interface CheckedPeer {
  readonly id: PeerId;
  readonly delivered: readonly CheckedDelivery[];
  readonly losses: readonly LossRecord[];
  readonly published: readonly CheckedPublish[];
  /** Every seq the peer's sender window evicted, per subject: what a NAK can no longer recover. */
  readonly evicted: ReadonlyMap<string, ReadonlySet<number>>;
  /** Frames that did not decode, per reason. */
  readonly decodeErrors: ReadonlyMap<string, number>;
  readonly window: { readonly counters: { readonly peakMessages: number } };
  readonly receiver: { readonly peakBufferedMessages: number };
  /** Whether a local subscription matches `subject`. */
  isSubscribed(subject: string): boolean;
}
