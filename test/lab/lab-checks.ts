/**
 * nftables rule sets and delivery checks shared by the lab tests.
 */
import { expect } from 'vitest';
import type { CollectResult } from './lab-peer.js';

/**
 * An nftables script (for `nft -f -` inside a host's namespace) that drops `percent` % of the
 * incoming UDP datagrams at random, counting them under the comment `lab-random-drop`. With
 * `blockMulticast`, every incoming UDP datagram to 224.0.0.0/4 is dropped first (counted under
 * `lab-multicast-drop`) and incoming unicast UDP is counted under `lab-unicast-in`.
 */
export function labRules({ dropPercent = 0, blockMulticast = false, multicastDropPercent = 0 }: { dropPercent?: number; blockMulticast?: boolean; multicastDropPercent?: number }): string {
  const rules: string[] = [];
  if (multicastDropPercent > 0) rules.push(`ip daddr 224.0.0.0/4 meta l4proto udp numgen random mod 100 lt ${multicastDropPercent} counter drop comment "lab-multicast-random-drop"`);
  if (blockMulticast) {
    rules.push('ip daddr 224.0.0.0/4 meta l4proto udp counter drop comment "lab-multicast-drop"');
    rules.push('meta l4proto udp counter comment "lab-unicast-in"');
  }
  if (dropPercent > 0) rules.push(`meta l4proto udp numgen random mod 100 lt ${dropPercent} counter drop comment "lab-random-drop"`);
  return [
    'table inet lab {',
    '  chain in {',
    '    type filter hook input priority 0; policy accept;',
    ...rules.map((r) => `    ${r}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** {@link labRules} with a random drop only. */
export function randomDropRules(percent: number): string {
  return labRules({ dropPercent: percent });
}

/**
 * One stream from `sender` on `subject`, sequences 1..count each delivered once in order, every
 * payload intact and carrying index seq - 1, nothing reported lost, no error.
 */
export function assertExactlyOnceInOrder(label: string, r: CollectResult, want: { sender: string; subject: string; count: number }): void {
  expect(r.timedOut, `${label} timed out with ${r.delivered} of ${want.count} delivered`).toBe(false);
  expect(r.streams.map((s) => `${s.sender}|${s.subject}`), `${label} streams`).toEqual([`${want.sender}|${want.subject}`]);
  const s = r.streams[0];
  expect(
    { delivered: s.delivered, firstSeq: s.firstSeq, lastSeq: s.lastSeq, duplicates: s.duplicates, regressions: s.regressions, gaps: s.gaps.slice(0, 10), payloadErrors: s.payloadErrors },
    `${label} stream`,
  ).toEqual({ delivered: want.count, firstSeq: 1, lastSeq: want.count, duplicates: 0, regressions: 0, gaps: [], payloadErrors: 0 });
  expect(s.rounds['1']?.offsets, `${label} payload index = seq - 1`).toEqual([1]);
  expect(r.dataLoss, `${label} data-loss events`).toEqual([]);
  expect(r.errors, `${label} errors`).toEqual([]);
}
