/**
 * What the demo shows, pure: the live table (a terminal redraws it ~4×/s), the plain line
 * printed every second when stdout is not a terminal, and the final summary.
 */
import type { PublisherRun, SubscriberSummary } from './demo-audit.js';
import type { DemoPeerReport } from './demo-messages.js';
import { formatCount, formatTable } from './text-table.js';

/** One peer on the live display. */
export interface LiveRow {
  readonly label: string;
  /** The publisher's subjects, or the subscriber's pattern (and its fault). */
  readonly what: string;
  readonly state: string;
  readonly report: DemoPeerReport | undefined;
  /** Messages sent (publisher) or delivered (subscriber) per second, over the last second. */
  readonly ratePerSec: number;
}

/** Everything the live display shows. */
export interface LiveState {
  readonly elapsedSec: number;
  readonly totalSec: number;
  readonly phase: string;
  readonly network: string;
  readonly rows: readonly LiveRow[];
  /** Recent events, oldest first. */
  readonly events: readonly { readonly atSec: number; readonly text: string }[];
}

const count = (n: number | undefined): string => (n === undefined ? '-' : formatCount(n));

/** The live table (a terminal's screenful): header, one row per peer, recent events. */
export function renderLive(s: LiveState, maxEvents = 8): string[] {
  const table = formatTable(
    [
      { header: 'peer' },
      { header: 'subjects / pattern' },
      { header: 'state' },
      { header: 'sent', align: 'right' },
      { header: 'delivered', align: 'right' },
      { header: 'msg/s', align: 'right' },
      { header: 'NAKs', align: 'right' },
      { header: 'retransmitted', align: 'right' },
      { header: 'lost', align: 'right' },
      { header: 'resets', align: 'right' },
      { header: 'dropped (fault)', align: 'right' },
    ],
    s.rows.map((r) => {
      const pub = r.report?.role === 'publisher';
      return [
        r.label,
        r.what,
        r.state,
        pub ? count(r.report?.sent) : '',
        pub ? '' : count(r.report?.delivered),
        formatCount(r.ratePerSec),
        count(r.report?.naks),
        count(r.report?.retransmitted),
        pub ? '' : count(r.report?.lost),
        pub ? '' : count(r.report?.resets),
        pub ? '' : count(r.report?.faultDropped),
      ];
    }),
  );
  const events = s.events.slice(-maxEvents).map((e) => `  ${formatSeconds(e.atSec)}  ${e.text}`);
  return [
    `ledgecast demo  ${s.network}  ${formatSeconds(s.elapsedSec)} / ${s.totalSec} s  ${s.phase}`,
    '',
    ...table.split('\n'),
    '',
    'events (NAKs: gaps requested again; retransmitted: repairs received / messages resent):',
    ...(events.length > 0 ? events : ['  (none yet)']),
  ];
}

/** One plain line (no terminal): time, phase, each peer's main counter (NAKs and losses when any). */
export function renderPlainTick(s: LiveState): string {
  const peers = s.rows.map((r) => {
    const rep = r.report;
    if (rep === undefined) return `${r.label} ${r.state}`;
    if (rep.role === 'publisher') return `${r.label} ${r.state}: sent ${formatCount(rep.sent)} ${formatCount(r.ratePerSec)}/s, resent ${formatCount(rep.retransmitted)}`;
    const extra = [rep.naks > 0 ? `NAKs ${formatCount(rep.naks)}` : '', rep.lost > 0 ? `lost ${formatCount(rep.lost)}` : ''].filter((x) => x !== '').join(' ');
    return `${r.label} ${formatCount(rep.delivered)}${extra === '' ? '' : ` (${extra})`}`;
  });
  return `${formatSeconds(s.elapsedSec)} ${s.phase} | ${peers.join(' | ')}`;
}

/** The final summary: one row per subscriber, the publisher runs, and the verdict. */
export function renderSummary(
  rows: readonly SubscriberSummary[],
  extra: ReadonlyMap<string, { fault: string; report: DemoPeerReport | undefined }>,
  runs: readonly PublisherRun[],
): string[] {
  const table = formatTable(
    [
      { header: 'subscriber' },
      { header: 'pattern' },
      { header: 'fault' },
      { header: 'expected', align: 'right' },
      { header: 'delivered', align: 'right' },
      { header: 'reported lost', align: 'right' },
      { header: 'unknown at kill*', align: 'right' },
      { header: 'silently lost', align: 'right' },
      { header: 'duplicates', align: 'right' },
      { header: 'resets', align: 'right' },
      { header: 'NAKs', align: 'right' },
      { header: 'retransmitted', align: 'right' },
      { header: 'dropped (fault)', align: 'right' },
    ],
    rows.map((r) => {
      const x = extra.get(r.name);
      return [
        r.name,
        r.pattern,
        x?.fault ?? '-',
        formatCount(r.expected),
        formatCount(r.delivered),
        formatCount(r.lost),
        formatCount(r.unknownAtKill),
        formatCount(r.silent),
        formatCount(r.duplicates),
        formatCount(r.resets),
        count(x?.report?.naks),
        count(x?.report?.retransmitted),
        count(x?.report?.faultDropped),
      ];
    }),
  );
  const runLines = runs.map((run, k) => {
    const total = Object.values(run.sentBySubject).reduce((a, b) => a + b, 0);
    return run.killed
      ? `  publisher run ${k + 1} (incarnation ${run.incarnation}): SIGKILLed after at least ${formatCount(total)} messages`
      : `  publisher run ${k + 1} (incarnation ${run.incarnation}): ${formatCount(total)} messages, closed normally`;
  });
  return [
    'Summary',
    '',
    ...table.split('\n'),
    '',
    ...runLines,
    '  expected = published on the subjects the pattern matches; every one must be delivered once, in order, or reported lost.',
    '  * sent by the killed publisher in its last moments and never heard of by this subscriber (its last datagrams were',
    '    dropped): no one can report or resend those without a ledger. Not counted as silent loss.',
    '  resets: streamReset events (the restarted publisher numbers its streams from 1 again: no ledger yet).',
    '',
    verdict(rows),
  ];
}

/** True when nothing was lost silently and nothing was delivered twice. */
export function demoPassed(rows: readonly SubscriberSummary[]): boolean {
  return rows.length > 0 && rows.every((r) => r.silent === 0 && r.duplicates === 0 && r.delivered > 0);
}

function verdict(rows: readonly SubscriberSummary[]): string {
  if (demoPassed(rows)) {
    const lost = rows.reduce((a, r) => a + r.lost, 0);
    return `OK: every message was delivered exactly once and in order, or reported lost (${formatCount(lost)} reported).`;
  }
  const bad = rows.filter((r) => r.silent > 0 || r.duplicates > 0 || r.delivered === 0).map((r) => `${r.name} (silently lost ${r.silent}, duplicates ${r.duplicates}, delivered ${r.delivered})`);
  return `FAILED: ${bad.join('; ')}`;
}

function formatSeconds(s: number): string {
  return `t=${s.toFixed(1).padStart(5)}s`;
}
