/**
 * The types of the flow-control core (`FlowControl`, flow-control.ts): its options, sink,
 * verdicts and counters, and the per-stream and per-receiver state it keeps.
 */
import type { PeerId } from '../../codecs/frame.js';
import type { ResolvedSenderOptions } from '../sender/options.js';

/** The options `FlowControl` reads. */
export type FlowControlOptions = Pick<
  ResolvedSenderOptions,
  'rateBytesPerSec' | 'burstBytes' | 'flowWindowMessages' | 'flowPolicy' | 'stallTimeoutMs' | 'maxTrackedPositions'
> & {
  /**
   * How long a receiver heard only by unicast may take to be found multicast-unreachable (then
   * its DATA goes by unicast: the receiver list's `multicastProbeMs`); 0 when multicast is off.
   * While closing, a receiver that never reported a position is waited for that much longer
   * than the stall bound from when it was registered: its fallback may be under way.
   */
  readonly multicastProbeMs?: number;
};

/** Where `FlowControl` reports. */
export interface FlowControlSink {
  /**
   * A receiver is a slow consumer of `subject`: under `'max'` it lags more than the stream's
   * window behind the newest sent seq; under either policy it blocked the stream
   * without progress for `stallTimeoutMs` and is no longer waited for. Once per episode: again
   * only after it has caught up (lag at most half the window) and fallen behind again.
   */
  slowConsumer(peer: PeerId, subject: string, lagMessages: number): void;
  /** A stream whose send was refused for the window may send again (retry its queue). */
  windowOpened(subject: string): void;
}

export interface FlowControlDeps {
  readonly sink: FlowControlSink;
}

/** The answer of `FlowControl.canSend`. */
export type SendVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'rate' | 'window'; readonly retryAtMs?: number };

/** What `FlowControl` counts (a live record: read it, do not write it). */
export interface FlowControlCounters {
  /** `canSend` refusals by the rate limit. */
  blockedByRate: number;
  /** `canSend` refusals by the in-flight window. */
  blockedByWindow: number;
  /** `slowConsumer` events emitted. */
  slowConsumerEvents: number;
  /** Receivers no longer waited for after `stallTimeoutMs` without progress. */
  stalledReceivers: number;
  /** Position reports with a seq that is not a non-negative safe integer. */
  invalidPositions: number;
  /**
   * Position reports beyond the newest seq we sent of the stream (a receiver cannot have
   * delivered what was never sent: a forged or corrupt ACK), taken as that newest seq.
   */
  positionsAhead: number;
  /** New (receiver, stream) pairs not tracked because `maxTrackedPositions` was reached. */
  untrackedPairs: number;
  /** (receiver, stream) pairs tracked now. */
  trackedPairs: number;
  /** Streams parked now (nothing in flight: only their newest sent seq is kept; see `FlowControl.park`). */
  parkedStreams: number;
}

/** Every counter at 0. */
export function newFlowControlCounters(): FlowControlCounters {
  return { blockedByRate: 0, blockedByWindow: 0, slowConsumerEvents: 0, stalledReceivers: 0, invalidPositions: 0, positionsAhead: 0, untrackedPairs: 0, trackedPairs: 0, parkedStreams: 0 };
}

export interface ReceiverPos {
  readonly peer: PeerId;
  /** Newest delivered seq reported (monotonic); undefined until the first report. */
  reported: number | undefined;
  /** The stream's newest sent seq when registered: the position assumed until it reports. */
  readonly joinedAt: number;
  /** Last counted progress, or when it was registered (the drain waits from there). */
  lastProgressMs: number;
  /**
   * Last counted progress; -Infinity until the first. The stall clock runs from here or from the
   * start of the block, whichever is later: being registered is no progress, so a receiver that
   * appears in the middle of a block (a forger's new name) gets no fresh stall timeout.
   */
  progressedMs: number;
  /** A slowConsumer event was emitted in the current episode. */
  slow: boolean;
  /** Stalled: left out of the window until it catches up. */
  excluded: boolean;
  /** Position at the last counted progress: moving less than `FlowControl.progressStep` is no progress. */
  progressPos: number;
  /**
   * Its reports below `reported` (a position capped after it had reported more): where their
   * climb last counted as progress, or began; undefined while it reports no such thing.
   */
  lowPos: number | undefined;
  /**
   * `reported` when a climb below it last counted as progress (undefined: never): another climb
   * counts only below that same position, or once the position has moved a window beyond it.
   */
  climbAt: number | undefined;
  /**
   * Times its progress on the sender's other streams restarted its stall clock on this stream
   * since it last progressed here (receiver-pos.ts `progressedElsewhere`).
   */
  elsewhere: number;
}

export interface FlowStream {
  readonly subject: string;
  /** A send of this stream was seen in this incarnation (`base` is known). */
  started: boolean;
  /** Seq before the first one sent in this incarnation (a resumed stream starts above 0). */
  base: number;
  highSent: number;
  /** Its window in messages: `flowWindowMessages`, or fewer when `FlowControl.setWindow` says so. */
  window: number;
  readonly receivers: Map<string, ReceiverPos>;
  /**
   * The lowest seq refused for the window while refused; since when the stream is held (the
   * start of the block episode), and the window position then.
   */
  blocked: { seq: number; readonly sinceMs: number; readonly pos: number } | undefined;
  /**
   * The episode of the last block, kept after the stream was let go: a block that follows
   * before the window position moved a progress step from `pos` continues it (same `sinceMs`).
   */
  lastBlock: { readonly sinceMs: number; readonly pos: number } | undefined;
  /** Cached: the position the window follows (undefined: nobody limits). */
  limitPos: number | undefined;
  /** Cached: lowest position of receivers neither slow nor excluded (slow detection). */
  watchPos: number | undefined;
  dirty: boolean;
}
