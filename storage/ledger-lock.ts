/**
 * The ledger lock: one file `<dir>/ledger.lock` that says which live process owns a ledger
 * directory (and under which peer name), so that two processes never append to one ledger (under
 * one name they would hand out the same sequence numbers) and no process judges its files while
 * another writes them. One per directory, whatever the name: until 7 December it was one per peer
 * name (`<peerName>.lock`), and a process opening a ledger in use under another name read its
 * files while they were being written, judged them damaged, and with `onDamaged: 'moveAside'`
 * moved the live ledger aside (a user-style check, 2 of 2 runs; with `'refuse'`, a false
 * "damaged" in 1 of 6 simultaneous starts).
 *
 * The file is created with O_EXCL and holds `{ pid, peerName, startedAtMs, procStartTicks, bootId }`. A */
import { closeSync, linkSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError } from '../errors.js';

/** What a lock file holds. */
export interface LedgerLockInfo {
  readonly pid: number;
  readonly peerName: string;
  /** Wall-clock start of the owning process (for people reading the file). */
  readonly startedAtMs: number;
  /** Linux: field 22 of /proc/<pid>/stat, to tell a reused pid apart. */
  readonly procStartTicks?: string;
  /** Linux: /proc/sys/kernel/random/boot_id at lock time. */
  readonly bootId?: string;
}

/** A held lock. */
export interface LedgerLock {
  readonly file: string;
  readonly info: LedgerLockInfo;
  /** True when an earlier owner had died without releasing it (a crash). */
  readonly tookOver: boolean;
  /** Deletes the lock file (idempotent). */
  release(): void;
}

const held = new Set<HeldLock>();
let exitHookInstalled = false;

/** The lock file of a ledger directory. */
export function ledgerLockFile(dir: string): string {
  return join(dir, LOCK_FILE);
}

const LOCK_FILE = 'ledger.lock';

/**
 * Takes the lock of ledger directory `dir` for `peerName`, or throws `LedgerError` naming the live
 * owner (whatever its peer name). `displayPath` is the ledger path used in error messages.
 */
export function acquireLedgerLock(dir: string, peerName: string, displayPath: string): LedgerLock {
  const file = ledgerLockFile(dir);
  const info = ownLockInfo(peerName);
  let tookOver = false;
  // A few rounds: each failed round means another process changed the file under us.
  for (let round = 0; round < 5; round++) {
    if (tryCreate(file, info)) {
      const legacy = liveLegacyLock(dir);
      if (legacy !== undefined) {
        unlinkQuiet(file);
        throw new LedgerError(`ledger ${displayPath} is already open by process ${legacy.pid} under peer name ${legacy.peerName} (a ledgecast build from before 7 December, which locks <peerName>.lock)`);
      }
      const lock = new HeldLock(file, info, tookOver);
      held.add(lock);
      installExitHook();
      return lock;
    }
    const existing = readLock(file);
    if (existing === 'missing') continue;
    if (existing === 'unreadable') {
      // Either a crash between create and write, or a concurrent creator still writing: give a
      // concurrent writer a moment before judging the file stale.
      if (round < 2) {
        sleepMs(50);
        continue;
      }
    } else if (isAlive(existing)) {
      throw new LedgerError(
        `ledger ${displayPath} is already open by process ${existing.pid} under peer name ${existing.peerName}`,
      );
    }
    // Stale. Move it away under a private name, then check that what we moved is really the stale
    // file and not a lock another process created meanwhile.
    const aside = `${file}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new LedgerError(`cannot take over the stale lock ${file}: ${(err as Error).message}`, { cause: err });
    }
    const moved = readLock(aside);
    if (typeof moved === 'object' && isAlive(moved)) {
      try {
        linkSync(aside, file); // put it back unless yet another lock appeared
      } catch {
        /* another lock took its place: that owner wins */
      }
      unlinkQuiet(aside);
      continue;
    }
    unlinkQuiet(aside);
    tookOver = true;
  }
  throw new LedgerError(`cannot take the lock ${file}: it keeps changing (another process is opening the ledger)`);
}

class HeldLock implements LedgerLock {
  private released = false;
  constructor(
    readonly file: string,
    readonly info: LedgerLockInfo,
    readonly tookOver: boolean,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    // Only delete the file if it is still ours (it always should be).
    const current = readLock(this.file);
    if (typeof current === 'object' && current.pid === this.info.pid && current.startedAtMs === this.info.startedAtMs) {
      unlinkQuiet(this.file);
    }
  }
}

/**
 * A live lock of a build from before 7 December in `dir` (`<peerName>.lock`, one per name), if
 * any: an old and a new build opening one directory at once each took its own lock file, and
 * both appended to the ledger (a hostile check).
 */
function liveLegacyLock(dir: string): LedgerLockInfo | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.endsWith('.lock') || name === LOCK_FILE) continue;
    const info = readLock(join(dir, name));
    if (typeof info === 'object' && isAlive(info)) return info;
  }
  return undefined;
}

function tryCreate(file: string, info: LedgerLockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LedgerError(`cannot create the lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    writeSync(fd, JSON.stringify(info));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(file: string): LedgerLockInfo | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const v = JSON.parse(text) as Partial<LedgerLockInfo>;
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return 'unreadable';
    return {
      pid: v.pid as number,
      peerName: typeof v.peerName === 'string' ? v.peerName : '?',
      startedAtMs: typeof v.startedAtMs === 'number' ? v.startedAtMs : 0,
      ...(typeof v.procStartTicks === 'string' ? { procStartTicks: v.procStartTicks } : {}),
      ...(typeof v.bootId === 'string' ? { bootId: v.bootId } : {}),
    };
  } catch {
    return 'unreadable';
  }
}

/** Whether the process that wrote `info` still runs. */
export function isAlive(info: LedgerLockInfo): boolean {
  if (info.pid === process.pid) return true;
  const bootId = readBootId();
  if (info.bootId !== undefined && bootId !== undefined && info.bootId !== bootId) return false;
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (info.procStartTicks !== undefined) {
    const ticks = procStartTicks(info.pid);
    if (ticks !== undefined && ticks !== info.procStartTicks) return false;
  }
  return true;
}

/** Lock info describing this process. */
export function ownLockInfo(peerName: string): LedgerLockInfo {
  const ticks = procStartTicks(process.pid);
  const bootId = readBootId();
  return {
    pid: process.pid,
    peerName,
    startedAtMs: Math.round(Date.now() - process.uptime() * 1000),
    ...(ticks !== undefined ? { procStartTicks: ticks } : {}),
    ...(bootId !== undefined ? { bootId } : {}),
  };
}

/** Field 22 (starttime) of /proc/<pid>/stat; `undefined` off Linux or if the process is gone. */
export function procStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of [...held]) lock.release();
  });
}
