/**
 * Log-log curve panels for the scale benches (docs/SCALE.md): one panel per figure, one polyline
 * per series, side by side. Pure: data in, SVG text out.
 *
 *   renderCurves({ panels: [{ title, xLabel, series: [{ name, color, points: [[x, y], …] }] }], footer }) → string
 *
 * Points whose x or y is not a positive finite number are left out (a run that failed has no point).
 */

const FONT = 'DejaVu Sans, Arial, sans-serif';

/** `x` with thousands separators and `d` decimals. */
export function fmt(x, d = 0) {
  return x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

const usable = ([x, y]) => x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y);

/** The SVG of `panels` (each a log-log chart) and a `footer` line (the command that made it). */
export function renderCurves({ panels, footer, panelWidth = 450, height = 340 }) {
  const W = panelWidth * panels.length;
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="${FONT}" font-size="12">`, `<rect width="${W}" height="${height}" fill="white"/>`];
  panels.forEach((panel, k) => {
    const points = panel.series.flatMap((s) => s.points.filter(usable));
    if (points.length === 0) return;
    const px = 75 + k * panelWidth;
    const pw = panelWidth - 110;
    const py = 40;
    const ph = height - 100;
    const xs = [...new Set(points.map(([x]) => x))].sort((a, b) => a - b);
    const ys = points.map(([, y]) => y);
    const lx0 = Math.log10(xs[0]);
    const lx1 = Math.max(lx0 + 1, Math.log10(xs[xs.length - 1]));
    const ly0 = Math.floor(Math.log10(Math.min(...ys)));
    const ly1 = Math.max(ly0 + 1, Math.ceil(Math.log10(Math.max(...ys))));
    const X = (x) => px + ((Math.log10(x) - lx0) / (lx1 - lx0)) * pw;
    const Y = (y) => py + ph - ((Math.log10(y) - ly0) / (ly1 - ly0)) * ph;
    out.push(`<text x="${px}" y="24" font-weight="bold">${panel.title}</text>`);
    out.push(`<rect x="${px}" y="${py}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (let e = ly0; e <= ly1; e++) out.push(`<text x="${px - 6}" y="${Y(10 ** e) + 4}" text-anchor="end">${fmt(10 ** e, e < 0 ? -e : 0)}</text>`);
    for (const x of xs) out.push(`<text x="${X(x)}" y="${py + ph + 16}" text-anchor="middle">${fmt(x)}</text>`);
    if (panel.xLabel) out.push(`<text x="${px + pw / 2}" y="${py + ph + 34}" text-anchor="middle" fill="#555">${panel.xLabel}</text>`);
    panel.series.forEach((s, j) => {
      const pts = s.points.filter(usable).map(([x, y]) => [X(x), Y(y)]);
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
      for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${s.color}"/>`);
      out.push(`<text x="${px + 8}" y="${py + 16 + 16 * j}" fill="${s.color}">${s.name}</text>`);
    });
  });
  out.push(`<text x="${W / 2}" y="${height - 8}" text-anchor="middle" fill="#555">${footer}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
