/**
 * What the demo shows, pure: the live table (a terminal redraws it ~4×/s), the plain line
 * printed every second when stdout is not a terminal, and the final summary.
 */
import type { LedgerResume, PublisherRun, SubscriberSummary } from './demo-audit.js';
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
    if (rep.role === 'publisher') {
      const fromLedger = rep.servedFromLedger > 0 ? ` (${formatCount(rep.servedFromLedger)} from the ledger)` : '';
      return `${r.label} ${r.state}: sent ${formatCount(rep.sent)} ${formatCount(r.ratePerSec)}/s, resent ${formatCount(rep.retransmitted)}${fromLedger}`;
    }
    const extra = [rep.naks > 0 ? `NAKs ${formatCount(rep.naks)}` : '', rep.lost > 0 ? `lost ${formatCount(rep.lost)}` : ''].filter((x) => x !== '').join(' ');
    return `${r.label} ${formatCount(rep.delivered)}${extra === '' ? '' : ` (${extra})`}`;
  });
  return `${formatSeconds(s.elapsedSec)} ${s.phase} | ${peers.join(' | ')}`;
}

/** The final summary: one row per subscriber, the publisher runs, the ledger restart, and the verdict. */
export function renderSummary(
  rows: readonly SubscriberSummary[],
  extra: ReadonlyMap<string, { fault: string; report: DemoPeerReport | undefined }>,
  runs: readonly PublisherRun[],
  resume?: LedgerResume,
): string[] {
  const table = formatTable(
    [
      { header: 'subscriber' },
      { header: 'pattern' },
      { header: 'fault' },
      { header: 'expected', align: 'right' },
      { header: 'delivered', align: 'right' },
      { header: 'reported lost', align: 'right' },
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
      : `  publisher run ${k + 1} (incarnation ${run.incarnation}): ${formatCount(total)} messages, closed normally${run.servedFromLedger ? `; served ${formatCount(run.servedFromLedger)} NAKed messages from its ledger` : ''}`;
  });
  return [
    'Summary',
    '',
    ...table.split('\n'),
    '',
    ...runLines,
    ...(resume !== undefined && runs.length > 0 ? restartLines(resume, runs[runs.length - 1], rows) : []),
    "  expected = sent on the subjects the pattern matches, per the publisher's ledger (both runs); every one must be",
    '    delivered once, in order, or reported lost.',
    '  resets: streamReset events (numbering starting again). With a ledger there must be none.',
    '',
    verdict(rows, resume),
  ];
}

/** The line(s) saying how the restarted publisher continued its streams from the ledger. */
export function restartLines(resume: LedgerResume, run: PublisherRun, rows: readonly SubscriberSummary[]): string[] {
  const seqs = Object.values(resume.resumedAt);
  if (seqs.length === 0) return [`  publisher restarted from its ledger (incarnation ${run.incarnation}): it published nothing after the restart`];
  const lo = Math.min(...seqs);
  const hi = Math.max(...seqs);
  const at = lo === hi ? `seq ${formatCount(lo)}` : `seq ${formatCount(lo)}..${formatCount(hi)}`;
  const resets = rows.reduce((a, r) => a + r.resets, 0);
  const duplicates = rows.reduce((a, r) => a + r.duplicates, 0);
  const reusedNothing = resume.reused.length === 0 && resets === 0 && duplicates === 0;
  const claim = reusedNothing
    ? 'no sequence reused (0 resets, 0 duplicates at every subscriber)'
    : `SEQUENCES REUSED OR RESET (${[resume.reused.length > 0 ? `reused on ${resume.reused.join(', ')}` : '', resets > 0 ? `${resets} resets` : '', duplicates > 0 ? `${duplicates} duplicates` : ''].filter((x) => x !== '').join(', ')})`;
  return [
    `  publisher restarted from its ledger (incarnation ${run.incarnation}): its ${seqs.length} streams resumed at ${at}, where run 1 stopped; ${claim}`,
    ...Object.entries(resume.resumedAt).map(([subject, seq]) => `    ${subject} resumed at seq ${formatCount(seq)}`),
  ];
}

/** Problems that fail the demo, per subscriber (empty when it passed). */
function problemsOf(r: SubscriberSummary): string[] {
  const p: string[] = [];
  if (r.silent > 0) p.push(`silently lost ${formatCount(r.silent)}`);
  if (r.duplicates > 0) p.push(`duplicates ${formatCount(r.duplicates)}`);
  if (r.resets > 0) p.push(`resets ${formatCount(r.resets)}`);
  if (r.delivered === 0) p.push('delivered 0');
  if (r.delivered + r.lost + r.silent !== r.expected) p.push(`delivered + lost + silent = ${formatCount(r.delivered + r.lost + r.silent)}, expected ${formatCount(r.expected)}`);
  return p;
}

/**
 * True when every subscriber accounted for every expected message (delivered once, in order,
 * or reported lost), saw no streamReset, and the restart reused no sequence.
 */
export function demoPassed(rows: readonly SubscriberSummary[], resume?: LedgerResume): boolean {
  return rows.length > 0 && rows.every((r) => problemsOf(r).length === 0) && (resume?.reused.length ?? 0) === 0;
}

function verdict(rows: readonly SubscriberSummary[], resume: LedgerResume | undefined): string {
  if (demoPassed(rows, resume)) {
    const lost = rows.reduce((a, r) => a + r.lost, 0);
    return `OK: every message was delivered exactly once and in order, or reported lost (${formatCount(lost)} reported), across the publisher's SIGKILL and restart.`;
  }
  const bad = rows.filter((r) => problemsOf(r).length > 0).map((r) => `${r.name} (${problemsOf(r).join(', ')})`);
  if (rows.length === 0) bad.push('no subscriber');
  if (resume !== undefined && resume.reused.length > 0) bad.push(`publisher reused sequences on ${resume.reused.join(', ')}`);
  return `FAILED: ${bad.join('; ')}`;
}

function formatSeconds(s: number): string {
  return `t=${s.toFixed(1).padStart(5)}s`;
}
