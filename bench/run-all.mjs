#!/usr/bin/env node
/**
 * The whole benchmark in one command (`npm run bench` = `npm run build && node bench/run-all.mjs`):
 * runs the three runners one after the other as child processes, merges their --json output,
 * and writes docs/BENCHMARKS.md (machine, command, tables of medians with ratios, goals of issue 5
 * item 3 marked met / not met) and docs/benchmarks.svg (chart). It measures nothing itself.
 *
 *   node bench/run-all.mjs [--runs N=3] [--seconds S=3] [--quick] [--out DIR] [--json FILE] [--verbose]
 *
 *   1. bench/e2e-throughput.mjs --no-tuned: ledgecast under every topology preset (64 B and 1 KB 1 → 1,
 *      64 B 1 → 2 subscribers, paced RTT), the default preset with the other publisher wait mode and
 *      with 2 % and 5 % loss injected in-process on both peers; and raw dgram multicast 64 B / 1 KB and
 *      dgram RTT, interleaved with the ledgecast cases.
 *   2. bench/baselines/run.mjs --only dgram-unicast,zmq,nats: raw dgram unicast, ZeroMQ PUB/SUB and
 *      NATS, 64 B / 1 KB and paced RTT. Without nats-server the NATS rows are missing (the run goes on
 *      and says how to install it).
 *   3. bench/ledgecast/measure-path.mjs: the data path costs of issue 10 (objects allocated per
 *      message on each side, main-thread busy time per message per preset, heap held per windowed
 *      message), in the report's "Data path costs" section.
 *
 * The report's headline ledgecast figures are medians over the topology presets (min and max preset
 * named), and latency runs from the scheduled send time (bench/report/model.mjs).
 * --quick: 1 run of 2 s, ledgecast default preset only, measure-path --quick (a smoke check, about two
 * minutes); the report goes
 * to a temp folder unless --out is given, so docs/ keeps the last full run.
 * Exit code: 0; 2 if a runner failed or some case had no successful run (the report is still written);
 * 1 if neither the e2e nor the baselines runner produced results; 64 for bad options.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findExecutable } from './baselines/harness.mjs';
import { renderConsoleSummary } from './report/markdown.mjs';
import { writeReport } from './report/render.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(HERE, '..');
const DIST = path.join(ROOT, 'dist', 'index.js');

const USAGE = `usage: npm run bench [-- OPTIONS]      (= npm run build && node bench/run-all.mjs OPTIONS)
  --runs N       runs per case (default 3; 1 with --quick)
  --seconds S    seconds per run (default 3; 2 with --quick)
  --quick        smoke check: 1 run x 2 s, ledgecast default preset only; report to a temp dir
  --out DIR      where BENCHMARKS.md and benchmarks.svg go (default docs/; a temp dir with --quick)
  --json FILE    also save the merged JSON of both runners there
  --verbose      pass --verbose to the runners (children's output)`;

function parseCli() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: 'string' },
        seconds: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        json: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`${err.message}\n${USAGE}`);
    process.exit(64);
  }
  const num = (name, raw, lo, hi) => {
    const v = Number(raw);
    if (!(Number.isFinite(v) && v >= lo && v <= hi)) {
      console.error(`--${name} must be a number in [${lo}, ${hi}], got ${raw}\n${USAGE}`);
      process.exit(64);
    }
    return v;
  };
  const quick = values.quick;
  return {
    help: values.help,
    quick,
    runs: Math.floor(num('runs', values.runs ?? (quick ? 1 : 3), 1, 50)),
    seconds: num('seconds', values.seconds ?? (quick ? 2 : 3), 0.5, 60),
    out: values.out,
    json: values.json,
    verbose: values.verbose,
  };
}

function commandLine() {
  const args = process.argv.slice(2);
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  return `node bench/run-all.mjs${args.length ? ` ${args.join(' ')}` : ''}`;
}

function machine() {
  return {
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '?',
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavgStart: os.loadavg(),
  };
}

/** Read-only git facts (GIT_OPTIONAL_LOCKS=0: `git status` must not take the index lock). */
function gitInfo() {
  const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0' };
  const run = (args) => spawnSync('git', args, { cwd: ROOT, env, encoding: 'utf8', timeout: 10_000 });
  const head = run(['rev-parse', 'HEAD']);
  if (head.status !== 0) return undefined;
  const st = run(['status', '--porcelain', '--untracked-files=no']);
  return { commit: head.stdout.trim(), dirty: st.status === 0 ? st.stdout.trim().length > 0 : undefined };
}

let current = null; // the runner child being waited for

function runRunner(r, logStream) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(`\n=== ${r.display}`);
    logStream.write(`\n=== ${r.display}\n`);
    const child = spawn(process.execPath, [r.script, ...r.args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      logStream.write(d);
    });
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      logStream.write(d);
    });
    const done = (exitCode, error) => {
      current = null;
      resolve({ exitCode, error, wallS: (Date.now() - t0) / 1000 });
    };
    child.once('error', (err) => done(null, String(err?.message ?? err)));
    child.once('exit', (code, signal) => done(code, signal ? `killed by ${signal}` : undefined));
  });
}

function readJson(file) {
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
  } catch {
    return null;
  }
}

async function main() {
  const cli = parseCli();
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(DIST)) {
    console.error(`${path.relative(process.cwd(), DIST)} not found: run \`npm run build\` first (\`npm run bench\` does).`);
    return 1;
  }
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      if (current?.pid) current.kill(sig); // the runner kills its own children on these signals
      setTimeout(() => process.exit(130), 3000).unref();
      if (!current) process.exit(130);
      current.once('exit', () => process.exit(130));
    });
  }

  const started = new Date();
  const problems = [];
  const natsBin = process.env.NATS_SERVER_BIN || findExecutable('nats-server');
  if (!natsBin) {
    const msg = 'nats-server not found (PATH, /usr/sbin): the NATS rows and goals will be missing. Install it with `apt-get install -y nats-server` (or set NATS_SERVER_BIN) and rerun.';
    console.log(`NOTE: ${msg}`); // the baselines JSON records the skip; the report lists it
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'ledgecast-bench-'));
  const outDir = cli.out ? path.resolve(cli.out) : cli.quick ? work : path.join(ROOT, 'docs');
  const common = ['--runs', String(cli.runs), '--seconds', String(cli.seconds), ...(cli.verbose ? ['--verbose'] : [])];
  const runners = [
    {
      name: 'e2e',
      script: path.join(HERE, 'e2e-throughput.mjs'),
      args: [...common, '--no-tuned', ...(cli.quick ? ['--quick'] : []), '--json', path.join(work, 'e2e.json')],
      what: cli.quick
        ? 'ledgecast, default topology preset only: 64 B and 1 KB 1 → 1, 64 B 1 → 2 subscribers, 2 % and 5 % loss injected in-process on both peers, paced RTT; raw dgram multicast 64 B / 1 KB and dgram RTT, interleaved'
        : 'ledgecast under every topology preset (64 B and 1 KB 1 → 1, 64 B 1 → 2 subscribers, paced RTT), the default preset with the publisher awaiting publish() and with 2 % and 5 % loss injected in-process on both peers; raw dgram multicast 64 B / 1 KB and dgram RTT, interleaved with the ledgecast cases',
    },
    {
      name: 'baselines',
      script: path.join(HERE, 'baselines', 'run.mjs'),
      args: [...common, '--only', 'dgram-unicast,zmq,nats', '--json', path.join(work, 'baselines.json')],
      what: 'raw dgram unicast, ZeroMQ PUB/SUB and NATS: 64 B and 1 KB throughput and paced RTT',
    },
    {
      name: 'path',
      script: path.join(HERE, 'ledgecast', 'measure-path.mjs'),
      args: ['--runs', String(cli.runs), ...(cli.quick ? ['--quick'] : []), ...(cli.verbose ? ['--verbose'] : []), '--json', path.join(work, 'path.json')],
      what: cli.quick
        ? 'data path costs (issue 10), quick: objects allocated per message on each side, main-thread busy time per message (default preset only), heap held per windowed message'
        : 'data path costs (issue 10): objects allocated per message on each side (allocation tracker), main-thread busy time per message and throughput for every topology preset, heap held per windowed message vs its wire bytes',
    },
  ];
  for (const r of runners) {
    r.display = `node ${path.relative(ROOT, r.script)} ${r.args.join(' ')}`.replaceAll(`${work}${path.sep}`, '');
  }
  console.log(
    `run-all: ${cli.runs} run(s) x ${cli.seconds} s per case${cli.quick ? ' (quick)' : ''}; node ${process.version}, ` +
      `${machine().nproc} cpus, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; work dir ${work} (log, JSON)`,
  );
  const m = machine();
  const log = createWriteStream(path.join(work, 'run.log'));
  const results = {};
  for (const r of runners) {
    const res = await runRunner(r, log);
    Object.assign(r, res);
    results[r.name] = readJson(path.join(work, `${r.name}.json`));
    if (res.exitCode !== 0) problems.push(`${r.name} runner ${res.error ? res.error : `exited with code ${res.exitCode}`}${results[r.name] ? '' : ' and wrote no JSON'}`);
  }
  log.end();
  m.loadavgEnd = os.loadavg();
  if (!results.e2e && !results.baselines) {
    console.error(`\nneither runner produced results; see ${path.join(work, 'run.log')}`);
    return 1;
  }
  const finished = new Date();
  const merged = {
    run: {
      date: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationS: (finished - started) / 1000,
      command: commandLine(),
      options: { runs: cli.runs, seconds: cli.seconds, quick: cli.quick },
      machine: m,
      git: gitInfo(),
      workDir: work,
      problems,
      runners: runners.map(({ name, display, what, exitCode, error, wallS }) => ({ name, display, what, exitCode, error, wallS })),
    },
    e2e: results.e2e,
    baselines: results.baselines,
    path: results.path,
  };
  const mergedPath = path.join(work, 'merged.json');
  writeFileSync(mergedPath, `${JSON.stringify(merged)}\n`);
  if (cli.json) copyFileSync(mergedPath, cli.json);
  const { report, mdPath, svgPath } = writeReport(merged, outDir);
  console.log('');
  console.log(renderConsoleSummary(report));
  console.log('');
  for (const p of [...problems, ...report.problems]) console.log(`problem: ${p}`);
  const show = (p) => (path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p));
  console.log(`wrote ${show(mdPath)} and ${show(svgPath)}`);
  console.log(`merged JSON ${mergedPath}${cli.json ? ` (copied to ${cli.json})` : ''}; re-render: node bench/report/render.mjs ${mergedPath} --out DIR`);
  console.log(`total ${(merged.run.durationS / 60).toFixed(1)} min`);
  const incomplete = runners.some((r) => r.exitCode !== 0) || report.problems.some((p) => p.endsWith('no successful run'));
  return incomplete ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
