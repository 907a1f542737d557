/**
 * Makes sure a ledger path can hold a ledger before anything opens it: an existing directory, or
 * one we can create, writable, on a filesystem that stores files (not procfs, sysfs and the like).
 * Every refusal is a `LedgerError` naming the path and the reason, thrown at once.
 *
 * Why not `mkdirSync(path, { recursive: true })`: on a pseudo filesystem (a path under /proc or
 * /sys), `mkdir` of a missing child answers ENOENT although its parent exists. Node's recursive
 * mkdir reads ENOENT as "create the parent first", the parent answers EEXIST, and it retries the
 * child: forever, at 100 % CPU, inside one synchronous call, so not even a SIGTERM handler runs
 * (the same loop hangs on a dangling symlink). Here each missing component is created with a
 * plain `mkdir`, parent first, once; the first failure is final.
 */
import { accessSync, constants, lstatSync, mkdirSync, realpathSync, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LedgerError } from '../errors.js';

/**
 * Filesystems that cannot hold a ledger (`statfs` f_type, from linux/magic.h): kernel views
 * that refuse or fake files. tmpfs and devtmpfs are not listed: LMDB works there (memory only).
 */
export const PSEUDO_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x62656570, 'configfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
]);

/**
 * Checks `path` and creates what is missing of it; returns its real path.
 * `shown` is the path as the user wrote it, for messages.
 * @throws LedgerError: not a directory (or under a file), a dangling symlink, a pseudo
 *   filesystem, not writable, or a `mkdir` that failed.
 */
export function ensureLedgerDirectory(path: string, shown: string): string {
  const wanted = resolve(path);
  const missing: string[] = [];
  let existing = wanted;
  let st: Stats | undefined;
  for (;;) {
    st = statOrThrow(existing, shown);
    if (st !== undefined) break;
    if (lstatOrUndefined(existing) !== undefined) {
      throw new LedgerError(`ledger ${shown}: ${existing} is a symbolic link to a missing target`);
    }
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) throw new LedgerError(`ledger ${shown}: no part of the path exists`);
    existing = parent;
  }
  if (!st.isDirectory()) {
    throw new LedgerError(
      existing === wanted
        ? `ledger ${shown} is not a directory (a ledger is a directory holding data.mdb)`
        : `ledger ${shown}: ${existing} is not a directory`,
    );
  }
  const fs = PSEUDO_FILESYSTEMS.get(filesystemType(existing));
  if (fs !== undefined) throw new LedgerError(`ledger ${shown}: ${existing} is on ${fs}, not a filesystem that can hold a ledger`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK | (missing.length === 0 ? constants.R_OK : 0));
  } catch (err) {
    throw new LedgerError(`ledger ${shown}: ${existing} is not writable (${errorCode(err)})`, { cause: err });
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (err) {
      // Created meanwhile by someone else (another peer opening the same path): fine if a directory.
      if (errorCode(err) === 'EEXIST' && statOrThrow(dir, shown)?.isDirectory() === true) continue;
      throw new LedgerError(`ledger ${shown}: cannot create ${dir} (${errorCode(err)})`, { cause: err });
    }
  }
  return realpathSync(wanted);
}

/** `stat` (following links), undefined when nothing is there; a path through a file is refused. */
function statOrThrow(path: string, shown: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOTDIR') throw new LedgerError(`ledger ${shown}: a part of ${path} is a file, not a directory`, { cause: err });
    throw new LedgerError(`ledger ${shown}: cannot inspect ${path} (${code})`, { cause: err });
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** The `statfs` type of the filesystem holding `path` (0 where the platform has none to give). */
function filesystemType(path: string): number {
  try {
    return Number(statfsSync(path).type);
  } catch {
    return 0;
  }
}

function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : String((err as Error | undefined)?.message ?? err);
}
