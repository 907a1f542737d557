/**
 * TEST-ONLY worker (compiled with the runtime so that tests and benches can start it; not
 * exported by the package index): consumes a {@link Ring} or `postMessage`s from its parent.
 *
 * `workerData` is {@link RingConsumerData}. The parent sends `{ kind: 'expect', total }`; the
 * worker answers `{ kind: 'reached', count, errors, firstError }` once it has consumed `total`
 * records (or messages), and exits on `{ kind: 'stop' }`.
 * - `verify`: records are `[u32 LE seq][bytes equal to seq & 0xff]`; wrong sequence or content
 *   is counted in `errors`.
 * - `count`: records are only counted.
 * - `postMessage`: counts `postMessage`d `Uint8Array`s instead (arrays of them count per element):
 *   the baselines the ring is measured against.
 *
 * @packageDocumentation
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Ring } from '../ring.js';

/** What the worker is started with. */
export interface RingConsumerData {
  readonly mode: 'verify' | 'count' | 'postMessage';
  /** The ring's buffer (modes `verify` and `count`). */
  readonly buffer?: SharedArrayBuffer;
}

/** What the worker receives from its parent. */
export type RingConsumerCommand = { readonly kind: 'expect'; readonly total: number } | { readonly kind: 'stop' };

/** What the worker answers. */
export interface RingConsumerReport {
  readonly kind: 'reached';
  readonly count: number;
  readonly errors: number;
  readonly firstError?: string;
}

const data = workerData as RingConsumerData;
const port = parentPort!;
let count = 0;
let errors = 0;
let firstError: string | undefined;
let total = Infinity;
let stopped = false;

const checkReached = (): void => {
  if (count >= total) {
    const report: RingConsumerReport = { kind: 'reached', count, errors, firstError };
    port.postMessage(report);
    total = Infinity;
  }
};

const verify = (bytes: Uint8Array, offset: number, length: number): void => {
  const seq = (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
  let ok = seq === count && length >= 4;
  for (let i = 4; ok && i < length; i++) ok = bytes[offset + i] === (seq & 0xff);
  if (!ok) {
    errors++;
    firstError ??= `record ${count}: seq ${seq}, length ${length}`;
  }
  count++;
};
const countOnly = (): void => {
  count++;
};

port.on('message', (msg: RingConsumerCommand | Uint8Array | Uint8Array[]) => {
  if (msg instanceof Uint8Array) {
    count++;
    checkReached();
  } else if (Array.isArray(msg)) {
    count += msg.length;
    checkReached();
  } else if (msg.kind === 'expect') {
    total = msg.total;
    checkReached();
  } else if (msg.kind === 'stop') {
    stopped = true;
    port.close();
  }
});

if (data.mode !== 'postMessage') {
  const ring = new Ring(data.buffer!);
  const onRecord = data.mode === 'verify' ? verify : countOnly;
  while (!stopped && !ring.closed) {
    if (ring.read(onRecord) === 0) await ring.whenReadable();
    checkReached();
    // Let the parent's commands in between passes.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
