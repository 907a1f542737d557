/** Aggregates simulator results into markdown tables: per loss rate, and per start-up case. */
import type { ScenarioResult } from './scenario.js';

/** Results grouped by loss rate in percent (both simulators' tables are per loss rate). */
export function byLossRate<R extends { readonly params: { readonly lossRate: number } }>(results: readonly R[]): Map<number, R[]> {
  const rows = new Map<number, R[]>();
  for (const r of results) {
    const key = Math.round(r.params.lossRate * 100);
    let list = rows.get(key);
    if (!list) rows.set(key, (list = []));
    list.push(r);
  }
  return rows;
}

export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = byLossRate(results);
  const lines = [
    '| loss % | seeds | peers | messages published | deliveries expected | delivered | NAKs | retransmit frames | data-loss events | peak reorder buffer (msgs) | peak window (msgs) | violations |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [loss, list] of [...rows].sort((a, b) => a[0] - b[0])) {
    const sum = (f: (r: ScenarioResult) => number): number => list.reduce((s, r) => s + f(r), 0);
    const max = (f: (r: ScenarioResult) => number): number => list.reduce((m, r) => Math.max(m, f(r)), 0);
    lines.push(
      `| ${loss} | ${list.length} | ${sum((r) => r.params.peers)} | ${sum((r) => r.published)} | ${sum((r) => r.expectedDeliveries)} | ` +
        `${sum((r) => r.delivered)} | ${sum((r) => r.naksSent)} | ${sum((r) => r.retransmitFrames)} | ${sum((r) => r.dataLossEvents)} | ` +
        `${max((r) => r.peakReceiverBufferMessages)} | ${max((r) => r.peakWindowMessages)} | ${sum((r) => r.violations.length)} |`,
    );
  }
  return lines.join('\n');
}

/** Which start-up case a run is: publishers at t = 0 and/or a multicast blackout, or neither. */
function startupCase(r: ScenarioResult): string {
  const atZero = r.params.publishStartMs === 0;
  const deaf = r.params.blackouts.length > 0;
  if (atZero && deaf) return 'publish at t = 0 + multicast blackout';
  if (atZero) return 'publish at t = 0';
  if (deaf) return 'multicast blackout (publish at 200 ms)';
  return 'neither (publish at 200 ms)';
}

/** Aggregates simulator results per start-up case into a markdown table. */
export function formatStartupTable(results: readonly ScenarioResult[]): string {
  const order = ['publish at t = 0', 'multicast blackout (publish at 200 ms)', 'publish at t = 0 + multicast blackout', 'neither (publish at 200 ms)'];
  const rows = new Map<string, ScenarioResult[]>(order.map((k) => [k, []]));
  for (const r of results) rows.get(startupCase(r))!.push(r);
  const lines = [
    '| start-up case | seeds | with large messages | deliveries expected | delivered | NAKs | NAKs per 100 deliveries | data-loss events | streams heard late | of those, from their first seq | violations |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, list] of rows) {
    if (list.length === 0) continue;
    const sum = (f: (r: ScenarioResult) => number): number => list.reduce((s, r) => s + f(r), 0);
    const delivered = sum((r) => r.delivered);
    const naks = sum((r) => r.naksSent);
    lines.push(
      `| ${name} | ${list.length} | ${sum((r) => (r.params.largeMessageRate > 0 ? 1 : 0))} | ${sum((r) => r.expectedDeliveries)} | ${delivered} | ` +
        `${naks} | ${delivered > 0 ? ((100 * naks) / delivered).toFixed(1) : '-'} | ${sum((r) => r.dataLossEvents)} | ` +
        `${sum((r) => r.lateHeardStreams)} | ${sum((r) => r.lateHeardFromStart)} | ${sum((r) => r.violations.length)} |`,
    );
  }
  return lines.join('\n');
}
