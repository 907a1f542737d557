import { describe, it, expect } from 'vitest';
import type { PublisherRun } from '../../../cli/demo-audit.js';
import { demoPassed, renderLive, renderPlainTick, renderSummary, type LiveState } from '../../../cli/demo-display.js';
import type { DemoPeerReport } from '../../../cli/demo-messages.js';
import { formatBenchTable, progressBar } from '../../../cli/commands/bench.js';

const report = (over: Partial<DemoPeerReport>): DemoPeerReport => ({
  name: 'x',
  role: 'subscriber',
  incarnation: 1,
  sent: 0,
  sentBySubject: {},
  delivered: 0,
  naks: 0,
  retransmitted: 0,
  lost: 0,
  resets: 0,
  faultDropped: 0,
  servedFromLedger: 0,
  ...over,
});

const state: LiveState = {
  elapsedSec: 7.3,
  totalSec: 20,
  phase: 'publishing',
  network: '127.0.0.1 239.255.1.2:23456',
  rows: [
    { label: 'publisher #1', what: '4 subjects', state: 'up', report: report({ role: 'publisher', sent: 14_000, retransmitted: 50, servedFromLedger: 12 }), ratePerSec: 2000 },
    { label: 'sub-lossy', what: 'meeting.>', state: 'up', report: report({ delivered: 13_990, naks: 35, lost: 2 }), ratePerSec: 1990 },
    { label: 'sub-late', what: 'a.>', state: 'starting', report: undefined, ratePerSec: 0 },
  ],
  events: [{ atSec: 7, text: 'publisher SIGKILLed' }],
};

describe('the demo display', () => {
  it('shows a row per peer and the recent events', () => {
    const text = renderLive(state).join('\n');
    expect(text).toContain('t=  7.3s / 20 s  publishing');
    expect(text).toMatch(/publisher #1\s+4 subjects\s+up\s+14,000\s+2,000/);
    expect(text).toMatch(/sub-lossy\s+meeting\.>\s+up\s+13,990\s+1,990\s+35/);
    expect(text).toContain('t=  7.0s  publisher SIGKILLed');
  });

  it('has a one-line form for logs, naming NAKs and losses only when there are some', () => {
    const line = renderPlainTick(state);
    expect(line).not.toContain('\n');
    expect(line).toContain('publisher #1 up: sent 14,000 2,000/s, resent 50 (12 from the ledger)');
    expect(line).toContain('sub-lossy 13,990 (NAKs 35 lost 2)');
    expect(line).toContain('sub-late starting');
  });

  it('ends with a verdict line', () => {
    const ok = renderSummary(
      [{ name: 's', pattern: '>', expected: 5, delivered: 4, lost: 1, silent: 0, duplicates: 0, resets: 0 }],
      new Map(),
      [{ incarnation: 9, killed: false, sentBySubject: { 'a.b': 5 } }],
    );
    expect(ok.at(-1)).toBe("OK: every message was delivered exactly once and in order, or reported lost (1 reported), across the publisher's SIGKILL and restart.");
    expect(ok.join('\n')).toContain('publisher run 1 (incarnation 9): 5 messages, closed normally');
    const bad = renderSummary([{ name: 's', pattern: '>', expected: 5, delivered: 4, lost: 0, silent: 1, duplicates: 0, resets: 0 }], new Map(), []);
    expect(bad.at(-1)).toBe('FAILED: s (silently lost 1)');
  });

  it('says the publisher was restarted from its ledger, where it resumed, and that no sequence was reused', () => {
    const runs: PublisherRun[] = [
      { incarnation: 7, killed: true, sentBySubject: { 'a.b': 100, 'a.c': 99 } },
      { incarnation: 8, killed: false, sentBySubject: { 'a.b': 50, 'a.c': 50 }, servedFromLedger: 3 },
    ];
    const rows = [{ name: 's', pattern: '>', expected: 302, delivered: 302, lost: 0, silent: 0, duplicates: 0, resets: 0 }];
    const text = renderSummary(rows, new Map(), runs, { resumedAt: { 'a.b': 102, 'a.c': 101 }, reused: [] }).join('\n');
    expect(text).toContain('publisher run 1 (incarnation 7): SIGKILLed after at least 199 messages');
    expect(text).toContain('served 3 NAKed messages from its ledger');
    expect(text).toContain('publisher restarted from its ledger (incarnation 8): its 2 streams resumed at seq 101..102, where run 1 stopped; no sequence reused');
    expect(text).toContain('a.b resumed at seq 102');
    expect(text).toMatch(/\nOK: /);
  });

  it('fails the demo on a streamReset or a reused sequence, and says so on the restart line', () => {
    const runs: PublisherRun[] = [
      { incarnation: 7, killed: true, sentBySubject: { 'a.b': 100 } },
      { incarnation: 8, killed: false, sentBySubject: { 'a.b': 50 } },
    ];
    const reset = [{ name: 's', pattern: '>', expected: 150, delivered: 150, lost: 0, silent: 0, duplicates: 0, resets: 1 }];
    const resume = { resumedAt: { 'a.b': 101 }, reused: [] };
    expect(demoPassed(reset, resume)).toBe(false);
    const text = renderSummary(reset, new Map(), runs, resume);
    expect(text.join('\n')).toContain('SEQUENCES REUSED OR RESET (1 resets)');
    expect(text.at(-1)).toBe('FAILED: s (resets 1)');

    const clean = [{ ...reset[0], resets: 0 }];
    const reused = { resumedAt: { 'a.b': 1 }, reused: ['a.b'] };
    expect(demoPassed(clean, resume)).toBe(true);
    expect(demoPassed(clean, reused)).toBe(false);
    expect(renderSummary(clean, new Map(), runs, reused).at(-1)).toBe('FAILED: publisher reused sequences on a.b');
  });
});

describe('the bench display', () => {
  it('draws a bounded progress bar', () => {
    expect(progressBar(0.5, 10)).toBe('[#####.....]');
    expect(progressBar(3, 4)).toBe('[####]');
    expect(progressBar(-1, 4)).toBe('[....]');
  });

  it('prints latency in milliseconds', () => {
    const t = formatBenchTable({
      topology: 'single',
      sizeBytes: 64,
      publishSeconds: 2,
      sent: 10,
      delivered: 10,
      reportedLost: 0,
      unaccounted: 0,
      messagesPerSec: 5,
      megabytesPerSec: 0,
      latencyUs: { p50: 1500, p90: 2000, p99: 3000, p999: 4000, max: 5000, mean: 1600 },
      naksSent: 0,
      messagesResent: 0,
    });
    expect(t).toMatch(/latency p50\s+1\.500 ms/);
    expect(t).toMatch(/throughput\s+5 msg\/s/);
  });
});
