import { afterAll, describe, expect, it } from 'vitest';
import { closeSync, existsSync, openSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { open } from 'lmdb';
import { LedgerStore, checkLmdbDataFile, scanLedger } from '../../../storage/index.js';
import { messages, removeTempDirs, tempDir } from './support.js';

afterAll(removeTempDirs);

/** A closed ledger at a fresh path holding `count` messages of 100 bytes on stream 's'. */
async function closedLedger(count = 50): Promise<string> {
  const path = join(tempDir(), 'ledger');
  const store = await LedgerStore.open({ path, peerName: 'p', durability: 'sync' });
  await store.appendSent('s', messages(1, count, 0, 100));
  await store.close();
  return path;
}

/** Overwrites `length` bytes at `offset` with noise: seeded (deterministic) unless `seed` is undefined. */
function overwrite(file: string, offset: number, length: number, seed: number | undefined = 1): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, seed === undefined ? randomBytes(length) : seededBytes(length, seed), 0, length, offset);
  closeSync(fd);
}

/** Deterministic noise, so a damage pattern that a check would miss fails every run, not one in ten. */
function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

describe('damaged, truncated and foreign ledgers', () => {
  it('refuses a data file whose header is overwritten with garbage, naming the path and the problem', async () => {
    const path = await closedLedger();
    overwrite(join(path, 'data.mdb'), 0, 8192);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toMatchObject({
      name: 'LedgerError',
      message: expect.stringMatching(
        new RegExp(`^ledger ${path}: ${join(path, 'data.mdb')} is not an LMDB data file .*refusing to open it`),
      ),
    });
  });

  it('refuses a file damaged deep inside, found by the walk in a child process (this process survives)', async () => {
    const path = await closedLedger(2000);
    const file = join(path, 'data.mdb');
    const pageSize = 4096;
    expect(checkLmdbDataFile(file)).toMatchObject({ ok: true, pageSize });
    // Every page but the two meta pages: tree roots stay inside the file, their contents are noise.
    overwrite(file, 2 * pageSize, statSync(file).size - 2 * pageSize);
    expect(checkLmdbDataFile(file).ok).toBe(true);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(
      new RegExp(`^ledger ${path}: ${file} is damaged: (reading it (crashed LMDB \\(SIG[A-Z]+\\)|failed)|its meta page counts \\d+ databases, reading its main tree found \\d+)`),
    );
  });

  it('never crashes the process on a file with pages overwritten at random (seeded): it opens or refuses', async () => {
    const pristine = await closedLedger(2000);
    const file = join(pristine, 'data.mdb');
    const pageSize = 4096;
    const pages = statSync(file).size / pageSize;
    const outcomes: string[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      const path = await closedLedger(2000);
      const target = join(path, 'data.mdb');
      // One to all of the data pages (never the two meta pages), from a seeded first page.
      const noise = seededBytes(8, seed * 7919);
      const from = 2 + (noise.readUInt16LE(0) % (pages - 2));
      const count = 1 + (noise.readUInt16LE(2) % (pages - from));
      overwrite(target, from * pageSize, count * pageSize, seed);
      const outcome = await LedgerStore.open({ path, peerName: 'p' }).then(
        async (store) => {
          await store.close();
          return 'opened';
        },
        (err: Error) => (err.name === 'LedgerError' ? 'refused' : `threw ${err.name}: ${err.message}`),
      );
      outcomes.push(outcome);
    }
    // Reaching this line is the point: no LMDB abort or signal took the process down.
    expect(outcomes.filter((o) => o !== 'opened' && o !== 'refused')).toEqual([]);
    expect(outcomes).toContain('refused');
  });

  it("refuses a ledger whose last page (its free-page list) is noise in a child process, before this process writes to it", async () => {
    // Seed 7 of the test above: reads of every record pass, and LMDB fails (or, one run in
    // three, crashes the process) only at the first commit, which rewrites the free-page list.
    const path = await closedLedger(2000);
    const file = join(path, 'data.mdb');
    const pages = statSync(file).size / 4096;
    overwrite(file, (pages - 1) * 4096, 4096, 7);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(/is damaged: writing to it (failed|crashed LMDB)/);
  });

  it('refuses a truncated data file', async () => {
    const path = await closedLedger(2000);
    const file = join(path, 'data.mdb');
    truncateSync(file, 3 * 4096);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(
      /data\.mdb is truncated: meta page \d puts the (main|free-space) tree root at page \d+ but the file holds 3 pages/,
    );
    truncateSync(file, 100);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(/is truncated: 100 bytes, too short/);
    truncateSync(file, 0);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(/is truncated: 0 bytes/);
    truncateSync(file, 4096 * 5 + 7);
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(/truncated|not an LMDB/);
  });

  it('refuses a directory holding some other LMDB database, and does not write to it', async () => {
    const path = join(tempDir(), 'other');
    const other = open({ path, noSubdir: false });
    await other.put('users/1', { name: 'ann' });
    await other.close();
    const before = statSync(join(path, 'data.mdb')).mtimeMs;
    await expect(LedgerStore.open({ path, peerName: 'p', onDamaged: 'moveAside' })).rejects.toThrow(
      `ledger ${path}: ${join(path, 'data.mdb')} holds an LMDB database that is not a ledgecast ledger`,
    );
    expect(statSync(join(path, 'data.mdb')).mtimeMs).toBe(before);
  });

  it('refuses an LMDB database with a meta database but no ledger magic', async () => {
    const path = join(tempDir(), 'other');
    const env = open({ path, noSubdir: false, maxDbs: 4 });
    await env.openDB('ledgecast.meta', {}).put('meta', { magic: 'something-else' });
    await env.close();
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(/without the ledgecast-ledger magic/);
  });

  it('refuses a ledger of another schema version', async () => {
    const path = await closedLedger(1);
    const env = open({ path, noSubdir: false, maxDbs: 8 });
    await env.openDB('ledgecast.meta', {}).put('meta', { magic: 'ledgecast-ledger', schemaVersion: 99, peerName: 'p' });
    await env.close();
    await expect(LedgerStore.open({ path, peerName: 'p', onDamaged: 'moveAside' })).rejects.toThrow(
      `ledger ${path} has schema version 99 (peer name "p"); this build reads version 1`,
    );
  });

  it('refuses a path that is a file', async () => {
    const file = join(tempDir(), 'plain.txt');
    writeFileSync(file, 'hello');
    await expect(LedgerStore.open({ path: file, peerName: 'p' })).rejects.toThrow(`ledger ${file} is not a directory`);
  });

  it('moves a damaged file aside and starts a fresh ledger above a wall-clock sequence floor', async () => {
    const path = await closedLedger();
    overwrite(join(path, 'data.mdb'), 0, 8192);
    const nowMs = Date.UTC(2030, 0, 1);
    const store = await LedgerStore.open({ path, peerName: 'p', onDamaged: 'moveAside' }, { wallClockMs: () => nowMs });
    expect(store.freshAfterDamage).toBe(true);
    expect(store.recovery).toMatchObject({
      created: true,
      freshAfterDamage: true,
      damagedMovedTo: `${path}.damaged-2030-01-01T00-00-00-000Z`,
      damageReason: expect.stringContaining('is not an LMDB data file'),
    });
    expect(existsSync(join(`${path}.damaged-2030-01-01T00-00-00-000Z`, 'data.mdb'))).toBe(true);
    expect(store.seqFloor).toBe(nowMs * 1000);
    expect(store.highSeqs()).toEqual({});
    expect(store.lowSeq('s')).toBe(nowMs * 1000 + 1);
    expect(() => store.appendSent('s', messages(51, 51))).toThrow(/above 1893456000000000/);
    await store.appendSent('s', messages(nowMs * 1000 + 1, nowMs * 1000 + 1));
    await store.close();

    const again = await LedgerStore.open({ path, peerName: 'p' });
    expect(again.freshAfterDamage).toBe(false);
    expect(again.seqFloor).toBe(nowMs * 1000);
    expect(again.highSeqs()).toEqual({ s: nowMs * 1000 + 1 });
    await again.close();
  });

  it('takes the damaged file mtime as the floor when the wall clock went back', async () => {
    const path = await closedLedger();
    overwrite(join(path, 'data.mdb'), 0, 8192);
    const mtime = Math.floor(statSync(join(path, 'data.mdb')).mtimeMs);
    const store = await LedgerStore.open({ path, peerName: 'p', onDamaged: 'moveAside' }, { wallClockMs: () => 1000 });
    expect(store.seqFloor).toBe(mtime * 1000);
    await store.close();
  });
});

describe('scanLedger', () => {
  it('reports meta and per-stream counters of a closed ledger as plain data', async () => {
    const path = await closedLedger(30);
    const scan = await scanLedger(path);
    expect(scan).toMatchObject({
      kind: 'ledger',
      meta: { magic: 'ledgecast-ledger', schemaVersion: 1, peerName: 'p', incarnation: 1, cleanClose: true },
      streams: [{ subject: 's', highSeq: 30, storedHighSeq: 30, lowSeq: 1, newestSeq: 30, messages: 30, bytes: 30 * 112 }],
      durablePositions: 0,
      repairs: [],
      damage: [],
    });
    expect(structuredClone(scan)).toEqual(scan);
  });

  it('raises a stored highSeq that is behind the stored messages, on open', async () => {
    const path = await closedLedger(20);
    const env = open({ path, noSubdir: false, maxDbs: 8 });
    await env.openDB('ledgecast.streams', {}).put('s', 3);
    await env.close();
    const store = await LedgerStore.open({ path, peerName: 'p' });
    expect(store.recovery.raised).toEqual({ s: { from: 3, to: 20 } });
    expect(store.recovery.repairs).toEqual(['stream s: stored highSeq 3 is behind stored message #20; raised']);
    expect(store.highSeqs()).toEqual({ s: 20 });
    await store.close();
    expect((await scanLedger(path)).kind === 'ledger' && (await scanLedger(path))).toMatchObject({ repairs: [] });
  });

  it('treats a malformed record as damage', async () => {
    const path = await closedLedger(5);
    const env = open({ path, noSubdir: false, maxDbs: 8 });
    await env.openDB('ledgecast.sent', { encoding: 'binary' }).put(['s', 3], Buffer.from([9, 9]));
    await env.close();
    await expect(LedgerStore.open({ path, peerName: 'p' })).rejects.toThrow(
      /is damaged: sent message s #3 has a malformed record/,
    );
  });
});
