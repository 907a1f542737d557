/**
 * Flow control of new data: a byte-rate limit (token bucket), an in-flight window per stream
 * driven by receivers' delivered positions, and the slow-consumer policy.
 */
import type { PeerId } from '../../codecs/frame.js';
import { peerKey } from '../../codecs/frame.js';
import { earliest } from '../core.js';
import { DEFAULT_SENDER_OPTIONS } from '../sender/options.js';
import { newFlowControlCounters, type FlowControlCounters, type FlowControlDeps, type FlowControlOptions, type FlowControlSink, type FlowStream, type ReceiverPos, type SendVerdict } from './flow-types.js';
import { TokenBucket } from '../sender/token-bucket.js';
import { UnreportedNames } from './unreported-names.js';
import { DrainCheck } from './drain-check.js';
import { LeftExcluded } from './left-excluded.js';
import { blockersOf, climbedBelow, positionOf, progressedAt, progressedElsewhere, progressStep, stallDueMs, windowPosition } from './receiver-pos.js';

export type { FlowControlCounters, FlowControlDeps, FlowControlOptions, FlowControlSink, SendVerdict } from './flow-types.js';

const OK: SendVerdict = Object.freeze({ ok: true });

/**
 * Decides whether the next new message of a stream may go out now.
 *
 * Receivers and streams: a receiver is tracked for a stream from its first position report
 * (`onPosition`, fed from ACK positions; receivers report only streams they follow), or
 * earlier by `addReceiver(nowMs, peer, subject)`, in which case it counts as positioned at the
 * stream's newest sent seq until it reports. So the shell may register receivers from the
 * receiver list if they are known to report; otherwise a silent receiver is invisible here.
 * `removeReceiver` forgets a peer (it left) or one of its streams (it unsubscribed).
 *
 * Window: seq may be sent while `seq - position <= window`, position being the lowest
 * (`'min'`) or highest (`'max'`) reported position among receivers not excluded; with none, the
 * window does not limit. Positions only move forward. A stream's window is `flowWindowMessages`,
 * or what {@link setWindow} set (the shell's window by bytes, for large messages): every rule
 * below reads the stream's window, so the stall bound holds whatever limits the credit.
 *
 * Stall: a receiver whose position blocks a refused send, and that has made no progress for
 * `stallTimeoutMs` since it started blocking, is excluded (with a `slowConsumer` event unless
 * one was emitted in this episode) until it catches up, under either policy; so one dead
 * receiver cannot stall a stream for longer than the stall bound. Progress is a move of at
 * least 1/16 of the window (a creeping position still stalls); progress on the sender's other
 * streams restarts the clock too, a bounded number of times (receiver-pos.ts).
 * A block episode lasts until the window position has moved a progress step from where it
 * stood when the block began: a creeping position lets a message or two through at a time,
 * and the block that follows continues the episode instead of starting the stall clock again.
 * Being registered is no progress, so new receivers (or new forged names) that block during an
 * episode are excluded at its deadline too. When every receiver is excluded nothing limits the
 * stream. Caught up = lag at most half the window (hysteresis: no flapping on the edge).
 *
 * Rate: a {@link TokenBucket} of `burstBytes` refilled at `rateBytesPerSec` (0 = off).
 *
 * Timers: `nextDeadlineMs()` is the earliest of a rate-refused send's retry time and the next
 * stall timeout; after `onTimer` the shell retries its queued sends.
 *
 * Bounds: at most `maxTrackedPositions` (receiver, stream) pairs; streams are those the sender
 * sends on (bounded by `maxStreams` upstream) plus those named by tracked pairs.
 */
export class FlowControl {
  readonly counters: FlowControlCounters = newFlowControlCounters();

  private readonly sink: FlowControlSink;
  private readonly o: FlowControlOptions;
  private readonly streams = new Map<string, FlowStream>();
  /** Parked streams: their newest sent seq, all they keep (see {@link park}). */
  private readonly parked = new Map<string, number>();
  /** Names whose incarnations left without reporting: a new one takes over their stall clock. */
  private readonly unreported = new UnreportedNames();
  /** Receivers removed (listing expired, left) while left out of streams, and those streams. */
  private readonly leftExcluded = new LeftExcluded();
  /** Subjects each peer is tracked for, so `removeReceiver(peer)` need not scan every stream. */
  private readonly peerSubjects = new Map<string, Set<string>>();
  private readonly blockedStreams = new Set<FlowStream>();
  private readonly bucket: TokenBucket;
  private stallDeadlineMs: number | undefined;
  private stallDirty = false;
  private discoveryUntilMs = Number.NEGATIVE_INFINITY;
  /** While closing: who is still waited for (drain-check.ts). */
  private readonly drain: DrainCheck;

  constructor(deps: FlowControlDeps, options: FlowControlOptions = DEFAULT_SENDER_OPTIONS) {
    this.sink = deps.sink;
    this.o = options;
    this.bucket = new TokenBucket(options.rateBytesPerSec, options.burstBytes);
    this.drain = new DrainCheck(options);
  }

  /** May message `seq` (`bytes` on the wire) of `subject` be sent now? Counts each refusal. */
  canSend(nowMs: number, subject: string, seq: number, bytes: number): SendVerdict {
    const s = this.streamFor(subject);
    this.start(s, seq);
    const limit = this.limitOf(s);
    if (limit !== undefined && seq - limit > s.window) {
      this.counters.blockedByWindow++;
      if (s.blocked === undefined) {
        const last = s.lastBlock;
        // The window has not really moved since the last block began: the same episode goes on.
        s.blocked = last !== undefined && limit < last.pos + progressStep(s) ? { seq, sinceMs: last.sinceMs, pos: last.pos } : { seq, sinceMs: nowMs, pos: limit };
        this.blockedStreams.add(s);
      } else if (seq < s.blocked.seq) s.blocked.seq = seq;
      this.stallDirty = true;
      return { ok: false, reason: 'window' };
    }
    const retryAtMs = this.bucket.check(nowMs, bytes);
    if (retryAtMs !== undefined) {
      this.counters.blockedByRate++;
      return { ok: false, reason: 'rate', retryAtMs };
    }
    if (s.blocked !== undefined && seq >= s.blocked.seq) this.unblock(s);
    return OK;
  }

  /** Message `seq` of `subject` (`bytes` on the wire) was sent. */
  onSent(nowMs: number, subject: string, seq: number, bytes: number): void {
    const s = this.streamFor(subject);
    this.start(s, seq);
    if (seq > s.highSent) s.highSent = seq;
    this.bucket.take(nowMs, bytes);
    if (s.blocked !== undefined && seq >= s.blocked.seq) this.unblock(s);
    if (this.o.flowPolicy === 'max' && s.receivers.size > 0) {
      this.limitOf(s); // refreshes watchPos
      if (s.watchPos !== undefined && s.highSent - s.watchPos > s.window) this.flagLaggards(s);
    }
  }

  /** `peer` reports it delivered `subject` up to `seq` (ACK positions; may be hostile or stale). */
  onPosition(nowMs: number, peer: PeerId, subject: string, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      this.counters.invalidPositions++;
      return;
    }
    // A parked stream had nothing in flight: a report at its newest seq or beyond says nothing new.
    const parkedHigh = this.parked.get(subject);
    if (parkedHigh !== undefined && seq >= parkedHigh) return;
    const r = this.track(nowMs, peer, subject);
    if (r === undefined) return;
    const s = this.streams.get(subject) as FlowStream;
    // Nobody delivered what we never sent. Taken at its word, one forged ACK far ahead (2^53)
    // would stand for this receiver until we sent that far: positions only move forward, so its
    // real reports would be ignored and it would pace nothing for the rest of the run.
    // (Before our first send of the stream in this incarnation its newest seq is unknown: a
    // ledger's resumed stream goes on from the previous one's; a report then is taken as it is.)
    if (s.started && seq > s.highSent) {
      this.counters.positionsAhead++;
      seq = s.highSent;
    }
    if (r.reported !== undefined && seq <= r.reported) {
      // Below what it reported: the position stays, but a climb is progress (receiver-pos.ts).
      if (climbedBelow(r, s, seq, nowMs)) {
        this.drain.progressed(peerKey(peer), nowMs);
        if (progressedElsewhere(this.blockedStreams, r, s, nowMs)) this.stallDirty = true;
        this.touch(s);
      }
      return;
    }
    if (r.reported === undefined) {
      this.unreported.reported(peer.name);
      // A first report after the multicast probe (its unicast fallback) starts its stall clock
      // from the probe's end: its old clock had run out while it could not hear us.
      r.progressedMs = Math.max(r.progressedMs, Math.min(nowMs, progressedAt(r, this.o)));
    }
    r.reported = seq;
    r.lowPos = undefined;
    // While closing, any step forward on any stream shows the receiver is alive and working
    // through its backlog (the close stays bounded by the peer's closeTimeoutMs).
    this.drain.progressed(peerKey(peer), nowMs);
    // Progress is a real step forward, not a creep: a receiver (or a forger) that moves its
    // position by a message at a time while it blocks the window still stalls.
    if (seq - r.progressPos >= progressStep(s)) {
      r.lastProgressMs = nowMs;
      r.progressedMs = nowMs;
      r.progressPos = seq;
      if (progressedElsewhere(this.blockedStreams, r, s, nowMs)) this.stallDirty = true;
    } else if (seq < r.progressPos) r.progressPos = seq;
    this.touch(s);
    const lag = s.highSent - seq;
    if ((r.slow || r.excluded) && lag <= s.window / 2) {
      r.slow = false;
      r.excluded = false;
    } else if (this.o.flowPolicy === 'max' && !r.slow && !r.excluded && lag > s.window) {
      this.reportSlow(r, s, lag);
    }
    this.checkOpened(s);
  }

  /**
   * Tracks `peer` for `subject` before it reports: it counts as positioned at the stream's
   * newest sent seq, or with `fromStart` at the stream's start in this incarnation (a receiver
   * that was there before the stream began and will ask for all of it). Returns false when
   * `maxTrackedPositions` is reached. Idempotent.
   */
  addReceiver(nowMs: number, peer: PeerId, subject: string, fromStart = this.discovering(nowMs)): boolean {
    return this.track(nowMs, peer, subject, fromStart) !== undefined;
  }

  /**
   * Start-up discovery lasts until `untilMs`: the peer is still learning its audience. Meanwhile
   * a stream that no known receiver limits gets a small credit ({@link creditLimit}) and a
   * receiver added counts from the stream's start (it was there before we began).
   */
  startDiscovery(untilMs: number): void {
    this.discoveryUntilMs = untilMs;
  }

  /** Whether start-up discovery is still going on at `nowMs`. */
  discovering(nowMs: number): boolean {
    return nowMs < this.discoveryUntilMs;
  }

  /**
   * Sets the window of `subject` in messages (at least 1): the shell's window by bytes when the
   * stream's messages are large. Until set, `flowWindowMessages`.
   */
  setWindow(subject: string, windowMessages: number): void {
    const s = this.streamFor(subject);
    const w = Math.max(1, Math.floor(windowMessages));
    if (w === s.window) return;
    s.window = w;
    this.touch(s);
    this.checkOpened(s);
  }

  /** Messages of `subject` sent beyond its window's position: 0 when nobody limits it (or it is unknown). */
  inFlight(subject: string): number {
    const s = this.streams.get(subject);
    if (s === undefined) return 0;
    const pos = this.limitOf(s);
    return pos === undefined ? 0 : Math.max(0, s.highSent - pos);
  }

  /**
   * The highest seq `subject` may send now: the window's position plus the stream's window; with
   * nobody limiting it, 1/16 of the window past the stream's start while discovering, else
   * unlimited (`Number.MAX_SAFE_INTEGER`).
   */
  creditLimit(nowMs: number, subject: string): number {
    const s = this.streams.get(subject);
    const window = s?.window ?? this.o.flowWindowMessages;
    const pos = s === undefined ? undefined : this.limitOf(s);
    if (pos !== undefined) return pos + window;
    if (this.discovering(nowMs)) return (s?.base ?? 0) + Math.max(1, Math.floor(window / 16));
    return Number.MAX_SAFE_INTEGER;
  }

  /**
   * Parks `subject` if nothing of it is in flight: it was sent in this incarnation, is not held
   * for the window, and every receiver tracked for it (none excluded) is at its newest sent seq.
   * A parked stream keeps only that seq; its receivers are forgotten. It is made whole again by
   * its next send ({@link onSent}, or {@link addReceiver}, which the shell calls first for the
   * receivers its patterns match), by a position report below that seq, or by any other call
   * naming it: from then on it starts at that seq (`base`), with no receivers until they are
   * added or report. Returns whether it parked (false: not known, already parked, or busy).
   */
  park(subject: string): boolean {
    const s = this.streams.get(subject);
    if (s === undefined || !s.started || s.blocked !== undefined) return false;
    for (const r of s.receivers.values()) {
      if (r.excluded || r.slow || positionOf(r, s) < s.highSent) return false;
    }
    for (const key of s.receivers.keys()) {
      const subjects = this.peerSubjects.get(key) as Set<string>;
      subjects.delete(subject);
      if (subjects.size === 0) this.peerSubjects.delete(key);
    }
    this.counters.trackedPairs -= s.receivers.size;
    this.streams.delete(subject);
    this.parked.set(subject, s.highSent);
    this.counters.parkedStreams = this.parked.size;
    return true;
  }

  /**
   * Whether a receiver tracked for `subject` has not confirmed its newest sent seq (excluded and
   * slow ones included: they are interested still). False for a stream not sent in this
   * incarnation, parked, or unknown. O(receivers of the stream).
   */
  awaitsConfirmation(subject: string): boolean {
    const s = this.streams.get(subject);
    if (s === undefined || !s.started) return false;
    for (const r of s.receivers.values()) if (positionOf(r, s) < s.highSent) return true;
    return false;
  }

  /** Whether `subject` is parked ({@link park}). */
  isParked(subject: string): boolean {
    return this.parked.has(subject);
  }

  /** The parked subjects ({@link park}), in no particular order. */
  parkedSubjects(): IterableIterator<string> {
    return this.parked.keys();
  }

  /**
   * `peer` showed it is alive though it made no progress (its process restarted: a new
   * incarnation advertised): its stall clocks start again at `nowMs` on every stream it is
   * tracked for (from `untilMs` when later: its multicast in doubt until then), so a restarted
   * durable subscriber has the whole stall bound to ask for what it missed. */
  renewProgress(nowMs: number, peer: PeerId, untilMs = nowMs): void {
    const key = peerKey(peer);
    for (const subject of this.peerSubjects.get(key) ?? []) {
      const r = this.streams.get(subject)?.receivers.get(key);
      if (r === undefined) continue;
      r.lastProgressMs = Math.max(r.lastProgressMs, nowMs);
      r.progressedMs = Math.max(r.progressedMs, untilMs);
    }
    this.stallDirty = true;
  }

  /** Forgets `peer` for `subject`, or for every stream (the peer left) when `subject` is omitted. */
  removeReceiver(peer: PeerId, subject?: string): void {
    const key = peerKey(peer);
    const subjects = this.peerSubjects.get(key);
    if (subjects === undefined) return;
    if (subject === undefined) this.rememberUnreported(peer, subjects);
    let excluded: Set<string> | undefined;
    for (const subj of subject === undefined ? [...subjects] : subjects.has(subject) ? [subject] : []) {
      subjects.delete(subj);
      const s = this.streams.get(subj) as FlowStream;
      if (subject === undefined && s.receivers.get(key)?.excluded) (excluded ??= new Set()).add(subj);
      s.receivers.delete(key);
      this.counters.trackedPairs--;
      this.touch(s);
      this.checkOpened(s);
      if (!s.started && s.receivers.size === 0) this.streams.delete(subj);
    }
    if (subjects.size === 0) {
      this.peerSubjects.delete(key);
      this.drain.forget(key);
    }
    if (excluded !== undefined) this.leftExcluded.remember(key, excluded);
  }

  /**
   * Whether `peer` reported a position of any stream it is tracked for (a receiver that works;
   * a name that only advertised, never).
   */
  hasReported(peer: PeerId): boolean {
    const key = peerKey(peer);
    for (const subject of this.peerSubjects.get(key) ?? []) if (this.streams.get(subject)?.receivers.get(key)?.reported !== undefined) return true;
    return false;
  }

  /** `peer` leaves: if it never reported, its name's next incarnation takes over its stall clock ({@link UnreportedNames}). */
  private rememberUnreported(peer: PeerId, subjects: ReadonlySet<string>): void {
    const key = peerKey(peer);
    let sinceMs = Number.POSITIVE_INFINITY;
    let excluded = false;
    for (const subject of subjects) {
      const r = this.streams.get(subject)?.receivers.get(key);
      if (r === undefined) continue;
      if (r.reported !== undefined) return;
      sinceMs = Math.min(sinceMs, r.lastProgressMs);
      excluded ||= r.excluded;
    }
    if (sinceMs !== Number.POSITIVE_INFINITY) this.unreported.left(peer.name, sinceMs, excluded);
  }

  /** Closing: whether every receiver has reported the newest sent seq of every stream; gives up stalled ones (drain-check.ts). */
  drained(nowMs: number): boolean {
    return this.drain.drained(nowMs, this.streams.values(), this.peerSubjects.keys(), (r, s) => this.leaveOut(r, s));
  }

  /** The position the window of `subject` follows now (undefined: nobody limits it). */
  windowPosition(subject: string): number | undefined {
    const s = this.streams.get(subject);
    return s === undefined ? undefined : this.limitOf(s);
  }

  /** When `onTimer` has work: a rate-refused send may proceed, or a blocking receiver stalls. */
  nextDeadlineMs(): number | undefined {
    if (this.stallDirty) {
      this.stallDirty = false;
      let d: number | undefined;
      for (const s of this.blockedStreams) for (const r of blockersOf(s)) d = earliest(d, stallDueMs(r, s, this.o));
      this.stallDeadlineMs = d;
    }
    return earliest(this.bucket.nextDeadlineMs(), this.stallDeadlineMs);
  }

  /**
   * The sender has been held since `sinceMs` because all our streams together have more
   * unconfirmed than its window may hold (the shell's hold, not one stream's window): every
   * receiver that has not confirmed a stream's newest sent seq and made no progress on it since
   * then is no longer waited for, and named in a `slowConsumer` event, as a stalled blocker is
   * ({@link onTimer}). Returns how many (receiver, stream) pairs were left out. O(tracked pairs).
   */
  excludeStalledSince(sinceMs: number): number {
    let n = 0;
    for (const s of this.streams.values()) {
      let changed = false;
      for (const r of s.receivers.values()) {
        if (!this.stalledSince(r, s, sinceMs)) continue;
        changed = this.leaveOut(r, s);
        n++;
      }
      if (changed) this.opened(s);
    }
    return n;
  }

  /**
   * Clears a passed rate deadline and excludes receivers whose stall timeout passed, on that
   * stream and on every other one where they are behind and made no progress since either: the
   * stall bound is what a receiver may cost the publisher, not each stream in turn. Before
   * (7 December, a user-style check), a subscriber paused (SIGSTOP) behind a publisher of two
   * subjects held it 4 s: held on the first stream, the publisher sent nothing on the second,
   * which blocked only once the first was let go, for another full bound.
   */
  onTimer(nowMs: number): void {
    this.bucket.onTimer(nowMs);
    let stalled: Map<string, number> | undefined;
    for (const s of [...this.blockedStreams]) {
      let since: number | undefined;
      for (const r of blockersOf(s)) {
        const dueMs = stallDueMs(r, s, this.o);
        if (dueMs > nowMs) continue;
        this.leaveOut(r, s);
        (stalled ??= new Map()).set(peerKey(r.peer), dueMs - this.o.stallTimeoutMs);
        since = Math.min(since ?? Number.POSITIVE_INFINITY, dueMs - this.o.stallTimeoutMs);
      }
      if (since === undefined) continue;
      // The stream's other receivers behind it with no progress since then either stalled too:
      // a little ahead, they would block as soon as the window moved, and hold it one more bound
      // each (7 December: two subscribers whose acknowledgements stopped together, 1.3 s + 2 s).
      for (const r of s.receivers.values()) {
        if (this.stalledSince(r, s, since)) {
          this.leaveOut(r, s);
          stalled?.set(peerKey(r.peer), Math.min(stalled.get(peerKey(r.peer)) ?? since, since));
        } else if (!r.excluded && r.reported !== undefined && r.reported >= s.highSent) {
          // One that has everything sent could not move while the stream was held: caught up
          // is progress, and it has the whole bound if it blocks next. Before (7 December), a
          // subscriber keeping up behind a forger that never reported was left out 20 ms after
          // the forger, its first report on the burst the opening let through still under way.
          r.progressedMs = nowMs;
          r.lastProgressMs = nowMs;
          r.progressPos = r.reported;
        }
      }
      this.opened(s);
    }
    for (const [key, sinceMs] of stalled ?? []) {
      for (const subject of this.peerSubjects.get(key) ?? []) {
        const s = this.streams.get(subject);
        const r = s?.receivers.get(key);
        if (s !== undefined && r !== undefined && this.stalledSince(r, s, sinceMs) && this.leaveOut(r, s)) this.opened(s);
      }
    }
    this.stallDirty = true;
  }

  /** Whether `r` is waited for on `s`, behind its newest sent seq, with no progress since `sinceMs`. */
  private stalledSince(r: ReceiverPos, s: FlowStream, sinceMs: number): boolean {
    return !r.excluded && progressedAt(r, this.o) <= sinceMs && positionOf(r, s) < s.highSent;
  }

  /** Leaves a stalled receiver out of `s`'s window (counted once) and names it in `slowConsumer` (once per episode); true. */
  private leaveOut(r: ReceiverPos, s: FlowStream): true {
    if (!r.excluded) {
      r.excluded = true;
      this.counters.stalledReceivers++;
      this.touch(s);
    }
    if (!r.slow) this.reportSlow(r, s, s.highSent - positionOf(r, s));
    return true;
  }

  /**
   * `s`'s window may have opened: a receiver was left out. The window's position moved by that,
   * not by anyone's progress: the block episode goes on from the new position, so a receiver
   * that blocks next, with no progress since the episode began either, is due at once. Before (7
   * December), a new episode began there, and two subscribers whose acknowledgements stopped at
   * the same moment held the publisher 1.3 s, then 2 s more for the one a little ahead.
   */
  private opened(s: FlowStream): void {
    this.touch(s);
    const b = s.blocked;
    const limit = b === undefined ? undefined : this.limitOf(s);
    if (b !== undefined && limit !== undefined) s.blocked = { seq: b.seq, sinceMs: b.sinceMs, pos: limit };
    this.checkOpened(s);
  }

  private streamFor(subject: string): FlowStream {
    let s = this.streams.get(subject);
    if (s === undefined) {
      // A parked stream comes back whole from its newest sent seq (nothing was in flight there).
      const parkedHigh = this.parked.get(subject);
      if (parkedHigh !== undefined) {
        this.parked.delete(subject);
        this.counters.parkedStreams = this.parked.size;
      }
      s = {
        subject,
        started: parkedHigh !== undefined,
        base: parkedHigh ?? 0,
        highSent: parkedHigh ?? 0,
        window: this.o.flowWindowMessages,
        receivers: new Map(),
        blocked: undefined,
        lastBlock: undefined,
        limitPos: undefined,
        watchPos: undefined,
        dirty: false,
      };
      this.streams.set(subject, s);
    }
    return s;
  }

  /** Learns where a (possibly resumed) stream starts, from its first seq in this incarnation. */
  private start(s: FlowStream, seq: number): void {
    if (s.started) return;
    s.started = true;
    s.base = seq - 1;
    if (s.highSent < s.base) s.highSent = s.base;
    this.touch(s);
  }

  private track(nowMs: number, peer: PeerId, subject: string, fromStart = false): ReceiverPos | undefined {
    const key = peerKey(peer);
    const existing = this.streams.get(subject)?.receivers.get(key);
    if (existing !== undefined) return existing;
    if (this.counters.trackedPairs >= this.o.maxTrackedPositions) {
      this.counters.untrackedPairs++;
      return undefined;
    }
    const s = this.streamFor(subject);
    const r: ReceiverPos = {
      peer,
      reported: undefined,
      joinedAt: fromStart ? 0 : s.highSent,
      lastProgressMs: nowMs,
      progressedMs: Number.NEGATIVE_INFINITY,
      slow: false,
      excluded: false,
      progressPos: fromStart ? s.base : Math.max(s.highSent, s.base),
      lowPos: undefined,
      climbAt: undefined,
      elsewhere: 0,
    };
    const earlier = this.unreported.takenOver(nowMs, peer.name);
    if (earlier !== undefined) {
      r.lastProgressMs = Math.min(nowMs, earlier.sinceMs);
      r.excluded = r.slow = earlier.excluded;
    }
    // Back after its listing expired (a process paused past peerExpiryMs), left out of this
    // stream when it went: it stays out until it has caught up. Before (7 December), it came back
    // as a receiver to wait for, a million messages behind (what the sender no longer held, and it
    // would get as dataLoss): the publisher was held 1.6-4 s more after the SIGCONT.
    if (this.leftExcluded.take(key, subject)) r.excluded = r.slow = true;
    s.receivers.set(key, r);
    let subjects = this.peerSubjects.get(key);
    if (subjects === undefined) this.peerSubjects.set(key, (subjects = new Set()));
    subjects.add(subject);
    this.counters.trackedPairs++;
    this.touch(s);
    return r;
  }

  /** The window's position (policy min or max over receivers not excluded), recomputed when dirty. */
  private limitOf(s: FlowStream): number | undefined {
    return windowPosition(s, this.o.flowPolicy);
  }

  /** Under 'max': reports every receiver (not yet reported) lagging more than the window. */
  private flagLaggards(s: FlowStream): void {
    for (const r of s.receivers.values()) {
      if (r.slow || r.excluded) continue;
      const lag = s.highSent - positionOf(r, s);
      if (lag > s.window) this.reportSlow(r, s, lag);
    }
  }

  private reportSlow(r: ReceiverPos, s: FlowStream, lag: number): void {
    r.slow = true;
    this.touch(s);
    this.counters.slowConsumerEvents++;
    this.sink.slowConsumer(r.peer, s.subject, lag);
  }

  private touch(s: FlowStream): void {
    s.dirty = true;
    if (s.blocked !== undefined) this.stallDirty = true;
  }

  private unblock(s: FlowStream): void {
    if (s.blocked !== undefined) s.lastBlock = { sinceMs: s.blocked.sinceMs, pos: s.blocked.pos };
    s.blocked = undefined;
    this.blockedStreams.delete(s);
    this.stallDirty = true;
  }

  /** Emits `windowOpened` when a blocked stream's refused seq now fits the window. */
  private checkOpened(s: FlowStream): void {
    if (s.blocked === undefined) return;
    const limit = this.limitOf(s);
    if (limit !== undefined && s.blocked.seq - limit > s.window) return;
    this.unblock(s);
    this.sink.windowOpened(s.subject);
  }
}
