import { describe, it, expect } from 'vitest';
import { StreamAudit, summarizeDemo, type PublisherRun, type SubscriberFinal } from '../../../cli/demo-audit.js';
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
  it('passes when every published message was delivered or reported lost, across a kill and a restart', () => {
    const all = new StreamAudit();
    const lossy = new StreamAudit();
    for (const a of [all, lossy]) {
      deliver(a, A, 1, 1, 100);
      deliver(a, B, 1, 1, 100);
    }
    deliver(all, A, 1, 101, 103); // the killed run's last messages: lossy had a gap there...
    lossy.onLoss(P, A, 101, 103); // ...reported lost when the publisher came back
    for (const a of [all, lossy]) {
      a.onReset(P, A, 1);
      a.onReset(P, B, 1);
      deliver(a, A, 2, 1, 40);
      deliver(a, B, 2, 1, 40);
    }
    const runs: PublisherRun[] = [
      { incarnation: 1, killed: true, sentBySubject: { [A]: 90, [B]: 90 } }, // a stale last report
      { incarnation: 2, killed: false, sentBySubject: { [A]: 40, [B]: 40 } },
    ];
    const rows = summarizeDemo(P, runs, [final('sub-all', 'meeting.>', all), final('sub-lossy', 'meeting.>', lossy)], matches);
    expect(rows).toEqual([
      { name: 'sub-all', pattern: 'meeting.>', expected: 283, delivered: 283, lost: 0, silent: 0, unknownAtKill: 0, duplicates: 0, resets: 2 },
      { name: 'sub-lossy', pattern: 'meeting.>', expected: 283, delivered: 280, lost: 3, silent: 0, unknownAtKill: 0, duplicates: 0, resets: 2 },
    ]);
    expect(demoPassed(rows)).toBe(true);
  });

  it('counts what a normally closed publisher sent but a subscriber never got as silent loss', () => {
    const a = new StreamAudit();
    deliver(a, A, 2, 1, 38);
    const rows = summarizeDemo(P, [{ incarnation: 2, killed: false, sentBySubject: { [A]: 40 } }], [final('s', 'meeting.>', a)], matches);
    expect(rows[0]).toMatchObject({ expected: 40, delivered: 38, silent: 2, unknownAtKill: 0 });
    expect(demoPassed(rows)).toBe(false);
  });

  it('counts the killed publisher\'s unseen tail apart, as unknown at kill', () => {
    const seen = new StreamAudit();
    const missed = new StreamAudit();
    deliver(seen, A, 1, 1, 10);
    deliver(missed, A, 1, 1, 8);
    const rows = summarizeDemo(P, [{ incarnation: 1, killed: true, sentBySubject: { [A]: 5 } }], [final('seen', 'meeting.>', seen), final('missed', 'meeting.>', missed)], matches);
    expect(rows.map((r) => [r.expected, r.delivered, r.unknownAtKill, r.silent])).toEqual([
      [10, 10, 0, 0],
      [10, 8, 2, 0],
    ]);
    expect(demoPassed(rows)).toBe(true);
  });

  it('expects only the subjects a pattern matches', () => {
    const mzm = new StreamAudit();
    deliver(mzm, A, 2, 1, 40);
    const rows = summarizeDemo(P, [{ incarnation: 2, killed: false, sentBySubject: { [A]: 40, [B]: 40 } }], [final('mzm', 'meeting.*.mzm.*', mzm)], matches);
    expect(rows[0]).toMatchObject({ expected: 40, delivered: 40, silent: 0 });
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
    const runs = [{ incarnation: 2, killed: false, sentBySubject: { [A]: 3 } }];
    const rows = summarizeDemo(P, runs, [final('dup', '>', dup), final('gap', '>', gap), final('late', '>', late)], matches);
    expect(rows.map((r) => [r.name, r.silent, r.duplicates])).toEqual([
      ['dup', 0, 1],
      ['gap', 1, 0],
      ['late', 1, 0],
    ]);
    for (const r of rows) expect(demoPassed([r])).toBe(false);
  });
});
