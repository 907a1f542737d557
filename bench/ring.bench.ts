/**
 * Cross-thread message throughput: the batched SharedArrayBuffer ring versus one `postMessage`
 * per message, for 64-byte messages.
 *
 * Each iteration moves MESSAGES messages from the main thread to a worker and waits until the
 * worker has counted them all, so `hz × MESSAGES` is messages per second. The median rate of
 * every task is also printed at the end.
 *
 *   npm run build && npx vitest bench --run bench/ring.bench.ts
 *
 * Workers load compiled JavaScript: build first.
 */
import { Worker } from 'node:worker_threads';
import { bench, describe } from 'vitest';
import type { ActorEvent } from '../runtime/actor.js';
import { ActorSystem } from '../runtime/actor-system.js';
import { Ring } from '../runtime/ring.js';
import type { RingConsumerReport } from '../runtime/testing/ring-consumer-worker.js';

const MESSAGES = 10_000;
const RECORD_BYTES = 64;
const PUBLISH_EVERY = 256;
const CONSUMER = new URL('../dist/runtime/testing/ring-consumer-worker.js', import.meta.url);
const SINK = new URL('../dist/runtime/testing/sink-actor.js', import.meta.url).href;

const rates = new Map<string, number[]>();
let mode: 'warmup' | 'run' = 'warmup';
async function timed(name: string, run: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await run();
  if (mode !== 'run') return;
  const seconds = (performance.now() - t0) / 1000;
  let list = rates.get(name);
  if (list === undefined) rates.set(name, (list = []));
  list.push(MESSAGES / seconds);
}

function reached(worker: Worker): Promise<RingConsumerReport> {
  return new Promise((resolve) => worker.once('message', resolve));
}

function report(): void {
  const lines = [...rates].map(([name, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return `  ${name.padEnd(64)} ${(median / 1e6).toFixed(2).padStart(6)} M msg/s (median of ${list.length})`;
  });
  console.log(`\nmessages/s, ${RECORD_BYTES}-byte messages, main → worker (${MESSAGES} per iteration):\n${lines.join('\n')}`);
}

// vitest bench runs no beforeAll/afterAll hooks: set up at module load, tear down in the last
// task's teardown hook (tinybench does not await it; the workers end with the bench process).
const record = new Uint8Array(RECORD_BYTES).fill(7);
// Distinct arrays: structured clone copies an object referenced twice in one message only once.
const batches: Uint8Array[][] = [];
for (let i = 0; i < MESSAGES; i += PUBLISH_EVERY) {
  batches.push(Array.from({ length: Math.min(PUBLISH_EVERY, MESSAGES - i) }, () => record.slice()));
}
const ring = Ring.create(1 << 20);
const ringWorker = new Worker(CONSUMER, { workerData: { mode: 'count', buffer: ring.buffer } });
const postWorker = new Worker(CONSUMER, { workerData: { mode: 'postMessage' } });
let onReached: (() => void) | undefined;
const system = new ActorSystem(
  { onEvent: (_actor: string, event: ActorEvent) => void (event.kind === 'reached' && onReached?.()) },
  { registry: { sink: { module: SINK } }, topology: { sink: 'w1' } },
);
await system.start();

const OPTIONS = {
  time: 2_000,
  warmupTime: 300,
  setup: (_task: unknown, m: 'warmup' | 'run') => void (mode = m),
};
const LAST = {
  ...OPTIONS,
  teardown: (_task: unknown, m: 'warmup' | 'run') => {
    if (m !== 'run') return;
    report();
    for (const w of [ringWorker, postWorker]) w.postMessage({ kind: 'stop' });
    void system.close();
  },
};

describe(`main → worker, ${MESSAGES} × ${RECORD_BYTES}-byte messages per iteration`, () => {
  bench(
    `Ring: tryWrite, publish every ${PUBLISH_EVERY} records`,
    () =>
      timed('Ring, batched publish', async () => {
        const done = reached(ringWorker);
        ringWorker.postMessage({ kind: 'expect', total: MESSAGES });
        for (let i = 0; i < MESSAGES; i++) {
          while (!ring.tryWrite(record)) await ring.whenWritable(RECORD_BYTES);
          if (i % PUBLISH_EVERY === PUBLISH_EVERY - 1) ring.publish();
        }
        ring.publish();
        await done;
      }),
    OPTIONS,
  );

  bench(
    'Ring: tryWrite, publish after every record',
    () =>
      timed('Ring, publish per record', async () => {
        const done = reached(ringWorker);
        ringWorker.postMessage({ kind: 'expect', total: MESSAGES });
        for (let i = 0; i < MESSAGES; i++) {
          while (!ring.tryWrite(record)) await ring.whenWritable(RECORD_BYTES);
          ring.publish();
        }
        await done;
      }),
    OPTIONS,
  );

  bench(
    'postMessage: one per message',
    () =>
      timed('postMessage, one per message', async () => {
        const done = reached(postWorker);
        postWorker.postMessage({ kind: 'expect', total: MESSAGES });
        for (let i = 0; i < MESSAGES; i++) postWorker.postMessage(record);
        await done;
      }),
    OPTIONS,
  );

  bench(
    `postMessage: arrays of ${PUBLISH_EVERY} messages (reference)`,
    () =>
      timed(`postMessage, arrays of ${PUBLISH_EVERY}`, async () => {
        const done = reached(postWorker);
        postWorker.postMessage({ kind: 'expect', total: MESSAGES });
        for (const batch of batches) postWorker.postMessage(batch);
        await done;
      }),
    OPTIONS,
  );

  const viaRef = (label: string, message: () => unknown, options = OPTIONS) =>
    bench(
      label,
      () =>
        timed(label, async () => {
          const done = new Promise<void>((resolve) => (onReached = resolve));
          const sink = system.ref('sink');
          sink.send({ kind: 'expect', total: MESSAGES });
          for (let i = 0; i < MESSAGES; i++) {
            const msg = message();
            while (!sink.trySend(msg)) await sink.whenWritable();
          }
          await done;
        }),
      options,
    );

  viaRef('ActorRef → worker actor: Uint8Array (raw bytes codec)', () => record);
  viaRef('ActorRef → worker actor: { kind, seq, payload: Uint8Array(48) } (msgpackr)', () => ({ kind: 'data', seq: 1, payload: record.subarray(0, 48) }), LAST);
});
