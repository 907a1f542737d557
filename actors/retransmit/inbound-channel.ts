/**
 * The receiving half of a reliable-unicast channel from one remote peer: duplicate suppression
 * over channel sequences and the ACKs that stop the remote's retransmissions.
 */
import { earliest, type TimerCore } from '../core.js';
import { DEFAULT_RETRANSMIT_OPTIONS, type ResolvedRetransmitOptions } from './options.js';

/** The options {@link InboundChannel} reads. */
export type InboundChannelOptions = Pick<
  ResolvedRetransmitOptions,
  'maxAhead' | 'maxSelective' | 'ackDelayMs' | 'holeSkipMs'
>;

/**
 * What to do with a frame: `'new'` (first copy, process it), `'duplicate'` (already seen, drop it;
 * it is still acknowledged), `'invalid'` (not a channel sequence, or beyond the window: drop it).
 */
export type InboundVerdict = 'new' | 'duplicate' | 'invalid';

/** The channel part of an ACK frame. */
export interface AckState {
  /** Every channel sequence up to and including this one was received (0: none). */
  readonly cumulativeSeq: number;
  /** Channel sequences above `cumulativeSeq` also received, ascending (at most `maxSelective`). */
  readonly selective: number[];
}

/** Where an {@link InboundChannel} puts its output. Called synchronously from its methods. */
export interface InboundChannelSink {
  /** Send an ACK carrying `ack` to the remote (the owner adds stream positions and addressing). */
  sendAck(ack: AckState): void;
}

/** What an {@link InboundChannel} needs. */
export interface InboundChannelDeps {
  readonly sink: InboundChannelSink;
}

/** Counters of one inbound channel (cumulative, `reset` keeps them). */
export interface InboundChannelCounters {
  /** Frames accepted as new. */
  received: number;
  duplicates: number;
  /** Frames refused: sequence 0, not an integer, or more than `maxAhead` above the cumulative point. */
  invalid: number;
  acksSent: number;
  /** Channel sequences given up as never coming (`holeSkipMs`). */
  skipped: number;
}

/**
 * Tells new channel frames from repeats with bounded memory, and acknowledges them.
 *
 * State: the cumulative point `c` (every sequence `<= c` was seen) and the set of sequences seen
 * above it, `c + 2 .. c + maxAhead` (a Map, in arrival order, of arrival times). A frame above
 * `c + maxAhead` is `'invalid'`, so a hostile sequence cannot move the window. Memory: at most
 * `maxAhead - 1` entries plus a `maxSelective` list of the most recently seen sequences, which
 * is what an ACK lists selectively (a retransmitted duplicate re-enters it, so an ACK that was
 * lost gets repeated).
 *
 * ACK policy: every new or duplicate frame makes an ACK due; with `ackDelayMs` 0 it is sent at
 * once, else at most `ackDelayMs` after the first frame it covers. The owner that sends an ACK for
 * its own reasons (stream positions) can include {@link ackState} and call {@link onAckSent}.
 */
export class InboundChannel implements TimerCore {
  readonly counters: InboundChannelCounters = { received: 0, duplicates: 0, invalid: 0, acksSent: 0, skipped: 0 };
  private readonly sink: InboundChannelSink;
  private readonly options: InboundChannelOptions;
  private cumulative = 0;
  /** Sequences seen above `cumulative + 1` → arrival time. Insertion order is arrival order. */
  private readonly ahead = new Map<number, number>();
  /** The most recently seen sequences above the cumulative point, oldest first, no repeats. */
  private recent: number[] = [];
  private ackDue = false;
  private ackDeadline: number | undefined;

  constructor(deps: InboundChannelDeps, options: InboundChannelOptions = DEFAULT_RETRANSMIT_OPTIONS) {
    this.sink = deps.sink;
    this.options = options;
  }

  /** Every channel sequence up to this one was seen. */
  get cumulativeSeq(): number {
    return this.cumulative;
  }

  /** An ACK is due (waiting for `ackDelayMs`). */
  get needsAck(): boolean {
    return this.ackDue;
  }

  /** Sequences held above the cumulative point (at most `maxAhead - 1`). */
  get aheadCount(): number {
    return this.ahead.size;
  }

  /** Classifies a received frame's channel sequence and records it. */
  onFrame(nowMs: number, channelSeq: number): InboundVerdict {
    if (!Number.isSafeInteger(channelSeq) || channelSeq < 1 || channelSeq > this.cumulative + this.options.maxAhead) {
      this.counters.invalid++;
      return 'invalid';
    }
    if (channelSeq <= this.cumulative || this.ahead.has(channelSeq)) {
      this.counters.duplicates++;
      this.noteSeen(channelSeq);
      this.ackNeeded(nowMs);
      return 'duplicate';
    }
    if (channelSeq === this.cumulative + 1) {
      this.cumulative = channelSeq;
      this.absorb();
    } else {
      this.ahead.set(channelSeq, nowMs);
    }
    this.counters.received++;
    this.noteSeen(channelSeq);
    this.ackNeeded(nowMs);
    return 'new';
  }

  /** What an ACK sent now would say. O(maxSelective). */
  ackState(): AckState {
    // Entries at or below the cumulative point are covered by it: drop them to free their slots.
    this.recent = this.recent.filter((s) => s > this.cumulative);
    const selective = [...this.recent].sort((a, b) => a - b);
    return { cumulativeSeq: this.cumulative, selective };
  }

  /** The owner sent an ACK carrying {@link ackState}: nothing is due any more. */
  onAckSent(): void {
    this.ackDue = false;
    this.ackDeadline = undefined;
  }

  /** The earlier of the delayed ACK and the oldest hole's skip time; `undefined` if neither. */
  nextDeadlineMs(): number | undefined {
    return earliest(this.ackDeadline, this.holeDeadline());
  }

  /** Skips holes that are overdue, then sends the delayed ACK if it is due. */
  onTimer(nowMs: number): void {
    const hole = this.holeDeadline();
    if (hole !== undefined && hole <= nowMs) this.skipHoles(nowMs - this.options.holeSkipMs);
    if (this.ackDue && this.ackDeadline !== undefined && this.ackDeadline <= nowMs) this.sendAck();
  }

  /** The remote's incarnation changed: its numbering restarts at 1. Counters are kept. */
  reset(): void {
    this.cumulative = 0;
    this.ahead.clear();
    this.recent = [];
    this.ackDue = false;
    this.ackDeadline = undefined;
  }

  private ackNeeded(nowMs: number): void {
    this.ackDue = true;
    if (this.options.ackDelayMs === 0) this.sendAck();
    else if (this.ackDeadline === undefined) this.ackDeadline = nowMs + this.options.ackDelayMs;
  }

  private sendAck(): void {
    const ack = this.ackState();
    this.onAckSent();
    this.counters.acksSent++;
    this.sink.sendAck(ack);
  }

  private noteSeen(seq: number): void {
    if (seq <= this.cumulative || this.options.maxSelective === 0) return;
    const i = this.recent.indexOf(seq);
    if (i >= 0) this.recent.splice(i, 1);
    else if (this.recent.length >= this.options.maxSelective) this.recent.shift();
    this.recent.push(seq);
  }

  /** Moves the cumulative point over sequences already held above it. Bounded by `ahead.size`. */
  private absorb(): void {
    while (this.ahead.delete(this.cumulative + 1)) this.cumulative++;
  }

  private holeDeadline(): number | undefined {
    if (this.options.holeSkipMs === 0 || this.ahead.size === 0) return undefined;
    // The first entry arrived first (Map order is arrival order).
    return this.ahead.values().next().value! + this.options.holeSkipMs;
  }

  /**
   * Every sequence below a frame that arrived at or before `arrivedBy` was sent before that frame;
   * if it is still missing the remote has given up on it, so the cumulative point may pass it.
   * The wait (`holeSkipMs`) must exceed the remote's retry span for this to be safe.
   */
  private skipHoles(arrivedBy: number): void {
    let top = this.cumulative;
    for (const [seq, at] of this.ahead) {
      if (at > arrivedBy) break;
      if (seq > top) top = seq;
    }
    if (top === this.cumulative) return;
    let held = 0;
    for (const seq of this.ahead.keys()) {
      if (seq <= top) {
        this.ahead.delete(seq);
        held++;
      }
    }
    this.counters.skipped += top - this.cumulative - held;
    this.cumulative = top;
    this.absorb();
  }
}
