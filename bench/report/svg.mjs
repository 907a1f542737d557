/**
 * Renders the report model (model.mjs) as a hand-written SVG chart (docs/benchmarks.svg). Pure.
 *
 *   renderSvg(report) → string
 *
 * Panel 1: 64 B delivered msg/s per system / preset, horizontal bars on a log scale, whiskers min–max,
 * with the 3 M msg/s goal and 40 % of the dgram ceiling as dashed lines.
 * The median over the topology presets (the headline figure) is a dashed line.
 * Panel 2: round-trip p50 and p99 from the scheduled send time at the paced rate per system and
 * preset, log scale, whiskers min–max, with the ledgecast goals (p50 ≤ 2× dgram's, p99 ≤ NATS's)
 * marked on the ledgecast rows.
 */
import { GOALS } from './model.mjs';
import { fmtRate, fmtUs, xmlEscape } from './format.mjs';

const W = 980;
const LABEL_END = 292; // labels are right-aligned here
const X0 = 302; // plot area
const X1 = W - 150;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

const COLORS = {
  ledgecast: '#1d4ed8',
  'ledgecast-wait': '#3b82f6',
  'ledgecast-fanout': '#1e40af',
  'ledgecast-loss': '#60a5fa',
  dgram: '#6b7280',
  zmq: '#d97706',
  nats: '#15803d',
};
const GOAL_COLOR = '#dc2626';

function colorOf(row) {
  if (row.system === 'ledgecast' && row.variant === 'loss') return COLORS['ledgecast-loss'];
  if (row.system === 'ledgecast' && row.variant === 'wait') return COLORS['ledgecast-wait'];
  if (row.system === 'ledgecast' && row.variant === 'fanout') return COLORS['ledgecast-fanout'];
  return COLORS[row.system] ?? '#444';
}

/** A log10 scale from [10^lo, 10^hi] to [X0, X1] covering every value given (and at least one decade). */
function logScale(values) {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  let lo = Math.floor(Math.log10(Math.min(...v, 1e300)));
  let hi = Math.ceil(Math.log10(Math.max(...v, 1e-300)));
  if (!v.length) [lo, hi] = [0, 1];
  if (hi <= lo) hi = lo + 1;
  const x = (val) => X0 + ((Math.log10(Math.max(val, 10 ** lo)) - lo) / (hi - lo)) * (X1 - X0);
  return { lo, hi, x };
}

const r1 = (n) => Math.round(n * 10) / 10;

function text(x, y, s, attrs = '') {
  return `<text x="${r1(x)}" y="${r1(y)}" ${attrs}>${xmlEscape(s)}</text>`;
}

/** Decade grid lines with labels above the plot, minor lines at 2..9. */
function grid(scale, yTop, yBottom, label) {
  const out = [];
  for (let k = scale.lo; k <= scale.hi; k++) {
    const x = scale.x(10 ** k);
    out.push(`<line x1="${r1(x)}" y1="${r1(yTop)}" x2="${r1(x)}" y2="${r1(yBottom)}" stroke="#cbd5e1" stroke-width="1"/>`);
    out.push(text(x, yTop - 5, label(10 ** k), 'text-anchor="middle" font-size="11" fill="#475569"'));
    if (k < scale.hi) {
      for (let m = 2; m <= 9; m++) {
        const xm = scale.x(m * 10 ** k);
        out.push(`<line x1="${r1(xm)}" y1="${r1(yTop)}" x2="${r1(xm)}" y2="${r1(yBottom)}" stroke="#eef2f7" stroke-width="1"/>`);
      }
    }
  }
  return out;
}

function whisker(scale, s, yMid, color) {
  if (!s?.n || s.n < 2 || s.min === s.max) return [];
  const a = scale.x(s.min);
  const b = scale.x(s.max);
  return [
    `<line x1="${r1(a)}" y1="${r1(yMid)}" x2="${r1(b)}" y2="${r1(yMid)}" stroke="${color}" stroke-width="1.2"/>`,
    `<line x1="${r1(a)}" y1="${r1(yMid - 4)}" x2="${r1(a)}" y2="${r1(yMid + 4)}" stroke="${color}" stroke-width="1.2"/>`,
    `<line x1="${r1(b)}" y1="${r1(yMid - 4)}" x2="${r1(b)}" y2="${r1(yMid + 4)}" stroke="${color}" stroke-width="1.2"/>`,
  ];
}

function badNote(row) {
  if (!row.runs) return '';
  if (!row.okRuns) return ' FAILED';
  if (row.system !== 'ledgecast') return '';
  return row.cleanRuns < row.runs ? ` BAD ${row.runs - row.cleanRuns}/${row.runs}` : '';
}

const rateTick = (n) => (n >= 1e6 ? `${n / 1e6} M` : n >= 1e3 ? `${n / 1e3} k` : `${n}`);
const usTick = (us) => (us >= 1e6 ? `${us / 1e6} s` : us >= 1e3 ? `${us / 1e3} ms` : `${us} µs`);

function goalLine(x, yTop, yBottom, label, labelY, anchor = 'start') {
  return [
    `<line x1="${r1(x)}" y1="${r1(yTop)}" x2="${r1(x)}" y2="${r1(yBottom)}" stroke="${GOAL_COLOR}" stroke-width="1.3" stroke-dasharray="5 3"/>`,
    text(anchor === 'start' ? x + 4 : x - 4, labelY, label, `font-size="10.5" fill="${GOAL_COLOR}" text-anchor="${anchor}"`),
  ];
}

export function renderSvg(report) {
  const rows = report.throughput[64].filter((r) => r.msgs?.n);
  const lat = report.latency.filter((r) => r.p50?.n || r.p99?.n);
  const out = [];
  const m = report.run.machine;
  const o = report.run.options;

  // ---- panel 1: 64 B msg/s
  const ROW = 24;
  const p1Title = 96;
  const p1Top = 124;
  const p1Bottom = p1Top + rows.length * ROW + 6;
  const ceiling = Math.max(...report.throughput[64].filter((r) => r.system === 'dgram').map((r) => r.msgs?.median ?? 0), 0);
  const s1 = logScale([...rows.flatMap((r) => [r.msgs.min, r.msgs.max]), GOALS.msgsPerSec64]);
  out.push(text(16, p1Title, 'Throughput, 64-byte messages: delivered msg/s (log scale)', 'font-size="14" font-weight="bold" fill="#0f172a"'));
  out.push(...grid(s1, p1Top - 8, p1Bottom, rateTick));
  rows.forEach((r, i) => {
    const y = p1Top + i * ROW;
    const mid = y + ROW / 2 - 2;
    const color = colorOf(r);
    const xm = s1.x(r.msgs.median);
    const bold = r.system === 'ledgecast' && r.variant === 'preset' && r.isDefault ? ' font-weight="bold"' : '';
    out.push(text(LABEL_END, mid + 4, r.short, `text-anchor="end" font-size="12" fill="#0f172a"${bold}`));
    out.push(`<rect x="${X0}" y="${r1(mid - 7)}" width="${r1(Math.max(1, xm - X0))}" height="14" fill="${color}" rx="1.5"/>`);
    out.push(...whisker(s1, r.msgs, mid, '#0f172a'));
    const xEnd = Math.max(xm, s1.x(r.msgs.max ?? r.msgs.median));
    const bad = badNote(r);
    out.push(text(xEnd + 6, mid + 4, `${fmtRate(r.msgs.median)}`, 'font-size="11.5" fill="#0f172a"'));
    if (bad) out.push(text(xEnd + 6 + 7 * fmtRate(r.msgs.median).length + 4, mid + 4, bad.trim(), `font-size="11" font-weight="bold" fill="${GOAL_COLOR}"`));
  });
  const tpHead = report.headline?.tp64;
  if (tpHead && tpHead.n > 1) {
    const xh = s1.x(tpHead.median);
    out.push(`<line x1="${r1(xh)}" y1="${r1(p1Top - 4)}" x2="${r1(xh)}" y2="${r1(p1Bottom)}" stroke="${COLORS.ledgecast}" stroke-width="1.3" stroke-dasharray="2 3"/>`);
    out.push(text(xh - 4, p1Bottom + 13, `ledgecast median over ${tpHead.n} presets ${fmtRate(tpHead.median)}`, `font-size="10.5" fill="${COLORS.ledgecast}" text-anchor="end"`));
  }
  const xg = s1.x(GOALS.msgsPerSec64);
  out.push(...goalLine(xg, p1Top - 4, p1Bottom, `goal ${rateTick(GOALS.msgsPerSec64)}`, p1Bottom + 13));
  if (ceiling > 0) {
    const xc = s1.x(GOALS.shareOfDgram * ceiling);
    const near = Math.abs(xc - xg) < 90;
    out.push(...goalLine(xc, p1Top - 4, p1Bottom, `${GOALS.shareOfDgram * 100} % of dgram`, p1Bottom + (near ? 26 : 13), xc < xg ? 'end' : 'start'));
  }

  // ---- panel 2: RTT p50 / p99
  const LROW = 40;
  const p2Title = p1Bottom + 62;
  const p2Top = p2Title + 54;
  const p2Bottom = p2Top + lat.length * LROW + 4;
  const s2 = logScale(lat.flatMap((r) => [r.p50?.min, r.p50?.max, r.p99?.min, r.p99?.max]));
  const rate = report.meta.e2e?.options?.rate ?? 10000;
  out.push(text(16, p2Title, `Round trip, 64 B, paced at ${rate.toLocaleString('en-US')} msg/s: p50 and p99 from the scheduled send (log scale, lower is better)`, 'font-size="14" font-weight="bold" fill="#0f172a"'));
  out.push(...grid(s2, p2Top - 8, p2Bottom, usTick));
  lat.forEach((r, i) => {
    const y = p2Top + i * LROW;
    const color = COLORS[r.system] ?? '#444';
    out.push(text(LABEL_END, y + LROW / 2 + 2, r.short, `text-anchor="end" font-size="12" fill="#0f172a"${r.system === 'ledgecast' ? ' font-weight="bold"' : ''}`));
    for (const [k, p, op] of [[0, 'p50', 1], [1, 'p99', 0.45]]) {
      const s = r[p];
      if (!s?.n) continue;
      const mid = y + 10 + k * 15;
      const xm = s2.x(s.median);
      out.push(`<rect x="${X0}" y="${r1(mid - 6)}" width="${r1(Math.max(1, xm - X0))}" height="12" fill="${color}" fill-opacity="${op}" rx="1.5"/>`);
      out.push(...whisker(s2, s, mid, '#0f172a'));
      const xEnd = Math.max(xm, s2.x(s.max ?? s.median));
      out.push(text(xEnd + 6, mid + 4, `${p} ${fmtUs(s.median)}`, 'font-size="11" fill="#0f172a"'));
    }
    if (r.system === 'ledgecast') {
      const dg = lat.find((x) => x.system === 'dgram');
      const nats = lat.find((x) => x.system === 'nats');
      const marks = [];
      if (dg?.p50?.n) marks.push([s2.x(GOALS.rttP50VsDgram * dg.p50.median), y + 4, y + 16]);
      if (nats?.p99?.n) marks.push([s2.x(nats.p99.median), y + 19, y + 31]);
      for (const [x, a, b] of marks) {
        out.push(`<line x1="${r1(x)}" y1="${r1(a - 3)}" x2="${r1(x)}" y2="${r1(b + 3)}" stroke="${GOAL_COLOR}" stroke-width="2.5"/>`);
      }
    }
  });
  // legend of panel 2, under its title
  const lx = 16;
  const ly = p2Title + 19;
  out.push(`<rect x="${lx}" y="${ly - 9}" width="16" height="10" fill="#475569"/>`);
  out.push(text(lx + 20, ly, 'p50', 'font-size="11" fill="#0f172a"'));
  out.push(`<rect x="${lx + 50}" y="${ly - 9}" width="16" height="10" fill="#475569" fill-opacity="0.45"/>`);
  out.push(text(lx + 70, ly, 'p99', 'font-size="11" fill="#0f172a"'));
  out.push(...whisker({ x: (v) => v }, { n: 2, min: lx + 100, max: lx + 120 }, ly - 4, '#0f172a'));
  out.push(text(lx + 125, ly, 'min–max', 'font-size="11" fill="#0f172a"'));
  out.push(`<line x1="${lx + 185}" y1="${ly - 11}" x2="${lx + 185}" y2="${ly + 2}" stroke="${GOAL_COLOR}" stroke-width="2.5"/>`);
  out.push(text(lx + 191, ly, 'goal: p50 ≤ 2× dgram, p99 ≤ NATS', `font-size="11" fill="${GOAL_COLOR}"`));
  const H = p2Bottom + 40;
  const head = [
    text(16, 26, 'ledgecast vs raw dgram, ZeroMQ and NATS: two processes on loopback', 'font-size="16" font-weight="bold" fill="#0f172a"'),
    text(
      16,
      46,
      `${report.run.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cpuModel}, nproc ${m.nproc} · ${m.kernel} · node ${m.node} · load ${m.loadavgStart?.[0]?.toFixed(1)}→${m.loadavgEnd?.[0]?.toFixed(1)}`,
      'font-size="11.5" fill="#334155"',
    ),
    text(16, 62, `median of ${o.runs} run${o.runs > 1 ? 's' : ''} × ${o.seconds} s per case, whiskers min–max; BAD = a run lost, reordered or duplicated a message`, 'font-size="11.5" fill="#334155"'),
    text(
      16,
      H - 14,
      `Generated by ${report.run.command} (bench/run-all.mjs); numbers and goals in docs/BENCHMARKS.md` +
        Object.keys(report.skipped).map((f) => ` · not measured: ${f === 'nats' ? 'NATS (nats-server not found)' : f === 'zmq' ? 'ZeroMQ' : f}`).join(''),
      'font-size="10.5" fill="#64748b"',
    ),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${r1(H)}" viewBox="0 0 ${W} ${r1(H)}" font-family="${FONT}">`,
    `<rect x="0" y="0" width="${W}" height="${r1(H)}" fill="#ffffff"/>`,
    ...head,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
