/**
 * The sending half of a reliable-unicast channel to one remote peer: channel sequences,
 * retransmission on timeout with exponential backoff, ACK processing and giving up.
 */
import type { TimerCore } from '../core.js';
import { DEFAULT_RETRANSMIT_OPTIONS, type ResolvedRetransmitOptions } from './options.js';
import { RtoEstimator } from './rto-estimator.js';

/** The options {@link OutboundChannel} reads. */
export type OutboundChannelOptions = Pick<
  ResolvedRetransmitOptions,
  'rtoMinMs' | 'rtoMaxMs' | 'rtoInitialMs' | 'maxInFlight' | 'maxAttempts'
>;

/** Where an {@link OutboundChannel} puts its output. Called synchronously from its methods. */
export interface OutboundChannelSink<T> {
  /** Put `item` on the wire with this channel sequence; `attempt` is 1 for the first transmission. */
  transmit(channelSeq: number, item: T, attempt: number): void;
  /**
   * An item went `maxAttempts` transmissions without an ACK: the channel dropped every item in
   * flight (`dropped`, oldest first). Called once per give-up; the owner reports it as an error
   * naming the peer. The channel stays usable and numbering continues.
   */
  gaveUp(reason: string, dropped: readonly T[]): void;
}

/** What an {@link OutboundChannel} needs. */
export interface OutboundChannelDeps<T> {
  readonly sink: OutboundChannelSink<T>;
}

/** Counters of one outbound channel (cumulative, `reset` keeps them). */
export interface OutboundChannelCounters {
  /** Items accepted by `send` (first transmissions). */
  sent: number;
  /** Transmissions after the first. */
  retransmitted: number;
  /** Items acknowledged (each once). */
  acked: number;
  /** Give-ups (each drops everything in flight). */
  gaveUp: number;
  /** Items dropped by give-ups. */
  dropped: number;
  /** `send` calls refused because `maxInFlight` items were outstanding. */
  rejectedFull: number;
  /** ACKs naming a channel sequence that was never sent or that is not a sequence at all. */
  invalidAcks: number;
}

interface InFlight<T> {
  readonly seq: number;
  readonly item: T;
  /** Transmissions so far (1 after `send`). */
  attempts: number;
  lastSentMs: number;
  /** The wait that `deadlineMs` was computed with; doubles per retransmission. */
  timeoutMs: number;
  deadlineMs: number;
}

/**
 * Sends items to one peer reliably: each gets channel sequence 1, 2, 3, … and is retransmitted
 * until acknowledged or until it has been transmitted `maxAttempts` times.
 *
 * - Timeouts: a first transmission waits the current RTO; each retransmission waits twice its
 *   previous wait (at least the current RTO), capped at `rtoMaxMs`. When the oldest item in flight
 *   times out, the estimator backs off too (Karn), so new items start with the longer wait.
 * - RTT samples come only from items acknowledged after a single transmission (Karn's rule), one
 *   per ACK (the newest such item).
 * - ACKs are hostile input: a cumulative sequence above the newest one sent is ignored, and one
 *   ACK never does more work than `maxInFlight` selective entries plus the items in flight.
 * - Bounded: at most `maxInFlight` items, held in a Map ordered by channel sequence.
 */
export class OutboundChannel<T> implements TimerCore {
  readonly counters: OutboundChannelCounters = {
    sent: 0,
    retransmitted: 0,
    acked: 0,
    gaveUp: 0,
    dropped: 0,
    rejectedFull: 0,
    invalidAcks: 0,
  };
  /** The round-trip estimator (read `rto.rtoMs`, `rto.srttMs` for stats). */
  readonly rto: RtoEstimator;
  private readonly sink: OutboundChannelSink<T>;
  private readonly options: OutboundChannelOptions;
  /** Insertion order is channel-sequence order: a retransmission updates an entry in place. */
  private readonly inFlight = new Map<number, InFlight<T>>();
  private lastSeq = 0;

  constructor(deps: OutboundChannelDeps<T>, options: OutboundChannelOptions = DEFAULT_RETRANSMIT_OPTIONS) {
    this.sink = deps.sink;
    this.options = options;
    this.rto = new RtoEstimator(options);
  }

  /** Items sent and not yet acknowledged. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The newest channel sequence handed out (0 before the first send and after `reset`). */
  get lastChannelSeq(): number {
    return this.lastSeq;
  }

  /**
   * Sends `item` with the next channel sequence and returns that sequence, or returns `undefined`
   * (counted in `rejectedFull`) when `maxInFlight` items are unacknowledged: nothing is sent and
   * no sequence is used; the caller decides (a NAK will be re-sent by the receiver's backoff).
   */
  send(nowMs: number, item: T): number | undefined {
    if (this.inFlight.size >= this.options.maxInFlight) {
      this.counters.rejectedFull++;
      return undefined;
    }
    const seq = ++this.lastSeq;
    const timeoutMs = this.rto.rtoMs;
    this.inFlight.set(seq, { seq, item, attempts: 1, lastSentMs: nowMs, timeoutMs, deadlineMs: nowMs + timeoutMs });
    this.counters.sent++;
    this.sink.transmit(seq, item, 1);
    return seq;
  }

  /**
   * An ACK from the remote: every channel sequence up to `cumulativeSeq` and those in `selective`
   * were received. Entries that name nothing in flight are ignored.
   */
  onAck(nowMs: number, cumulativeSeq: number, selective: readonly number[]): void {
    let sample: InFlight<T> | undefined;
    let invalid = false;
    if (Number.isSafeInteger(cumulativeSeq) && cumulativeSeq >= 0 && cumulativeSeq <= this.lastSeq) {
      // Map order is sequence order, so this stops at the first item above the cumulative point.
      for (const [seq, f] of this.inFlight) {
        if (seq > cumulativeSeq) break;
        this.inFlight.delete(seq);
        this.counters.acked++;
        if (f.attempts === 1) sample = f;
      }
    } else {
      invalid = true;
    }
    const n = Math.min(selective.length, this.options.maxInFlight);
    for (let i = 0; i < n && this.inFlight.size > 0; i++) {
      const seq = selective[i];
      const f = this.inFlight.get(seq);
      if (f === undefined) {
        if (!(Number.isSafeInteger(seq) && seq >= 1 && seq <= this.lastSeq)) invalid = true;
        continue;
      }
      this.inFlight.delete(seq);
      this.counters.acked++;
      if (f.attempts === 1 && (sample === undefined || f.seq > sample.seq)) sample = f;
    }
    if (invalid) this.counters.invalidAcks++;
    if (sample !== undefined) this.rto.onSample(nowMs - sample.lastSentMs);
  }

  /** When the earliest item in flight times out; `undefined` when nothing is in flight. O(in flight). */
  nextDeadlineMs(): number | undefined {
    let best: number | undefined;
    for (const f of this.inFlight.values()) if (best === undefined || f.deadlineMs < best) best = f.deadlineMs;
    return best;
  }

  /** Retransmits every item whose timeout expired, or gives up if one has no attempt left. */
  onTimer(nowMs: number): void {
    const expired: InFlight<T>[] = [];
    for (const f of this.inFlight.values()) if (f.deadlineMs <= nowMs) expired.push(f);
    if (expired.length === 0) return;
    const exhausted = expired.find((f) => f.attempts >= this.options.maxAttempts);
    if (exhausted !== undefined) {
      this.giveUp(nowMs, exhausted);
      return;
    }
    const oldestSeq = this.inFlight.keys().next().value;
    for (const f of expired) {
      // The sink may have re-entered (an ACK processed synchronously): skip what left meanwhile.
      if (this.inFlight.get(f.seq) !== f) continue;
      if (f.seq === oldestSeq) this.rto.onTimeout();
      f.attempts++;
      f.timeoutMs = Math.min(this.options.rtoMaxMs, Math.max(this.rto.rtoMs, f.timeoutMs * 2));
      f.lastSentMs = nowMs;
      f.deadlineMs = nowMs + f.timeoutMs;
      this.counters.retransmitted++;
      this.sink.transmit(f.seq, f.item, f.attempts);
    }
  }

  /**
   * The remote restarted (new incarnation, fresh inbound half): drops everything in flight without
   * a give-up, restarts numbering at 1 and forgets the RTT estimate. Counters are kept.
   */
  reset(): void {
    this.inFlight.clear();
    this.lastSeq = 0;
    this.rto.reset();
  }

  private giveUp(nowMs: number, culprit: InFlight<T>): void {
    const dropped = [...this.inFlight.values()].map((f) => f.item);
    this.inFlight.clear();
    this.counters.gaveUp++;
    this.counters.dropped += dropped.length;
    const reason =
      `channel sequence ${culprit.seq} unacknowledged after ${culprit.attempts} transmissions ` +
      `(last wait ${Math.round(nowMs - culprit.lastSentMs)} ms); ` +
      `dropped ${dropped.length} item(s) in flight`;
    this.sink.gaveUp(reason, dropped);
  }
}
