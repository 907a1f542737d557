/**
 * The end-to-end subset on the other supported Node majors. The suite itself runs on the
 * machine's Node; this file fetches Node 22 and Node 24 from the npm registry (the `node`
 * package, which installs the platform's binary package) into a cache under the temp directory,
 * and runs a representative subset of test/e2e with vitest under each: peers in child
 * processes (they are forked with the running `node`, so they run on that major too), every
 * topology (worker threads, SharedArrayBuffer rings, comlink), loss and retransmission, large
 * messages, request/reply, the ledger (LMDB's native addon, the child integrity walk, the
 * piscina scan worker) and closing. (cli.test.ts is left out: its fixed 300 ms wait for a
 * subscriber process to start is too short on a loaded machine.) Each test passes only if that
 * nested run passed every one of its tests.
 *
 * The nested run is serial (one file at a time) to stay light beside the main run.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The other Node majors that `engines` claims and CI tests. */
const OTHER_NODE_MAJORS = [22, 24] as const;

/** The e2e files run under each of them (the whole e2e directory runs on the machine's Node). */
const E2E_SUBSET = [
  'test/e2e/fanout.test.ts', // peers in processes, every topology (worker threads, rings, comlink)
  'test/e2e/fault-recovery.test.ts', // loss, NAK, retransmission
  'test/e2e/large-messages.test.ts', // fragmentation under loss
  'test/e2e/request-reply.test.ts',
  'test/e2e/ledger-recovery.test.ts', // LMDB: lock, damaged files (child walk), retention
  'test/e2e/ledger-scan-worker.test.ts', // piscina
  'test/e2e/close.test.ts', // drain, BYE, worker and socket teardown
] as const;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((res) => {
    execFile(file, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      res({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr: err === null ? stderr : `${stderr}\n${err.message}` });
    });
  });
}

/** The environment without the outer run's vitest and npm variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(VITEST|npm_)/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return env;
}

/** Path of a `node` binary of major `major`, installed from the npm registry on first use. */
async function nodeOfMajor(major: number): Promise<string> {
  const prefix = join(tmpdir(), 'ledgecast-node-versions', `node${major}`);
  const bin = join(prefix, 'node_modules/.bin/node');
  const version = async (): Promise<string> => (existsSync(bin) ? (await run(bin, ['--version'], prefix, cleanEnv(), 10_000)).stdout.trim() : '');
  if (!(await version()).startsWith(`v${major}.`)) {
    rmSync(prefix, { recursive: true, force: true });
    mkdirSync(prefix, { recursive: true });
    const installed = await run(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--prefer-offline', `node@${major}`],
      prefix,
      cleanEnv(),
      240_000,
    );
    if (installed.code !== 0) throw new Error(`npm install node@${major} failed:\n${installed.stdout}\n${installed.stderr}`);
  }
  const v = await version();
  if (!v.startsWith(`v${major}.`)) throw new Error(`${bin} reports ${JSON.stringify(v)}, not Node ${major}`);
  return bin;
}

interface VitestJson {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

describe('the e2e subset on other Node majors', () => {
  for (const major of OTHER_NODE_MAJORS) {
    it(`passes on Node ${major}`, async () => {
      const node = await nodeOfMajor(major);
      const out = mkdtempSync(join(tmpdir(), `ledgecast-e2e-node${major}-`));
      try {
        const results = join(out, 'results.json');
        const r = await run(
          node,
          [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', ...E2E_SUBSET, '--reporter=json', `--outputFile=${results}`, '--no-file-parallelism'],
          REPO,
          cleanEnv(),
          540_000,
        );
        if (!existsSync(results)) throw new Error(`vitest on Node ${major} wrote no results (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
        const json = JSON.parse(readFileSync(results, 'utf8')) as VitestJson;
        const failures = json.testResults.flatMap((f) =>
          f.assertionResults.filter((a) => a.status !== 'passed').map((a) => `${f.name}: ${a.fullName} (${a.status}) ${a.failureMessages.join('\n')}`),
        );
        expect(failures).toEqual([]);
        expect(json.testResults.map((f) => f.name.slice(REPO.length + 1)).sort()).toEqual([...E2E_SUBSET].sort());
        expect(json.testResults.filter((f) => f.status !== 'passed')).toEqual([]);
        expect(json.numPassedTests).toBe(json.numTotalTests);
        expect(json.numTotalTests).toBeGreaterThan(0);
        expect(r.code).toBe(0);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 600_000);
  }
});
