import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('the typed public API', () => {
  it('compiles test/types (typed events, stats, Message<T>; every @ts-expect-error line is an error)', async () => {
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile(process.execPath, [tsc, '-p', 'test/types/tsconfig.json'], { cwd: root }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, text: stdout + stderr });
      });
    });
    expect(out.text).toBe('');
    expect(out.code).toBe(0);
  });
});
