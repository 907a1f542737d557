/**
 * The recovery scan on a piscina worker, as a user meets it through `createPeer`: a ledger of
 * `scanInWorkerMinBytes` or more is scanned on a worker thread (also from the ledger's own
 * thread under the `dedicated` topology), and the peer resumes exactly as after a scan in its
 * own thread: the same streams, the same stored messages, numbering continued. The compiled
 * library runs in this process (the worker module is `dist/storage/scan-worker.js`).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { freshNetwork } from './helpers.js';
import { removeTempDirs, tempDir } from '../fixtures/ledger/harness.js';

type Lib = typeof import('../../index.js');
const lib = (await import(new URL('../../dist/index.js', import.meta.url).href)) as Lib;
type Peer = Awaited<ReturnType<Lib['createPeer']>>;
type LedgerStats = { recovery: { scanInWorker: boolean; created: boolean }; streams: number; messages: number; incarnation: number };

const open: Peer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close().catch(() => undefined)));
});
afterAll(removeTempDirs);

async function ledgerStats(p: Peer): Promise<LedgerStats> {
  return (await p.stats()).actors.ledger as unknown as LedgerStats;
}

describe('ledger recovery scan on a worker thread', () => {
  for (const topology of ['single', 'dedicated'] as const) {
    it(`a ledger of scanInWorkerMinBytes or more is scanned on a worker, and the peer resumes as after a scan in place (${topology})`, async () => {
      const net = freshNetwork();
      const path = join(tempDir('scan'), 'ledger');
      const start = async (scanInWorkerMinBytes?: number): Promise<Peer> => {
        const p = await lib.createPeer({ ...net, name: 'scanned', topology, ledger: { path, durability: 'sync', scanInWorkerMinBytes } });
        open.push(p);
        return p;
      };
      const first = await start();
      for (const subject of ['scan.a', 'scan.b', 'scan.c']) {
        for (let i = 0; i < 40; i++) await first.publish(subject, { i });
      }
      await first.close();

      // The default bound (8 MiB) keeps this small ledger's scan in place ...
      const inPlace = await start();
      const inPlaceStats = await ledgerStats(inPlace);
      await inPlace.close();
      // ... and 0 sends it to a worker: same streams and messages, a new incarnation.
      const onWorker = await start(0);
      const workerStats = await ledgerStats(onWorker);
      expect(inPlaceStats.recovery).toMatchObject({ created: false, scanInWorker: false });
      expect(workerStats.recovery).toMatchObject({ created: false, scanInWorker: true });
      expect({ streams: workerStats.streams, messages: workerStats.messages }).toEqual({ streams: 3, messages: 120 });
      expect({ streams: inPlaceStats.streams, messages: inPlaceStats.messages }).toEqual({ streams: 3, messages: 120 });
      expect(workerStats.incarnation).toBeGreaterThan(inPlaceStats.incarnation);

      // The peer keeps writing to the ledger it resumed: one more message makes 121 stored.
      await onWorker.publish('scan.a', { i: 40 });
      await onWorker.close();
      const after = await start();
      expect(await ledgerStats(after)).toMatchObject({ streams: 3, messages: 121, recovery: { scanInWorker: false } });
    });
  }

  it('rejects a negative scanInWorkerMinBytes with InvalidOptionError', async () => {
    const err = await lib
      .createPeer({ ...freshNetwork(), name: 'bad', ledger: { path: join(tempDir('scan'), 'l'), scanInWorkerMinBytes: -1 } })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/options.ledger.scanInWorkerMinBytes must be an integer >= 0/) });
  });
});
