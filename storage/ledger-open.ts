/**
 * Everything `LedgerStore.open` does before it maps the ledger read-write: the per-process
 * registry, the peer lock, the file checks, the integrity walk, the recovery scan, and moving a
 * damaged file aside. Split from the store so the store file holds only the running state.
 *
 * Order matters: the lock comes first (nobody else may touch the files while we judge them),
 * then the checks from cheapest and safest to dearest: header reads (plain fs), the walk (in a
 * child process, because a corrupt page kills whoever maps it), and only then the scan: in this
 * thread, or on a piscina worker thread for a ledger of `scanInWorkerMinBytes` or more. The scan
 * of a big ledger is seconds of synchronous LMDB reads (1.6 M messages: 3-6 s with the event
 * loop blocked throughout, `bench/ledger-scan-offthread.mjs`); on a worker the opening thread
 * keeps its timers and sockets running (longest stall ~0.1-0.2 s, the worker's start).
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerError } from '../errors.js';
import { trialWriteInChild, walkLmdbInChild } from './integrity-walk.js';
import { ensureLedgerDirectory } from './ledger-directory.js';
import { acquireLedgerLock, type LedgerLock } from './ledger-lock.js';
import { LEDGER_SCHEMA_VERSION } from './ledger-schema.js';
import { scanLedger, type LedgerScan } from './ledger-scan.js';
import { checkLmdbDataFile } from './lmdb-file-check.js';
import type { ResolvedLedgerStoreOptions } from './options.js';
import { SCAN_WORKER_URL } from './scan-worker.js';

/** Injected dependencies of `LedgerStore.open`. */
export interface LedgerStoreDeps {
  /** Wall clock, ms since the epoch: the damage sequence floor and the moved-aside file name. @default Date.now */
  readonly wallClockMs?: () => number;
  /**
   * Runs the recovery scan of a ledger directory (replaces the choice by
   * `scanInWorkerMinBytes`). @default scanLedger in this thread, or on a piscina worker
   * (`storage/scan-worker.js`) for a ledger of `scanInWorkerMinBytes` or more
   */
  readonly scan?: (path: string) => Promise<LedgerScan>;
}

/** The outcome of {@link prepareLedgerDirectory}: a locked directory and what is in it. */
export interface PreparedLedger {
  readonly dir: string;
  readonly lock: LedgerLock;
  readonly scan: Extract<LedgerScan, { kind: 'empty' | 'ledger' }>;
  readonly damagedMovedTo?: string;
  readonly damageReason?: string;
  /** Set after a move aside: the sequence floor of the new epoch. */
  readonly seqFloorAfterDamage?: number;
  readonly verifyMs: number;
  readonly scanMs: number;
  /** The recovery scan ran on a piscina worker thread (false: in this thread, or no scan). */
  readonly scanInWorker: boolean;
  /** Releases the lock and the registry entry (on a failed open, and by `close`). */
  release(): void;
}

/** Real paths of the ledgers open in this thread. */
const openHere = new Set<string>();

/** LMDB file names inside a ledger directory. */
export const LMDB_FILES = Object.freeze(['data.mdb', 'lock.mdb']);

/** Locks and checks the ledger directory of `o.path`; throws `LedgerError` on anything it refuses. */
export async function prepareLedgerDirectory(o: ResolvedLedgerStoreOptions, deps: LedgerStoreDeps): Promise<PreparedLedger> {
  const shown = o.path as string;
  const dir = ensureLedgerDirectory(shown, shown);
  if (openHere.has(dir)) throw new LedgerError(`ledger ${shown} is already open in this process`);
  const lock = acquireLedgerLock(dir, o.peerName, shown);
  openHere.add(dir);
  const release = (): void => {
    openHere.delete(dir);
    lock.release();
  };
  try {
    return { ...(await inspect(dir, shown, o, deps)), dir, lock, release };
  } catch (err) {
    release();
    throw err;
  }
}

type Inspection = Omit<PreparedLedger, 'dir' | 'lock' | 'release'>;

async function inspect(dir: string, shown: string, o: ResolvedLedgerStoreOptions, deps: LedgerStoreDeps): Promise<Inspection> {
  const dataFile = join(dir, 'data.mdb');
  if (!existsSync(dataFile)) return { scan: { kind: 'empty' }, verifyMs: 0, scanMs: 0, scanInWorker: false };
  const started = performance.now();
  const header = checkLmdbDataFile(dataFile);
  if (!header.ok) return moveAsideOrRefuse(dir, shown, header.reason, o, deps);
  // Every page is read in a child process before LMDB maps the file here: a corrupt page
  // crashes the child (SIGSEGV/SIGBUS), never the peer. (A header-only check was an option; it
  // crashed the process on 2 of 25 randomly damaged files, issue 11, and is gone.)
  const walk = await walkLmdbInChild(dir);
  if (!walk.ok) return moveAsideOrRefuse(dir, shown, walk.reason, o, deps);
  // A main-tree page overwritten with noise can read as a tree with fewer entries without
  // crashing the walk; LMDB would then write into that page here and abort the process.
  if (walk.mainEntries !== header.mainEntries) {
    const reason = `is damaged: its meta page counts ${header.mainEntries} databases, reading its main tree found ${walk.mainEntries}`;
    return moveAsideOrRefuse(dir, shown, reason, o, deps);
  }
  const verifyMs = performance.now() - started;
  let scan: LedgerScan;
  let scanInWorker = false;
  try {
    if (deps.scan !== undefined) scan = await deps.scan(dir);
    else if (statSync(dataFile).size >= o.scanInWorkerMinBytes && existsSync(SCAN_WORKER_PATH)) {
      const inWorker = await scanOnWorker(dir);
      scanInWorker = inWorker !== undefined;
      scan = inWorker ?? (await scanLedger(dir));
    } else scan = await scanLedger(dir);
  } catch (err) {
    return moveAsideOrRefuse(dir, shown, `could not be read (${(err as Error).message})`, o, deps);
  }
  const scanMs = performance.now() - started - verifyMs;
  switch (scan.kind) {
    case 'empty':
      return { scan, verifyMs, scanMs, scanInWorker };
    case 'foreign':
      throw new LedgerError(
        `ledger ${shown}: ${dataFile} ${scan.reason}; refusing to use it (point options.path at an empty directory or a ledgecast ledger)`,
      );
    case 'unsupportedSchema':
      throw new LedgerError(
        `ledger ${shown} has schema version ${JSON.stringify(scan.schemaVersion)} (peer name ${JSON.stringify(scan.peerName)}); ` +
          `this build reads version ${LEDGER_SCHEMA_VERSION}`,
      );
    case 'ledger':
      if (scan.meta.peerName !== o.peerName) {
        throw new LedgerError(
          `ledger ${shown} belongs to peer name ${JSON.stringify(scan.meta.peerName)}, not ${JSON.stringify(o.peerName)}; ` +
            `open it with that name (options.name) or use another path`,
        );
      }
      if (scan.damage.length > 0) return moveAsideOrRefuse(dir, shown, `is damaged: ${scan.damage.join('; ')}`, o, deps);
      {
        // Our ledger: one trial commit in a child, so that a damaged free-page list (which no
        // read visits) fails there and not at this process's first write.
        const trial = await trialWriteInChild(dir);
        if (!trial.ok) return moveAsideOrRefuse(dir, shown, trial.reason, o, deps);
      }
      return { scan, verifyMs, scanMs, scanInWorker };
  }
}

/** The compiled worker module; absent when this file runs as TypeScript source (tests). */
const SCAN_WORKER_PATH = fileURLToPath(SCAN_WORKER_URL);

/**
 * Runs {@link scanLedger} on a one-thread piscina pool made for this open and destroyed after
 * it (a ledger opens once per peer start: no pool is kept). Returns `undefined` when the worker
 * could not run or its scan failed: the caller then scans in its own thread, which gives the
 * same result or the same error as before (a bad file fails there too, with LMDB's message).
 * piscina is imported here, on first use, so that a peer without a big ledger never loads it.
 */
async function scanOnWorker(dir: string): Promise<LedgerScan | undefined> {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({ filename: SCAN_WORKER_URL, minThreads: 1, maxThreads: 1 });
  try {
    return (await pool.run(dir)) as LedgerScan;
  } catch {
    return undefined;
  } finally {
    await pool.destroy();
  }
}

function moveAsideOrRefuse(
  dir: string,
  shown: string,
  reason: string,
  o: ResolvedLedgerStoreOptions,
  deps: LedgerStoreDeps,
): Inspection {
  const dataFile = join(dir, 'data.mdb');
  if (o.onDamaged === 'refuse') {
    throw new LedgerError(
      `ledger ${shown}: ${dataFile} ${reason}; refusing to open it ` +
        `(options.onDamaged 'moveAside' moves it aside and starts a fresh ledger in a new sequence epoch)`,
    );
  }
  const nowMs = (deps.wallClockMs ?? Date.now)();
  // The floor must exceed every number the damaged ledger handed out. Its file was last written
  // at its mtime by the same clock, so max(now, mtime) also survives a clock set back since.
  const lastWriteMs = statSync(dataFile).mtimeMs;
  const seqFloor = Math.floor(Math.max(nowMs, lastWriteMs)) * 1000;
  if (!Number.isSafeInteger(seqFloor)) throw new LedgerError(`ledger ${shown}: the wall clock ${nowMs} is out of range`);
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  let target = `${dir}.damaged-${stamp}`;
  for (let i = 1; existsSync(target); i++) target = `${dir}.damaged-${stamp}-${i}`;
  try {
    mkdirSync(target);
    // Only LMDB's files move; our own peer lock stays where it is, so nobody slips in meanwhile.
    for (const name of LMDB_FILES) {
      if (existsSync(join(dir, name))) renameSync(join(dir, name), join(target, name));
    }
  } catch (err) {
    throw new LedgerError(`ledger ${shown}: ${dataFile} ${reason}, and moving it to ${target} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { scan: { kind: 'empty' }, damagedMovedTo: target, damageReason: reason, seqFloorAfterDamage: seqFloor, verifyMs: 0, scanMs: 0, scanInWorker: false };
}
