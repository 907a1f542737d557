#!/usr/bin/env node
/**
 * End-to-end ledgecast benchmark between two processes over loopback multicast, with the raw dgram
 * baseline re-measured in the same run so the ledgecast/dgram ratios are fair.
 *
 *   npm run build && node bench/e2e-throughput.mjs [--runs 3] [--seconds 3] [--presets a,b]
 *        [--json out.json] [--quick] [--wait immediate|publish] [--rate 10000] [--only id,...]
 *        [--max-pending N] [--burst K] [--peer-options JSON] [--no-baseline] [--verbose] [--list]
 *
 * Cases (ids; `--only` keeps the cases whose id contains one of the given strings, or equals one ending in `$`):
 *   lc-{64,1k}-<preset>        publisher lc-pub.mjs → subscriber lc-sub.mjs, one subject, raw bytes,
 *                              tryPublish until false then `--wait` (default: `await publish` of the next message, as the TSDoc advises),
 *                              for `--seconds`; both peers use `topology: <preset>`.
 *   lc-64-<preset>-x2          1 → 2: one publisher, two subscriber processes (64 B); delivered msg/s
 *                              is the slower subscriber's, and both must receive everything.
 *   lc-{64,1k}-<default>-wait-<other>   the same under the default preset with the other wait mode.
 *   lc-64-<preset>-wait-every  no tryPublish: `await publish` of every message (the README's loop).
 *   lc-64-<default>-drop{2,5}  2 % / 5 % of inbound datagrams dropped on BOTH peers (in-process fault
 *                              injection in the socket actor, seeded with the run number): the
 *                              subscriber loses data, the publisher loses NAKs and ACKs, so repair
 *                              traffic is lossy too. Nothing may be lost.
 *   lc-rtt-<preset>            lc-ping.mjs ↔ lc-echo.mjs, 64 B, paced at `--rate`/s, open loop;
 *                              latency from the scheduled send time (see baselines/latency-pinger.mjs).
 *   dgram-multicast-{64,1k}, dgram-rtt   the baseline scripts of bench/baselines (unchanged).
 * Every ledgecast throughput run is checked: delivered == published, no seq gap, no duplicate,
 * payload indexes in order, no dataLoss event, no error. A run that fails a check is flagged in the
 * table and the peer.stats() JSON of both sides is saved (path printed) with a one-line summary of the
 * counters that locate the loss.
 *
 * Runs are interleaved (run 1 of every case, then run 2, ...), like bench/baselines/run.mjs. Every
 * child is bounded in time by the harness (ready 15 s, results `seconds` + 15 s, stop 5 s, and a hard
 * timeout in the child itself); a failing run is printed and the rest goes on.
 *
 * Network safety: peers use interface 127.0.0.1, TTL 0, a random group 239.255.x.y and a random port
 * per run (checked by bench/baselines/loopback.mjs); the transmit counters of every interface other
 * than lo are printed around the whole run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  fmtNum,
  fmtRange,
  fmtSI,
  formatTable,
  nonLoopbackTx,
  randomMulticastGroup,
  runPair,
  stats,
} from './baselines/harness.mjs';
import { pingerMetrics } from './baselines/latency-pinger.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LC = (f) => path.join(HERE, 'ledgecast', f);
const BASE = (f) => path.join(HERE, 'baselines', f);
const DIST = path.join(HERE, '..', 'dist', 'index.js');
const ALL_PRESETS = ['single', 'shared', 'sharedNetwork', 'dedicated'];

const USAGE = `usage: node bench/e2e-throughput.mjs [--runs N=3] [--seconds S=3] [--presets a,b] [--json FILE] [--quick]
       [--wait immediate|publish] [--rate R=10000] [--only ID,...] [--max-pending N] [--burst K]
       [--no-tuned] [--tuned-pending-bytes B=393216] [--peer-options JSON] [--no-skip] [--no-baseline] [--verbose] [--list]
  --quick         1 run, 2 s, default preset only, no -tuned / -wait cases (smoke check)
  --wait          what the publisher does when tryPublish says false (default publish: await publish() of the
                  next message, which waits for room; immediate: yield with setImmediate and try again, a
                  spin that takes a core from worker threads)
  --max-pending   maxPendingPublishes of both peers (default: the library's)
  --burst K       the publisher also yields after K publishes in a row (default: never)
  --no-tuned      leave out the lc-*-tuned cases (every preset with maxPendingPublishes =
                  floor(B / (msgBytes + 48)), B = --tuned-pending-bytes: what is pending stays under
                  the 1 MiB cross-thread ring)
  --peer-options  createPeer options (JSON) given to every ledgecast peer of every case, e.g.
                  '{"flowWindowMessages":32768,"receiver":{"nakDelayMaxMs":5}}' (to try a setting on the cases)
  --no-skip       run every run of a ledgecast case even after it failed its check in run 1`;

function parseCli() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      seconds: { type: 'string' },
      presets: { type: 'string' },
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      wait: { type: 'string', default: 'publish' },
      rate: { type: 'string', default: '10000' },
      only: { type: 'string' },
      'max-pending': { type: 'string' },
      'peer-options': { type: 'string' },
      burst: { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
      'no-tuned': { type: 'boolean', default: false },
      'tuned-pending-bytes': { type: 'string', default: '393216' },
      'no-skip': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const bad = (msg) => {
    console.error(`${msg}\n${USAGE}`);
    process.exit(64);
  };
  const num = (name, raw, lo, hi) => {
    const v = Number(raw);
    if (!(Number.isFinite(v) && v >= lo && v <= hi)) bad(`--${name} must be a number in [${lo}, ${hi}], got ${raw}`);
    return v;
  };
  const quick = values.quick;
  const presets = values.presets ? values.presets.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const p of presets ?? []) if (!ALL_PRESETS.includes(p)) bad(`--presets: unknown preset ${p} (${ALL_PRESETS.join(', ')})`);
  if (!['immediate', 'publish'].includes(values.wait)) bad('--wait must be immediate or publish');
  return {
    help: values.help,
    list: values.list,
    quick,
    runs: Math.floor(num('runs', values.runs ?? (quick ? 1 : 3), 1, 50)),
    seconds: num('seconds', values.seconds ?? (quick ? 2 : 3), 0.5, 60),
    presets,
    json: values.json,
    wait: values.wait,
    rate: Math.floor(num('rate', values.rate, 100, 100_000)),
    only: values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    maxPending: values['max-pending'] !== undefined ? Math.floor(num('max-pending', values['max-pending'], 1, 1e7)) : undefined,
    peerOptions: values['peer-options'] !== undefined ? parsePeerOptions(values['peer-options'], bad) : undefined,
    burst: values.burst !== undefined ? Math.floor(num('burst', values.burst, 1, 1e7)) : 0,
    baseline: !values['no-baseline'],
    tuned: !values['no-tuned'] && !quick,
    tunedPendingBytes: Math.floor(num('tuned-pending-bytes', values['tuned-pending-bytes'], 1024, 1 << 30)),
    skipAfterFailure: !values['no-skip'],
    verbose: values.verbose,
  };
}

function parsePeerOptions(raw, bad) {
  let v;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    bad(`--peer-options must be JSON: ${e.message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('--peer-options must be a JSON object');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Cases

const randomPort = () => 20_000 + Math.floor(Math.random() * 40_000);
const runTag = () => Math.random().toString(36).slice(2, 8);
const sizeId = (b) => (b === 64 ? '64' : '1k');

function defineCases(cli, defaultPreset) {
  const presets = cli.presets ?? (cli.quick ? [defaultPreset] : ALL_PRESETS);
  const peerOptions = { ...cli.peerOptions, ...(cli.maxPending !== undefined ? { maxPendingPublishes: cli.maxPending } : {}) };
  const otherWait = cli.wait === 'immediate' ? 'publish' : 'immediate';
  const lcTp = ({ preset, msgBytes, wait = cli.wait, dropRate, suffix = '', maxPending, subscribers = 1, security }) => ({
    id: `lc-${sizeId(msgBytes)}-${preset}${suffix}`,
    family: 'ledgecast',
    kind: 'throughput',
    preset,
    msgBytes,
    dropRate,
    subscribers,
    security,
    title: `ledgecast ${msgBytes} B, ${preset}${subscribers > 1 ? `, 1 → ${subscribers} subscribers` : ''}${wait !== cli.wait ? `, wait=${wait}` : ''}${dropRate ? `, ${dropRate * 100}% dropped each way` : ''}${maxPending ? `, maxPendingPublishes=${maxPending}` : ''}${security ? `, security.key (${security === 'aead' ? 'encrypted' : 'MAC only'})` : ''}`,
    pub: LC('lc-pub.mjs'),
    sub: LC('lc-sub.mjs'),
    args: (run, files) => {
      const tag = runTag();
      const pubName = `lc-pub-${tag}`;
      const subNames = Array.from({ length: subscribers }, (_, i) => `lc-sub${i ? i + 1 : ''}-${tag}`);
      return {
        args: {
          group: randomMulticastGroup(),
          port: randomPort(),
          topology: preset,
          msgBytes,
          subject: 'bench.data',
          pubName,
          peerOptions: {
            ...peerOptions,
            ...(maxPending ? { maxPendingPublishes: maxPending } : {}),
            // A fresh domain key per run, the same for both processes.
            ...(security ? { security: { key: randomBytes(32).toString('base64'), encrypt: security === 'aead' } } : {}),
          },
        },
        pubArgs: {
          name: pubName,
          subNames,
          waitMode: wait,
          burstMsgs: cli.burst,
          acceptTimeoutMs: 8000,
          statsFile: files.pub,
          // the publisher's inbound side too: NAKs and ACKs are lost like data, so repair is lossy
          ...(dropRate ? { fault: { dropRate, seed: 2000 + run } } : {}),
        },
        subArgs: subNames.map((name, i) => ({
          name,
          statsFile: files.sub(i),
          drainIdleMs: 2000,
          drainMaxMs: 12_000,
          ...(dropRate ? { fault: { dropRate, seed: 1000 + 100 * i + run } } : {}),
        })),
      };
    },
  });
  const cases = [];
  for (const preset of presets) for (const msgBytes of [64, 1024]) cases.push(lcTp({ preset, msgBytes }));
  for (const preset of presets) cases.push(lcTp({ preset, msgBytes: 64, subscribers: 2, suffix: '-x2' }));
  if (!cli.quick || cli.presets) {
    for (const msgBytes of [64, 1024]) cases.push(lcTp({ preset: defaultPreset, msgBytes, wait: otherWait, suffix: `-wait-${otherWait}` }));
    // The README's loop: every message awaited, no tryPublish, under every preset.
    for (const preset of presets) cases.push(lcTp({ preset, msgBytes: 64, wait: 'every', suffix: '-wait-every' }));
  }
  if (cli.tuned) {
    for (const preset of presets) {
      for (const msgBytes of [64, 1024]) {
        cases.push(lcTp({ preset, msgBytes, suffix: '-tuned', maxPending: Math.max(1, Math.floor(cli.tunedPendingBytes / (msgBytes + 48))) }));
      }
    }
  }
  // The cost of an authenticated domain (issue 11): MAC only, and encrypted, against the case above.
  cases.push(lcTp({ preset: defaultPreset, msgBytes: 64, security: 'mac', suffix: '-mac' }));
  cases.push(lcTp({ preset: defaultPreset, msgBytes: 64, security: 'aead', suffix: '-aead' }));
  cases.push(lcTp({ preset: defaultPreset, msgBytes: 64, dropRate: 0.02, suffix: '-drop2' }));
  cases.push(lcTp({ preset: defaultPreset, msgBytes: 64, dropRate: 0.05, suffix: '-drop5' }));
  const lat = { rate: cli.rate, warmupSeconds: 1, pacer: 'worker', msgBytes: 64 };
  for (const preset of presets) {
    cases.push({
      id: `lc-rtt-${preset}`,
      family: 'ledgecast',
      kind: 'latency',
      preset,
      title: `ledgecast RTT 64 B, ${preset}, paced ${fmtSI(cli.rate)}/s`,
      pub: LC('lc-ping.mjs'),
      sub: LC('lc-echo.mjs'),
      args: (run, files) => {
        const tag = runTag();
        const pingName = `lc-ping-${tag}`;
        const echoName = `lc-echo-${tag}`;
        return {
          args: { ...lat, group: randomMulticastGroup(), port: randomPort(), topology: preset, pingName, echoName, pingSubject: 'bench.ping', pongSubject: 'bench.pong', peerOptions },
          pubArgs: { name: pingName, statsFile: files.pub },
          subArgs: { name: echoName, statsFile: files.sub(0) },
        };
      },
    });
  }
  if (cli.baseline) {
    for (const msgBytes of [64, 1024]) {
      cases.push({
        id: `dgram-multicast-${sizeId(msgBytes)}`,
        family: 'dgram',
        kind: 'throughput',
        msgBytes,
        title: `dgram multicast ${msgBytes} B msgs in ~8 KB, credit`,
        pub: BASE('dgram-pub.mjs'),
        sub: BASE('dgram-sub.mjs'),
        args: () => ({ args: { mode: 'multicast', msgBytes, group: randomMulticastGroup() } }),
      });
    }
    cases.push({
      id: 'dgram-rtt',
      family: 'dgram',
      kind: 'latency',
      title: `dgram unicast RTT 64 B, paced ${fmtSI(cli.rate)}/s`,
      pub: BASE('dgram-ping.mjs'),
      sub: BASE('dgram-echo.mjs'),
      args: () => ({ args: lat }),
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Checks and evidence

/** The problems of one ledgecast throughput run with one or more subscribers (empty: clean). */
function lcProblems(pub, subs) {
  const p = [];
  if (pub.error) p.push(`publisher: ${pub.error}`);
  subs.forEach((sub, i) => {
    const who = subs.length > 1 ? `sub${i + 1}: ` : '';
    for (const x of subProblems(pub, sub)) p.push(who + x);
  });
  const e = pub.events ?? {};
  if (e.dataLoss) p.push(`pub: ${e.dataLoss} dataLoss events (${e.dataLossMessages} msgs)`);
  if (e.streamReset) p.push(`pub: ${e.streamReset} streamReset events`);
  if (e.errors?.length) p.push(`pub 'error' events: ${e.errors.join(' | ')}`);
  for (const j of pub.joins ?? [pub.join]) if (j && !j.joined) p.push('pub: never saw a subscriber join');
  return p;
}

/** The problems one subscriber saw (empty: clean). */
function subProblems(pub, sub) {
  const p = [];
  if (sub.receivedMsgs !== pub.sentMsgs) p.push(`delivered ${sub.receivedMsgs} of ${pub.sentMsgs} published (${fmtPct(lossPct(pub.sentMsgs, sub.receivedMsgs))} % lost)`);
  if (sub.gapMsgs) p.push(`${sub.gapMsgs} seqs skipped in ${sub.gapEvents} gaps`);
  if (sub.duplicates) p.push(`${sub.duplicates} duplicates`);
  if (sub.payloadMismatch) p.push(`${sub.payloadMismatch} payload index jumps (messages missing before sequencing)`);
  if (sub.badLength) p.push(`${sub.badLength} payloads of a wrong length`);
  if (sub.streams?.length > 1) p.push(`${sub.streams.length} streams seen`);
  const e = sub.events ?? {};
  if (e.dataLoss) p.push(`${e.dataLoss} dataLoss events (${e.dataLossMessages} msgs)`);
  if (e.streamReset) p.push(`${e.streamReset} streamReset events`);
  if (e.errors?.length) p.push(`'error' events: ${e.errors.join(' | ')}`);
  if (sub.join && !sub.join.joined) p.push('never saw the publisher join');
  if (sub.drained && sub.drained !== 'done') p.push(`subscriber drain ended '${sub.drained}'`);
  return p;
}

const lossPct = (sent, got) => (sent > 0 ? ((sent - got) / sent) * 100 : NaN);

function readJson(file) {
  try {
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  } catch {
    return undefined;
  }
}

/** One line locating a loss from the two stats() snapshots. */
function evidenceLine(pubFile, subFile) {
  const ps = pubFile?.stats;
  const ss = subFile?.stats;
  const parts = [];
  if (ps?.app) {
    parts.push(`pub app.published=${ps.app.published} pendingPublishes=${ps.app.pendingPublishes}`);
    const snd = ps.actors?.sender;
    if (snd) parts.push(`sender.published=${snd.published} queued=${snd.queued} blockedByCredit=${snd.blockedByCredit} handlerErrors=${snd.mailbox?.handlerErrors}`);
    const rt = ps.actors?.retransmit;
    if (rt?.planner) parts.push(`retransmit naksReceived=${rt.planner.naksReceived} messagesResent=${rt.planner.messagesResent} unavailableRanges=${rt.planner.unavailableRanges}`);
    for (const [t, th] of Object.entries(ps.threads ?? {})) {
      for (const [to, ch] of Object.entries(th.outbound ?? {})) if (ch.refusedFull) parts.push(`pub ${t}→${to} refusedFull=${ch.refusedFull}`);
      if (th.noticesDropped) parts.push(`pub ${t} noticesDropped=${th.noticesDropped}`);
    }
  } else if (ps?.error) parts.push(`pub stats: ${ps.error}`);
  if (ss?.app) {
    const rcv = ss.actors?.receiver;
    parts.push(`sub app.delivered=${ss.app.delivered} dataLossEvents=${ss.app.dataLossEvents}`);
    if (rcv) parts.push(`receiver.messagesDelivered=${rcv.messagesDelivered} naksSent=${rcv.naksSent} dataLossMessages=${rcv.dataLossMessages} bufferFullDrops=${rcv.bufferFullDrops}`);
    const sock = ss.actors?.socket;
    if (sock) parts.push(`sub socket faultDropped=${sock.faultDropped} datagramsReceived=${sock.datagramsReceived}`);
    for (const [t, th] of Object.entries(ss.threads ?? {})) {
      for (const [to, ch] of Object.entries(th.outbound ?? {})) if (ch.refusedFull) parts.push(`sub ${t}→${to} refusedFull=${ch.refusedFull}`);
      if (th.noticesDropped) parts.push(`sub ${t} noticesDropped=${th.noticesDropped}`);
    }
  } else if (ss?.error) parts.push(`sub stats: ${ss.error}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Metrics

function throughputMetrics(c, r) {
  const pub = r.pub.result;
  const subs = r.subs.map((x) => x.result);
  // 1 → N: the slower subscriber's rate and the smaller count (reliable multicast is as fast as its
  // slowest receiver); per-subscriber figures are kept alongside.
  const slow = subs.reduce((a, b) => (b.deliveredMsgsPerSec < a.deliveredMsgsPerSec || !Number.isFinite(a.deliveredMsgsPerSec) ? b : a));
  const received = Math.min(...subs.map((x) => x.receivedMsgs));
  const m = {
    deliveredMsgsPerSec: slow.deliveredMsgsPerSec,
    payloadMBps: (slow.deliveredMsgsPerSec * c.msgBytes) / 1e6,
    sentMsgsPerSec: pub.sentMsgsPerSec,
    sentMsgs: pub.sentMsgs,
    receivedMsgs: received,
    lossPct: lossPct(pub.sentMsgs, received),
    pubRssBytes: r.pub.rssPeakBytes,
    subRssBytes: Math.max(...r.subs.map((x) => x.rssPeakBytes ?? 0)) || undefined,
    longestStallMs: pub.longestStallMs,
    udpRcvbufErrors: subs[0].udpRcvbufErrors,
    pubCpuMs: pub.cpuUserMs + pub.cpuSystemMs,
    subCpuMs: Math.max(...subs.map((x) => x.cpuUserMs + x.cpuSystemMs)),
  };
  if (subs.length > 1) m.deliveredMsgsPerSecPerSub = subs.map((x) => x.deliveredMsgsPerSec);
  return m;
}

function latencyMetrics(r) {
  return pingerMetrics(r.pub.result, { pub: r.pub.rssPeakBytes, sub: r.sub.rssPeakBytes });
}

function fmtPct(x) {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  return Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

const mib = (b) => (b ? (b / 2 ** 20).toFixed(0) : '?');

function progressLine(c, m, problems) {
  const rss = `rss ${mib(m.pubRssBytes)}/${mib(m.subRssBytes)} MiB`;
  const flag = problems.length ? `  !! ${problems.join('; ')}` : '';
  if (c.kind === 'throughput') {
    const perSub = m.deliveredMsgsPerSecPerSub ? ` (per subscriber ${m.deliveredMsgsPerSecPerSub.map(fmtSI).join(' / ')})` : '';
    const extra = perSub + (m.longestStallMs !== undefined ? `, stall ${fmtNum(m.longestStallMs)} ms, kernel rcvbuf drops ${m.udpRcvbufErrors ?? '?'}` : '');
    return `${fmtSI(m.deliveredMsgsPerSec)} msg/s, ${m.payloadMBps.toFixed(1)} MB/s, pub ${fmtSI(m.sentMsgsPerSec)} msg/s, lost ${fmtPct(m.lossPct)} %${extra}, ${rss}${flag}`;
  }
  return `from schedule p50 ${fmtNum(m.schedP50Us)} / p99 ${fmtNum(m.schedP99Us)} / p99.9 ${fmtNum(m.schedP999Us)} µs (from send p50 ${fmtNum(m.sendP50Us)} / p99 ${fmtNum(m.sendP99Us)}), ${fmtSI(m.roundTripsPerSec)} rt/s, lost ${m.lost}, ${rss}${flag}`;
}

function summarize(runs) {
  const ok = runs.filter((r) => r.ok).map((r) => r.metrics);
  const keys = new Set(ok.flatMap((m) => Object.keys(m)));
  const s = {};
  for (const k of keys) s[k] = stats(ok.map((m) => m[k]));
  return s;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const cli = parseCli();
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  if (!existsSync(DIST)) {
    console.error(`${DIST} not found: run \`npm run build\` first`);
    return 1;
  }
  const lib = await import(DIST);
  const defaultPreset = lib.DEFAULT_PEER_OPTIONS?.topology ?? 'single';
  const all = defineCases(cli, defaultPreset);
  if (cli.list) {
    for (const c of all) console.log(`${c.id.padEnd(32)} ${c.title}`);
    return 0;
  }
  // An --only item matches ids containing it; ending in '$', only the id equal to the rest.
  const cases = cli.only ? all.filter((c) => cli.only.some((o) => (o.endsWith('$') ? c.id === o.slice(0, -1) : c.id.includes(o)))) : all;
  if (cases.length === 0) {
    console.error(`--only ${cli.only.join(',')} matches no case (see --list)`);
    return 64;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'lc-e2e-'));
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadavgAtStart: os.loadavg(),
    defaultPreset,
    options: { ...cli },
    evidenceDir: work,
  };
  console.log(
    `e2e: ${cases.length} cases x ${cli.runs} runs, ${cli.seconds} s each, wait=${cli.wait}` +
      `${cli.maxPending !== undefined ? `, maxPendingPublishes=${cli.maxPending}` : ''}${cli.burst ? `, burst=${cli.burst}` : ''}; ` +
      `node ${meta.node}, ${meta.cpus} cpus, load ${meta.loadavgAtStart.map((x) => x.toFixed(2)).join(' ')}; evidence dir ${work}`,
  );
  const tx0 = nonLoopbackTx();
  const t0All = Date.now();
  const perCase = new Map(cases.map((c) => [c.id, []]));
  for (let run = 0; run < cli.runs; run++) {
    for (const c of cases) {
      const prior = perCase.get(c.id);
      if (cli.skipAfterFailure && run > 0 && c.family === 'ledgecast' && prior.length > 0 && !prior[0].clean && !prior[0].skipped) {
        console.log(`[run ${run + 1}/${cli.runs}] ${c.id.padEnd(30)} skipped: failed its check in run 1 (--no-skip runs it)`);
        continue;
      }
      const t0 = Date.now();
      const files = {
        pub: path.join(work, `${c.id}.run${run + 1}.pub.json`),
        sub: (i) => path.join(work, `${c.id}.run${run + 1}.sub${i ? i + 1 : ''}.json`),
      };
      const a = c.args(run, files);
      const entry = { run: run + 1 };
      try {
        const r = await runPair({ pubScript: c.pub, subScript: c.sub, ...a, seconds: cli.seconds, verbose: cli.verbose });
        const metrics = c.kind === 'throughput' ? throughputMetrics(c, r) : latencyMetrics(r);
        let problems = [];
        if (c.family === 'ledgecast' && c.kind === 'throughput') problems = lcProblems(r.pub.result, r.subs.map((x) => x.result));
        if (c.family === 'ledgecast' && c.kind === 'latency') {
          const pr = r.pub.result;
          if (pr.lost) problems.push(`${pr.lost} pings without pong`);
          if (pr.duplicates) problems.push(`${pr.duplicates} duplicate pongs`);
          for (const [who, x] of [['ping', pr], ['echo', r.sub.result]]) {
            if (x.events?.dataLoss) problems.push(`${who}: ${x.events.dataLoss} dataLoss events`);
            if (x.events?.errors?.length) problems.push(`${who} errors: ${x.events.errors.join(' | ')}`);
          }
        }
        if (c.family === 'dgram' && c.kind === 'throughput' && metrics.lossPct > 0) problems.push(`dgram loss ${fmtPct(metrics.lossPct)} %`);
        Object.assign(entry, { ok: true, clean: problems.length === 0, problems, metrics, pub: r.pub.result, sub: r.sub.result });
        if (r.subs.length > 1) entry.subs = r.subs.map((x) => x.result);
        console.log(`[run ${run + 1}/${cli.runs}] ${c.id.padEnd(30)} ${progressLine(c, metrics, problems)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (err) {
        Object.assign(entry, { ok: false, clean: false, problems: ['run failed'], error: String(err?.message ?? err) });
        console.log(`[run ${run + 1}/${cli.runs}] ${c.id.padEnd(30)} FAILED (${((Date.now() - t0) / 1000).toFixed(1)} s): ${String(err?.message ?? err).split('\n').slice(0, 12).join('\n      ')}`);
      }
      if (c.dropRate && entry.ok) {
        const ps = readJson(files.pub)?.stats;
        const ss = entry.sub?.stats;
        const rcv = ss?.actors?.receiver ?? {};
        const plan = ps?.actors?.retransmit?.planner ?? {};
        entry.recovery = {
          faultDropped: ss?.actors?.socket?.faultDropped,
          pubFaultDropped: ps?.actors?.socket?.faultDropped,
          naksSent: rcv.naksSent,
          nakSeqsRequested: rcv.nakSeqsRequested,
          messagesBuffered: rcv.messagesBuffered,
          peakBufferedMessages: rcv.peakBufferedMessages,
          naksReceived: plan.naksReceived,
          messagesResent: plan.messagesResent,
          suppressed: plan.suppressed,
          blockedByCredit: ps?.actors?.sender?.blockedByCredit,
        };
        console.log(`      recovery: ${Object.entries(entry.recovery).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      if (c.family === 'ledgecast' && !entry.clean) {
        const pubFile = readJson(files.pub);
        const subFile = readJson(files.sub(0)) ?? (entry.sub?.stats ? { stats: entry.sub.stats } : undefined);
        const subFiles = Array.from({ length: c.subscribers ?? 1 }, (_, i) => files.sub(i));
        entry.evidence = { pubStatsFile: existsSync(files.pub) ? files.pub : null, subStatsFile: existsSync(files.sub(0)) ? files.sub(0) : null, subStatsFiles: subFiles.filter((f) => existsSync(f)), summary: evidenceLine(pubFile, subFile) };
        console.log(`      evidence: ${entry.evidence.summary || '(no stats: the children did not reach stop)'}`);
        console.log(`      stats JSON: ${files.pub} ${subFiles.join(' ')}`);
      }
      perCase.get(c.id).push(entry);
    }
  }
  const tx1 = nonLoopbackTx();

  // ---- table
  const results = cases.map((c) => {
    const runs = perCase.get(c.id);
    return { c, runs, okRuns: runs.filter((r) => r.ok).length, cleanRuns: runs.filter((r) => r.clean).length, summary: summarize(runs) };
    // (a case skipped after a failed run 1 has fewer runs than --runs)
  });
  const rows = results.map(({ c, runs, okRuns, cleanRuns, summary: s }) => {
    if (!okRuns) return [c.id, `FAILED (${runs.length} runs)`, '', '', '', '', '', '', '', '', '', 'FAILED'];
    const rss = `${mib(s.pubRssBytes?.median)}/${mib(s.subRssBytes?.median)}`;
    const check = c.family === 'dgram' ? (s.lossPct?.max > 0 ? `loss ${fmtPct(s.lossPct.median)}%` : 'ok') : cleanRuns === runs.length ? 'ok' : `BAD ${runs.length - cleanRuns}/${runs.length}`;
    if (c.kind === 'throughput') {
      return [
        c.id + (okRuns < runs.length ? ` [${okRuns}/${runs.length} ran]` : ''),
        fmtRange(s.deliveredMsgsPerSec),
        s.payloadMBps.median.toFixed(c.msgBytes >= 1024 ? 0 : 1),
        fmtSI(s.sentMsgsPerSec?.median),
        s.lossPct.max > 0 ? `${fmtPct(s.lossPct.median)} (max ${fmtPct(s.lossPct.max)})` : fmtPct(s.lossPct.median),
        s.longestStallMs?.n ? fmtNum(s.longestStallMs.median) : '',
        s.udpRcvbufErrors?.n ? String(Math.round(s.udpRcvbufErrors.median)) : '',
        '',
        '',
        '',
        rss,
        check,
      ];
    }
    return [
      c.id + (okRuns < runs.length ? ` [${okRuns}/${runs.length} ran]` : ''),
      `${fmtSI(s.roundTripsPerSec.median)} rt/s`,
      '',
      '',
      s.lossPct.max > 0 ? `${fmtPct(s.lossPct.median)} (max ${fmtPct(s.lossPct.max)})` : fmtPct(s.lossPct.median),
      '',
      '',
      fmtRange(s.schedP50Us, fmtNum),
      fmtRange(s.schedP99Us, fmtNum),
      fmtRange(s.schedP999Us, fmtNum),
      rss,
      check,
    ];
  });
  console.log('');
  console.log(`Medians over ${cli.runs} runs: median (min–max). delivered msg/s at the subscriber (first to last message);`);
  console.log('pub msg/s = published / publishing time; lost % = (published − delivered) / published; RSS = peak MiB pub/sub;');
  console.log('check: ok = every run delivered all, in order, no gap/duplicate/dataLoss/error; BAD k/n = k of n runs failed a check');
  console.log('(a ledgecast case that failed in run 1 is not run again). -tuned: maxPendingPublishes bounded in bytes (see --help).');
  console.log('stall ms = longest wait from a refused tryPublish to the next accepted publish; rcvbuf = host UDP RcvbufErrors during');
  console.log('the run (kernel drops for a full socket buffer; whole host, other processes count too). -x2: 1 → 2 subscribers,');
  console.log('delivered msg/s of the slower one. -drop: loss injected in-process on both peers\' inbound datagrams. RTT p50/p99/p99.9');
  console.log('run from the scheduled send time (t0 + i/rate), not from the actual send: no coordinated omission.');
  console.log(formatTable(['case', 'delivered msg/s', 'MB/s', 'pub msg/s', 'lost %', 'stall ms', 'rcvbuf', 'RTT p50 µs', 'p99 µs', 'p99.9 µs', 'RSS MiB', 'check'], rows));

  // ---- ratios
  const med = (id, key) => results.find((r) => r.c.id === id)?.summary?.[key]?.median;
  const ratioRows = [];
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN);
  const fmtRatio = (x) => (Number.isFinite(x) ? x.toFixed(x < 0.1 ? 3 : 2) : '–');
  for (const r of results) {
    const c = r.c;
    if (c.family !== 'ledgecast') continue;
    const flag = r.cleanRuns === r.runs.length ? '' : ' (BAD)';
    if (c.kind === 'throughput') {
      const base = `dgram-multicast-${sizeId(c.msgBytes)}`;
      ratioRows.push([c.id + flag, `${base}`, fmtRatio(ratio(med(c.id, 'deliveredMsgsPerSec'), med(base, 'deliveredMsgsPerSec')))]);
    } else {
      ratioRows.push([`${c.id} p50${flag}`, 'dgram-rtt p50', fmtRatio(ratio(med(c.id, 'schedP50Us'), med('dgram-rtt', 'schedP50Us')))]);
      ratioRows.push([`${c.id} p99${flag}`, 'dgram-rtt p99', fmtRatio(ratio(med(c.id, 'schedP99Us'), med('dgram-rtt', 'schedP99Us')))]);
    }
  }
  if (cli.baseline) {
    console.log('');
    console.log('Ratios of medians, ledgecast / dgram (throughput: higher is better; RTT: lower is better).');
    console.log('dgram-rtt is the baseline\'s unicast UDP ping/echo; ledgecast RTT goes through multicast both ways.');
    console.log(formatTable(['ledgecast case', 'vs', 'ratio'], ratioRows));
  }
  if (tx0 && tx1) {
    console.log(`loopback check: interfaces other than lo transmitted ${tx1.packets - tx0.packets} packets (${tx1.bytes - tx0.bytes} B) during the whole run (unrelated host traffic counts too).`);
  }
  const bad = results.filter((r) => r.c.family === 'ledgecast' && r.cleanRuns < r.runs.length);
  if (bad.length) {
    console.log('');
    console.log(`MISBEHAVIOUR in ${bad.length} ledgecast case(s); first problem per case (stats JSON in ${work}):`);
    for (const r of bad) {
      const e = r.runs.find((x) => !x.clean);
      console.log(`  ${r.c.id} run ${e.run}: ${e.error ? e.error.split('\n')[0] : e.problems.join('; ')}`);
      if (e.evidence?.summary) console.log(`      ${e.evidence.summary}`);
    }
  }
  console.log(`total ${((Date.now() - t0All) / 1000).toFixed(0)} s`);
  meta.loadavgAtEnd = os.loadavg();
  if (cli.json) {
    const out = {
      meta,
      loopbackCheck: tx0 && tx1 ? { packets: tx1.packets - tx0.packets, bytes: tx1.bytes - tx0.bytes } : null,
      cases: results.map(({ c, runs, okRuns, cleanRuns, summary }) => ({
        id: c.id,
        title: c.title,
        family: c.family,
        kind: c.kind,
        preset: c.preset,
        msgBytes: c.msgBytes,
        dropRate: c.dropRate,
        subscribers: c.subscribers,
        okRuns,
        cleanRuns,
        summary,
        runs,
      })),
      ratios: ratioRows.map(([a, b, x]) => ({ case: a, vs: b, ratio: Number(x) })),
    };
    writeFileSync(cli.json, `${JSON.stringify(out, null, 1)}\n`);
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
