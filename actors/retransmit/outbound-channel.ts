/**
 * The sending half of a reliable-unicast channel to one remote peer: channel sequences,
 * retransmission on timeout with exponential backoff, early retransmission of an item a later
 * ACK shows lost, ACK processing and giving up.
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
  /** Of `retransmitted`, those sent because a later item was acknowledged (before the timeout). */
  earlyRetransmits: number;
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
  /** `deadlineMs` is the loss-detection time (a later item was acknowledged), not the timeout. */
  lossTimer: boolean;
}

/** RFC 9002 kTimeThreshold: an item sent before an acknowledged one is lost once 9/8 of an RTT has passed. */
const TIME_THRESHOLD = 9 / 8;
/** RFC 9002 kGranularity: the least loss-detection delay (ms). */
const GRANULARITY_MS = 1;

/**
 * Sends items to one peer reliably: each gets channel sequence 1, 2, 3, … and is retransmitted
 * until acknowledged or until it has been transmitted `maxAttempts` times.
 *
 * - Timeouts: a first transmission waits the current RTO; each retransmission waits twice its
 *   previous wait (at least the current RTO), capped at `rtoMaxMs`. When the oldest item in flight
 *   times out, the estimator backs off too (Karn), so new items start with the longer wait.
 * - RTT samples come only from items acknowledged after a single transmission (Karn's rule), one
 *   per ACK (the newest such item).
 * - Early retransmission (RFC 9002 6.1.2, time threshold): an item whose last transmission went
 *   before one that was acknowledged is lost once `9/8 * max(SRTT, latest RTT)` has passed since
 *   it was sent; it is sent again then (at once if that time is over), without backing off the
 *   RTO (the path works: something sent later got through). A lost repair frame waited a whole
 *   RTO before (at least `rtoMinMs`, 10 ms, and 15-20 ms with event-loop delays): under 5 % loss
 *   that wait, one repair in ten, ran the publisher out of credit. Reordering within 1/8 RTT only
 *   costs a duplicate (the inbound half drops it).
 * - ACKs are hostile input: a cumulative sequence above the newest one sent is ignored, and one
 *   ACK never does more work than `maxInFlight` selective entries plus the items in flight.
 * - Bounded: at most `maxInFlight` items, held in a Map ordered by channel sequence.
 */
export class OutboundChannel<T> implements TimerCore {
  readonly counters: OutboundChannelCounters = {
    sent: 0,
    retransmitted: 0,
    earlyRetransmits: 0,
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
  /** The last RTT sample (RFC 9002 latest_rtt), for the loss-detection threshold. */
  private latestRttMs = 0;

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
    this.inFlight.set(seq, { seq, item, attempts: 1, lastSentMs: nowMs, timeoutMs, deadlineMs: nowMs + timeoutMs, lossTimer: false });
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
    /**
     * The acknowledged item sent last (by send time, then sequence), of those sent once: the ACK of
     * a retransmitted item may answer its first copy, so it does not show when the item went.
     */
    let newest: InFlight<T> | undefined;
    let invalid = false;
    if (Number.isSafeInteger(cumulativeSeq) && cumulativeSeq >= 0 && cumulativeSeq <= this.lastSeq) {
      // Map order is sequence order, so this stops at the first item above the cumulative point.
      for (const [seq, f] of this.inFlight) {
        if (seq > cumulativeSeq) break;
        this.inFlight.delete(seq);
        this.counters.acked++;
        if (f.attempts === 1) sample = f;
        if (f.attempts === 1 && sentAfter(f, newest)) newest = f;
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
      if (f.attempts === 1 && sentAfter(f, newest)) newest = f;
    }
    if (invalid) this.counters.invalidAcks++;
    if (sample !== undefined) {
      this.latestRttMs = nowMs - sample.lastSentMs;
      this.rto.onSample(this.latestRttMs);
    }
    if (newest !== undefined) this.detectLost(nowMs, newest);
  }

  /** Items sent before `acked` are lost after the time threshold: resent now, or their loss timer set. */
  private detectLost(nowMs: number, acked: InFlight<T>): void {
    const srtt = this.rto.srttMs;
    if (srtt === undefined || this.inFlight.size === 0) return;
    const thresholdMs = Math.max(GRANULARITY_MS, TIME_THRESHOLD * Math.max(srtt, this.latestRttMs));
    const lost: InFlight<T>[] = [];
    // Map order is sequence order. An item above `acked`'s sequence went after it (acked was sent
    // once); below it, a retransmitted one may have gone later (sentAfter tells).
    for (const f of this.inFlight.values()) {
      if (f.seq > acked.seq) break;
      if (!sentAfter(acked, f) || f.attempts >= this.options.maxAttempts) continue;
      const lostAtMs = f.lastSentMs + thresholdMs;
      if (lostAtMs <= nowMs) lost.push(f);
      else if (lostAtMs < f.deadlineMs) {
        f.deadlineMs = lostAtMs;
        f.lossTimer = true;
      }
    }
    for (const f of lost) if (this.inFlight.get(f.seq) === f) this.resendLost(nowMs, f);
  }

  /** Sends `f` again, found lost by a later item's ACK: the RTO is not backed off (the path works). */
  private resendLost(nowMs: number, f: InFlight<T>): void {
    if (f.attempts >= this.options.maxAttempts) {
      // Out of attempts: the timeout decides (and gives up) as it would have.
      f.lossTimer = false;
      f.deadlineMs = f.lastSentMs + f.timeoutMs;
      return;
    }
    f.attempts++;
    f.lossTimer = false;
    f.timeoutMs = Math.max(this.rto.rtoMs, f.timeoutMs);
    f.lastSentMs = nowMs;
    f.deadlineMs = nowMs + f.timeoutMs;
    this.counters.retransmitted++;
    this.counters.earlyRetransmits++;
    this.sink.transmit(f.seq, f.item, f.attempts);
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
    let timedOut = 0;
    for (const f of expired) {
      if (!f.lossTimer) expired[timedOut++] = f;
      else if (this.inFlight.get(f.seq) === f) this.resendLost(nowMs, f);
    }
    expired.length = timedOut;
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
    this.latestRttMs = 0;
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

/** Whether `a`'s last transmission went after `b`'s (`b` undefined: yes). Same millisecond: the higher sequence went later. */
function sentAfter<T>(a: InFlight<T>, b: InFlight<T> | undefined): boolean {
  return b === undefined || a.lastSentMs > b.lastSentMs || (a.lastSentMs === b.lastSentMs && a.seq > b.seq);
}
