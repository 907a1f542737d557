import { InvalidOptionError } from '../errors.js';

/** Tuning of the actor runtime. Plain data: the same values are handed to every worker. */
export interface RuntimeOptions {
  /**
   * Data bytes of each cross-thread ring (one ring per ordered pair of threads). A power of two
   * between 4 KiB and 1 GiB. Memory is touched lazily, but is reserved per pair: with `n`
   * threads there are `n * (n - 1)` rings. A single record (envelope) is at most
   * `ringBytes - 8` bytes.
   * @default 1048576
   */
  ringBytes?: number;
  /**
   * Messages an actor's mailbox holds before `send` throws `BackpressureError`. The same bound
   * applies to messages waiting, on the sending thread, for room in a full ring to another
   * thread (together with `ringBytes` bytes).
   * @default 65536
   */
  mailboxCapacity?: number;
  /**
   * Messages a thread processes (over all its mailboxes) before yielding to the event loop
   * with `setImmediate`, so that sockets and timers are not starved.
   * @default 1024
   */
  maxMessagesPerTurn?: number;
  /**
   * How long a worker thread may take to import its actors and start them.
   * @default 10000
   */
  startTimeoutMs?: number;
  /**
   * How long a worker thread may take to stop its actors and exit before it is terminated.
   * @default 5000
   */
  closeTimeoutMs?: number;
}

/** The defaults of {@link RuntimeOptions}. */
export const DEFAULT_RUNTIME_OPTIONS: Readonly<Required<RuntimeOptions>> = Object.freeze({
  ringBytes: 1_048_576,
  mailboxCapacity: 65_536,
  maxMessagesPerTurn: 1024,
  startTimeoutMs: 10_000,
  closeTimeoutMs: 5_000,
});

const MIN_RING_BYTES = 4096;

/** The smallest power-of-two ring (at least 1 MiB) that holds one message of `maxMessageBytes` and its envelope. */
export function ringBytesFor(maxMessageBytes: number): number {
  let size = 1 << 20;
  while (size - 64 * 1024 < maxMessageBytes) size *= 2;
  return size;
}
const MAX_RING_BYTES = 2 ** 30;

/**
 * Merges `o` over the defaults and validates every value.
 * @throws InvalidOptionError on an unknown key or a bad value.
 */
export function resolveRuntimeOptions(o: RuntimeOptions = {}, prefix = 'options'): Required<RuntimeOptions> {
  for (const key of Object.keys(o)) {
    if (!(key in DEFAULT_RUNTIME_OPTIONS)) {
      throw new InvalidOptionError(`${prefix}.${key} is not a runtime option`);
    }
  }
  const r: Required<RuntimeOptions> = { ...DEFAULT_RUNTIME_OPTIONS };
  for (const [key, value] of Object.entries(o) as [keyof RuntimeOptions, unknown][]) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidOptionError(`${prefix}.${key} must be a positive integer, got ${String(value)}`);
    }
    r[key] = value;
  }
  const ring = r.ringBytes;
  if (ring < MIN_RING_BYTES || ring > MAX_RING_BYTES || (ring & (ring - 1)) !== 0) {
    throw new InvalidOptionError(
      `${prefix}.ringBytes must be a power of two between ${MIN_RING_BYTES} and ${MAX_RING_BYTES}, got ${ring}`,
    );
  }
  return r;
}
