/**
 * Turns the JSON of the two benchmark runners into one report model: throughput rows (64 B and 1 KB),
 * latency rows, ratios and the verdicts of the goals of issue 5 item 3. Pure: no I/O.
 *
 *   buildReport({ run, e2e, baselines }) → Report
 *     run:       what bench/run-all.mjs recorded (date, machine, command, options, runners, ...)
 *     e2e:       the --json output of bench/e2e-throughput.mjs, or null if it did not run
 *     baselines: the --json output of bench/baselines/run.mjs, or null
 *
 *   Report: { run, meta: { e2e, baselines, loopbackCheck }, defaultPreset, throughput: { 64: Row[], 1024: Row[] }, latency: LatRow[],
 *             goals: Goal[], problems: string[], skipped: { [family]: reason } }
 *   Row:    { id, system, label, short, variant, preset, dropRate, msgBytes, msgs, mbps, lossPct,
 *             runs, okRuns, cleanRuns, problems, ratios: { dgram, nats, zmq } }   (msgs etc.: stats)
 *   LatRow: { id, system, label, short, p50, p99, p999, rtPerSec, lost, runs, okRuns, cleanRuns,
 *             problems, ratios: { p50: {dgram,nats,zmq}, p99: {dgram,nats,zmq} } }
 *   Goal:   { text, met: true | false | null (not measured), numbers: string }
 *
 * Which number is compared with which:
 * - ratios "vs dgram" use the dgram *multicast* baseline of the e2e run (same transport as ledgecast,
 *   measured interleaved with the ledgecast cases); "vs NATS" / "vs ZeroMQ" use the same message size.
 * - the 64 B goals use the best ledgecast topology preset (64 B, no injected loss, the runner's
 *   default publisher wait mode) whose every run was clean
 *   (delivered everything, in order, no gap, duplicate, dataLoss or error); the "dgram ceiling" is the
 *   higher of the dgram unicast and multicast 64 B medians.
 * - the 5 % loss goal compares the default preset with 5 % loss to the default preset without loss.
 */
import { fmtRate, fmtRatio, fmtShare, fmtUs } from './format.mjs';

export const GOALS = Object.freeze({
  msgsPerSec64: 3e6,
  shareOfDgram: 0.4,
  timesNats: 3.5,
  timesZmq: 10,
  rttP50VsDgram: 2,
  lossRateShare: 0.7,
});

const PRESET_ORDER = ['single', 'shared', 'sharedNetwork', 'dedicated'];
const SYSTEM_NAMES = { ledgecast: 'ledgecast', dgram: 'dgram', zmq: 'ZeroMQ', nats: 'NATS' };

/** Normalizes one case of either runner into { runs, okRuns, cleanRuns, problems }. */
function runCounts(c, source) {
  if (source === 'e2e') {
    const problems = [];
    for (const r of c.runs ?? []) {
      if (!r.clean) problems.push(`run ${r.run}: ${r.error ? r.error.split('\n')[0] : (r.problems ?? []).join('; ')}`);
    }
    return { runs: c.runs?.length ?? 0, okRuns: c.okRuns ?? 0, cleanRuns: c.cleanRuns ?? 0, problems };
  }
  const raw = c.runResults ?? [];
  const problems = [];
  let clean = 0;
  raw.forEach((r, i) => {
    if (!r.ok) problems.push(`run ${i + 1}: ${String(r.error ?? 'failed').split('\n')[0]}`);
    else if (r.metrics?.lossPct > 0) problems.push(`run ${i + 1}: lost ${r.metrics.lossPct.toPrecision(2)} %`);
    else clean++;
  });
  return { runs: c.runs ?? raw.length, okRuns: c.okRuns ?? 0, cleanRuns: clean, problems };
}

function systemOf(c) {
  if (c.family === 'ledgecast') return 'ledgecast';
  if (c.family === 'dgram') return 'dgram';
  return c.family; // 'zmq' | 'nats'
}

function throughputRow(c, source, defaultPreset) {
  const system = systemOf(c);
  const counts = runCounts(c, source);
  const s = c.summary ?? {};
  let variant = 'baseline';
  let label;
  let short;
  const preset = c.preset;
  const wait = /-wait-(\w+)$/.exec(c.id)?.[1];
  if (system === 'ledgecast') {
    const def = preset === defaultPreset ? ' (default)' : '';
    if (c.dropRate) {
      variant = 'loss';
      label = `ledgecast ${preset}${def}, ${+(c.dropRate * 100).toFixed(2)} % loss injected`;
      short = `ledgecast ${preset}, ${+(c.dropRate * 100).toFixed(2)} % loss`;
    } else if (wait) {
      variant = 'wait';
      label = `ledgecast ${preset}${def}, publisher awaits publish()`;
      short = `ledgecast ${preset}, wait=${wait}`;
    } else {
      variant = 'preset';
      label = `ledgecast ${preset}${def}`;
      short = label;
    }
  } else if (system === 'dgram') {
    const mode = c.id.includes('unicast') ? 'unicast' : 'multicast';
    label = `raw dgram ${mode}, batched ~8 KB datagrams`;
    short = `dgram ${mode} (batched)`;
  } else if (system === 'zmq') {
    label = 'ZeroMQ PUB/SUB over TCP, noDrop';
    short = 'ZeroMQ PUB/SUB';
  } else {
    label = 'NATS, pub → nats-server → sub';
    short = 'NATS';
  }
  return {
    id: c.id,
    source,
    system,
    label,
    short,
    variant,
    preset,
    isDefault: preset === defaultPreset,
    dropRate: c.dropRate,
    msgBytes: c.msgBytes,
    msgs: s.deliveredMsgsPerSec,
    mbps: s.payloadMBps,
    lossPct: s.lossPct,
    ...counts,
    ratios: {},
  };
}

function latencyRow(c, source, defaultPreset) {
  const system = systemOf(c);
  const s = c.summary ?? {};
  const names = {
    ledgecast: `ledgecast ${c.preset}${c.preset === defaultPreset ? ' (default)' : ''}, multicast both ways`,
    dgram: 'raw dgram unicast',
    zmq: 'ZeroMQ PUB/SUB pair each way',
    nats: 'NATS, ping/pong through nats-server',
  };
  const shorts = { ledgecast: `ledgecast ${c.preset}`, dgram: 'dgram unicast', zmq: 'ZeroMQ', nats: 'NATS' };
  return {
    id: c.id,
    source,
    system,
    label: names[system],
    short: shorts[system],
    p50: s.p50Us,
    p99: s.p99Us,
    p999: s.p999Us,
    rtPerSec: s.roundTripsPerSec,
    lost: s.lost,
    ...runCounts(c, source),
    ratios: {},
  };
}

const med = (row, key) => (row && row[key]?.n ? row[key].median : NaN);
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

function sortThroughput(rows) {
  const rank = (r) => {
    if (r.system === 'ledgecast') {
      const base = r.variant === 'preset' ? 0 : r.variant === 'wait' ? 10 : 20;
      const p = PRESET_ORDER.indexOf(r.preset);
      return base + (p < 0 ? 9 : p) + (r.dropRate ?? 0);
    }
    return { dgram: 100, zmq: 200, nats: 300 }[r.system] + (r.id.includes('unicast') ? 1 : 0);
  };
  return rows.sort((a, b) => rank(a) - rank(b));
}

export function buildReport({ run, e2e, baselines }) {
  const defaultPreset = e2e?.meta?.defaultPreset ?? 'single';
  const tp = [];
  const lat = [];
  for (const [source, json] of [['e2e', e2e], ['baselines', baselines]]) {
    for (const c of json?.cases ?? []) {
      if (c.kind === 'throughput') tp.push(throughputRow(c, source, defaultPreset));
      else if (c.kind === 'latency') lat.push(latencyRow(c, source, defaultPreset));
    }
  }
  // If both runners measured the same baseline case, keep the e2e one (measured among ledgecast's runs).
  const dedupe = (rows) => rows.filter((r, i) => rows.findIndex((x) => x.id === r.id) === i);
  const throughput = {};
  for (const size of [64, 1024]) {
    const rows = sortThroughput(dedupe(tp.filter((r) => r.msgBytes === size)));
    const base = {
      dgram: rows.find((r) => r.system === 'dgram' && r.id.includes('multicast')),
      nats: rows.find((r) => r.system === 'nats'),
      zmq: rows.find((r) => r.system === 'zmq'),
    };
    for (const r of rows) {
      for (const [k, b] of Object.entries(base)) r.ratios[k] = ratio(med(r, 'msgs'), med(b, 'msgs'));
    }
    throughput[size] = rows;
  }
  const latency = dedupe(lat).sort((a, b) => ['ledgecast', 'dgram', 'zmq', 'nats'].indexOf(a.system) - ['ledgecast', 'dgram', 'zmq', 'nats'].indexOf(b.system));
  const latBase = { dgram: latency.find((r) => r.system === 'dgram'), nats: latency.find((r) => r.system === 'nats'), zmq: latency.find((r) => r.system === 'zmq') };
  for (const r of latency) {
    for (const p of ['p50', 'p99']) {
      r.ratios[p] = {};
      for (const [k, b] of Object.entries(latBase)) r.ratios[p][k] = ratio(med(r, p), med(b, p));
    }
  }
  const skipped = { ...(baselines?.skipped ?? {}) };
  const meta = { e2e: e2e?.meta, baselines: baselines?.meta, loopbackCheck: { e2e: e2e?.loopbackCheck, baselines: baselines?.loopbackCheck } };
  const report = { run, meta, defaultPreset, throughput, latency, skipped, goals: [], problems: [] };
  report.goals = evaluateGoals(report);
  for (const r of [...throughput[64], ...throughput[1024], ...latency]) {
    if (r.problems.length) report.problems.push(`${r.id}: ${r.problems.join(' | ')}`);
    if (r.runs === 0 || r.okRuns === 0) report.problems.push(`${r.id}: no successful run`);
  }
  return report;
}

/** The best (highest median) ledgecast topology preset at 64 B, without injected loss, every run clean. */
export function bestLossless64(report) {
  const rows = report.throughput[64].filter((r) => r.system === 'ledgecast' && r.variant === 'preset' && r.okRuns > 0 && r.cleanRuns === r.runs);
  return rows.reduce((best, r) => (!best || med(r, 'msgs') > med(best, 'msgs') ? r : best), null);
}

export function evaluateGoals(report) {
  const G = GOALS;
  const rows64 = report.throughput[64];
  const rows1k = report.throughput[1024];
  const best = bestLossless64(report);
  const bestMsgs = med(best, 'msgs');
  const bestName = best ? `${best.short}` : null;
  const lc64 = rows64.filter((r) => r.system === 'ledgecast' && r.variant === 'preset');
  const dirty = lc64.filter((r) => r.cleanRuns < r.runs).map((r) => r.id);
  const noBest = `no ledgecast topology preset had every 64 B run clean${dirty.length ? ` (failed checks: ${dirty.join(', ')})` : ''}`;
  const find = (rows, pred) => rows.find(pred);
  const dgMc = find(rows64, (r) => r.system === 'dgram' && r.id.includes('multicast'));
  const dgUc = find(rows64, (r) => r.system === 'dgram' && r.id.includes('unicast'));
  const ceilingRow = [dgMc, dgUc].filter((r) => Number.isFinite(med(r, 'msgs'))).sort((a, b) => med(b, 'msgs') - med(a, 'msgs'))[0];
  const nats64 = find(rows64, (r) => r.system === 'nats');
  const zmq64 = find(rows64, (r) => r.system === 'zmq');
  const nats1k = find(rows1k, (r) => r.system === 'nats');
  const zmq1k = find(rows1k, (r) => r.system === 'zmq');
  const best1k = rows1k
    .filter((r) => r.system === 'ledgecast' && r.variant === 'preset' && r.okRuns > 0 && r.cleanRuns === r.runs)
    .reduce((b, r) => (!b || med(r, 'msgs') > med(b, 'msgs') ? r : b), null);
  const missing = (what, row, extra = '') => (row ? null : `${what} not measured${extra}`);
  const natsWhy = report.skipped?.nats ? ` (${report.skipped.nats})` : '';
  const zmqWhy = report.skipped?.zmq ? ` (${report.skipped.zmq})` : '';
  const goals = [];

  // 1. 64 B ≥ 3 M msg/s, nothing lost.
  goals.push(
    best
      ? {
          text: `64 B: ≥ ${G.msgsPerSec64 / 1e6} M msg/s end to end with nothing lost`,
          met: bestMsgs >= G.msgsPerSec64,
          numbers: `best preset: ${bestName} ${fmtRate(bestMsgs)} msg/s (${fmtShare(bestMsgs / G.msgsPerSec64)} of the goal; ${best.cleanRuns}/${best.runs} runs clean)`,
        }
      : { text: `64 B: ≥ ${G.msgsPerSec64 / 1e6} M msg/s end to end with nothing lost`, met: false, numbers: noBest },
  );
  // 2. ≥ 40 % of the raw batched dgram ceiling.
  {
    const text = `64 B: ≥ ${fmtShare(G.shareOfDgram)} of the raw batched dgram ceiling`;
    const why = !best ? noBest : missing('dgram 64 B', ceilingRow);
    const c = med(ceilingRow, 'msgs');
    const other = [dgMc, dgUc].filter((r) => r && r !== ceilingRow && Number.isFinite(med(r, 'msgs')));
    goals.push(
      why
        ? { text, met: best ? null : false, numbers: why }
        : {
            text,
            met: bestMsgs / c >= G.shareOfDgram,
            numbers: `${fmtRate(bestMsgs)} / ${fmtRate(c)} (${ceilingRow.short.replace(' (batched)', '')}${other.map((r) => `; ${r.short.replace(/^dgram | \(batched\)/g, '')} ${fmtRate(med(r, 'msgs'))}`).join('')}) = ${fmtShare(bestMsgs / c)}`,
          },
    );
  }
  // 3./4. ≥ 3.5× NATS, ≥ 10× ZeroMQ.
  for (const [name, times, row, row1k, why] of [
    ['NATS', G.timesNats, nats64, nats1k, natsWhy],
    ['ZeroMQ', G.timesZmq, zmq64, zmq1k, zmqWhy],
  ]) {
    const text = `≥ ${times}× ${name}'s msg/s (64 B)`;
    const miss = !best ? noBest : missing(`${name} 64 B`, row, why);
    if (miss) {
      goals.push({ text, met: best ? null : false, numbers: miss });
      continue;
    }
    const x = bestMsgs / med(row, 'msgs');
    const x1k = best1k && row1k ? med(best1k, 'msgs') / med(row1k, 'msgs') : NaN;
    goals.push({
      text,
      met: x >= times,
      numbers: `${fmtRate(bestMsgs)} / ${fmtRate(med(row, 'msgs'))} = ${fmtRatio(x)}${Number.isFinite(x1k) ? ` (1 KB, best preset ${best1k.short}: ${fmtRatio(x1k)})` : ''}`,
    });
  }
  // 5./6. RTT at the paced rate.
  const lcRtt = report.latency.find((r) => r.system === 'ledgecast');
  const dgRtt = report.latency.find((r) => r.system === 'dgram');
  const natsRtt = report.latency.find((r) => r.system === 'nats');
  const rttClean = lcRtt && lcRtt.cleanRuns === lcRtt.runs ? '' : lcRtt ? ` (ledgecast RTT check failed in ${lcRtt.runs - lcRtt.cleanRuns}/${lcRtt.runs} runs)` : '';
  {
    const text = `paced 10 k/s RTT p50 ≤ ${G.rttP50VsDgram}× raw dgram's`;
    const miss = missing('ledgecast RTT', lcRtt) ?? missing('dgram RTT', dgRtt);
    const a = med(lcRtt, 'p50');
    const b = med(dgRtt, 'p50');
    goals.push(miss ? { text, met: null, numbers: miss } : { text, met: a <= G.rttP50VsDgram * b && !rttClean, numbers: `${fmtUs(a)} vs ${fmtUs(b)} = ${fmtRatio(a / b)}${rttClean}` });
  }
  {
    const text = "paced 10 k/s RTT p99 ≤ NATS's";
    const miss = missing('ledgecast RTT', lcRtt) ?? missing('NATS RTT', natsRtt, natsWhy);
    const a = med(lcRtt, 'p99');
    const b = med(natsRtt, 'p99');
    goals.push(miss ? { text, met: null, numbers: miss } : { text, met: a <= b && !rttClean, numbers: `${fmtUs(a)} vs ${fmtUs(b)} = ${fmtRatio(a / b)}${rttClean}` });
  }
  // 7. 5 % loss: ≥ 70 % of the lossless rate, nothing lost.
  {
    const text = `64 B with 5 % loss: ≥ ${fmtShare(G.lossRateShare)} of the lossless rate, nothing lost`;
    const lossy = rows64.find((r) => r.system === 'ledgecast' && r.dropRate === 0.05 && r.isDefault) ?? rows64.find((r) => r.system === 'ledgecast' && r.dropRate === 0.05);
    const lossless = lossy && rows64.find((r) => r.system === 'ledgecast' && r.variant === 'preset' && r.preset === lossy.preset);
    const miss = missing('ledgecast 64 B with 5 % loss', lossy) ?? missing(`ledgecast 64 B ${lossy?.preset} without loss`, lossless);
    if (miss) goals.push({ text, met: null, numbers: miss });
    else {
      const a = med(lossy, 'msgs');
      const b = med(lossless, 'msgs');
      const clean = lossy.cleanRuns === lossy.runs && lossy.okRuns > 0;
      goals.push({
        text,
        met: clean && a / b >= G.lossRateShare,
        numbers: `${lossy.preset}: ${fmtRate(a)} vs ${fmtRate(b)} without loss = ${fmtShare(a / b)}; nothing lost in ${lossy.cleanRuns}/${lossy.runs} runs${lossless.cleanRuns < lossless.runs ? ` (lossless case clean in ${lossless.cleanRuns}/${lossless.runs})` : ''}`,
      });
    }
  }
  return goals;
}

export const systemName = (s) => SYSTEM_NAMES[s] ?? s;
