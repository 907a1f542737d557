/**
 * Reads every live page of an LMDB environment in a short-lived child process.
 *
 * LMDB trusts its file: a damaged branch, leaf or overflow page makes it read outside the map
 * and the process dies of SIGSEGV or SIGBUS, with no exception to catch. The store therefore
 * lets a throwaway `node` process walk the whole file first (every key and value of the main
 * database and of every named database, read-only); if that child crashes or
 * throws, or reads a database with fewer or more entries than its record counts (noise can read
 * as a smaller tree without crashing, and LMDB would abort on the first write into it), the file
 * is damaged and the peer never maps it. Pages only on the free list are not visited: LMDB
 * reads and rewrites that list only when it commits a write, so once the file is known to be
 * this peer's ledger a second child commits one trial write ({@link trialWriteInChild}).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** Outcome of {@link walkLmdbInChild}. */
export type IntegrityWalk =
  | {
      readonly ok: true;
      readonly entries: number;
      readonly bytes: number;
      /** Entries read from the main database (the named databases). */
      readonly mainEntries: number;
      readonly ms: number;
    }
  | { readonly ok: false; readonly reason: string };

/** Child program (CommonJS, run with `node -e`); reads its inputs from the environment. */
const WALK_SOURCE = `
const { open } = require(process.env.LEDGECAST_WALK_LMDB);
const env = open({ path: process.env.LEDGECAST_WALK_PATH, noSubdir: false, readOnly: true, maxDbs: 256,
  keyEncoding: 'binary', encoding: 'binary' });
let entries = 0, bytes = 0;
const names = [];
const counted = new Map();
for (const { key, value } of env.getRange({})) {
  entries++; bytes += value.length;
  const name = key.toString('utf8');
  names.push(name);
  // The value is the named database's MDB_db record: its entry count at offset 32.
  if (value.length >= 48) counted.set(name, Number(value.readBigUInt64LE(32)));
}
for (const name of names) {
  let db;
  try { db = env.openDB(name, { keyEncoding: 'binary', encoding: 'binary' }); } catch { continue; }
  if (!db) continue;
  let n = 0;
  for (const { key, value } of db.getRange({})) { n++; bytes += key.length + value.length; }
  entries += n;
  // A page overwritten with noise may read as fewer entries without crashing; writing into it would.
  if (counted.has(name) && counted.get(name) !== n) {
    process.stderr.write('database ' + name + ' should hold ' + counted.get(name) + ' entries, reading it found ' + n + '\\n');
    process.exit(3);
  }
}
process.stdout.write(JSON.stringify({ entries, bytes, mainEntries: names.length }));
process.exit(0);
`;

/** Child program of {@link trialWriteInChild}: one committed write, removed again. */
const TRIAL_SOURCE = `
const { open } = require(process.env.LEDGECAST_WALK_LMDB);
const env = open({ path: process.env.LEDGECAST_WALK_PATH, noSubdir: false, maxDbs: 256, keyEncoding: 'binary', encoding: 'binary' });
try {
  const key = Buffer.from('ledgecast:trial-write');
  env.putSync(key, Buffer.alloc(3 * 4096));
  env.removeSync(key);
} catch (e) {
  process.stderr.write('a trial write failed: error ' + (e && e.message) + '\\n');
  process.exit(4);
}
process.stdout.write('{}');
process.exit(0);
`;

let lmdbEntry: string | undefined;

/**
 * Walks the LMDB environment in directory `dir` in a child process. Never throws: a crash, an
 * error, or no answer within `timeoutMs` comes back as `{ ok: false, reason }`.
 */
export async function walkLmdbInChild(dir: string, timeoutMs = 120_000): Promise<IntegrityWalk> {
  const started = performance.now();
  const r = await runLmdbChild(WALK_SOURCE, dir, timeoutMs, 'reading');
  if (!r.ok) return r;
  try {
    const w = JSON.parse(r.out) as { entries: number; bytes: number; mainEntries: number };
    return { ok: true, entries: w.entries, bytes: w.bytes, mainEntries: w.mainEntries, ms: performance.now() - started };
  } catch {
    return { ok: false, reason: `the integrity check answered nonsense: ${JSON.stringify(r.out.slice(0, 200))}` };
  }
}

/**
 * Commits one write to the ledger in directory `dir` in a child process, and removes it again:
 * LMDB reads and rewrites its free-page list only when it commits, and a damaged list made the
 * peer's first write fail, or crash the process (a seeded damage test, one run in three). Run
 * only on a file known to be this peer's ledger: it changes the file (its transaction id moves
 * on; no record changes). Never throws.
 */
export async function trialWriteInChild(dir: string, timeoutMs = 120_000): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }> {
  const r = await runLmdbChild(TRIAL_SOURCE, dir, timeoutMs, 'writing to');
  return r.ok ? { ok: true } : r;
}

/** Runs `source` in a child `node` with the lmdb entry and `dir` in its environment; its stdout when it exits 0. */
function runLmdbChild(source: string, dir: string, timeoutMs: number, doing: string): Promise<{ readonly ok: true; readonly out: string } | { readonly ok: false; readonly reason: string }> {
  lmdbEntry ??= createRequire(import.meta.url).resolve('lmdb');
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', source], {
      env: { ...process.env, LEDGECAST_WALK_LMDB: lmdbEntry, LEDGECAST_WALK_PATH: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (err.length < 64 * 1024) err += s;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `the integrity check could not start a child process: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && performance.now() - started >= timeoutMs) {
        resolve({ ok: false, reason: `the integrity check did not finish within ${timeoutMs} ms` });
      } else if (signal !== null) {
        resolve({ ok: false, reason: `is damaged: ${doing} it crashed LMDB (${signal})` });
      } else if (code !== 0) {
        resolve({ ok: false, reason: `is damaged: ${doing} it failed (${lastErrorLine(err)})` });
      } else resolve({ ok: true, out });
    });
  });
}

function lastErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /error/i.test(l));
  return lines.at(-1) ?? (stderr.trim().split('\n').at(-1) || 'exit code without a message');
}
