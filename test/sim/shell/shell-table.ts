/** Aggregates shell-simulator results into a markdown table per loss rate. */
import type { ShellScenarioResult } from './shell-scenario.js';
import { byLossRate } from '../table.js';

export function formatShellTable(results: readonly ShellScenarioResult[]): string {
  const rows = byLossRate(results);
  const lines = [
    '| loss % | seeds | peers | messages published | refused batches | channels given up | deliveries expected | delivered | NAKs | retransmit frames | data-loss events | datagrams | actor messages + timers (events) | violations |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [loss, list] of [...rows].sort((a, b) => a[0] - b[0])) {
    const sum = (f: (r: ShellScenarioResult) => number): number => list.reduce((s, r) => s + f(r), 0);
    lines.push(
      `| ${loss} | ${list.length} | ${sum((r) => r.params.peers)} | ${sum((r) => r.published)} | ${sum((r) => r.refusedBatches)} | ${sum((r) => r.channelGiveUps)} | ` +
        `${sum((r) => r.expectedDeliveries)} | ${sum((r) => r.delivered)} | ${sum((r) => r.naksSent)} | ${sum((r) => r.retransmitFrames)} | ` +
        `${sum((r) => r.dataLossEvents)} | ${sum((r) => r.datagrams)} | ${sum((r) => r.events)} | ${sum((r) => r.violations.length)} |`,
    );
  }
  return lines.join('\n');
}
