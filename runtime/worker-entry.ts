/**
 * The entry point of every worker thread (loaded compiled, as `dist/runtime/worker-entry.js`).
 * It only bootstraps: reads {@link WorkerStartup} from `workerData`, starts a
 * {@link ThreadRuntime} with the worker's actors and rings, exposes its control over comlink,
 * answers {@link WorkerReady}, and on {@link Shutdown} releases its ports so the thread exits
 * by itself (nothing else keeps it alive: ring waits and actor timers do not).
 *
 * @packageDocumentation
 */
import { parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import { serializeError } from '../errors.js';
import { exposeControl } from './thread-control.js';
import { ThreadRuntime } from './thread-runtime.js';
import type { Shutdown, WorkerReady, WorkerStartup } from './wire-messages.js';

const startup = workerData as WorkerStartup;
const port = parentPort!;
const { kind: _kind, controlPort, ...config } = startup;
const runtime = new ThreadRuntime(undefined, config);

const onShutdown = (msg: Shutdown): void => {
  if (msg?.kind !== 'shutdown') return;
  port.off('message', onShutdown);
  void runtime.close().finally(() => controlPort.close());
};
port.on('message', onShutdown);

let ready: WorkerReady;
try {
  await runtime.start();
  // Node's MessagePort is an EventTarget with start(): comlink needs no adapter.
  expose(exposeControl(runtime), controlPort as unknown as Parameters<typeof expose>[1]);
  ready = { kind: 'workerReady', thread: startup.thread, ok: true };
} catch (err) {
  await runtime.close().catch(() => undefined);
  ready = { kind: 'workerReady', thread: startup.thread, ok: false, error: serializeError(err) };
}
port.postMessage(ready);
