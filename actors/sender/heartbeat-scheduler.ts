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
}

interface ActiveStream {
  readonly subject: string;
  lastSentMs: number;
  /** Current backoff interval: the gap before the heartbeat after the next one. */
  intervalMs: number;
  /** When the stream's next heartbeat is due. */
  dueMs: number;
  /** Its key in the heap: never later than `dueMs` (a later `dueMs` is applied lazily). */
  heapKeyMs: number;
  heapIndex: number;
  /** Tie-break among equal keys: order of (re)insertion, so equals rotate fairly. */
  order: number;
}

/**
 * Schedules heartbeats of recently active streams.
 *
 * After data on a stream its next heartbeat is due `heartbeatMinMs` later; each heartbeat
 * doubles the gap up to `heartbeatMaxMs` (5, 10, 20, … 1000 ms with the defaults); new data
 * restarts the backoff. A stream is announced while within `activeStreamTtlMs` of its last
 * message, then leaves the active set (its last heartbeat is the last due one inside that time).
 *
 * `onTimer(nowMs)` returns the subjects to put in one heartbeat now: at most
 * `maxStreamsPerHeartbeat`, most overdue first (ties in scheduling order), so when more are
 * due they rotate fairly over successive heartbeats; `nextDeadlineMs()` then stays in the past
 * until every due stream was announced.
 *
 * Entries per second are bounded by `heartbeatStreamsPerSec` (a token bucket holding a tenth
 * of a second's worth): a burst of new streams, or many busy ones, cannot make heartbeats grow
 * with the stream count. Past the budget, due streams wait in the heap, most overdue first, so
 * every active stream is still announced once per `activeStreams / heartbeatStreamsPerSec`
 * seconds, and each announcement still doubles its interval: the backlog drains by itself.
 *
 * Bounded: at most `maxStreams` active streams (a min-heap of them keyed by due time).
 * Costs: `onSent` O(1) while a stream is busy (its key only moves earlier when data follows a
 * long backoff: O(log n)); `onTimer` O(k log n) for k announced or expired streams.
 */
export class HeartbeatScheduler {
  readonly counters: HeartbeatSchedulerCounters = {
    heartbeats: 0,
    streamsAnnounced: 0,
    streamsExpired: 0,
    streamsUntracked: 0,
    activeStreams: 0,
    delayedEntries: 0,
  };

  private readonly o: HeartbeatSchedulerOptions;
  private readonly active = new Map<string, ActiveStream>();
  private readonly heap: ActiveStream[] = [];
  private nextOrder = 0;
  /** Entries that may go now; refilled at `heartbeatStreamsPerSec`, capped at `burst`. */
  private tokens: number;
  private readonly burst: number;
  private lastRefillMs: number | undefined;

  constructor(options: HeartbeatSchedulerOptions = DEFAULT_SENDER_OPTIONS) {
    this.o = options;
    this.burst = Math.max(options.maxStreamsPerHeartbeat, Math.ceil(options.heartbeatStreamsPerSec / 10));
    this.tokens = this.burst;
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
      // A later due date is applied lazily when the key comes up; only an earlier one re-sorts.
      if (dueMs < s.heapKeyMs) this.rekey(s, dueMs);
      return;
    }
    if (this.active.size >= this.o.maxStreams) {
      this.counters.streamsUntracked++;
      return;
    }
    const fresh: ActiveStream = {
      subject,
      lastSentMs: nowMs,
      intervalMs: this.o.heartbeatMinMs,
      dueMs,
      heapKeyMs: dueMs,
      heapIndex: this.heap.length,
      order: this.nextOrder++,
    };
    this.active.set(subject, fresh);
    this.heap.push(fresh);
    this.siftUp(fresh.heapIndex);
    this.counters.activeStreams = this.active.size;
  }

  /**
   * When the next heartbeat is due (may be in the past), or undefined when no stream is active.
   * While the budget is spent, the time half the bucket (a twentieth of a second's budget) is
   * back: a backlog then goes out in rounds of many heartbeats, not in a round per heartbeat's
   * worth of tokens (with 100,000 idle streams that was about 220 rounds a second, each a timer,
   * a wake-up and its fixed costs).
   */
  nextDeadlineMs(): number | undefined {
    this.settleTop();
    const dueMs = this.heap[0]?.heapKeyMs;
    if (dueMs === undefined || this.lastRefillMs === undefined) return dueMs;
    if (this.tokens >= Math.min(this.o.maxStreamsPerHeartbeat, this.burst)) return dueMs;
    const want = Math.max(Math.min(this.o.maxStreamsPerHeartbeat, this.burst), Math.floor(this.burst / 2));
    const refillMs = this.lastRefillMs + Math.ceil(((want - this.tokens) * 1000) / this.o.heartbeatStreamsPerSec);
    return Math.max(dueMs, refillMs);
  }

  /** The subjects to announce in a heartbeat now, or undefined when none is due (or the budget is spent). */
  onTimer(nowMs: number): string[] | undefined {
    nowMs = Math.floor(nowMs);
    this.refill(nowMs);
    const room = Math.min(this.o.maxStreamsPerHeartbeat, Math.floor(this.tokens));
    const out: string[] = [];
    if (room <= 0) return undefined;
    while (out.length < room) {
      this.settleTop();
      const s = this.heap[0];
      if (s === undefined || s.heapKeyMs > nowMs) break;
      out.push(s.subject);
      if (nowMs - s.heapKeyMs >= this.o.heartbeatMinMs) this.counters.delayedEntries++;
      s.intervalMs = Math.min(s.intervalMs * 2, this.o.heartbeatMaxMs);
      const nextDueMs = nowMs + s.intervalMs;
      if (nextDueMs - s.lastSentMs > this.o.activeStreamTtlMs) {
        this.remove(s); // that was its last heartbeat within the TTL
        this.counters.streamsExpired++;
        continue;
      }
      s.dueMs = nextDueMs;
      s.order = this.nextOrder++;
      this.rekey(s, nextDueMs);
    }
    if (out.length === 0) return undefined;
    this.tokens -= out.length;
    this.counters.heartbeats++;
    this.counters.streamsAnnounced += out.length;
    return out;
  }

  /** Subjects active now (announced by heartbeats), in no particular order. */
  activeSubjects(): string[] {
    return [...this.active.keys()];
  }

  private refill(nowMs: number): void {
    if (this.lastRefillMs === undefined) this.lastRefillMs = nowMs;
    else if (nowMs > this.lastRefillMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastRefillMs) * this.o.heartbeatStreamsPerSec) / 1000);
      this.lastRefillMs = nowMs;
    }
  }

  /** Applies lazily postponed due dates at the top of the heap, so its key is exact. */
  private settleTop(): void {
    for (let s = this.heap[0]; s !== undefined && s.dueMs > s.heapKeyMs; s = this.heap[0]) {
      s.order = this.nextOrder++;
      this.rekey(s, s.dueMs);
    }
  }

  private remove(s: ActiveStream): void {
    this.active.delete(s.subject);
    this.counters.activeStreams = this.active.size;
    const last = this.heap.pop() as ActiveStream;
    if (last !== s) {
      this.heap[s.heapIndex] = last;
      last.heapIndex = s.heapIndex;
      this.siftDown(this.siftUp(last.heapIndex));
    }
  }

  private rekey(s: ActiveStream, keyMs: number): void {
    s.heapKeyMs = keyMs;
    this.siftDown(this.siftUp(s.heapIndex));
  }

  private less(a: ActiveStream, b: ActiveStream): boolean {
    return a.heapKeyMs < b.heapKeyMs || (a.heapKeyMs === b.heapKeyMs && a.order < b.order);
  }

  private place(s: ActiveStream, i: number): void {
    this.heap[i] = s;
    s.heapIndex = i;
  }

  private siftUp(i: number): number {
    const s = this.heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(s, this.heap[parent])) break;
      this.place(this.heap[parent], i);
      i = parent;
    }
    this.place(s, i);
    return i;
  }

  private siftDown(i: number): void {
    const s = this.heap[i];
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.less(this.heap[l + 1], this.heap[l]) ? l + 1 : l;
      if (!this.less(this.heap[c], s)) break;
      this.place(this.heap[c], i);
      i = c;
    }
    this.place(s, i);
  }
}
