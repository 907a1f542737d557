/** The flow actor's inbox (`flow`): what the sender sent, receivers' positions, membership. */
import type { PeerId, StreamPosition } from '../../codecs/frame.js';

export type FlowInbox =
  /**
   * The sender sent up to `seq` on `subject` (`bytes` payload bytes since its previous report).
   * `fromSeq`, the first seq of this report, tells flow control where a stream starts in this
   * incarnation (absent: `seq`).
   */
  | { readonly kind: 'sentUpTo'; readonly subject: string; readonly seq: number; readonly bytes: number; readonly fromSeq?: number }
  /**
   * The sender holds `seq` of `subject` back for lack of credit: flow control starts the stall
   * clock of the receivers that hold the window (policy `'min'`), as a refused `canSend` would.
   */
  | { readonly kind: 'blocked'; readonly subject: string; readonly seq: number }
  /**
   * The peer is closing: emit `drained { token }` once every live receiver has reported the
   * newest seq of every stream of ours (checked at each input and every 20 ms).
   */
  | { readonly kind: 'drainRequested'; readonly token: number }
  /** A receiver reported how far it has consumed streams of ours (from its ACK). */
  | { readonly kind: 'positions'; readonly peer: PeerId; readonly positions: readonly StreamPosition[] }
  /** A peer joined with these patterns (it will report positions for matching streams). */
  | { readonly kind: 'receiverJoined'; readonly peer: PeerId; readonly patterns: readonly string[] }
  /** A peer left: forget its positions. */
  /**
   * `peer` left. `restarted`: a new incarnation of its name replaced it (its advert came); its
   * positions are still waited for until that incarnation reports its own (see flow-actor.ts).
   */
  | { readonly kind: 'receiverLeft'; readonly peer: PeerId; readonly restarted?: boolean }
  /** `peer`'s multicast may have stopped: the receiver list's probe ends in `forMs` (its stall clocks wait). */
  | { readonly kind: 'receiverInDoubt'; readonly peer: PeerId; readonly forMs: number }
  /**
   * These streams left the heartbeats (no data for `activeStreamTtlMs`): answer `streamsChecked`
   * to `'retransmit'`, naming those a tracked receiver has not confirmed up to their newest seq.
   */
  | { readonly kind: 'streamsIdle'; readonly subjects: readonly string[] };
