/**
 * Temporary ledgers' files: a killed process leaves its LMDB lock file; the next temporary ledger
 * opened on the host removes the files of processes that no longer run, and only those.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processRuns, sweepTempLedgers, tempLedgerPath } from '../../../storage/temp-ledger.js';
import { LedgerStore } from '../../../storage/ledger-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ledgecast-temp-ledger-test-'));
  dirs.push(d);
  return d;
}

/** The pid of a process that ran and ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const pid = Number(r.stdout.toString());
  expect(processRuns(pid)).toBe(false);
  return pid;
}

describe('temporary ledger files', () => {
  it("removes the files of processes that no longer run, and leaves a running process's and anything else", () => {
    const dir = tempDir();
    const dead = deadPid();
    const files = [`${dead}-ab12.mdb`, `${dead}-ab12.mdb-lock`, `${process.pid}-cd34.mdb-lock`, `1-ef56.mdb-lock`, 'notes.txt', `${dead}-xyz.mdb-lock`];
    for (const f of files) writeFileSync(join(dir, f), 'x');
    // pid 1 runs (init); the last name is not one of ours (not hex).
    expect(sweepTempLedgers(dir)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual([`${process.pid}-cd34.mdb-lock`, `1-ef56.mdb-lock`, 'notes.txt', `${dead}-xyz.mdb-lock`].sort());
  });

  it('gives each temporary ledger a path of its own, named by this process, in the folder it sweeps', () => {
    const dir = tempDir();
    const dead = deadPid();
    writeFileSync(join(dir, `${dead}-00.mdb-lock`), 'x');
    const a = tempLedgerPath(dir);
    const b = tempLedgerPath(dir);
    expect(a).not.toBe(b);
    expect(a.startsWith(join(dir, `${process.pid}-`))).toBe(true);
    expect(existsSync(join(dir, `${dead}-00.mdb-lock`))).toBe(false);
  });

  it('a ledger without a path lives in that folder while open and leaves nothing there once closed', async () => {
    const dir = join(tmpdir(), 'ledgecast-temp-ledgers');
    const mine = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${process.pid}-`)) : []);
    const before = mine();
    const store = await LedgerStore.open({ peerName: 'p', durability: 'none' });
    expect(mine().length).toBeGreaterThan(before.length);
    await store.close();
    expect(mine()).toEqual(before);
  });
});
