/**
 * Where a temporary ledger (`durability: 'none'`, or no path) keeps its LMDB files: one folder in
 * the temp directory, each ledger's files named after its process id. LMDB removes a temporary
 * ledger's data file, but a process that is killed leaves its lock file (8 KB) behind; opening a
 * temporary ledger therefore first removes the files of processes that no longer run, so killed
 * processes do not fill the temp directory.
 *
 * Ownership: the ledger store calls {@link tempLedgerPath} when it opens a temporary ledger and
 * {@link removeTempLedger} when it closes it.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder of temporary ledgers' files. */
export function tempLedgerDir(): string {
  return join(tmpdir(), 'ledgecast-temp-ledgers');
}

/** Whether process `pid` runs (on this host): a signal-0 probe; EPERM means it runs as another user. */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the files in `dir` of temporary ledgers whose process no longer runs (names
 * `<pid>-<hex>.mdb` and `<pid>-<hex>.mdb-lock`); other files are left alone.
 * @returns how many files were removed.
 */
export function sweepTempLedgers(dir: string, runs: (pid: number) => boolean = processRuns): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^(\d+)-[0-9a-f]+\.mdb(-lock)?$/.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (runs(pid)) continue;
    try {
      rmSync(join(dir, name), { force: true });
      removed++;
    } catch {
      // Another process's sweep got to it first, or it is not ours to remove: left.
    }
  }
  return removed;
}

/** A fresh path for a temporary ledger of this process, after sweeping the dead ones' files. */
export function tempLedgerPath(dir: string = tempLedgerDir()): string {
  mkdirSync(dir, { recursive: true });
  sweepTempLedgers(dir);
  return join(dir, `${process.pid}-${randomBytes(6).toString('hex')}.mdb`);
}

/** Removes a closed temporary ledger's files (lmdb removes its data file, not its lock file). */
export function removeTempLedger(path: string | undefined): void {
  if (path === undefined) return;
  for (const f of [path, `${path}-lock`]) rmSync(f, { force: true });
}
