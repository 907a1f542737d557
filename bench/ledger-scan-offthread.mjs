// Measures what the application thread sees while a large ledger is opened: the recovery scan
// in this thread versus in a piscina worker (storage/scan-worker.js).
//   node bench/ledger-scan-offthread.mjs make <dir> <records> [streams]
//   node bench/ledger-scan-offthread.mjs open <dir> inThread|piscina
// Run `npm run build` first. Prints one JSON line per run.
import { Piscina } from 'piscina';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LedgerStore } from '../dist/storage/index.js';

const [mode, dir, arg, arg2] = process.argv.slice(2);

if (mode === 'make') {
  const total = Number(arg);
  const streams = Number(arg2 ?? 16);
  const per = Math.ceil(total / streams);
  const store = await LedgerStore.open({
    path: dir,
    peerName: 'bench',
    durability: 'async',
    retention: { maxMessagesPerStream: per + 1, maxBytesPerStream: 2 ** 40, maxAgeMs: 365 * 86_400_000 },
  });
  const payload = new Uint8Array(64).fill(7);
  const started = performance.now();
  for (let s = 0; s < streams; s++) {
    for (let from = 1; from <= per; from += 10_000) {
      const batch = [];
      for (let seq = from; seq < Math.min(from + 10_000, per + 1); seq++) batch.push({ seq, flags: 0, payload, sentAtMs: Date.now() });
      await store.appendSent(`bench.s${s}`, batch);
    }
  }
  await store.close();
  console.log(JSON.stringify({ made: streams * per, ms: Math.round(performance.now() - started) }));
} else if (mode === 'open') {
  const pool = arg === 'piscina'
    ? new Piscina({ filename: new URL('../dist/storage/scan-worker.js', import.meta.url).href, minThreads: 1, maxThreads: 1 })
    : undefined;
  // Ticks every 5 ms; a gap above 20 ms counts as blocked time (what a timer, a socket read or a
  // heartbeat of the application would have waited).
  let last = performance.now();
  let maxGapMs = 0;
  let blockedMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    const gap = now - last;
    last = now;
    if (gap > maxGapMs) maxGapMs = gap;
    if (gap > 20) blockedMs += gap - 5;
  }, 5);
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const started = performance.now();
  const store = await LedgerStore.open(
    { path: dir, peerName: 'bench', retention: { maxMessagesPerStream: 10_000_000, maxBytesPerStream: 2 ** 40, maxAgeMs: 365 * 86_400_000 } },
    pool === undefined ? {} : { scan: (path) => pool.run(path) },
  );
  const openMs = performance.now() - started;
  // A block that ends right before open resolves shows only at the next tick: wait for it.
  await new Promise((resolve) => setTimeout(resolve, 30));
  h.disable();
  clearInterval(ticker);
  const r = store.recovery;
  await store.close();
  await pool?.destroy();
  console.log(JSON.stringify({
    scan: arg,
    openMs: Math.round(openMs),
    verifyMs: Math.round(r.verifyMs),
    scanMs: Math.round(r.scanMs),
    maxLoopGapMs: Math.round(maxGapMs),
    blockedMs: Math.round(blockedMs),
    maxDelayMs: Math.round(h.max / 1e6),
  }));
}
