#!/usr/bin/env node
/**
 * Runs the baseline benchmarks (raw Node dgram, ZeroMQ, NATS) and prints a table of medians.
 *
 *   node bench/baselines/run.mjs [--runs 3] [--seconds 3] [--json out.json] [--only dgram,zmq-rtt]
 *                                [--warmup 1] [--rate 10000] [--pacer worker|spin] [--verbose] [--list]
 *
 * Runs are interleaved (run 1 of every case, then run 2, ...) so slow drift of a noisy machine spreads
 * over all cases instead of biasing one. A baseline whose dependency is missing (npm zeromq, npm nats,
 * the nats-server binary) is skipped with a line saying why; a failing run is reported and the rest
 * goes on. Exit code: 0, or 2 if some selected case had no successful run.
 *
 * All traffic is on 127.0.0.1 (multicast: group 239.255.x.y, interface 127.0.0.1, TTL 0); the
 * transmit counters of every interface other than lo are read around the multicast runs and printed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  findExecutable,
  fmtNum,
  fmtRange,
  fmtSI,
  formatTable,
  nonLoopbackTx,
  randomMulticastGroup,
  runPair,
  startNatsServer,
  stats,
} from './harness.mjs';
import { pingerMetrics } from './latency-pinger.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const script = (name) => path.join(HERE, name);

const USAGE = `usage: node bench/baselines/run.mjs [--runs N=3] [--seconds S=3] [--json FILE] [--only ID,...]
       [--warmup S=1] [--rate R=10000] [--pacer worker|spin] [--verbose] [--list]`;

function parseCli() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '3' },
      json: { type: 'string' },
      only: { type: 'string' },
      warmup: { type: 'string', default: '1' },
      rate: { type: 'string', default: '10000' },
      pacer: { type: 'string', default: 'worker' },
      verbose: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const num = (name, lo, hi) => {
    const v = Number(values[name]);
    if (!(Number.isFinite(v) && v >= lo && v <= hi)) {
      console.error(`--${name} must be a number in [${lo}, ${hi}], got ${values[name]}\n${USAGE}`);
      process.exit(64);
    }
    return v;
  };
  if (!['worker', 'spin'].includes(values.pacer)) {
    console.error(`--pacer must be worker or spin\n${USAGE}`);
    process.exit(64);
  }
  return {
    help: values.help,
    list: values.list,
    runs: Math.floor(num('runs', 1, 50)),
    seconds: num('seconds', 0.5, 60),
    warmup: num('warmup', 0, 10),
    rate: Math.floor(num('rate', 100, 100_000)),
    pacer: values.pacer,
    json: values.json,
    only: values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    verbose: values.verbose,
  };
}

/** Every case. args(env) gets { url } for NATS (the per-run server). */
function defineCases(cli) {
  const lat = { rate: cli.rate, warmupSeconds: cli.warmup, pacer: cli.pacer, msgBytes: 64 };
  const latTitle = (name) => `${name} RTT 64 B, paced ${fmtSI(cli.rate)}/s (${cli.pacer} pacer)`;
  const subject = () => `bench.${Math.random().toString(36).slice(2, 10)}`;
  const dgram = (mode, msgBytes) => ({
    id: `dgram-${mode}-${msgBytes === 64 ? '64' : '1k'}`,
    family: 'dgram',
    kind: 'throughput',
    title: `dgram ${mode} ${msgBytes} B msgs in ~8 KB, credit`,
    pub: 'dgram-pub.mjs',
    sub: 'dgram-sub.mjs',
    msgBytes,
    watchTx: mode === 'multicast',
    args: () => ({ mode, msgBytes, group: mode === 'multicast' ? randomMulticastGroup() : undefined }),
  });
  return [
    dgram('unicast', 64),
    dgram('multicast', 64),
    dgram('unicast', 1024),
    dgram('multicast', 1024),
    { id: 'dgram-rtt', family: 'dgram', kind: 'latency', title: latTitle('dgram unicast'), pub: 'dgram-ping.mjs', sub: 'dgram-echo.mjs', args: () => lat },
    { id: 'zmq-64', family: 'zmq', kind: 'throughput', title: 'zeromq PUB/SUB 64 B, noDrop', pub: 'zmq-pub.mjs', sub: 'zmq-sub.mjs', msgBytes: 64, args: () => ({ msgBytes: 64, noDrop: true }) },
    { id: 'zmq-1k', family: 'zmq', kind: 'throughput', title: 'zeromq PUB/SUB 1024 B, noDrop', pub: 'zmq-pub.mjs', sub: 'zmq-sub.mjs', msgBytes: 1024, args: () => ({ msgBytes: 1024, noDrop: true }) },
    { id: 'zmq-rtt', family: 'zmq', kind: 'latency', title: latTitle('zeromq'), pub: 'zmq-ping.mjs', sub: 'zmq-echo.mjs', args: () => lat },
    { id: 'nats-64', family: 'nats', kind: 'throughput', broker: true, title: 'NATS pub -> nats-server -> sub 64 B', pub: 'nats-pub.mjs', sub: 'nats-sub.mjs', msgBytes: 64, args: (e) => ({ msgBytes: 64, url: e.url, subject: subject() }) },
    { id: 'nats-1k', family: 'nats', kind: 'throughput', broker: true, title: 'NATS pub -> nats-server -> sub 1024 B', pub: 'nats-pub.mjs', sub: 'nats-sub.mjs', msgBytes: 1024, args: (e) => ({ msgBytes: 1024, url: e.url, subject: subject() }) },
    { id: 'nats-rtt', family: 'nats', kind: 'latency', broker: true, title: latTitle('NATS'), pub: 'nats-ping.mjs', sub: 'nats-echo.mjs', args: (e) => ({ ...lat, url: e.url, subject: subject() }) },
  ];
}

/** Can a child process load npm package `name` from this folder? → null or the reason it cannot. */
function npmPackageProblem(name) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(name)});`], {
    cwd: HERE,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status === 0) return null;
  const msg = (r.stderr || r.error?.message || `exit ${r.status}`).split('\n').find((l) => /Error|error/.test(l)) ?? 'load failed';
  return `npm package '${name}' cannot be loaded (${msg.trim().slice(0, 160)})`;
}

function checkFamilies() {
  const skipped = new Map();
  const zmq = npmPackageProblem('zeromq');
  if (zmq) skipped.set('zmq', `${zmq}; install: npm install --save-dev zeromq@^6`);
  const natsPkg = npmPackageProblem('nats');
  const natsBin = process.env.NATS_SERVER_BIN || findExecutable('nats-server');
  const natsRuns = natsBin && spawnSync(natsBin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).status === 0;
  if (natsPkg) skipped.set('nats', `${natsPkg}; install: npm install --save-dev nats@^2`);
  else if (natsBin && !natsRuns) skipped.set('nats', `${natsBin} --version failed (NATS_SERVER_BIN=${process.env.NATS_SERVER_BIN ?? ''})`);
  else if (!natsBin) skipped.set('nats', "the nats-server binary was not found in PATH or /usr/sbin; install: apt-get install -y nats-server (or set NATS_SERVER_BIN)");
  return { skipped, natsBin };
}

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(HERE, '..', '..', 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function readSysctl(name) {
  try {
    return Number(readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function throughputMetrics(c, r) {
  const pub = r.pub.result;
  const sub = r.sub.result;
  const delivered = sub.deliveredMsgsPerSec;
  return {
    deliveredMsgsPerSec: delivered,
    sentMsgsPerSec: pub.sentMsgsPerSec,
    payloadMBps: (delivered * c.msgBytes) / 1e6,
    lossPct: pub.sentMsgs > 0 ? ((pub.sentMsgs - sub.receivedMsgs) / pub.sentMsgs) * 100 : NaN,
    sentMsgs: pub.sentMsgs,
    receivedMsgs: sub.receivedMsgs,
    pubRssBytes: r.pub.rssPeakBytes,
    subRssBytes: r.sub.rssPeakBytes,
  };
}

function latencyMetrics(r) {
  return pingerMetrics(r.pub.result, { pub: r.pub.rssPeakBytes, sub: r.sub.rssPeakBytes });
}

function progressLine(c, m) {
  const mb = (b) => (b ? (b / 2 ** 20).toFixed(0) : '?');
  const rss = `rss ${mb(m.pubRssBytes)}/${mb(m.subRssBytes)}${m.brokerRssBytes ? `/${mb(m.brokerRssBytes)}` : ''} MB`;
  if (c.kind === 'throughput') {
    return `${fmtSI(m.deliveredMsgsPerSec)} msg/s, ${m.payloadMBps.toFixed(1)} MB/s, loss ${fmtPct(m.lossPct)} %, ${rss}`;
  }
  return `from schedule p50 ${fmtNum(m.schedP50Us)} / p99 ${fmtNum(m.schedP99Us)} / p99.9 ${fmtNum(m.schedP999Us)} µs (from send p50 ${fmtNum(m.sendP50Us)} / p99 ${fmtNum(m.sendP99Us)}), lost ${m.lost}, ${rss}`;
}

function fmtPct(x) {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  return Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function summarize(c, runs) {
  const ok = runs.filter((r) => r.ok).map((r) => r.metrics);
  const keys = new Set(ok.flatMap((m) => Object.keys(m)));
  const summary = {};
  for (const k of keys) summary[k] = stats(ok.map((m) => m[k]));
  return summary;
}

function tableRows(results) {
  const mbs = (s) => (s?.n ? (s.median / 2 ** 20).toFixed(0) : '–');
  return results.map(({ c, summary: s, okRuns, runs }) => {
    if (!okRuns) return [c.title, `FAILED (${runs} runs)`, '', '', '', '', '', '', ''];
    const rss = `${mbs(s.pubRssBytes)}/${mbs(s.subRssBytes)}${s.brokerRssBytes?.n ? `/${mbs(s.brokerRssBytes)}` : ''}`;
    const n = okRuns < runs ? ` [${okRuns}/${runs} ok]` : '';
    if (c.kind === 'throughput') {
      return [
        c.title + n,
        fmtRange(s.deliveredMsgsPerSec),
        fmtSI(s.payloadMBps.median),
        s.lossPct.max > 0 ? `${fmtPct(s.lossPct.median)} (max ${fmtPct(s.lossPct.max)})` : fmtPct(s.lossPct.median),
        '–',
        '–',
        '–',
        '–',
        rss,
      ];
    }
    return [
      c.title + n,
      `${fmtSI(s.roundTripsPerSec.median)} rt`,
      '–',
      s.lossPct.max > 0 ? `${fmtPct(s.lossPct.median)} (max ${fmtPct(s.lossPct.max)})` : fmtPct(s.lossPct.median),
      fmtRange(s.schedP50Us, fmtNum),
      fmtRange(s.schedP99Us, fmtNum),
      fmtRange(s.schedP999Us, fmtNum),
      `${fmtNum(s.sendP50Us?.median)} / ${fmtNum(s.sendP99Us?.median)}`,
      rss,
    ];
  });
}

async function main() {
  const cli = parseCli();
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  const all = defineCases(cli);
  if (cli.list) {
    for (const c of all) console.log(`${c.id.padEnd(20)} ${c.title}`);
    return 0;
  }
  const selected = cli.only ? all.filter((c) => cli.only.some((o) => c.id.includes(o))) : all;
  if (selected.length === 0) {
    console.error(`--only ${cli.only.join(',')} matches no case (see --list)`);
    return 64;
  }
  const { skipped, natsBin } = checkFamilies();
  for (const [family, reason] of skipped) {
    if (selected.some((c) => c.family === family)) console.log(`SKIPPED ${family} baseline: ${reason}`);
  }
  const cases = selected.filter((c) => !skipped.has(c.family));
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadavgAtStart: os.loadavg(),
    rmemMax: readSysctl('net.core.rmem_max'),
    wmemMax: readSysctl('net.core.wmem_max'),
    rmemDefault: readSysctl('net.core.rmem_default'),
    zeromq: pkgVersion('zeromq'),
    nats: pkgVersion('nats'),
    natsServer: natsBin ? spawnSync(natsBin, ['--version'], { encoding: 'utf8' }).stdout?.trim() : undefined,
    options: { runs: cli.runs, seconds: cli.seconds, warmupSeconds: cli.warmup, rate: cli.rate, pacer: cli.pacer },
  };
  console.log(
    `baselines: ${cases.length} cases x ${cli.runs} runs, ${cli.seconds} s each; node ${meta.node}, ${meta.cpus} cpus, ` +
      `load ${meta.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}`,
  );

  const perCase = new Map(cases.map((c) => [c.id, []]));
  const tx = { packets: 0, bytes: 0, multicastDatagrams: 0, measured: false };
  for (let run = 0; run < cli.runs; run++) {
    for (const c of cases) {
      const t0 = Date.now();
      let broker;
      try {
        if (c.broker) broker = await startNatsServer({ bin: natsBin, verbose: cli.verbose });
        const tx0 = c.watchTx ? nonLoopbackTx() : null;
        const r = await runPair({
          pubScript: script(c.pub),
          subScript: script(c.sub),
          args: c.args({ url: broker?.url }),
          seconds: cli.seconds,
          verbose: cli.verbose,
        });
        const tx1 = c.watchTx ? nonLoopbackTx() : null;
        if (tx0 && tx1) {
          tx.measured = true;
          tx.packets += tx1.packets - tx0.packets;
          tx.bytes += tx1.bytes - tx0.bytes;
          tx.multicastDatagrams += r.pub.result.sentDatagrams ?? 0;
        }
        const metrics = c.kind === 'throughput' ? throughputMetrics(c, r) : latencyMetrics(r);
        if (broker) metrics.brokerRssBytes = broker.rssPeakBytes();
        perCase.get(c.id).push({ ok: true, metrics, pub: r.pub.result, sub: r.sub.result });
        console.log(`[run ${run + 1}/${cli.runs}] ${c.id.padEnd(18)} ${progressLine(c, metrics)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        perCase.get(c.id).push({ ok: false, error: String(err?.message ?? err) });
        console.log(`[run ${run + 1}/${cli.runs}] ${c.id.padEnd(18)} FAILED: ${String(err?.message ?? err).split('\n')[0]}`);
        if (cli.verbose) console.log(String(err?.message ?? err));
      } finally {
        if (broker) await broker.stop();
      }
    }
  }

  const results = cases.map((c) => {
    const runs = perCase.get(c.id);
    return { c, runs: runs.length, okRuns: runs.filter((r) => r.ok).length, summary: summarize(c, runs), raw: runs };
  });
  console.log('');
  console.log(`Medians over ${cli.runs} runs (msg/s and latency: median (min–max)); RSS = peak, MiB, pub/sub[/nats-server].`);
  console.log('Latency rows: msg/s column = achieved round trips/s; loss % = pings without pong; p50/p99/p99.9 run from the');
  console.log('scheduled send time (t0 + i/rate: no coordinated omission); "from send" = median p50 / p99 from the actual send.');
  console.log(
    formatTable(['case', 'delivered msg/s', 'MB/s', 'loss %', 'p50 µs', 'p99 µs', 'p99.9 µs', 'from send p50/p99', 'peak RSS MiB'], tableRows(results)),
  );
  for (const [family, reason] of skipped) {
    if (selected.some((c) => c.family === family)) console.log(`(skipped ${family}: ${reason})`);
  }
  if (tx.measured) {
    console.log(
      `loopback check: interfaces other than lo transmitted ${tx.packets} packets (${tx.bytes} B) during the ` +
        `multicast runs, which sent ${tx.multicastDatagrams} datagrams (unrelated host traffic can also count here).`,
    );
  }
  meta.loadavgAtEnd = os.loadavg();
  if (cli.json) {
    const out = {
      meta,
      skipped: Object.fromEntries(skipped),
      loopbackCheck: tx,
      cases: results.map(({ c, runs, okRuns, summary, raw }) => ({
        id: c.id,
        title: c.title,
        family: c.family,
        kind: c.kind,
        msgBytes: c.msgBytes,
        runs,
        okRuns,
        summary,
        runResults: raw,
      })),
    };
    writeFileSync(cli.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${cli.json}`);
  }
  return results.some((r) => r.okRuns === 0) ? 2 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
