/**
 * The README's example runs as written, in two processes: this test reads the first `ts` code
 * block of README.md's "## Example" section (so the README cannot drift from what is tested),
 * compiles it as it is (TypeScript's transpileModule: types are erased, nothing else changes),
 * and runs it in two child processes where `import … from 'ledgecast'` resolves to this
 * package as built (a `node_modules/ledgecast` link to the repository: its package.json and dist/).
 *
 * Network: the example uses the defaults (127.0.0.1, TTL 1, the default group and port), as a
 * reader running it would; the peers' names carry their pid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The first ```ts block after the `## Example` heading of README.md. */
function readmeExample(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Example\n'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (m === null) throw new Error('README.md has no ```ts block under "## Example"');
  return m[1];
}

function run(file: string): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [file], { cwd: path.dirname(file), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** The README example compiled into a temporary directory where `ledgecast` is this package; its path. */
function exampleFile(): string {
  const source = readmeExample();
  expect(source).toContain("from 'ledgecast'");
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  dir = mkdtempSync(path.join(tmpdir(), 'ledgecast-readme-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(root, path.join(dir, 'node_modules', 'ledgecast'), 'dir');
  const file = path.join(dir, 'example.mjs');
  writeFileSync(file, js);
  return file;
}

describe('the README example', () => {
  it('runs as written in two processes: each gets both streams in order and a reply, then exits 0', async () => {
    const file = exampleFile();
    const a = run(file);
    const b = run(file);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the example did not finish within 30 s')), 30_000));
    const [ra, rb] = await Promise.race([Promise.all([a.done, b.done]), timeout]);

    for (const [r, self, other] of [
      [ra, a.child.pid, b.child.pid],
      [rb, b.child.pid, a.child.pid],
    ] as const) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines).toContain(`quotes-${other} joined`);
      for (const sender of [self, other]) {
        const quotes = lines.filter((l) => l.startsWith(`quotes.acme.eu quotes-${sender} `));
        expect(quotes).toEqual(Array.from({ length: 10 }, (_, i) => `quotes.acme.eu quotes-${sender} ${i + 1} { bid: ${100 + i} }`));
      }
      expect(lines.filter((l) => l.startsWith('reply '))).toHaveLength(1);
      expect(lines.find((l) => l.startsWith('reply '))).toMatch(/^reply \{ rate: 1\.08 \} from (ourselves|the other peer)$/);
    }
  });

  it('in three processes started together: every one ends by itself, silently on stderr, with its own quotes, what it heard of the others in order, and a reply', async () => {
    // Before (7 December, a user-style check): 1 run in 8 never ended. The slowest peer to start
    // saw the others listen and leave between two looks of a 100 ms poll and waited for ever,
    // or waited for ever for 10 quotes it had joined too late to hear; and a third of the runs
    // printed a PeerClosedError warning (a request answered while its peer closed). A peer that
    // starts after the others have left waits for a listener, as it says: not tested here.
    const file = exampleFile();
    const a = run(file);
    const b = run(file);
    const c = run(file);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the example did not finish within 40 s')), 40_000));
    const results = await Promise.race([Promise.all([a.done, b.done, c.done]), timeout]);
    const pids = [a.child.pid, b.child.pid, c.child.pid];
    results.forEach((r, i) => {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      for (const sender of pids) {
        const seqs = lines.filter((l) => l.startsWith(`quotes.acme.eu quotes-${sender} `)).map((l) => Number(l.split(' ')[2]));
        if (sender === pids[i]) expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // Another's: once each, in order, from where this one joined its stream, to the end.
        else if (seqs.length > 0) expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => 11 - seqs.length + k));
      }
      expect(lines.filter((l) => l.startsWith('reply '))).toHaveLength(1);
    });
  }, 60_000);
});
