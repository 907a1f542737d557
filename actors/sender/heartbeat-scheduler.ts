/**
 * Heartbeat scheduling: which active streams to announce, and when, so that the loss of a
 * stream's last messages shows quickly and idle streams cost little.
 */
import { DEFAULT_SENDER_OPTIONS, type ResolvedSenderOptions } from './options.js';

/** The options {@link HeartbeatScheduler} reads. */
export type HeartbeatSchedulerOptions = Pick<
  ResolvedSenderOptions,
  'heartbeatMinMs' | 'heartbeatMaxMs' | 'activeStreamTtlMs' | 'maxStreamsPerHeartbeat' | 'maxStreams' | 'heartbeatStreamsPerSec'
>;

/** What {@link HeartbeatScheduler} counts (a live record: read it, do not write it). */
export interface HeartbeatSchedulerCounters {
  /** Heartbeats asked for (`onTimer` calls that returned subjects). */
  heartbeats: number;
  /** Stream entries across those heartbeats. */
  streamsAnnounced: number;
  /** Streams that left the active set after `activeStreamTtlMs` without data. */
  streamsExpired: number;
  /** Streams not scheduled because `maxStreams` streams were active. */
  streamsUntracked: number;
  /** Streams active now. */
  activeStreams: number;
  /**
   * Entries sent `heartbeatMinMs` or more after they were due: the `heartbeatStreamsPerSec`
   * budget (or a busy thread) held them.
   */
  delayedEntries: number;
  /** Entries of idle streams (see {@link IDLE_HEARTBEAT_SHARE}), within their share of the budget. */
  idleEntries: number;
  /** Times an expired stream was kept for another `activeStreamTtlMs`: a receiver had not confirmed it ({@link HeartbeatScheduler.retain}). */
  streamsRetained: number;
  /** Streams let go still unconfirmed after {@link MAX_RETAINED_ROUNDS} more rounds. */
  unconfirmedExpired: number;
  /** Streams announced again for a receiver that joined after they left the heartbeats ({@link HeartbeatScheduler.wake}). */
  streamsWoken: number;
}

/** Where {@link HeartbeatScheduler} reports (optional). */
export interface HeartbeatSchedulerSink {
  /**
   * `subject` left the active set (no data for `activeStreamTtlMs`). It waits for a verdict: the
   * caller answers {@link HeartbeatScheduler.retain} (a receiver has not confirmed its newest seq:
   * keep announcing it) or {@link HeartbeatScheduler.release} (facts kept only for its heartbeats
   * may go), unless new data comes first.
   */
  expired(subject: string): void;
}

/**
 * How many more rounds of `activeStreamTtlMs` a stream is announced while a receiver has not
 * confirmed its newest seq (5 minutes at the default 30 s): enough for a receiver that lost the
 * stream's last message and every heartbeat of a round (a busy thread can hold them past the
 * TTL) to hear of it; bounded, for a receiver that never confirms (its stream table is full).
 */
export const MAX_RETAINED_ROUNDS = 10;

interface ActiveStream {
  readonly subject: string;
  lastSentMs: number;
  /** Current backoff interval: the gap before the heartbeat after the next one. */
  intervalMs: number;
  /** When the stream's next heartbeat is due. */
  dueMs: number;
  /** Its key in its heap: never later than `dueMs` (a later `dueMs` is applied lazily). */
  heapKeyMs: number;
  heapIndex: number;
  /** Tie-break among equal keys: order of (re)insertion, so equals rotate fairly. */
  order: number;
  /** In the idle heap: announced at least once `heartbeatMaxMs` or more after its last data. */
  idle: boolean;
  /** Rounds of `activeStreamTtlMs` it was kept past its last data for an unconfirmed receiver. */
  retained: number;
}

/**
 * The share of `heartbeatStreamsPerSec` that entries of idle streams (announced once already
 * `heartbeatMaxMs` or more after their last data) may use at most: an eighth (2,500 entries a
 * second at the default 20,000). A quarter left 100,000 idle streams at 3.2 % of a core, an eighth
 * at 2.1-2.3 % (docs/SCALE.md "Idle cost").
 */
export const IDLE_HEARTBEAT_SHARE = 0.125;

/** A min-heap of streams by `heapKeyMs`, then `order`; each stream knows its index. */
class DueHeap {
  readonly items: ActiveStream[] = [];

  get top(): ActiveStream | undefined {
    return this.items[0];
  }

  push(s: ActiveStream): void {
    s.heapIndex = this.items.length;
    this.items.push(s);
    this.siftUp(s.heapIndex);
  }

  remove(s: ActiveStream): void {
    const last = this.items.pop() as ActiveStream;
    if (last !== s) {
      this.place(last, s.heapIndex);
      this.siftDown(this.siftUp(last.heapIndex));
    }
  }

  rekey(s: ActiveStream, keyMs: number): void {
    s.heapKeyMs = keyMs;
    this.siftDown(this.siftUp(s.heapIndex));
  }

  private less(a: ActiveStream, b: ActiveStream): boolean {
    return a.heapKeyMs < b.heapKeyMs || (a.heapKeyMs === b.heapKeyMs && a.order < b.order);
  }

  private place(s: ActiveStream, i: number): void {
    this.items[i] = s;
    s.heapIndex = i;
  }

  private siftUp(i: number): number {
    const s = this.items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(s, this.items[parent])) break;
      this.place(this.items[parent], i);
      i = parent;
    }
    this.place(s, i);
    return i;
  }

  private siftDown(i: number): void {
    const s = this.items[i];
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.less(this.items[l + 1], this.items[l]) ? l + 1 : l;
      if (!this.less(this.items[c], s)) break;
      this.place(this.items[c], i);
      i = c;
    }
    this.place(s, i);
  }
}

/** A token bucket of heartbeat entries. */
class EntryBudget {
  tokens: number;
  private lastRefillMs: number | undefined;

  constructor(
    readonly perSec: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  refill(nowMs: number): void {
    if (this.lastRefillMs === undefined) this.lastRefillMs = nowMs;
    else if (nowMs > this.lastRefillMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastRefillMs) * this.perSec) / 1000);
      this.lastRefillMs = nowMs;
    }
  }

  /**
   * When a stream due at `dueMs` may go: at once while `perRound` tokens are there; while they
   * are spent, when half the bucket is back (a backlog then goes out in rounds of many entries,
   * not in a round per entry's worth of tokens).
   */
  readyAtMs(dueMs: number, perRound: number): number {
    if (this.lastRefillMs === undefined) return dueMs;
    const round = Math.min(perRound, this.burst);
    if (this.tokens >= round) return dueMs;
    const want = Math.max(round, Math.floor(this.burst / 2));
    return Math.max(dueMs, this.lastRefillMs + Math.ceil(((want - this.tokens) * 1000) / this.perSec));
  }
}

/**
 * Schedules heartbeats of recently active streams.
 *
 * After data on a stream its next heartbeat is due `heartbeatMinMs` later; each heartbeat
 * doubles the gap up to `heartbeatMaxMs` (5, 10, 20, … 1000 ms with the defaults); new data
 * restarts the backoff. A stream is announced while within `activeStreamTtlMs` of its last
 * message, then leaves the active set (its last heartbeat is the last due one inside that time).
 * With a sink, a stream that leaves waits for a verdict: one a receiver has not confirmed is
 * kept ({@link retain}) and announced for more rounds, so that a receiver that missed its last
 * message and every heartbeat still hears of it; a confirmed one goes ({@link release}).
 *
 * `onTimer(nowMs)` returns the subjects to put in one heartbeat now: at most
 * `maxStreamsPerHeartbeat`, most overdue first (ties in scheduling order), so when more are
 * due they rotate fairly over successive heartbeats; `nextDeadlineMs()` then stays in the past
 * until every due stream was announced.
 *
 * Entries per second are bounded by `heartbeatStreamsPerSec` (a token bucket holding a tenth
 * of a second's worth): a burst of new streams, or many busy ones, cannot make heartbeats grow
 * with the stream count. A stream announced `heartbeatMaxMs` or more after its last data (1 s
 * with the defaults: its backoff reached the top, or the budget held its entries) is idle from
 * then on: it waits in a heap of its own, and idle entries take at most
 * {@link IDLE_HEARTBEAT_SHARE} of the budget. Streams that just had data come first, so the loss
 * of their last messages shows in milliseconds however many idle streams there are, and a
 * crowd of idle streams costs an eighth of the entries it would. Past a budget, due streams
 * wait, most overdue first, and each announcement still doubles its interval: a backlog drains
 * by itself.
 *
 * Bounded: at most `maxStreams` active streams (two min-heaps of them keyed by due time).
 * Costs: `onSent` O(1) while a stream is busy (O(log n) when data follows a long backoff);
 * `onTimer` O(k log n) for k announced or expired streams.
 */
export class HeartbeatScheduler {
  readonly counters: HeartbeatSchedulerCounters = {
    heartbeats: 0,
    streamsAnnounced: 0,
    streamsExpired: 0,
    streamsUntracked: 0,
    activeStreams: 0,
    delayedEntries: 0,
    idleEntries: 0,
    streamsRetained: 0,
    unconfirmedExpired: 0,
    streamsWoken: 0,
  };

  private readonly o: HeartbeatSchedulerOptions;
  private readonly active = new Map<string, ActiveStream>();
  /** Expired streams waiting for the sink's caller to {@link retain} or {@link release} them (only with a sink). */
  private readonly pending = new Map<string, ActiveStream>();
  /** Streams in their backoff from `heartbeatMinMs`. */
  private readonly fresh = new DueHeap();
  /** Streams announced `heartbeatMaxMs` or more after their last data. */
  private readonly idle = new DueHeap();
  private nextOrder = 0;
  /** Every entry takes a token. */
  private readonly all: EntryBudget;
  /** An idle stream's entry takes one of these too. */
  private readonly idleBudget: EntryBudget;

  private readonly sink: HeartbeatSchedulerSink | undefined;

  constructor(options: HeartbeatSchedulerOptions = DEFAULT_SENDER_OPTIONS, sink?: HeartbeatSchedulerSink) {
    this.o = options;
    this.sink = sink;
    this.all = new EntryBudget(options.heartbeatStreamsPerSec, Math.max(options.maxStreamsPerHeartbeat, Math.ceil(options.heartbeatStreamsPerSec / 10)));
    const idlePerSec = Math.max(1, options.heartbeatStreamsPerSec * IDLE_HEARTBEAT_SHARE);
    this.idleBudget = new EntryBudget(idlePerSec, Math.max(options.maxStreamsPerHeartbeat, Math.ceil(idlePerSec / 10)));
  }

  /** Data of `subject` was sent at `nowMs`. */
  onSent(nowMs: number, subject: string): void {
    // Whole milliseconds: a stream's times stay small integers, where floats would each be a
    // boxed number (three per active stream).
    nowMs = Math.floor(nowMs);
    const dueMs = nowMs + this.o.heartbeatMinMs;
    const s = this.active.get(subject);
    if (s !== undefined) {
      s.lastSentMs = nowMs;
      s.intervalMs = this.o.heartbeatMinMs;
      s.dueMs = dueMs;
      if (s.idle) {
        // Busy again: back with the streams that just had data.
        this.idle.remove(s);
        s.idle = false;
        s.heapKeyMs = dueMs;
        s.order = this.nextOrder++;
        this.fresh.push(s);
      } else if (dueMs < s.heapKeyMs) this.fresh.rekey(s, dueMs); // a later due date is applied lazily
      return;
    }
    if (this.pending.size > 0) this.pending.delete(subject); // data came before the verdict: active again
    if (this.active.size >= this.o.maxStreams) {
      this.counters.streamsUntracked++;
      return;
    }
    const stream: ActiveStream = {
      subject,
      lastSentMs: nowMs,
      intervalMs: this.o.heartbeatMinMs,
      dueMs,
      heapKeyMs: dueMs,
      heapIndex: 0,
      order: this.nextOrder++,
      idle: false,
      retained: 0,
    };
    this.active.set(subject, stream);
    this.fresh.push(stream);
    this.counters.activeStreams = this.active.size;
  }

  /**
   * When the next heartbeat is due (may be in the past), or undefined when no stream is active.
   * While a budget is spent, the time half its bucket is back (see {@link EntryBudget.readyAtMs}).
   */
  nextDeadlineMs(): number | undefined {
    this.settleTop(this.fresh);
    this.settleTop(this.idle);
    const fresh = this.fresh.top;
    const idle = this.idle.top;
    if (fresh === undefined && idle === undefined) return undefined;
    const round = this.o.maxStreamsPerHeartbeat;
    let at = Number.POSITIVE_INFINITY;
    if (fresh !== undefined) at = this.all.readyAtMs(fresh.heapKeyMs, round);
    if (idle !== undefined) at = Math.min(at, Math.max(this.all.readyAtMs(idle.heapKeyMs, round), this.idleBudget.readyAtMs(idle.heapKeyMs, round)));
    return at;
  }

  /** The subjects to announce in a heartbeat now, or undefined when none is due (or the budget is spent). */
  onTimer(nowMs: number): string[] | undefined {
    nowMs = Math.floor(nowMs);
    this.all.refill(nowMs);
    this.idleBudget.refill(nowMs);
    const room = Math.min(this.o.maxStreamsPerHeartbeat, Math.floor(this.all.tokens));
    if (room <= 0) return undefined;
    const out: string[] = [];
    this.take(this.fresh, nowMs, room, out);
    const idleRoom = Math.min(room - out.length, Math.floor(this.idleBudget.tokens));
    let idleTaken = 0;
    if (idleRoom > 0) {
      const before = out.length;
      this.take(this.idle, nowMs, before + idleRoom, out);
      idleTaken = out.length - before;
    }
    if (out.length === 0) return undefined;
    this.all.tokens -= out.length;
    this.idleBudget.tokens -= idleTaken;
    this.counters.idleEntries += idleTaken;
    this.counters.heartbeats++;
    this.counters.streamsAnnounced += out.length;
    return out;
  }

  /**
   * The verdict on an expired stream ({@link HeartbeatSchedulerSink.expired}): a receiver has not
   * confirmed its newest seq, so it is announced for another `activeStreamTtlMs`, as an idle
   * stream (every `heartbeatMaxMs`, or half the TTL if that is shorter; within the idle share of
   * the budget), at most
   * {@link MAX_RETAINED_ROUNDS} times. Returns whether it is active again; false when it was not
   * waiting (new data made it active meanwhile, or it is unknown) or has had its rounds (then
   * its facts may go, as after {@link release}).
   */
  retain(nowMs: number, subject: string): boolean {
    const s = this.pending.get(subject);
    if (s === undefined) return false;
    this.pending.delete(subject);
    if (s.retained >= MAX_RETAINED_ROUNDS || this.active.size >= this.o.maxStreams) {
      this.counters.unconfirmedExpired++;
      return false;
    }
    nowMs = Math.floor(nowMs);
    s.retained++;
    s.lastSentMs = nowMs;
    // Within the TTL, however short: at least one entry a round.
    s.intervalMs = Math.max(1, Math.min(this.o.heartbeatMaxMs, Math.floor(this.o.activeStreamTtlMs / 2)));
    s.dueMs = nowMs + s.intervalMs;
    s.heapKeyMs = s.dueMs;
    s.order = this.nextOrder++;
    s.idle = true;
    this.idle.push(s);
    this.active.set(subject, s);
    this.counters.activeStreams = this.active.size;
    this.counters.streamsRetained++;
    return true;
  }

  /**
   * A receiver that wants `subject` joined: a stream that left the heartbeats (idle past
   * `activeStreamTtlMs`, its receivers then all confirmed) is announced again for a round, as if
   * data had just gone out, so that the newcomer learns its newest seq: a durable subscription
   * resuming below it asks for the rest, which it otherwise would only learn of at the stream's
   * next message. Returns whether it was woken (false: active, waiting for a verdict, or
   * `maxStreams` are active).
   */
  wake(nowMs: number, subject: string): boolean {
    if (this.active.has(subject) || this.pending.has(subject)) return false;
    this.onSent(nowMs, subject);
    if (!this.active.has(subject)) return false;
    this.counters.streamsWoken++;
    return true;
  }

  /**
   * The verdict on an expired stream: every receiver confirmed it (or none is known). Returns
   * whether it was waiting (false: new data made it active again, so its facts stay).
   */
  release(subject: string): boolean {
    return this.pending.delete(subject);
  }

  /** Whether `subject` is active (announced by heartbeats). */
  isActive(subject: string): boolean {
    return this.active.has(subject);
  }

  /** Expired streams waiting for a verdict. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Subjects active now (announced by heartbeats), in no particular order. */
  activeSubjects(): string[] {
    return [...this.active.keys()];
  }

  /** Announces the due streams of `heap`, most overdue first, until `out` holds `limit`. */
  private take(heap: DueHeap, nowMs: number, limit: number, out: string[]): void {
    while (out.length < limit) {
      this.settleTop(heap);
      const s = heap.top;
      if (s === undefined || s.heapKeyMs > nowMs) break;
      if (nowMs - s.lastSentMs > this.o.activeStreamTtlMs) {
        // Held past its time by the budget: it leaves without an entry.
        this.expire(heap, s);
        continue;
      }
      out.push(s.subject);
      if (nowMs - s.heapKeyMs >= this.o.heartbeatMinMs) this.counters.delayedEntries++;
      s.intervalMs = Math.min(s.intervalMs * 2, this.o.heartbeatMaxMs);
      const nextDueMs = nowMs + s.intervalMs;
      if (nextDueMs - s.lastSentMs > this.o.activeStreamTtlMs) {
        this.expire(heap, s); // that was its last heartbeat within the TTL
        continue;
      }
      s.dueMs = nextDueMs;
      s.order = this.nextOrder++;
      if (!s.idle && nowMs - s.lastSentMs >= this.o.heartbeatMaxMs) {
        // No data for heartbeatMaxMs (its backoff at the top, or its entries held by the budget):
        // from now on an idle stream's entry.
        heap.remove(s);
        s.idle = true;
        s.heapKeyMs = nextDueMs;
        this.idle.push(s);
      } else heap.rekey(s, nextDueMs);
    }
  }

  private expire(heap: DueHeap, s: ActiveStream): void {
    heap.remove(s);
    this.active.delete(s.subject);
    this.counters.activeStreams = this.active.size;
    this.counters.streamsExpired++;
    if (this.sink === undefined) return;
    this.pending.set(s.subject, s);
    this.sink.expired(s.subject);
  }

  /** Applies lazily postponed due dates at the top of `heap`, so its key is exact. */
  private settleTop(heap: DueHeap): void {
    for (let s = heap.top; s !== undefined && s.dueMs > s.heapKeyMs; s = heap.top) {
      s.order = this.nextOrder++;
      heap.rekey(s, s.dueMs);
    }
  }
}
