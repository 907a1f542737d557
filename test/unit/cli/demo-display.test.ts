import { describe, it, expect } from 'vitest';
import { renderLive, renderPlainTick, renderSummary, type LiveState } from '../../../cli/demo-display.js';
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
  ...over,
});

const state: LiveState = {
  elapsedSec: 7.3,
  totalSec: 20,
  phase: 'publishing',
  network: '127.0.0.1 239.255.1.2:23456',
  rows: [
    { label: 'publisher #1', what: '4 subjects', state: 'up', report: report({ role: 'publisher', sent: 14_000 }), ratePerSec: 2000 },
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
    expect(line).toContain('publisher #1 up: sent 14,000 2,000/s');
    expect(line).toContain('sub-lossy 13,990 (NAKs 35 lost 2)');
    expect(line).toContain('sub-late starting');
  });

  it('ends with a verdict line', () => {
    const ok = renderSummary(
      [{ name: 's', pattern: '>', expected: 5, delivered: 4, lost: 1, silent: 0, unknownAtKill: 0, duplicates: 0, resets: 1 }],
      new Map(),
      [{ incarnation: 9, killed: false, sentBySubject: { 'a.b': 5 } }],
    );
    expect(ok.at(-1)).toBe('OK: every message was delivered exactly once and in order, or reported lost (1 reported).');
    expect(ok.join('\n')).toContain('publisher run 1 (incarnation 9): 5 messages, closed normally');
    const bad = renderSummary([{ name: 's', pattern: '>', expected: 5, delivered: 4, lost: 0, silent: 1, unknownAtKill: 0, duplicates: 0, resets: 0 }], new Map(), []);
    expect(bad.at(-1)).toBe('FAILED: s (silently lost 1, duplicates 0, delivered 4)');
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
