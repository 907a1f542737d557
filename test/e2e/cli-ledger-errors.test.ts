/**
 * The compiled `ledgecast` CLI given a `--ledger` path that cannot hold a ledger: each is a
 * user's mistake, so one line on stderr and exit code 2, within a few seconds. A path under
 * /proc used to hang `createPeer` forever at 100 % CPU (Node's recursive mkdir loops on procfs),
 * deaf to SIGTERM: the child is killed after 10 s, so a hang fails the test, it does not stall it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNetwork } from './helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
const NOBODY = 65_534;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function ledgecast(args: readonly string[], uid?: number): Promise<Run> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(uid !== undefined ? { uid, gid: uid } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

function pubWithLedger(path: string, uid?: number): Promise<Run> {
  const net = freshNetwork();
  return ledgecast(['pub', 'ledger.errors', '1', '--linger', '0', '--ledger', path, '--name', 'ledger-errors', '--group', net.group, '--port', String(net.port)], uid);
}

let dir: string;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'ledgecast-cli-ledger-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'a-file'), 'not a ledger');
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  mkdirSync(join(dir, 'read-only'), { mode: 0o555 });
  chmodSync(join(dir, 'read-only'), 0o555);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ledgecast --ledger PATH that cannot hold a ledger', () => {
  it.each([
    ['a path under /proc', () => '/proc/ledgecast-test/ledger', /^ledgecast: ledger \/proc\/ledgecast-test\/ledger: \/proc is on procfs/],
    ['/proc itself', () => '/proc', /^ledgecast: ledger \/proc: \/proc is on procfs/],
    ['a path under /sys', () => '/sys/ledgecast-test', /^ledgecast: ledger \/sys\/ledgecast-test: \/sys is on sysfs/],
    ['a file where the directory should be', () => join(dir, 'a-file'), /^ledgecast: ledger .*a-file is not a directory/],
    ['a path under a file', () => join(dir, 'a-file', 'ledger'), /^ledgecast: ledger .*a-file\/ledger: a part of .* is a file, not a directory/],
    ['a dangling symbolic link', () => join(dir, 'dangling', 'ledger'), /^ledgecast: ledger .*dangling\/ledger: .*dangling is a symbolic link to a missing target/],
  ])('%s: exit 2, one line on stderr, at once', async (_what, path, message) => {
    const r = await pubWithLedger(path());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.ms).toBeLessThan(5000);
  });

  it('an unwritable directory: exit 2, one line on stderr, at once', async () => {
    // root writes anywhere: run the CLI as nobody then (a mode 555 directory stops anyone else).
    const uid = process.getuid?.() === 0 ? NOBODY : undefined;
    const r = await pubWithLedger(join(dir, 'read-only', 'ledger'), uid);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(/^ledgecast: ledger .*read-only\/ledger: .*read-only is not writable \(EACCES\)$/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('a ledger already open by another process: exit 2, naming the process', async () => {
    const net = freshNetwork();
    const path = join(dir, 'shared');
    const args = ['--ledger', path, '--name', 'ledger-owner', '--group', net.group, '--port', String(net.port)];
    const first = spawn(process.execPath, [CLI, 'pub', 'ledger.errors', '1', '--linger', '5', ...args], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(join(path, 'ledger-owner.lock')); i++) await new Promise((r) => setTimeout(r, 100));
      const r = await ledgecast(['pub', 'ledger.errors', '1', '--linger', '0', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd()).toMatch(new RegExp(`^ledgecast: ledger .* is already open by process ${first.pid} under peer name ledger-owner$`));
    } finally {
      first.kill('SIGKILL');
    }
  });
});
