/**
 * The shell simulator's event loop: runs the queue's events in time order up to `untilMs`. The
 * actors' promises (the socket actor's group joins, `whenWritable`) settle in microtasks, which
 * run between two events only when virtual time crosses a whole millisecond (one `setImmediate`
 * there drains them), so the same seed gives the same run.
 */
import type { EventQueue } from '../event-queue.js';

/** Runs events up to `untilMs` (at most `maxEvents`); `setNow` moves the virtual clock; `afterEach` sees each event's time. Returns the events run. */
export async function runEvents(queue: EventQueue, o: { untilMs: number; maxEvents: number; setNow: (ms: number) => void; afterEach?: (nowMs: number) => void }): Promise<number> {
  let events = 0;
  let drainedAtMs = 0;
  while (events < o.maxEvents) {
    const at = queue.peekTime();
    if (at === undefined || at > o.untilMs) break;
    if (Math.floor(at) > drainedAtMs) {
      drainedAtMs = Math.floor(at);
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    const ev = queue.pop()!;
    o.setNow(ev.atMs);
    ev.run();
    events++;
    o.afterEach?.(ev.atMs);
  }
  return events;
}
