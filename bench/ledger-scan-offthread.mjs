// Measures what the application thread sees while `createPeer` opens a large ledger: the
// recovery scan in this thread versus on a piscina worker (storage/scan-worker.js), chosen by
// the ledger option `scanInWorkerMinBytes`.
//   node bench/ledger-scan-offthread.mjs make <dir> <records> [streams]   (peer name 'bench')
//   node bench/ledger-scan-offthread.mjs open <dir> thread|worker
// Run `npm run build` first. Prints one JSON line per run. Network: 127.0.0.1 only.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPeer } from '../dist/index.js';
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
  // `createPeer` with the ledger, as an application starts: the scan in this thread
  // (scanInWorkerMinBytes: MAX) or on a piscina worker (0).
  const scanInWorkerMinBytes = arg === 'worker' ? 0 : Number.MAX_SAFE_INTEGER;
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
  const peer = await createPeer({
    name: 'bench',
    interface: '127.0.0.1',
    group: '239.255.201.77',
    port: 29_377,
    ledger: { path: dir, scanInWorkerMinBytes },
  });
  const openMs = performance.now() - started;
  // A block that ends right before createPeer resolves shows only at the next tick: wait for it.
  await new Promise((resolve) => setTimeout(resolve, 30));
  h.disable();
  clearInterval(ticker);
  const ledger = (await peer.stats()).actors.ledger;
  await peer.close();
  console.log(JSON.stringify({
    scan: arg,
    messages: ledger.messages,
    createPeerMs: Math.round(openMs),
    verifyMs: ledger.recovery.verifyMs,
    scanMs: ledger.recovery.scanMs,
    scanInWorker: ledger.recovery.scanInWorker,
    maxLoopGapMs: Math.round(maxGapMs),
    blockedMs: Math.round(blockedMs),
    maxDelayMs: Math.round(h.max / 1e6),
  }));
}
