import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { LedgerStore } from '../../../storage/index.js';
import { compiledStorageUrl, messages, removeTempDirs, runChild, tempDir } from './support.js';

beforeAll(compiledStorageUrl);
afterAll(removeTempDirs);


const lmdbEntry = createRequire(import.meta.url).resolve('lmdb');

/** Reads message `seq` of stream `subject` from another process that opens the ledger read-only. */
async function readFromOtherProcess(path: string, subject: string, seq: number): Promise<string> {
  const child = runChild(`
    const { open } = await import(${JSON.stringify(lmdbEntry)});
    const env = open({ path: ${JSON.stringify(path)}, noSubdir: false, readOnly: true, maxDbs: 8 });
    const db = env.openDB('ledgecast.sent', { encoding: 'binary' });
    const v = db.get([${JSON.stringify(subject)}, ${seq}]);
    console.log('value ' + (v === undefined ? 'missing' : v.subarray(12).toString('hex')));
    await env.close();
  `);
  return (await child.waitFor('value ')).slice('value '.length);
}

describe("durability 'sync'", () => {
  it('resolves appendSent once the message is readable by an independently opened process', async () => {
    const path = join(tempDir(), 'ledger');
    const store = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
    await store.appendSent('s', [{ seq: 1, flags: 0, payload: new Uint8Array([0xca, 0xfe]), sentAtMs: 1 }]);
    expect(await readFromOtherProcess(path, 's', 1)).toBe('cafe');
    await store.close();
  });

  it('keeps every append that resolved before the process was killed with SIGKILL', async () => {
    const path = join(tempDir(), 'ledger');
    const child = runChild(`
      const { LedgerStore } = await import(STORAGE);
      const store = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'p', durability: 'sync' });
      for (let seq = 1; ; seq++) {
        await store.appendSent('s', [{ seq, flags: 1, payload: new Uint8Array([seq & 255]), sentAtMs: seq }]);
        console.log('appended ' + seq);
      }
    `);
    const line = await child.waitFor('appended 100');
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    const confirmed = Number(line.split(' ')[1]);

    const store = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
    expect(store.recovery).toMatchObject({ uncleanShutdown: true, lockTakenOver: true, raised: {} });
    const high = store.highSeqs().s;
    expect(high).toBeGreaterThanOrEqual(confirmed);
    const held = store.getSent('s', 1, confirmed, 1000);
    expect(held.map((m) => m.seq)).toEqual(Array.from({ length: confirmed }, (_, i) => i + 1));
    expect(held[99]).toMatchObject({ seq: 100, flags: 1, sentAtMs: 100 });
    // the previous run was 'sync': no skip, the stream continues right after its last stored seq
    expect(store.seqFloor).toBe(0);
    await store.close();
  });
});

describe("durability 'async'", () => {
  it('resolves at once but waits for the flush when a stream has too many unflushed sequences', async () => {
    const path = join(tempDir(), 'ledger');
    const store = await LedgerStore.open({ path, peerName: 'p', durability: 'async', maxUnflushedPerStream: 10 });
    await store.appendSent('s', messages(1, 5));
    expect(store.stats().counters.flushWaits).toBe(0);
    await store.appendSent('s', messages(6, 30));
    expect(store.stats().counters.flushWaits).toBe(1);
    // that append resolved after the flush: readable now without waiting
    expect(store.getSent('s', 1, 30, 100)).toHaveLength(30);
    await store.close();
  });

  it('after a crash skips maxUnflushedPerStream sequences per stream so no number that reached the wire is reused', async () => {
    const path = join(tempDir(), 'ledger');
    const child = runChild(`
      const { LedgerStore } = await import(STORAGE);
      const store = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'p', durability: 'async',
        maxUnflushedPerStream: 100 });
      await store.appendSent('s', Array.from({ length: 50 }, (_, i) => ({ seq: i + 1, flags: 0, payload: new Uint8Array(1), sentAtMs: 1 })));
      await store.flushed();
      console.log('flushed');
      setInterval(() => {}, 1000);
    `);
    await child.waitFor('flushed');
    child.proc.kill('SIGKILL');
    await child.exited;
    const store = await LedgerStore.open({ path, peerName: 'p', durability: 'async' });
    expect(store.recovery).toMatchObject({ uncleanShutdown: true, raised: { s: { from: 50, to: 150 } } });
    expect(store.highSeqs()).toEqual({ s: 150 });
    expect(store.seqFloor).toBe(100);
    expect(store.getSent('s', 1, 200, 200)).toHaveLength(50);
    expect(store.lowSeq('new.subject')).toBe(101);
    await store.close();
    // a clean close: nothing skipped next time
    const again = await LedgerStore.open({ path, peerName: 'p' });
    expect(again.recovery).toMatchObject({ uncleanShutdown: false, raised: {} });
    expect(again.highSeqs()).toEqual({ s: 150 });
    await again.close();
  });
});

describe('handed marks (markHanded)', () => {
  // A durable subscription hands a message to the application only once its mark resolved
  // (actors/app/durables.ts): a process killed right after must find it ('none' keeps nothing).
  for (const durability of ['sync', 'async'] as const) {
    it(`survive a SIGKILL right after they resolved ('${durability}')`, async () => {
      const path = join(tempDir(), 'ledger');
      const child = runChild(`
        const { LedgerStore } = await import(STORAGE);
        const store = await LedgerStore.open({ path: ${JSON.stringify(path)}, peerName: 'p', durability: '${durability}' });
        await store.markHanded('d', 'feed', 'o.a', 41);
        process.kill(process.pid, 'SIGKILL');
      `);
      expect((await child.exited).signal).toBe('SIGKILL');
      const store = await LedgerStore.open({ path, peerName: 'p', durability });
      expect(store.getHanded('d')).toEqual(new Map([['feed\u0000o.a', 41]]));
      await store.close();
    });
  }
});
