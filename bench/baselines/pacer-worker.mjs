/**
 * Pacer thread for latency-pinger.mjs: wakes the pinger's main loop every `intervalUs`.
 *
 * The worker sleeps in Atomics.wait (a real sleep, like the main thread blocking in epoll) until the
 * next interval boundary, then posts one message to the main thread unless the previous wake-up has
 * not been handled yet (flags[1], so a busy main loop is not flooded). The main thread sends every
 * ping whose scheduled time has passed when it wakes. flags[0] != 0 (with Atomics.notify) stops the
 * worker; it also stops by itself after `maxSeconds`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

const flags = new Int32Array(workerData.sab); // [0] stop, [1] wake-up pending
const intervalMs = workerData.intervalUs / 1000;
const endAt = performance.now() + workerData.maxSeconds * 1000;
let next = performance.now();
while (Atomics.load(flags, 0) === 0) {
  const now = performance.now();
  if (now >= endAt) break;
  next += intervalMs;
  const wait = next - now;
  if (wait > 0) Atomics.wait(flags, 0, 0, wait);
  else if (-wait > 10 * intervalMs) next = performance.now(); // far behind: resynchronize, do not burst
  if (Atomics.compareExchange(flags, 1, 0, 1) === 0) parentPort.postMessage(0);
}
