/**
 * While the peer closes: which receivers the close still waits for (pure: no I/O, time passed
 * in; one per {@link FlowControl}, which owns the streams it reads).
 *
 * Every receiver must report the newest sent seq of every stream (one excluded from the window
 * before, stalled once, included). A receiver still behind that made no progress for
 * `stallTimeoutMs` since the close began, on that stream nor on any other of ours, is given up
 * (left out, named in a `slowConsumer` event), so a dead one cannot hold a closing peer beyond
 * that bound; a live one working through its backlog (a stream waits for a repair while others
 * move) is waited for, within the peer's `closeTimeoutMs`. One that never reported a position
 * of the stream gets `multicastProbeMs` more from when it was registered (its unicast fallback
 * may be under way). A name first heard after the close began (a forger's) gets no more than the
 * bound from the close's start.
 */
import type { FlowControlOptions, FlowStream, ReceiverPos } from './flow-types.js';
import { positionOf } from './receiver-pos.js';

export class DrainCheck {
  /** When {@link drained} was first asked (the close began). */
  private sinceMs: number | undefined;
  /** The (stream, receiver) pairs no longer waited for. */
  private readonly gaveUp = new Set<ReceiverPos>();
  /** When each receiver known at the close's start last moved forward on any stream of ours (by peer key). */
  private readonly progressMs = new Map<string, number>();

  constructor(private readonly o: FlowControlOptions) {}

  /** The receiver `key` moved forward on some stream at `nowMs`: while closing, it is alive and working through its backlog. */
  progressed(key: string, nowMs: number): void {
    if (this.sinceMs !== undefined && this.progressMs.has(key)) this.progressMs.set(key, nowMs);
  }

  /** The receiver `key` left every stream. */
  forget(key: string): void {
    this.progressMs.delete(key);
  }

  /**
   * At `nowMs`, closing: whether every receiver of `streams` is done with them; `giveUp(r, s)`
   * leaves out one that is not and stalled. `peerKeys`: the receivers known (read at the first call).
   */
  drained(nowMs: number, streams: Iterable<FlowStream>, peerKeys: Iterable<string>, giveUp: (r: ReceiverPos, s: FlowStream) => void): boolean {
    if (this.sinceMs === undefined) {
      // Only receivers known when the close began can show progress that extends it.
      for (const key of peerKeys) this.progressMs.set(key, nowMs);
    }
    const since = (this.sinceMs ??= nowMs);
    let all = true;
    for (const s of streams) {
      if (!s.started) continue;
      // The map's keys are the peer keys: no string is built per pair at each check.
      for (const [key, r] of s.receivers) {
        // Excluded from the window before the close (stalled once) is no reason to stop waiting:
        // a receiver back from a pause catches up now. Only the drain's own verdict is final.
        if (this.gaveUp.has(r)) continue;
        if (positionOf(r, s) >= s.highSent) continue;
        // From the close's start at the earliest: a live receiver behind a burst (every stream
        // of ours waiting for a repair) gets the stall bound to show progress.
        // One registered without progress since (a forger's new name) counts from the start too.
        const own = r.progressedMs === Number.NEGATIVE_INFINITY ? since : r.lastProgressMs;
        const peerMs = this.progressMs.get(key);
        // Known at the close's start and silent on this stream since it was registered: it may
        // not hear our multicast, and its unicast fallback comes after the probe time.
        const probing = peerMs !== undefined && r.reported === undefined ? r.lastProgressMs + (this.o.multicastProbeMs ?? 0) : since;
        const from = Math.max(own, since, peerMs ?? since, probing);
        if (nowMs - from >= this.o.stallTimeoutMs) {
          this.gaveUp.add(r);
          giveUp(r, s);
          continue;
        }
        all = false;
      }
    }
    return all;
  }
}
