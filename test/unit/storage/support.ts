/**
 * Helpers of the storage tests: temporary directories (removed after each file), a JavaScript
 * copy of `storage/` for child processes (which cannot import TypeScript), and child runners.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const made: string[] = [];

/** A fresh directory under os.tmpdir(); {@link removeTempDirs} deletes them all. */
export function tempDir(label = 'ledger'): string {
  const d = mkdtempSync(join(tmpdir(), `ledgecast-${label}-`));
  made.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) {
    rmSync(d, { recursive: true, force: true });
    // moveAside targets are siblings named `<dir>.damaged-…`
    for (const name of readdirSync(dirname(d))) {
      if (name.startsWith(`${basename(d)}.damaged-`)) rmSync(join(dirname(d), name), { recursive: true, force: true });
    }
  }
}

let compiled: string | undefined;

/**
 * Transpiles `storage/index.ts` and everything it imports (relative imports only) into a
 * temporary directory and returns the file URL of the compiled index, importable by `node`.
 */
export async function compiledStorageUrl(): Promise<string> {
  if (compiled !== undefined) return compiled;
  const ts = (await import('typescript')).default;
  const out = tempDir('compiled');
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  symlinkSync(join(REPO, 'node_modules'), join(out, 'node_modules'), 'dir');
  const todo = [join(REPO, 'storage/index.ts')];
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) todo.push(resolve(dirname(file), `${m[1]}.ts`));
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    }).outputText;
    const target = join(out, relative(REPO, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  compiled = pathToFileURL(join(out, 'storage/index.js')).href;
  return compiled;
}

/** A running `node --input-type=module -e <code>` child with line-wise stdout. */
export interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the first stdout line that starts with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/**
 * Starts a child running the ES module source `code`; `STORAGE` inside it is the URL of the
 * compiled storage module (`await compiledStorageUrl()` first).
 */
export function runChild(code: string): Child {
  const prelude = compiled === undefined ? '' : `const STORAGE = ${JSON.stringify(compiled)};\n`;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', `${prelude}${code}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (const line of out.split('\n')) {
      for (const w of [...waiters]) {
        if (line.startsWith(w.prefix)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.on('close', (code, signal) => res({ code, signal })),
  );
  return {
    proc,
    exited,
    stderr: () => err,
    waitFor(prefix, timeoutMs = 20_000) {
      const seen = out.split('\n').find((l) => l.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`child never printed ${prefix}; stderr: ${err}`)), timeoutMs);
        waiters.push({
          prefix,
          resolve: (l) => {
            clearTimeout(t);
            res(l);
          },
        });
        void exited.then(() => {
          clearTimeout(t);
          rej(new Error(`child exited before printing ${prefix}; stderr: ${err}`));
        });
      });
    },
  };
}

/** `n` bytes with value `fill`. */
export function bytes(n: number, fill = 7): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

/** Messages `from..to` of 10-byte payloads, sentAtMs = `t0 + seq`. */
export function messages(from: number, to: number, t0 = 1_000_000, payloadBytes = 10) {
  const out = [];
  for (let seq = from; seq <= to; seq++) out.push({ seq, flags: 0, payload: bytes(payloadBytes, seq & 0xff), sentAtMs: t0 + seq });
  return out;
}
