/**
 * Renders the report model (model.mjs) as docs/BENCHMARKS.md. Pure: returns a string.
 *
 *   renderMarkdown(report, { svgFile = 'benchmarks.svg' }) → string
 *   renderConsoleSummary(report) → string   (the goals and the tables, for the terminal)
 */
import { GOALS, describeSpread } from './model.mjs';
import { fmtMBps, fmtPct, fmtRate, fmtRatio, fmtSpread, fmtUs, mdTable } from './format.mjs';
import { pathCostsConsole, renderPathCosts } from './path-costs.mjs';

const VERDICT = (met) => (met === true ? '✅ met' : met === false ? '❌ **not met**' : '⚪ not measured');

function cleanCell(r) {
  if (!r.runs) return 'not run';
  if (!r.okRuns) return `FAILED ${r.runs}/${r.runs}`;
  const bad = r.runs - r.cleanRuns;
  if (bad && r.system === 'ledgecast') return `**BAD ${bad}/${r.runs}**`;
  return `${r.cleanRuns}/${r.runs}`;
}

function lostCell(s) {
  if (!s?.n) return '–';
  return s.max > 0 ? `${fmtPct(s.median)} % (max ${fmtPct(s.max)} %)` : '0';
}

function throughputTable(rows) {
  return mdTable(
    ['system', 'msg/s, median (min–max)', 'MB/s', 'lost', 'clean runs', 'vs dgram', 'vs NATS', 'vs ZeroMQ'],
    rows.map((r) => [
      r.label,
      fmtSpread(r.msgs, fmtRate),
      r.mbps?.n ? fmtMBps(r.mbps.median) : '–',
      lostCell(r.lossPct),
      cleanCell(r),
      fmtRatio(r.ratios.dgram),
      fmtRatio(r.ratios.nats),
      fmtRatio(r.ratios.zmq),
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

function latencyTable(rows) {
  const trio = (x) => [x.dgram, x.nats, x.zmq].map(fmtRatio).join(' / ');
  const m = (s) => (s?.n ? fmtUs(s.median) : '–');
  return mdTable(
    ['system', 'p50 from schedule', 'p99 from schedule', 'p99.9 from schedule', 'from send: p50 / p99 / p99.9', 'round trips/s', 'pings lost', 'clean runs', 'p50 vs dgram / NATS / ZeroMQ', 'p99 vs dgram / NATS / ZeroMQ'],
    rows.map((r) => [
      r.label,
      fmtSpread(r.p50, fmtUs),
      fmtSpread(r.p99, fmtUs),
      fmtSpread(r.p999, fmtUs),
      `${m(r.sendP50)} / ${m(r.sendP99)} / ${m(r.sendP999)}`,
      r.rtPerSec?.n ? fmtRate(r.rtPerSec.median) : '–',
      r.lost?.n ? String(Math.round(r.lost.median)) + (r.lost.max > 0 ? ` (max ${r.lost.max})` : '') : '–',
      cleanCell(r),
      trio(r.ratios.p50 ?? {}),
      trio(r.ratios.p99 ?? {}),
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

/** The headline figures: median over the topology presets, with the min and max preset named. */
function headlineRows(report) {
  const h = report.headline ?? {};
  return [
    ['64 B msg/s, 1 → 1', h.tp64, fmtRate],
    ['64 B msg/s, 1 → 2 (slower subscriber)', h.tp64x2, fmtRate],
    ['1 KB msg/s, 1 → 1', h.tp1k, fmtRate],
    ['RTT p50 from schedule', h.rttP50, fmtUs],
    ['RTT p99 from schedule', h.rttP99, fmtUs],
    ['RTT p99.9 from schedule', h.rttP999, fmtUs],
  ];
}

function headlineTable(report) {
  const name = (r) => r.preset ?? r.short;
  return mdTable(
    ['figure', 'median over presets', 'median is', 'min (preset)', 'max (preset)', 'presets', 'failed checks'],
    headlineRows(report).map(([what, sp, fmt]) =>
      sp
        ? [
            what,
            fmt(sp.median),
            sp.midRows.length === 1 ? name(sp.midRows[0]) : `between ${sp.midRows.map(name).join(' and ')}`,
            `${fmt(sp.min)} (${name(sp.minRow)})`,
            `${fmt(sp.max)} (${name(sp.maxRow)})`,
            String(sp.n),
            sp.unclean.length ? sp.unclean.map(name).join(', ') : 'none',
          ]
        : [what, 'not measured', '', '', '', '0', ''],
    ),
    ['l', 'r', 'l', 'r', 'r', 'r', 'l'],
  );
}

function goalsTable(goals) {
  return mdTable(['goal', 'verdict', 'numbers (medians)'], goals.map((g) => [g.text, VERDICT(g.met), g.numbers]));
}

const la = (a) => (Array.isArray(a) ? a.map((x) => x.toFixed(2)).join(' / ') : '?');

function machineTable(report) {
  const { run } = report;
  const m = run.machine;
  const bm = report.meta.baselines ?? {};
  const versions = [
    bm.zeromq && `zeromq ${bm.zeromq}`,
    bm.nats && `nats (client) ${bm.nats}`,
    bm.natsServer && bm.natsServer.replace('nats-server: ', 'nats-server '),
  ].filter(Boolean);
  const rows = [
    ['date', `${run.date.slice(0, 16).replace('T', ' ')} UTC (took ${(run.durationS / 60).toFixed(1)} min)`],
    ['CPU', `${m.cpuModel} — nproc ${m.nproc}`],
    ['memory', `${m.memGiB} GiB`],
    ['kernel', `${m.kernel} (${m.arch})`],
    ['node', m.node],
    ['load average (1/5/15 min)', `${la(m.loadavgStart)} at start, ${la(m.loadavgEnd)} at the end`],
    ['UDP buffers', bm.rmemMax ? `net.core.rmem_max ${bm.rmemMax}, wmem_max ${bm.wmemMax}, rmem_default ${bm.rmemDefault}` : '?'],
    ['others', versions.join(', ') || '–'],
  ];
  if (run.git?.commit) rows.push(['ledgecast', `commit ${run.git.commit.slice(0, 12)}${run.git.dirty ? ' + uncommitted changes in the working tree' : ''}`]);
  return mdTable(['', ''], rows);
}

export function renderMarkdown(report, { svgFile = 'benchmarks.svg' } = {}) {
  const { run } = report;
  const o = run.options;
  const out = [];
  const runsNote = `${o.runs} run${o.runs > 1 ? 's' : ''} × ${o.seconds} s per case`;
  out.push('# ledgecast benchmarks');
  out.push('');
  out.push(
    `Generated by \`bench/run-all.mjs\`; do not edit by hand, rerun to refresh. All numbers come from one run of \`${run.command}\` ` +
      `(${runsNote}${o.quick ? ', quick mode: fewer cases' : ''}) on the machine below, between two processes on loopback. ` +
      'The machine is a shared VM whose load changes during the run: compare rows of this file with each other, not with another run.',
  );
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push(machineTable(report));
  out.push('');
  out.push('## Headline figures');
  out.push('');
  out.push(headlineTable(report));
  out.push('');
  out.push(
    'Each headline figure is the median over the topology presets of each preset\'s median over its runs, with the lowest and highest ' +
      'preset named (with an even number of presets the median is the mean of the two middle ones). It is never the best preset. ' +
      'Latency runs from each ping\'s *scheduled* send time (start + i / rate), so a stall delays every ping it holds up (no coordinated omission).',
  );
  out.push('');
  out.push('## Goals (issue 5, item 3)');
  out.push('');
  out.push(goalsTable(report.goals));
  out.push('');
  out.push(
    'Verdicts compare medians. The throughput and RTT goals use the headline figures above: the median over the topology presets ' +
      '(1 → 1, no injected loss), not the fastest preset; a goal that says "nothing lost" also needs every preset clean in every run ' +
      '(every message delivered once, in order, no `dataLoss` event). The 1 → 2, "publisher awaits publish()" and loss rows are not used ' +
      'by the throughput goals. RTT goals use the latency from the scheduled send time. ' +
      'The dgram ceiling is the higher of the batched unicast and multicast dgram medians. ' +
      'The loss goal compares the default preset with and without 5 % loss injected in-process on both peers. Look at the min–max spreads in the tables before ' +
      'reading much into a verdict that is close to its threshold.',
  );
  out.push('');
  out.push(`![64 B messages/s per system and preset (log scale), and round-trip p50/p99 at 10,000 messages/s](${svgFile})`);
  out.push('');
  out.push('## Throughput, 64-byte messages');
  out.push('');
  out.push(throughputTable(report.throughput[64]));
  out.push('');
  out.push('## Throughput, 1 KB messages');
  out.push('');
  out.push(throughputTable(report.throughput[1024]));
  out.push('');
  out.push(
    'msg/s is counted at the subscriber, from the first to the last message delivered; MB/s is payload bytes (10^6 B/s). ' +
      '"vs X" is this row\'s median divided by X\'s median for the same message size. "vs dgram" divides by the batched dgram ' +
      '*multicast* row, the transport ledgecast uses, measured interleaved with the ledgecast cases. ' +
      '"clean runs": for ledgecast, runs that delivered every message once, in order, with no gap, duplicate, `dataLoss` event or error ' +
      '(**BAD k/n**: k runs failed that check; a case that failed in its first run is not run again); for the baselines, runs without loss. ' +
      '1 → 2: one publisher, two subscriber processes, each checked the same way; msg/s is the slower subscriber\'s. ' +
      'Loss rows: the loss is injected in-process (the socket actor of both peers drops that share of its inbound datagrams, seeded), ' +
      'so data, NAKs, ACKs and retransmissions are all lost; it is not the lab figure (nftables between network namespaces), which is measured separately.',
  );
  out.push('');
  out.push(`## Round-trip latency, paced ${(report.meta.e2e?.options?.rate ?? 10000).toLocaleString('en-US')} messages/s`);
  out.push('');
  out.push(latencyTable(report.latency));
  out.push('');
  out.push(
    '64-byte pings sent open loop at the paced rate after a 1 s warm-up. p50 / p99 / p99.9 run from each ping\'s scheduled send time ' +
      '(start + i / rate) to the arrival of the reply, so a stall of the pinger, the transport or the echo counts for every ping it delayed ' +
      '(no coordinated omission); "from send" runs from the actual send, which hides such stalls, and is shown for comparison only. ' +
      'Pings without a reply are counted in "pings lost", not in the percentiles. ' +
      '"vs X" divides this row\'s from-schedule percentile by X\'s (lower is better).',
  );
  out.push('');
  if (report.pathCosts) {
    out.push('## Data path costs');
    out.push('');
    out.push(renderPathCosts(report.pathCosts));
    out.push('');
  }
  out.push('## How it was measured');
  out.push('');
  out.push(`\`${run.command}\` runs \`npm run build\`, then \`bench/run-all.mjs\`, which calls the runners below one after the other, as child processes, and merges their \`--json\` output:`);
  out.push('');
  for (const r of run.runners) {
    const status = r.exitCode === 0 ? '' : r.exitCode === null ? ' (did not finish)' : ` (exit code ${r.exitCode})`;
    out.push(`- \`${r.display}\`: ${r.what}; ${(r.wallS / 60).toFixed(1)} min${status}.`);
  }
  out.push(
    '- ledgecast: `bench/ledgecast/lc-pub.mjs` publishes fresh payloads with `tryPublish` until it returns false, then yields; ' +
      '`lc-sub.mjs` checks every message (seq order, gaps, duplicates, payload index) and counts `dataLoss` events. ' +
      'Both peers use the topology preset of the row, multicast group 239.255.x.y on 127.0.0.1 with TTL 0. ' +
      'Injected loss: both peers drop that share of their inbound datagrams in-process (seeded): the subscriber loses data and retransmissions, ' +
      'the publisher loses NAKs and ACKs, so every lost message must be recovered through lossy repair. ' +
      '1 → 2: the same publisher with two `lc-sub.mjs` processes; it starts once both have joined.',
  );
  out.push(
    '- raw dgram: messages with a 2-byte length prefix packed into ~8 KB datagrams, credit-based flow control (the ceiling of what Node\'s `dgram` moves, with no reliability).',
  );
  out.push('- ZeroMQ: zeromq v6 PUB → SUB over tcp://127.0.0.1 with `ZMQ_XPUB_NODROP`; the publisher calls `send()` without awaiting each message and awaits only a send that would block (and once per 256 sends).');
  out.push('- NATS: publisher → nats-server (started per run on 127.0.0.1) → subscriber; the publisher flushes every 10,000 messages.');
  out.push('- Runs are interleaved inside each runner (run 1 of every case, then run 2, ...) so the drift of a noisy machine spreads over all cases.');
  out.push('- Details: [bench/README.md](../bench/README.md), [bench/baselines/README.md](../bench/baselines/README.md), [bench/ledgecast/README.md](../bench/ledgecast/README.md).');
  const lc = report.meta.loopbackCheck;
  const txs = [lc.e2e, lc.baselines].filter(Boolean);
  if (txs.length) {
    const pk = txs.reduce((a, t) => a + (t.packets ?? 0), 0);
    out.push(`- Loopback check: interfaces other than lo transmitted ${pk} packets during the multicast runs (unrelated host traffic counts too).`);
  }
  out.push('');
  const notes = [];
  for (const [family, reason] of Object.entries(report.skipped)) notes.push(`- skipped ${family}: ${reason}`);
  for (const p of report.problems) notes.push(`- ${p}`);
  for (const p of run.problems ?? []) notes.push(`- ${p}`);
  out.push('## Problems in this run');
  out.push('');
  out.push(notes.length ? notes.join('\n') : 'None: every case ran every time and passed its checks.');
  out.push('');
  out.push('## Rerun');
  out.push('');
  out.push('```');
  out.push('npm run bench                          # this file and benchmarks.svg, about 13 minutes');
  out.push('npm run bench -- --quick               # smoke check, about two minutes; writes to a temp dir');
  out.push('npm run bench -- --runs 5 --seconds 5  # more and longer runs');
  out.push('```');
  out.push('');
  out.push(`Goal thresholds: ${GOALS.msgsPerSec64 / 1e6} M msg/s, ${GOALS.shareOfDgram * 100} % of dgram, ${GOALS.timesNats}× NATS, ${GOALS.timesZmq}× ZeroMQ, RTT p50 ≤ ${GOALS.rttP50VsDgram}× dgram, p99 ≤ NATS, ${GOALS.lossRateShare * 100} % of the lossless rate under 5 % loss (bench/report/model.mjs).`);
  out.push('');
  return out.join('\n');
}

export function renderConsoleSummary(report) {
  const out = [];
  out.push('Headline (median over the topology presets, min and max preset named):');
  for (const [what, sp, fmt] of headlineRows(report)) out.push(`  ${what}: ${describeSpread(sp, fmt)}`);
  out.push('');
  out.push('Throughput, 64 B:');
  out.push(throughputTable(report.throughput[64]));
  out.push('');
  out.push('Throughput, 1 KB:');
  out.push(throughputTable(report.throughput[1024]));
  out.push('');
  out.push('Round trip, paced (percentiles from the scheduled send time):');
  out.push(latencyTable(report.latency));
  out.push('');
  if (report.pathCosts) {
    out.push(pathCostsConsole(report.pathCosts));
    out.push('');
  }
  out.push('Goals (issue 5 item 3):');
  for (const g of report.goals) out.push(`  ${g.met === true ? 'MET    ' : g.met === false ? 'NOT MET' : 'NOT MEASURED'}  ${g.text}: ${g.numbers}`);
  return out.join('\n');
}
