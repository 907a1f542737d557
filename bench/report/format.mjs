/**
 * Number formatting shared by the benchmark report (markdown, SVG, console). Pure functions, no I/O.
 */

/** 4 660 000 → '4.66 M', 131 000 → '131 k', 950 → '950'; non-finite → '–'. */
export function fmtRate(n) {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  const [div, unit] = abs >= 1e9 ? [1e9, ' G'] : abs >= 1e6 ? [1e6, ' M'] : abs >= 1e3 ? [1e3, ' k'] : [1, ''];
  return `${sig3(n / div)}${unit}`;
}

/** Three significant digits without exponent: 4.657 → '4.66', 131.2 → '131', 1234 → '1234'. */
function sig3(x) {
  return Math.abs(x) >= 999.5 ? x.toFixed(0) : x.toPrecision(3);
}

/** MB/s (10^6 bytes per second): 1 decimal under 100, else whole. */
export function fmtMBps(n) {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

/** A duration in microseconds with its unit: 70.5 → '70.5 µs', 1195 → '1.20 ms', 170352 → '170 ms'. */
export function fmtUs(us) {
  if (!Number.isFinite(us)) return '–';
  if (us >= 1e6) return `${sig3(us / 1e6)} s`;
  if (us >= 1e3) return `${sig3(us / 1e3)} ms`;
  return `${sig3(us)} µs`;
}

/** A ratio: 16.94 → '16.9×', 2.3 → '2.30×', 0.0281 → '0.028×'. */
export function fmtRatio(x) {
  if (!Number.isFinite(x)) return '–';
  if (x >= 10) return `${x.toFixed(1)}×`;
  if (x >= 1) return `${x.toFixed(2)}×`;
  return `${x >= 0.001 ? x.toPrecision(2) : x.toExponential(1)}×`;
}

/** A percentage of a whole given as a fraction: 0.063 → '6.3 %', 0.7 → '70 %'. */
export function fmtShare(f) {
  if (!Number.isFinite(f)) return '–';
  const p = f * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : Number(p.toPrecision(2))} %`;
}

/** A loss percentage that is already in percent: 0 → '0', 0.0123 → '0.012', 12.3 → '12.3'. */
export function fmtPct(x) {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  return Math.abs(x) >= 10 ? x.toFixed(1) : String(Number(x.toPrecision(2)));
}

/** `median (min–max)` of a stats() summary ({ n, median, min, max }); one run: just the value. */
export function fmtSpread(s, fmt) {
  if (!s || !s.n) return '–';
  if (s.n === 1 || s.min === s.max) return fmt(s.median);
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** A markdown table; cells are escaped for '|'. */
export function mdTable(headers, rows, align) {
  const esc = (c) => String(c ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ');
  const sep = headers.map((_, i) => {
    const a = align?.[i] ?? 'l';
    return a === 'r' ? '---:' : a === 'c' ? ':---:' : '---';
  });
  return [headers, sep, ...rows].map((r, i) => `| ${(i === 1 ? r : r.map(esc)).join(' | ')} |`).join('\n');
}

/** Escape text for XML content and attribute values. */
export function xmlEscape(s) {
  return String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
