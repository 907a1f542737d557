import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { LedgerStore, type LedgerScan } from '../../../storage/index.js';
import { compiledStorageUrl, messages, removeTempDirs, tempDir } from './support.js';

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
