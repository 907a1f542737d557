// Ledger append micro-benchmarks: LedgerStore.appendSent on a real ledger directory under
// os.tmpdir(), default retention (100 000 messages per stream, so the steady state also trims).
// One iteration = one awaited appendSent (or a group of them, as named):
// - messages/s = hz x the messages per iteration given in the bench name;
// - the p99 column of a one-message bench is the p99 latency of one append.
// Run: npx vitest bench --run bench/ledger.bench.ts

import { afterAll, bench, describe } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerStore, type LedgerDurability } from '../storage/index.js';

const OPTIONS = { time: 2000, warmupTime: 300 };
const root = mkdtempSync(join(tmpdir(), 'ledgecast-bench-'));
const stores: LedgerStore[] = [];

afterAll(async () => {
  for (const s of stores) await s.close();
  rmSync(root, { recursive: true, force: true });
});

async function ledger(name: string, durability: LedgerDurability): Promise<LedgerStore> {
  const store = await LedgerStore.open({ path: join(root, name), peerName: 'bench', durability });
  stores.push(store);
  return store;
}

/** An appender of one stream with a fixed payload; each call appends the next `count` sequences. */
function appender(store: LedgerStore, subject: string, payloadBytes: number) {
  const payload = new Uint8Array(payloadBytes).fill(0x5a);
  let seq = 0;
  return (count: number) => {
    const batch = [];
    for (let i = 0; i < count; i++) batch.push({ seq: ++seq, flags: 0, payload, sentAtMs: Date.now() });
    return store.appendSent(subject, batch);
  };
}

for (const payloadBytes of [64, 1024]) {
  const label = payloadBytes === 64 ? '64 B' : '1 KB';

  describe(`async, ${label}`, async () => {
    const store = await ledger(`async-${payloadBytes}`, 'async');
    const one = appender(store, 'bench.one', payloadBytes);
    const hundred = appender(store, 'bench.hundred', payloadBytes);
    bench(`1 message per append (sustained: waits when ${16_384} unflushed)`, () => one(1), OPTIONS);
    bench('100 messages per append, then flushed()', async () => {
      await hundred(100);
      await store.flushed();
    }, OPTIONS);
  });

  describe(`sync, ${label}`, async () => {
    const store = await ledger(`sync-${payloadBytes}`, 'sync');
    const one = appender(store, 'bench.one', payloadBytes);
    const hundred = appender(store, 'bench.hundred', payloadBytes);
    const streams = Array.from({ length: 100 }, (_, i) => appender(store, `bench.many.${i}`, payloadBytes));
    bench('1 message per append (commit + fdatasync)', () => one(1), { ...OPTIONS, time: 3000 });
    bench('100 messages per append', () => hundred(100), OPTIONS);
    bench('100 concurrent 1-message appends on 100 streams (group commit)', async () => {
      await Promise.all(streams.map((append) => append(1)));
    }, OPTIONS);
  });
}
