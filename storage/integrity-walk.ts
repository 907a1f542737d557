/**
 * Reads every live page of an LMDB environment in a short-lived child process.
 *
 * LMDB trusts its file: a damaged branch, leaf or overflow page makes it read outside the map
 * and the process dies of SIGSEGV or SIGBUS, with no exception to catch. The store therefore
 * lets a throwaway `node` process walk the whole file first (every key and value of the main
 * database and of every named database, read-only); if that child crashes or throws, or reads
 * a database with fewer or more entries than its record counts (noise can read as a smaller
 * tree without crashing, and LMDB would abort on the first write into it), the file is damaged
 * and the peer never maps it. Pages only on the free list are not visited.
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

let lmdbEntry: string | undefined;

/**
 * Walks the LMDB environment in directory `dir` in a child process. Never throws: a crash, an
 * error, or no answer within `timeoutMs` comes back as `{ ok: false, reason }`.
 */
export function walkLmdbInChild(dir: string, timeoutMs = 120_000): Promise<IntegrityWalk> {
  lmdbEntry ??= createRequire(import.meta.url).resolve('lmdb');
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', WALK_SOURCE], {
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
        resolve({ ok: false, reason: `is damaged: reading it crashed LMDB (${signal})` });
      } else if (code !== 0) {
        resolve({ ok: false, reason: `is damaged: reading it failed (${lastErrorLine(err)})` });
      } else {
        try {
          const r = JSON.parse(out) as { entries: number; bytes: number; mainEntries: number };
          resolve({ ok: true, entries: r.entries, bytes: r.bytes, mainEntries: r.mainEntries, ms: performance.now() - started });
        } catch {
          resolve({ ok: false, reason: `the integrity check answered nonsense: ${JSON.stringify(out.slice(0, 200))}` });
        }
      }
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
