/**
 * What a subcommand gets from the process: line output, stdin, and a stop signal raised by
 * SIGINT/SIGTERM. Commands never call `process.exit`; they return an exit code, so the entry
 * point flushes output and closes in one place.
 */
import { EXIT_CODES } from './cli-options.js';

/** The process, as a subcommand sees it. */
export interface CliIo {
  /** Writes one line (a newline is added) on stdout. */
  out(line: string): void;
  /** Writes one line (a newline is added) on stderr. */
  err(line: string): void;
  /** Rewrites the progress line on stderr (a TTY only; ignored when `progress` is false). */
  progress(text: string): void;
  /** True when stderr is a terminal: progress lines are shown. */
  readonly progressEnabled: boolean;
  readonly stdin: NodeJS.ReadableStream;
  /** Aborted when the user asks to stop (SIGINT, SIGTERM) or stdout is gone (EPIPE). */
  readonly stop: AbortSignal;
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * The exit code of a command stopped by `signal`: 130 for SIGINT, 143 for SIGTERM, 0 when
 * stdout went away (a reader like `head` had enough).
 */
export function stopExitCode(signal: AbortSignal): number {
  if (signal.reason === 'SIGINT') return EXIT_CODES.interrupted;
  if (signal.reason === 'SIGTERM') return EXIT_CODES.terminated;
  return EXIT_CODES.ok;
}
