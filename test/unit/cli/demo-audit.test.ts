import { describe, it, expect } from 'vitest';
import { StreamAudit, ledgerResume, summarizeDemo, type PublisherRun, type SubscriberFinal } from '../../../cli/demo-audit.js';
import { demoPassed } from '../../../cli/demo-display.js';

const P = 'publisher';
const A = 'meeting.zoneA.mzm.server7';
const B = 'meeting.zoneB.audio.server1';

function deliver(audit: StreamAudit, subject: string, incarnation: number, from: number, to: number): void {
  for (let s = from; s <= to; s++) audit.onMessage(P, subject, incarnation, s);
}

/** Tiny wildcard matcher for the tests: `*` one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

function final(name: string, pattern: string, audit: StreamAudit): SubscriberFinal {
  return { name, pattern, segments: audit.segments(), resets: audit.resets };
}

describe('StreamAudit', () => {
  it('counts an in-order stream as delivered, with no gap', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 100);
    expect(a.totals()).toEqual({ delivered: 100, lost: 0, gaps: 0, duplicates: 0 });
  });

  it('counts a skipped sequence without a loss report as a silent gap', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 5);
    deliver(a, A, 1, 8, 10);
    expect(a.totals()).toEqual({ delivered: 8, lost: 0, gaps: 2, duplicates: 0 });
  });

  it('accepts a gap covered by a dataLoss report', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 5);
    a.onLoss(P, A, 6, 7);
    deliver(a, A, 1, 8, 10);
    expect(a.totals()).toEqual({ delivered: 8, lost: 2, gaps: 0, duplicates: 0 });
  });

  it('counts a sequence delivered again as a duplicate', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 3);
    a.onMessage(P, A, 1, 2);
    expect(a.totals()).toMatchObject({ delivered: 3, duplicates: 1 });
  });

  it('starts a new segment at the reset sequence after a streamReset', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 50);
    a.onReset(P, A, 1);
    deliver(a, A, 2, 1, 20);
    expect(a.resets).toBe(1);
    expect(a.totals()).toEqual({ delivered: 70, lost: 0, gaps: 0, duplicates: 0 });
    expect(a.segments().map((s) => [s.incarnation, s.startedBy, s.firstSeq, s.nextSeq])).toEqual([
      [1, 'first', 1, 51],
      [2, 'reset', 1, 21],
    ]);
  });

  it('continues the numbering when a new incarnation arrives without a reset', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 10);
    deliver(a, A, 2, 11, 12);
    expect(a.totals().gaps).toBe(0);
    expect(a.segments().map((s) => [s.incarnation, s.startedBy, s.firstSeq])).toEqual([
      [1, 'first', 1],
      [2, 'continued', 11],
    ]);
  });

  it('ignores a loss report about sequences already settled', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 10);
    a.onLoss(P, A, 3, 4);
    expect(a.totals()).toEqual({ delivered: 10, lost: 0, gaps: 0, duplicates: 0 });
  });
});

describe('summarizeDemo', () => {
  it('passes when every message the ledger holds was delivered or reported lost, across a kill and a restart that continued the numbering', () => {
    const all = new StreamAudit();
    const lossy = new StreamAudit();
    const late = new StreamAudit();
    for (const a of [all, lossy, late]) {
      deliver(a, A, 1, 1, 100);
      deliver(a, B, 1, 1, 100);
    }
    deliver(all, A, 1, 101, 103); // the killed run's last messages...
    deliver(lossy, A, 2, 101, 103); // ...lossy NAKed them from the restarted publisher's ledger
    late.onLoss(P, A, 101, 103); // ...and one was told they are lost
    for (const a of [all, lossy, late]) {
      deliver(a, A, 2, 104, 140);
      deliver(a, B, 2, 101, 140);
    }
    const rows = summarizeDemo(P, { [A]: 140, [B]: 140 }, [final('sub-all', 'meeting.>', all), final('sub-lossy', 'meeting.>', lossy), final('late', 'meeting.>', late)], matches);
    expect(rows).toEqual([
      { name: 'sub-all', pattern: 'meeting.>', expected: 280, delivered: 280, lost: 0, silent: 0, duplicates: 0, resets: 0 },
      { name: 'sub-lossy', pattern: 'meeting.>', expected: 280, delivered: 280, lost: 0, silent: 0, duplicates: 0, resets: 0 },
      { name: 'late', pattern: 'meeting.>', expected: 280, delivered: 277, lost: 3, silent: 0, duplicates: 0, resets: 0 },
    ]);
    expect(demoPassed(rows)).toBe(true);
  });

  it('counts what the ledger holds as sent but a subscriber never got nor was told about as silent loss, the kill\'s tail included', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 38);
    const rows = summarizeDemo(P, { [A]: 40 }, [final('s', 'meeting.>', a)], matches);
    expect(rows[0]).toMatchObject({ expected: 40, delivered: 38, silent: 2 });
    expect(demoPassed(rows)).toBe(false);
  });

  it('fails on a streamReset: the restarted publisher numbered a stream from 1 again', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 50);
    a.onReset(P, A, 1);
    deliver(a, A, 2, 1, 20);
    const rows = summarizeDemo(P, { [A]: 50 }, [final('s', 'meeting.>', a)], matches);
    expect(rows[0]).toMatchObject({ expected: 50, delivered: 70, silent: 0, resets: 1 });
    expect(demoPassed(rows)).toBe(false);
  });

  it('expects only the subjects a pattern matches', () => {
    const mzm = new StreamAudit();
    deliver(mzm, A, 2, 1, 40);
    const rows = summarizeDemo(P, { [A]: 40, [B]: 40 }, [final('mzm', 'meeting.*.mzm.*', mzm)], matches);
    expect(rows[0]).toMatchObject({ expected: 40, delivered: 40, silent: 0 });
    expect(demoPassed(rows)).toBe(true);
  });

  it('fails on duplicates, on a silent in-stream gap, and on a stream that began above 1 without a report', () => {
    const dup = new StreamAudit();
    deliver(dup, A, 2, 1, 3);
    dup.onMessage(P, A, 2, 3);
    const gap = new StreamAudit();
    deliver(gap, A, 2, 1, 1);
    deliver(gap, A, 2, 3, 3);
    const late = new StreamAudit();
    deliver(late, A, 2, 2, 3);
    const rows = summarizeDemo(P, { [A]: 3 }, [final('dup', '>', dup), final('gap', '>', gap), final('late', '>', late)], matches);
    expect(rows.map((r) => [r.name, r.silent, r.duplicates])).toEqual([
      ['dup', 0, 1],
      ['gap', 1, 0],
      ['late', 1, 0],
    ]);
    for (const r of rows) expect(demoPassed([r])).toBe(false);
  });

  it('fails when a subscriber got more than the ledger says was sent', () => {
    const a = new StreamAudit();
    deliver(a, A, 1, 1, 12);
    const rows = summarizeDemo(P, { [A]: 10 }, [final('s', '>', a)], matches);
    expect(rows[0]).toMatchObject({ expected: 10, delivered: 12, silent: 0, duplicates: 0 });
    expect(demoPassed(rows)).toBe(false);
  });
});

describe('ledgerResume', () => {
  const killed: PublisherRun = { incarnation: 1, killed: true, sentBySubject: { [A]: 90, [B]: 90 } }; // a stale last report

  it('derives where the restarted run began each stream from the ledger\'s newest sequence', () => {
    const restarted: PublisherRun = { incarnation: 2, killed: false, sentBySubject: { [A]: 40, [B]: 39 } };
    expect(ledgerResume([killed, restarted], { [A]: 143, [B]: 141 })).toEqual({ resumedAt: { [A]: 104, [B]: 103 }, reused: [] });
  });

  it('flags a stream whose restarted run began at or below what the killed run reported sending', () => {
    const restarted: PublisherRun = { incarnation: 2, killed: false, sentBySubject: { [A]: 40, [B]: 40 } };
    expect(ledgerResume([killed, restarted], { [A]: 40, [B]: 140 })).toEqual({ resumedAt: { [A]: 1, [B]: 101 }, reused: [A] });
  });

  it('says nothing without a restart', () => {
    expect(ledgerResume([killed], { [A]: 90 })).toBeUndefined();
  });
});
