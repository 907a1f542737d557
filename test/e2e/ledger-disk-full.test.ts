/**
 * A ledger whose file system fills up, as a user meets it: on a 5 MB tmpfs (CI runs as root), a
 * publisher's ledger fills with its messages. The peer runs in a process of its own
 * (test/fixtures/e2e/disk-full-child.mjs) so that an unhandled rejection, which Node turns into
 * an exit, shows. (A durable subscriber whose disk something else fills is not tested here: in
 * 2 of 14 runs lmdb 3.5.6 itself aborted the process in its native page write after ENOSPC,
 * "corrupted size vs. prev_size", which no JavaScript can catch; README, "ledger".)
 *
 * Before: lmdb rejected promises of the failed commit that nothing handled (the writes the
 * store did not await, lmdb's own batch-start write, and its `commitError`): the process died
 * with exit code 1 (with a handler installed, `close()` never settled: lmdb resolves neither
 * `flushed` nor `close()` after a failed commit).
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freshNetwork } from './helpers.js';

const CHILD = fileURLToPath(new URL('../fixtures/e2e/disk-full-child.mjs', import.meta.url));

const mounts: string[] = [];
afterEach(() => {
  for (const dir of mounts.splice(0)) {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh 5 MB tmpfs. */
function smallDisk(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  out: { errors: { code: string; message: string }[]; rejected?: string; published: number; closed: boolean } | undefined;
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let out: ChildResult['out'];
      try {
        out = JSON.parse(line) as ChildResult['out'];
      } catch {
        out = undefined;
      }
      resolve({ code, stdout, stderr, out });
    });
  });
}

describe('a ledger whose disk fills up', () => {
  for (const durability of ['sync', 'async'] as const) {
    it(`${durability} publisher: an error event and a refused publish saying the file system is full; the process lives and close() settles`, async () => {
      const dir = smallDisk();
      const net = freshNetwork();
      const r = await runChild(['pub', dir, durability, net.group, String(net.port)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.out).toMatchObject({ rejected: 'ERR_LEDGER', closed: true });
      expect(r.out?.published).toBeGreaterThan(100);
      expect(r.out?.errors[0]).toMatchObject({ code: 'ERR_LEDGER', message: expect.stringMatching(/file system is full/) });
    }, 60_000);
  }
});
