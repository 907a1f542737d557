/**
 * The npm package as a user gets it: `npm pack` (which runs `prepack`: a clean package build)
 * in a copy of the repository, then checks on the tarball itself: what it ships, publint and
 * arethetypeswrong (ESM only), dependencies against the shipped code's imports; then
 * `npm install <tarball>` in a fresh project, where a strict NodeNext TypeScript program and a
 * plain JavaScript program use it (two peers on 127.0.0.1, one message), and `npx ledgecast
 * --help` runs.
 *
 * The pack runs in a copy so that the working tree's `dist/` (the dev build other test files
 * run) is never removed under them. npm installs with `--prefer-offline`: after `npm ci` every
 * package needed is in the local cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(REPO, 'test/fixtures/package');
/** Top-level entries of the repository that are not the package's sources. */
const NOT_COPIED = new Set(['node_modules', 'dist', 'test', 'bench', 'coverage', 'reports']);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file args` in `cwd` without npm's variables of the outer `npm test` (never throws). */
function run(file: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return new Promise((res) => {
    execFile(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      res({ code, stdout, stderr: err !== null && typeof err.code !== 'number' ? `${stderr}\n${err.message}` : stderr });
    });
  });
}

function expectOk(r: Run, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
}

function bin(name: string): string {
  return join(REPO, 'node_modules/.bin', name);
}

let work: string;
let tarball: string;
let files: string[];
let app: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ledgecast-package-'));
  const src = join(work, 'src');
  mkdirSync(src);
  for (const name of readdirSync(REPO)) {
    if (name.startsWith('.') || NOT_COPIED.has(name)) continue;
    cpSync(join(REPO, name), join(src, name), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'), 'dir');
  const out = join(work, 'out');
  mkdirSync(out);
  const packed = await run('npm', ['pack', '--json', '--pack-destination', out], src);
  expectOk(packed, 'npm pack');
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(out, info[0].filename);
  files = info[0].files.map((f) => f.path).sort();

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'ledgecast-consumer', private: true, type: 'module' }));
  for (const f of ['consumer.ts', 'consumer.mjs', 'tsconfig.json']) cpSync(join(FIXTURES, f), join(app, f));
  // The TypeScript and Node typings of the repository, as a user would add them.
  const version = (pkg: string): string => (JSON.parse(readFileSync(join(REPO, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `typescript@${version('typescript')}`, `@types/node@${version('@types/node')}`],
    app,
  );
  expectOk(installed, 'npm install <tarball>');
}, 180_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the built library, its typings and the CLI, and no source maps, test helpers, demo, examples or internal docs', () => {
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli/ledgecast.js');
    expect(files).toContain('dist/storage/scan-worker.js');
    const unwanted = files.filter(
      (f) => !/^dist\/.+\.(js|d\.ts)$/.test(f) && !['package.json', 'README.md'].includes(f),
    );
    expect(unwanted).toEqual([]);
    expect(files.filter((f) => /\.map$|^dist\/runtime\/testing\/|^dist\/cli\/demo|^dist\/examples\/|^docs\//.test(f))).toEqual([]);
  });

  it('has no @internal members in its typings', () => {
    const root = join(app, 'node_modules/ledgecast');
    const leaks = files
      .filter((f) => f.endsWith('.d.ts'))
      .filter((f) => readFileSync(join(root, f), 'utf8').includes('@internal'));
    expect(leaks).toEqual([]);
  });

  it('passes publint (strict) and arethetypeswrong (ESM only)', async () => {
    const lint = await run(process.execPath, [bin('publint'), 'run', '--strict', tarball], REPO);
    expectOk(lint, 'publint');
    const attw = await run(process.execPath, [bin('attw'), tarball, '--profile', 'esm-only', '--format', 'table-flipped'], REPO);
    expectOk(attw, 'attw');
  });

  it('depends on exactly the packages its shipped code imports', () => {
    const root = join(app, 'node_modules/ledgecast');
    const imported = new Set<string>();
    for (const f of files.filter((p) => p.endsWith('.js'))) {
      const code = readFileSync(join(root, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      // A module specifier has no spaces: a string that merely follows the word "from" (page text
      // such as "importing from " + …) is not an import.
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'".\s][^'"\s]*)['"]/g)) {
        const spec = m[1];
        if (spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual([...imported].sort());
  });
});

describe('the package installed in a fresh project', () => {
  it('a strict NodeNext TypeScript program compiles against it and two peers exchange a message', async () => {
    expectOk(await run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app), 'tsc');
    const r = await run(process.execPath, ['out/consumer.js'], app, 30_000);
    expectOk(r, 'the TypeScript program');
    expect(JSON.parse(r.stdout.trim().replace(/^received /, ''))).toEqual({
      subject: 'pkg.hello',
      sender: 'pkg-ts-publisher',
      data: { greeting: 'hello', from: 'ts' },
    });
  });

  it('a plain JavaScript ESM program imports it and two peers exchange a message', async () => {
    const r = await run(process.execPath, ['consumer.mjs'], app, 30_000);
    expectOk(r, 'the JavaScript program');
    expect(JSON.parse(r.stdout.trim().replace(/^received /, ''))).toEqual({
      subject: 'pkg.hello',
      sender: 'pkg-js-publisher',
      data: { greeting: 'hello', from: 'js' },
    });
  });

  it('npx ledgecast --help runs the installed CLI', async () => {
    const r = await run('npx', ['--no-install', 'ledgecast', '--help'], app, 30_000);
    expectOk(r, 'npx ledgecast --help');
    expect(r.stdout).toMatch(/Usage: ledgecast/);
    expect(r.stdout).toMatch(/\bpub\b/);
    expect(r.stdout).toMatch(/\bsub\b/);
  });
});
