/**
 * A receiver's position and stall clock in one stream's window (pure functions of
 * {@link ReceiverPos} and {@link FlowStream}, for {@link FlowControl}).
 */
import { peerKey } from '../../codecs/frame.js';
import type { FlowPolicy } from '../sender/options.js';
import type { FlowControlOptions, FlowStream, ReceiverPos } from './flow-types.js';

/** Where `r` stands in `s`: its reported position, else where it joined (at least the stream's start). */
export function positionOf(r: ReceiverPos, s: FlowStream): number {
  return r.reported ?? Math.max(r.joinedAt, s.base);
}

/** The least forward move of a position that counts as progress: 1/16 of the window, at least 1. */
export function progressStep(s: FlowStream): number {
  return Math.max(1, Math.floor(s.window / 16));
}

/** A blocker stalls `stallTimeoutMs` after its last progress or the start of the block episode, whichever is later. */
export function stallDueMs(r: ReceiverPos, s: FlowStream, o: FlowControlOptions): number {
  return Math.max(progressedAt(r, o), (s.blocked as { sinceMs: number }).sinceMs) + o.stallTimeoutMs;
}

/**
 * When `r` last made progress, for the stall bound. One that never reported a position (with
 * multicast on) counts as progressing until `multicastProbeMs` after it was registered: it may
 * not hear our multicast, and the receiver list finds that out and turns to unicast only after
 * that long. Before (6 December), with multicast blocked, both subscribers of a publisher that
 * published at once were left out at the stall bound (2 s), a second before the fallback
 * (3 s): the window slid past messages they never had, and they got them as `dataLoss`
 * 'unavailable' (4-12 messages at a subscriber in 3 of 6 runs). A receiver that never reports
 * (dead, or a forged name) holds a stream `multicastProbeMs` longer, once per name
 * (unreported-names.ts).
 */
export function progressedAt(r: ReceiverPos, o: FlowControlOptions): number {
  const probeMs = o.multicastProbeMs ?? 0;
  return r.reported === undefined && probeMs > 0 ? Math.max(r.progressedMs, r.lastProgressMs + probeMs) : r.progressedMs;
}

/**
 * The position `s`'s window follows (the lowest reported position under `'min'`, the highest under
 * `'max'`, over receivers not excluded; undefined when none), recomputed when the stream is dirty.
 * Also refreshes `watchPos`, the lowest position of receivers not yet named slow (for `'max'`).
 * When every known receiver is excluded (all stalled), nobody limits the window: a receiver that
 * stays listed but never reports (stuck, broken, or forged) must not hold the stream for longer
 * than the stall bound. An excluded receiver is waited for again once it has caught up.
 */
export function windowPosition(s: FlowStream, policy: FlowPolicy): number | undefined {
  if (!s.dirty) return s.limitPos;
  let limit: number | undefined;
  let watch: number | undefined;
  const useMin = policy === 'min';
  for (const r of s.receivers.values()) {
    const p = positionOf(r, s);
    if (r.excluded) continue;
    if (limit === undefined || (useMin ? p < limit : p > limit)) limit = p;
    if (!r.slow && (watch === undefined || p < watch)) watch = p;
  }
  s.limitPos = limit;
  s.watchPos = watch;
  s.dirty = false;
  return limit;
}

/** Receivers of `s`, not excluded, whose position alone would refuse its blocked seq. */
export function* blockersOf(s: FlowStream): Generator<ReceiverPos> {
  if (s.blocked === undefined) return;
  for (const r of s.receivers.values()) {
    if (!r.excluded && s.blocked.seq - positionOf(r, s) > s.window) yield r;
  }
}

/**
 * A report of `r` at `seq`, at or below the position it reported before: the position does not
 * move back, but a climb of these reports by a progress step is progress (it is alive and working
 * through a backlog): counted in `r` at `nowMs`, and true. A subscriber's receiver on a worker
 * thread reports what it handed to the application thread; a busy application caps it later
 * (app/delivery-backlog.ts) at what it handled plus `durablePaceMessages`, below what was
 * reported, and its reports climb from there at the handler's pace. Before (7 December), those
 * reports were ignored, and 2 s into the publisher's close, or into a block, that subscriber was
 * named `slowConsumer` and no longer waited for (4 of 4 runs with the `dedicated` preset, 0 with
 * `single`), its backlog unpaced.
 *
 * Bounds (a forger's climbs): reports more than a window below count for nothing, so one climb
 * is at most `window / progressStep` (16) steps; and one climb counts per position, until the
 * position has moved a window beyond it (a cap falls below what was reported once per backlog
 * episode), and once one counted, a report lower again does not start it again. So a receiver
 * that does not move its position holds a stream at most 16 stall bounds (32 s) once, then again
 * only after a window of progress.
 */
export function climbedBelow(r: ReceiverPos, s: FlowStream, seq: number, nowMs: number): boolean {
  const reported = r.reported as number;
  if (seq >= reported || seq < reported - s.window) return false;
  if (r.climbAt !== undefined && reported !== r.climbAt && reported < r.climbAt + s.window) return false;
  if (r.lowPos === undefined || seq < r.lowPos) {
    // Once a climb below this position counted, its start stays: a report lower again (a zigzag)
    // would let it count without end (a hostile check, 7 December: held 81 s, as long as it sent).
    if (r.climbAt !== reported) r.lowPos = seq;
    return false;
  }
  if (seq - r.lowPos < progressStep(s)) return false;
  r.lowPos = seq;
  r.climbAt = reported;
  r.lastProgressMs = nowMs;
  r.progressedMs = nowMs;
  return true;
}

/** Times a receiver's progress on other streams may restart its stall clock on a stream where it does not move. */
export const ELSEWHERE_LIMIT = 16;

/**
 * Receiver `from` progressed on stream `s` at `nowMs`: on each other stream of `blocked` where
 * it is tracked, its stall clock starts again, at most {@link ELSEWHERE_LIMIT} times until it
 * progresses there; true when one did (the stall deadline changed). A subscriber whose
 * application works through one stream's backlog holds the others' messages behind it (app/delivery-backlog.ts caps their positions): before
 * (7 December), a publisher that went from 50,000 messages of 64 B to messages of 1 MB behind a
 * handler taking 0.2 ms saw the 1 MB stream stand 3-4 s while its subscriber handled 20,000
 * messages of the first, named it `slowConsumer`, and the window's eviction lost 37-73 % of the
 * 1 MB messages (a user-style check, 3 of 3 runs). Bound: a receiver that never moves on a stream
 * holds it at most `ELSEWHERE_LIMIT + 1` stall bounds (34 s at the defaults) per position there.
 */
export function progressedElsewhere(blocked: ReadonlySet<FlowStream>, from: ReceiverPos, s: FlowStream, nowMs: number): boolean {
  from.elsewhere = 0;
  if (blocked.size === 0) return false;
  const key = peerKey(from.peer);
  let any = false;
  for (const b of blocked) {
    if (b === s) continue;
    const r = b.receivers.get(key);
    if (r === undefined || r.excluded || r.elsewhere >= ELSEWHERE_LIMIT || r.progressedMs >= nowMs) continue;
    r.elsewhere++;
    r.progressedMs = nowMs;
    any = true;
  }
  return any;
}
