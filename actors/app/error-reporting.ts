/**
 * How the library's emitters (`Peer`, `Bridge`) report an error they cannot throw: an `'error'`
 * event when someone listens, else one process warning, never an exception out of the event loop.
 */
import type { EventEmitter } from 'node:events';

/** `process.emitWarning`'s type and code for a warning said in place of an `'error'` event. */
export interface WarningKind {
  readonly type: string;
  readonly code?: string;
}

/**
 * Emits `err` as `'error'` on `emitter`, or prints it as a process warning when nobody listens.
 * A listener that throws reaches the process as an uncaught exception, as from any emitter, but
 * from a turn of its own: thrown through the library, it left the work in progress half done (a
 * publish whose echo delivery reported the error never settled: a user-style check, 7 December).
 */
export function reportError(emitter: EventEmitter, err: Error, warning: WarningKind): void {
  if (emitter.listenerCount('error') === 0) {
    process.emitWarning(err.message, warning);
    return;
  }
  try {
    emitter.emit('error', err);
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown;
    });
  }
}
