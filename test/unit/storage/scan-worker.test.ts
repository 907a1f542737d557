import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { LedgerStore, type LedgerScan } from '../../../storage/index.js';
import { compiledStorageUrl, messages, removeTempDirs, runChild, tempDir } from './support.js';

afterAll(removeTempDirs);

describe('scan in a piscina worker', () => {
  it('opens a ledger with the recovery scan run by scan-worker.js on a worker thread', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'p' });
    await a.appendSent('s', messages(1, 40));
    await a.close();
    const pool = new Piscina({ filename: new URL('./scan-worker.js', await compiledStorageUrl()).href, maxThreads: 1 });
    try {
      let scanned: LedgerScan | undefined;
      const b = await LedgerStore.open(
        { path, peerName: 'p' },
        { scan: async (dir) => (scanned = (await pool.run(dir)) as LedgerScan) },
      );
      expect(scanned).toMatchObject({ kind: 'ledger', streams: [{ subject: 's', messages: 40, highSeq: 40 }] });
      expect(b.highSeqs()).toEqual({ s: 40 });
      await b.close();
    } finally {
      await pool.destroy();
    }
  });
});

describe('LedgerStore.open picks the worker by ledger size', () => {
  it('scans a ledger of scanInWorkerMinBytes or more on a worker thread, with the same recovery as in this thread', async () => {
    const path = join(tempDir(), 'ledger');
    const a = await LedgerStore.open({ path, peerName: 'p' });
    await a.appendSent('s.one', messages(1, 300));
    await a.appendSent('s.two', messages(21, 120));
    await a.close();
    const storage = await compiledStorageUrl();
    const openIn = async (scanInWorkerMinBytes: number): Promise<any> => {
      const child = runChild(`
        const { LedgerStore } = await import(${JSON.stringify(storage)});
        const s = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'p', scanInWorkerMinBytes: ${scanInWorkerMinBytes} });
        const { verifyMs, scanMs, ...recovery } = s.recovery;
        const highSeqs = s.highSeqs();
        const lowSeqs = Object.fromEntries(Object.keys(highSeqs).map((k) => [k, s.lowSeq(k)]));
        const { messages, bytes, streams } = s.stats();
        console.log('RESULT ' + JSON.stringify({ recovery, highSeqs, lowSeqs, messages, bytes, streams }));
        await s.close();
      `);
      const line = await child.waitFor('RESULT ', 30_000);
      expect((await child.exited).code).toBe(0);
      return JSON.parse(line.slice('RESULT '.length));
    };
    const inThread = await openIn(Number.MAX_SAFE_INTEGER);
    const onWorker = await openIn(0);
    expect(inThread.recovery.scanInWorker).toBe(false);
    expect(onWorker.recovery.scanInWorker).toBe(true);
    expect({ ...onWorker, recovery: { ...onWorker.recovery, scanInWorker: false } }).toEqual(inThread);
    expect(onWorker).toMatchObject({ highSeqs: { 's.one': 300, 's.two': 120 }, lowSeqs: { 's.one': 1, 's.two': 21 }, messages: 400 });
  });
});
