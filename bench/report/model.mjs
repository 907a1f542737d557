/**
 * Turns the JSON of the two benchmark runners into one report model: throughput rows (64 B and 1 KB),
 * latency rows, ratios and the verdicts of the goals of issue 5 item 3. Pure: no I/O.
 *
 *   buildReport({ run, e2e, baselines, path }) → Report
 *     run:       what bench/run-all.mjs recorded (date, machine, command, options, runners, ...)
 *     e2e:       the --json output of bench/e2e-throughput.mjs, or null if it did not run
 *     baselines: the --json output of bench/baselines/run.mjs, or null
 *     path:      the --json output of bench/ledgecast/measure-path.mjs, or null/absent
 *
 *   Report: { run, meta: { e2e, baselines, loopbackCheck }, defaultPreset, throughput: { 64: Row[], 1024: Row[] }, latency: LatRow[],
 *             headline: { tp64, tp64x2, tp1k, rttP50, rttP99, rttP999 }: Spread,
 *             pathCosts: PathCosts | null (path-costs.mjs), goals: Goal[], problems: string[], skipped: { [family]: reason } }
 *   Row:    { id, system, label, short, variant ('preset' | 'fanout' | 'wait' | 'tuned' | 'security' | 'loss' | 'baseline'),
 *             preset, dropRate, subscribers, msgBytes, msgs, mbps, lossPct, runs, okRuns, cleanRuns, problems,
 *             ratios: { dgram, nats, zmq } }   (msgs etc.: stats)
 *   LatRow: { id, system, label, short, preset, p50, p99, p999 (from the scheduled send time),
 *             sendP50, sendP99, sendP999 (from the actual send), rtPerSec, lost, runs, okRuns, cleanRuns,
 *             problems, ratios: { p50: {dgram,nats,zmq}, p99: {dgram,nats,zmq} } }
 *   Spread: { n, median, min, max, minRow, maxRow, midRows, rows, unclean: Row[] } or null: the median
 *             over the topology presets of each preset's median, and which preset is the min / max
 *             (midRows: the preset(s) the median falls on or between)
 *   Goal:   { text, met: true | false | null (not measured), numbers: string }
 *
 * Which number is compared with which:
 * - the headline ledgecast figure is the MEDIAN over the topology presets (each preset's median over
 *   its runs), with the min and max preset named: never the best preset. Every preset that had a
 *   successful run counts; a preset that failed a check is named, and a goal that says "nothing lost"
 *   is met only if every preset was clean in every run.
 * - latency (RTT) runs from the *scheduled* send time of each ping (no coordinated omission); the
 *   figure from the actual send is kept in sendP50/sendP99/sendP999 for comparison only.
 * - ratios "vs dgram" use the dgram *multicast* baseline of the e2e run (same transport as ledgecast,
 *   measured interleaved with the ledgecast cases); "vs NATS" / "vs ZeroMQ" use the same message size;
 *   the "dgram ceiling" of the goals is the higher of the dgram unicast and multicast 64 B medians.
 * - the 5 % loss goal compares the default preset with 5 % loss (injected in-process on both peers'
 *   inbound datagrams) to the default preset without loss.
 */
import { fmtRate, fmtRatio, fmtShare, fmtUs } from './format.mjs';
import { buildPathCosts } from './path-costs.mjs';

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
  const subscribers = c.subscribers ?? (/-x(\d+)$/.exec(c.id) ? Number(/-x(\d+)$/.exec(c.id)[1]) : 1);
  if (system === 'ledgecast') {
    const def = preset === defaultPreset ? ' (default)' : '';
    if (c.dropRate) {
      variant = 'loss';
      label = `ledgecast ${preset}${def}, ${+(c.dropRate * 100).toFixed(2)} % loss injected in-process, both directions`;
      short = `ledgecast ${preset}, ${+(c.dropRate * 100).toFixed(2)} % loss`;
    } else if (c.security || /-(mac|aead)$/.test(c.id)) {
      const aead = (c.security ?? /-(mac|aead)$/.exec(c.id)[1]) === 'aead';
      variant = 'security';
      label = `ledgecast ${preset}${def}, authenticated domain (security.key, ${aead ? 'encrypted: AES-256-GCM' : 'MAC only: HMAC-SHA256'})`;
      short = `ledgecast ${preset}, ${aead ? 'encrypted' : 'MAC'}`;
    } else if (wait) {
      variant = 'wait';
      label = wait === 'every' ? `ledgecast ${preset}${def}, every message awaited (the README's loop)` : `ledgecast ${preset}${def}, publisher awaits publish()`;
      short = `ledgecast ${preset}, wait=${wait}`;
    } else if (/-tuned$/.test(c.id)) {
      variant = 'tuned';
      label = `ledgecast ${preset}${def}, maxPendingPublishes tuned`;
      short = `ledgecast ${preset}, tuned`;
    } else if (subscribers > 1) {
      variant = 'fanout';
      label = `ledgecast ${preset}${def}, 1 → ${subscribers} subscribers (the slower one)`;
      short = `ledgecast ${preset}, 1 → ${subscribers}`;
    } else {
      variant = 'preset';
      label = `ledgecast ${preset}${def}, 1 → 1`;
      short = `ledgecast ${preset}`;
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
    subscribers,
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
    preset: c.preset,
    isDefault: c.preset === defaultPreset,
    p50: s.schedP50Us,
    p99: s.schedP99Us,
    p999: s.schedP999Us,
    sendP50: s.sendP50Us,
    sendP99: s.sendP99Us,
    sendP999: s.sendP999Us,
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
      const p = PRESET_ORDER.indexOf(r.preset);
      const pi = p < 0 ? 9 : p;
      if (r.variant === 'preset' || r.variant === 'fanout') return 2 * pi + (r.variant === 'fanout' ? 1 : 0); // 1 → 2 next to 1 → 1
      return { wait: 30, tuned: 40, security: 45, loss: 50 }[r.variant] + pi + (r.dropRate ?? 0) + (/aead/.test(r.id) ? 1 : 0);
    }
    return { dgram: 100, zmq: 200, nats: 300 }[r.system] + (r.id.includes('unicast') ? 1 : 0);
  };
  return rows.sort((a, b) => rank(a) - rank(b));
}

export function buildReport({ run, e2e, baselines, path }) {
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
  const latRank = (r) => 10 * ['ledgecast', 'dgram', 'zmq', 'nats'].indexOf(r.system) + Math.max(0, PRESET_ORDER.indexOf(r.preset));
  const latency = dedupe(lat).sort((a, b) => latRank(a) - latRank(b));
  const latBase = { dgram: latency.find((r) => r.system === 'dgram'), nats: latency.find((r) => r.system === 'nats'), zmq: latency.find((r) => r.system === 'zmq') };
  for (const r of latency) {
    for (const p of ['p50', 'p99']) {
      r.ratios[p] = {};
      for (const [k, b] of Object.entries(latBase)) r.ratios[p][k] = ratio(med(r, p), med(b, p));
    }
  }
  const skipped = { ...(baselines?.skipped ?? {}) };
  const meta = { e2e: e2e?.meta, baselines: baselines?.meta, loopbackCheck: { e2e: e2e?.loopbackCheck, baselines: baselines?.loopbackCheck } };
  const lcLat = latency.filter((r) => r.system === 'ledgecast');
  const headline = {
    tp64: presetSpread(throughput[64].filter((r) => r.system === 'ledgecast' && r.variant === 'preset'), 'msgs'),
    tp64x2: presetSpread(throughput[64].filter((r) => r.system === 'ledgecast' && r.variant === 'fanout'), 'msgs'),
    tp1k: presetSpread(throughput[1024].filter((r) => r.system === 'ledgecast' && r.variant === 'preset'), 'msgs'),
    rttP50: presetSpread(lcLat, 'p50'),
    rttP99: presetSpread(lcLat, 'p99'),
    rttP999: presetSpread(lcLat, 'p999'),
  };
  const report = { run, meta, defaultPreset, throughput, latency, headline, skipped, pathCosts: buildPathCosts(path), goals: [], problems: [] };
  report.goals = evaluateGoals(report);
  for (const r of [...throughput[64], ...throughput[1024], ...latency]) {
    if (r.problems.length) report.problems.push(`${r.id}: ${r.problems.join(' | ')}`);
    if (r.runs === 0 || r.okRuns === 0) report.problems.push(`${r.id}: no successful run`);
  }
  return report;
}

/**
 * The median over topology presets of each preset's median `key`, with the min and max preset: the
 * headline figure (never the best preset). `rows`: one row per preset; rows without a successful
 * run are left out. Returns null when no row has a value.
 */
export function presetSpread(rows, key) {
  const withValue = rows.filter((r) => r.okRuns > 0 && Number.isFinite(med(r, key))).sort((a, b) => med(a, key) - med(b, key));
  const n = withValue.length;
  if (n === 0) return null;
  const v = (r) => med(r, key);
  const midRows = n % 2 ? [withValue[(n - 1) / 2]] : [withValue[n / 2 - 1], withValue[n / 2]];
  return {
    n,
    median: midRows.reduce((a, r) => a + v(r), 0) / midRows.length,
    min: v(withValue[0]),
    max: v(withValue[n - 1]),
    minRow: withValue[0],
    maxRow: withValue[n - 1],
    midRows,
    rows: withValue,
    unclean: withValue.filter((r) => r.cleanRuns < r.runs),
  };
}

/** "median 382 k (sharedNetwork) over 4 presets, min 194 k (dedicated), max 711 k (single)". */
export function describeSpread(sp, fmt) {
  if (!sp) return 'not measured';
  const name = (r) => r.preset ?? r.short;
  const mid = sp.midRows.length === 1 ? name(sp.midRows[0]) : `between ${sp.midRows.map(name).join(' and ')}`;
  if (sp.n === 1) return `${fmt(sp.median)} (${name(sp.minRow)}, the only preset measured)`;
  return `median ${fmt(sp.median)} (${mid}) over ${sp.n} presets, min ${fmt(sp.min)} (${name(sp.minRow)}), max ${fmt(sp.max)} (${name(sp.maxRow)})`;
}

export function evaluateGoals(report) {
  const G = GOALS;
  const rows64 = report.throughput[64];
  const rows1k = report.throughput[1024];
  const h = report.headline;
  const head = h.tp64;
  const headMsgs = head ? head.median : NaN;
  const spreadText = describeSpread(head, fmtRate);
  const uncleanNote = (sp) => (sp?.unclean.length ? `; failed checks: ${sp.unclean.map((r) => `${r.preset} ${r.runs - r.cleanRuns}/${r.runs} runs`).join(', ')}` : '');
  const presetRows64 = rows64.filter((r) => r.system === 'ledgecast' && r.variant === 'preset');
  const noHead = presetRows64.length ? 'no ledgecast topology preset had a successful 64 B run' : 'ledgecast 64 B (1 → 1) not measured';
  const noHeadMet = presetRows64.length ? false : null;
  const find = (rows, pred) => rows.find(pred);
  const dgMc = find(rows64, (r) => r.system === 'dgram' && r.id.includes('multicast'));
  const dgUc = find(rows64, (r) => r.system === 'dgram' && r.id.includes('unicast'));
  const ceilingRow = [dgMc, dgUc].filter((r) => Number.isFinite(med(r, 'msgs'))).sort((a, b) => med(b, 'msgs') - med(a, 'msgs'))[0];
  const nats64 = find(rows64, (r) => r.system === 'nats');
  const zmq64 = find(rows64, (r) => r.system === 'zmq');
  const nats1k = find(rows1k, (r) => r.system === 'nats');
  const zmq1k = find(rows1k, (r) => r.system === 'zmq');
  const missing = (what, row, extra = '') => (row ? null : `${what} not measured${extra}`);
  const natsWhy = report.skipped?.nats ? ` (${report.skipped.nats})` : '';
  const zmqWhy = report.skipped?.zmq ? ` (${report.skipped.zmq})` : '';
  const goals = [];

  // 1. 64 B ≥ 3 M msg/s, nothing lost (median over the presets; every preset clean).
  {
    const text = `64 B: ≥ ${G.msgsPerSec64 / 1e6} M msg/s end to end with nothing lost (median over the topology presets)`;
    goals.push(
      head
        ? {
            text,
            met: headMsgs >= G.msgsPerSec64 && head.unclean.length === 0,
            numbers: `${spreadText} (${fmtShare(headMsgs / G.msgsPerSec64)} of the goal)${uncleanNote(head)}`,
          }
        : { text, met: noHeadMet, numbers: noHead },
    );
  }
  // 2. ≥ 40 % of the raw batched dgram ceiling.
  {
    const text = `64 B: ≥ ${fmtShare(G.shareOfDgram)} of the raw batched dgram ceiling (median over the presets)`;
    const why = !head ? noHead : missing('dgram 64 B', ceilingRow);
    const c = med(ceilingRow, 'msgs');
    const other = [dgMc, dgUc].filter((r) => r && r !== ceilingRow && Number.isFinite(med(r, 'msgs')));
    goals.push(
      why
        ? { text, met: head ? null : noHeadMet, numbers: why }
        : {
            text,
            met: headMsgs / c >= G.shareOfDgram,
            numbers: `${fmtRate(headMsgs)} / ${fmtRate(c)} (${ceilingRow.short.replace(' (batched)', '')}${other.map((r) => `; ${r.short.replace(/^dgram | \(batched\)/g, '')} ${fmtRate(med(r, 'msgs'))}`).join('')}) = ${fmtShare(headMsgs / c)}${head.n > 1 ? `; presets from ${fmtShare(head.min / c)} (${head.minRow.preset}) to ${fmtShare(head.max / c)} (${head.maxRow.preset})` : ''}`,
          },
    );
  }
  // 3./4. ≥ 3.5× NATS, ≥ 10× ZeroMQ.
  for (const [name, times, row, row1k, why] of [
    ['NATS', G.timesNats, nats64, nats1k, natsWhy],
    ['ZeroMQ', G.timesZmq, zmq64, zmq1k, zmqWhy],
  ]) {
    const text = `≥ ${times}× ${name}'s msg/s (64 B, median over the presets)`;
    const miss = !head ? noHead : missing(`${name} 64 B`, row, why);
    if (miss) {
      goals.push({ text, met: head ? null : noHeadMet, numbers: miss });
      continue;
    }
    const b = med(row, 'msgs');
    const x = headMsgs / b;
    const x1k = h.tp1k && row1k ? h.tp1k.median / med(row1k, 'msgs') : NaN;
    goals.push({
      text,
      met: x >= times,
      numbers: `${fmtRate(headMsgs)} / ${fmtRate(b)} = ${fmtRatio(x)}${head.n > 1 ? `; presets from ${fmtRatio(head.min / b)} (${head.minRow.preset}) to ${fmtRatio(head.max / b)} (${head.maxRow.preset})` : ''}${Number.isFinite(x1k) ? `; 1 KB, median over the presets: ${fmtRatio(x1k)}` : ''}`,
    });
  }
  // 5./6. RTT at the paced rate, from the scheduled send time, median over the presets.
  const dgRtt = report.latency.find((r) => r.system === 'dgram');
  const natsRtt = report.latency.find((r) => r.system === 'nats');
  const rate = (report.meta.e2e?.options?.rate ?? 10000) / 1000;
  const rttNote = (sp) => (sp?.unclean.length ? `; RTT check failed: ${sp.unclean.map((r) => `${r.preset} ${r.runs - r.cleanRuns}/${r.runs} runs`).join(', ')}` : '');
  {
    const sp = h.rttP50;
    const text = `paced ${rate} k/s RTT p50 (from the scheduled send) ≤ ${G.rttP50VsDgram}× raw dgram's`;
    const miss = (sp ? null : 'ledgecast RTT not measured') ?? missing('dgram RTT', dgRtt);
    const b = med(dgRtt, 'p50');
    goals.push(miss ? { text, met: null, numbers: miss } : { text, met: sp.median <= G.rttP50VsDgram * b && !sp.unclean.length, numbers: `${describeSpread(sp, fmtUs)} vs dgram ${fmtUs(b)} = ${fmtRatio(sp.median / b)}${rttNote(sp)}` });
  }
  {
    const sp = h.rttP99;
    const text = `paced ${rate} k/s RTT p99 (from the scheduled send) ≤ NATS's`;
    const miss = (sp ? null : 'ledgecast RTT not measured') ?? missing('NATS RTT', natsRtt, natsWhy);
    const b = med(natsRtt, 'p99');
    goals.push(miss ? { text, met: null, numbers: miss } : { text, met: sp.median <= b && !sp.unclean.length, numbers: `${describeSpread(sp, fmtUs)} vs NATS ${fmtUs(b)} = ${fmtRatio(sp.median / b)}${rttNote(sp)}` });
  }
  // 7. 5 % loss: ≥ 70 % of the lossless rate, nothing lost.
  {
    const text = `64 B with 5 % loss (injected in-process, both directions): ≥ ${fmtShare(G.lossRateShare)} of the lossless rate, nothing lost`;
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
        numbers: `${lossy.preset} (the only preset measured with loss): ${fmtRate(a)} vs ${fmtRate(b)} without loss = ${fmtShare(a / b)}; nothing lost in ${lossy.cleanRuns}/${lossy.runs} runs${lossless.cleanRuns < lossless.runs ? ` (lossless case clean in ${lossless.cleanRuns}/${lossless.runs})` : ''}`,
      });
    }
  }
  // 8. Issue 11: an authenticated domain costs ≤ 15 % (MAC) and ≤ 30 % (encrypted) of the 64 B rate.
  for (const [kind, share, label] of [['mac', 0.15, 'MAC only'], ['aead', 0.3, 'encrypted']]) {
    const text = `64 B with security.key (${label}): costs ≤ ${fmtShare(share)} of the 64 B rate without a key (same run)`;
    const secured = rows64.find((r) => r.system === 'ledgecast' && r.variant === 'security' && new RegExp(`-${kind}$`).test(r.id));
    const plain = secured && rows64.find((r) => r.system === 'ledgecast' && r.variant === 'preset' && r.preset === secured.preset);
    const miss = missing(`ledgecast 64 B ${label}`, secured) ?? missing(`ledgecast 64 B ${secured?.preset}`, plain);
    if (miss) goals.push({ text, met: null, numbers: miss });
    else {
      const a = med(secured, 'msgs');
      const b = med(plain, 'msgs');
      goals.push({ text, met: secured.cleanRuns === secured.runs && 1 - a / b <= share, numbers: `${secured.preset}: ${fmtRate(a)} vs ${fmtRate(b)} without a key = ${fmtShare(a / b)} (costs ${fmtShare(Math.max(0, 1 - a / b))})` });
    }
  }
  return goals;
}

export const systemName = (s) => SYSTEM_NAMES[s] ?? s;
