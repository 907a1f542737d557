/** Aggregates simulator results per loss rate into a markdown table. */
import type { ScenarioResult } from './scenario.js';

export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = new Map<number, ScenarioResult[]>();
  for (const r of results) {
    const key = Math.round(r.params.lossRate * 100);
    let list = rows.get(key);
    if (!list) rows.set(key, (list = []));
    list.push(r);
  }
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
