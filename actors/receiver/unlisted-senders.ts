/**
 * Senders the receiver list has not listed: names whose streams were opened before, or without,
 * any advert of theirs. A forged DATA or HEARTBEAT needs nothing but a name, so these senders
 * share a small pool of streams and have a time limit; an advert (the receiver list listing the
 * name) is what lets a sender past them (issue 11).
 */
import type { ResolvedReceiverOptions } from './options.js';

/** The options {@link UnlistedSenders} reads. */
export type UnlistedSendersOptions = Pick<ResolvedReceiverOptions, 'maxUnlistedStreams' | 'unlistedSenderExpiryMs' | 'maxStreams'>;

/**
 * Owned by one `Receiver` (pure: time comes in as `nowMs`). Holds the names the receiver list
 * lists now (the shell says so: `senderListed`, `senderLeft`) and, for each sender that opened
 * streams while not listed and has not been listed since, how many streams it holds and when it
 * is next due for expiry.
 *
 * A sender stays in the pool from its first stream until it is listed (it then leaves the pool
 * for good: its streams count as a listed sender's) or forgotten by the receiver. Expiry is the
 * receiver's to apply: {@link takeDue} names each sender `unlistedSenderExpiryMs` after its first
 * stream, and again every `unlistedSenderExpiryMs` after that while it stays.
 *
 * Bounds: at most `maxUnlistedStreams` streams in the pool (so at most as many senders); at most
 * `maxStreams` listed names (the receiver list's own bound is smaller).
 */
export class UnlistedSenders {
  private readonly listed = new Set<string>();
  /**
   * Names the receiver list listed at some time and does not list now, most recently unlisted
   * last (at most `maxStreams`): their frames wait for an advert of theirs, as those of a known
   * name's unadvertised incarnation do, instead of being taken as first contact from any address.
   */
  private readonly unlistedKnown = new Set<string>();
  /** Unlisted senders: streams held and when due. Map order is due order (each is re-queued at the end). */
  private readonly pool = new Map<string, { streams: number; dueMs: number }>();
  private streamCount = 0;

  constructor(private readonly o: UnlistedSendersOptions) {}

  /** Streams of unlisted senders (at most `maxUnlistedStreams`). */
  get streams(): number {
    return this.streamCount;
  }

  /** Unlisted senders with streams. */
  get senders(): number {
    return this.pool.size;
  }

  isListed(name: string): boolean {
    return this.listed.has(name);
  }

  /** Whether `name` was listed before and is not now (see {@link unlistedKnown}). */
  wasListed(name: string): boolean {
    return this.unlistedKnown.has(name);
  }

  /** Whether a listed name other than `name` exists (another peer of the domain is known). */
  listsOtherThan(name: string): boolean {
    return this.listed.size > (this.listed.has(name) ? 1 : 0);
  }

  /** Whether `name` is an unlisted sender with streams. */
  holds(name: string): boolean {
    return this.pool.has(name);
  }

  /** Whether one more stream of an unlisted sender fits in the pool. */
  hasRoom(): boolean {
    return this.streamCount < this.o.maxUnlistedStreams;
  }

  /** The receiver list lists `name` now (it leaves the pool), or no longer does. */
  setListed(name: string, listed: boolean): void {
    if (!listed) {
      if (this.listed.delete(name)) {
        this.unlistedKnown.delete(name);
        if (this.unlistedKnown.size >= this.o.maxStreams) this.unlistedKnown.delete(this.unlistedKnown.values().next().value as string);
        this.unlistedKnown.add(name);
      }
      return;
    }
    this.unlistedKnown.delete(name);
    this.forget(name);
    if (this.listed.size < this.o.maxStreams) this.listed.add(name);
  }

  /** A stream of unlisted `name` was opened; its first one makes it due in `unlistedSenderExpiryMs`. */
  addStream(nowMs: number, name: string): void {
    const e = this.pool.get(name);
    if (e !== undefined) e.streams++;
    else this.pool.set(name, { streams: 1, dueMs: nowMs + this.o.unlistedSenderExpiryMs });
    this.streamCount++;
  }

  /** `name` no longer holds streams here (forgotten by the receiver, or listed). */
  forget(name: string): void {
    const e = this.pool.get(name);
    if (e === undefined) return;
    this.pool.delete(name);
    this.streamCount -= e.streams;
  }

  nextDeadlineMs(): number | undefined {
    for (const e of this.pool.values()) return e.dueMs;
    return undefined;
  }

  /** The senders due at `nowMs`, oldest first; each is due again `unlistedSenderExpiryMs` later. */
  takeDue(nowMs: number): string[] {
    const due: string[] = [];
    for (const [name, e] of this.pool) {
      if (e.dueMs > nowMs) break;
      due.push(name);
    }
    for (const name of due) {
      const e = this.pool.get(name)!;
      this.pool.delete(name);
      e.dueMs = nowMs + this.o.unlistedSenderExpiryMs;
      this.pool.set(name, e);
    }
    return due;
  }

  /** The unlisted senders, longest in the pool first (to forget for room). */
  names(): IterableIterator<string> {
    return this.pool.keys();
  }
}
