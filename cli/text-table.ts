/**
 * Plain-text tables for terminals and logs. Pure.
 */

/** How a column is aligned: numbers read best right-aligned. */
export type Align = 'left' | 'right';

/** One column: its header and alignment. */
export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/**
 * Formats rows as an aligned table: a header line, a rule, then one line per row. Cells are
 * strings (format numbers first, e.g. with {@link formatCount}); a row shorter than the
 * columns is padded with empty cells.
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? '';
        return c.align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 1234567 → '1,234,567' (locale-independent). */
export function formatCount(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Milliseconds → '850 ms', '12.3 s', '4m05s'. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
