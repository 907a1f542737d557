/** Per remote zone: what crossed, what is in flight, and how far behind the zone's stream the import is. */
import { describe, expect, it } from 'vitest';
import { ImportProgress, MAX_TRACKED_ZONES } from '../../../bridge/import-progress.js';

const only = (p: ImportProgress, nowMs: number) => {
  const all = p.snapshot(nowMs);
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('ImportProgress', () => {
  it('has no lag figure before JetStream said how much waits, and counts per zone', () => {
    const p = new ImportProgress();
    p.imported('london', 100);
    p.imported('london', 150);
    p.count('london', 'redelivered');
    p.count('london', 'filtered', 3);
    p.count('tokyo', 'losses');
    const [london, tokyo] = p.snapshot(400);
    expect(london).toEqual({
      zone: 'london',
      imported: 2,
      redelivered: 1,
      losses: 0,
      filtered: 3,
      pending: undefined,
      inFlight: 0,
      lagMessages: undefined,
      delayMs: undefined,
      lastImportedAgoMs: 250,
      checkedAgoMs: undefined,
    });
    expect(tokyo).toMatchObject({ zone: 'tokyo', imported: 0, losses: 1, lastImportedAgoMs: undefined });
  });

  it('lag = what JetStream has not delivered yet + what was delivered and not acknowledged', () => {
    const p = new ImportProgress();
    p.started('london', { pending: 1000, deliveredSeq: 0, ackedSeq: 0 }, 0);
    expect(only(p, 0)).toMatchObject({ pending: 1000, inFlight: 0, lagMessages: 1000, checkedAgoMs: 0 });
    // 256 delivered (one pull): the last one says 744 more wait in the stream.
    for (let seq = 1; seq <= 256; seq++) p.delivered('london', seq, 1000 - seq, 10);
    expect(only(p, 10)).toMatchObject({ pending: 744, inFlight: 256, lagMessages: 1000 });
    // The first 200 published here and acknowledged (AckPolicy.All: one ack for all of them).
    p.acknowledged('london', 200);
    expect(only(p, 20)).toMatchObject({ pending: 744, inFlight: 56, lagMessages: 800, checkedAgoMs: 10 });
    // An acknowledgement older than the newest one changes nothing.
    p.acknowledged('london', 150);
    expect(only(p, 20).inFlight).toBe(56);
  });

  it('takes the freshest reading of pending: consumer info asked before the last delivery is ignored, one asked after it wins', () => {
    const p = new ImportProgress();
    p.delivered('london', 10, 5, 100);
    p.consumerInfo('london', { pending: 50, deliveredSeq: 8, ackedSeq: 0 }, 90); // asked at 90, answered after the delivery at 100
    expect(only(p, 100)).toMatchObject({ pending: 5, inFlight: 10 });
    // Nothing delivered since (the import is blocked), and the zone's stream keeps growing: only consumer info shows it.
    p.consumerInfo('london', { pending: 4000, deliveredSeq: 10, ackedSeq: 6 }, 5000);
    expect(only(p, 5000)).toMatchObject({ pending: 4000, inFlight: 4, lagMessages: 4004 });
  });

  it('measures the delay from JetStream storing the newest message published here to its publish, on the clocks given', () => {
    const p = new ImportProgress();
    p.publishedUpTo('london', 1_000_000, 1_000_042);
    expect(only(p, 0).delayMs).toBe(42);
    // A server clock ahead of ours never gives a negative delay.
    p.publishedUpTo('london', 2_000_010, 2_000_000);
    expect(only(p, 0).delayMs).toBe(0);
  });

  it('a consumer started again takes its numbering as is (a consumer deleted and created again counts from 1)', () => {
    const p = new ImportProgress();
    p.delivered('london', 5000, 0, 1);
    p.acknowledged('london', 4000);
    p.started('london', { pending: 30, deliveredSeq: 3, ackedSeq: 1 }, 2);
    expect(only(p, 2)).toMatchObject({ pending: 30, inFlight: 2, lagMessages: 32 });
  });

  it('forgets in flight and pending when this bridge stops importing (the other bridge reports them), keeps the counters', () => {
    const p = new ImportProgress();
    p.started('london', { pending: 10, deliveredSeq: 0, ackedSeq: 0 }, 0);
    p.delivered('london', 20, 10, 1);
    p.imported('london', 1);
    p.publishing('london', 1);
    p.stopped();
    expect(only(p, 2)).toMatchObject({ imported: 1, pending: undefined, lagMessages: undefined, inFlight: 0, checkedAgoMs: undefined });
    // Importing again: what it delivers next counts again.
    p.delivered('london', 21, 3, 3);
    expect(only(p, 3)).toMatchObject({ pending: 3, inFlight: 1, lagMessages: 4 });
  });

  it('core engine: in flight is the local publishes not settled, and there is no lag figure', () => {
    const p = new ImportProgress();
    p.publishing('tokyo', 1);
    p.publishing('tokyo', 1);
    p.publishing('tokyo', -1);
    expect(only(p, 0)).toMatchObject({ inFlight: 1, lagMessages: undefined, delayMs: undefined });
    p.publishing('tokyo', -1);
    p.publishing('tokyo', -1);
    expect(only(p, 0).inFlight).toBe(0);
  });

  it(`tracks at most ${MAX_TRACKED_ZONES} zones and counts the others as untracked`, () => {
    const p = new ImportProgress();
    for (let i = 0; i <= MAX_TRACKED_ZONES; i++) p.imported(`z${i}`, 0);
    expect(p.snapshot(0)).toHaveLength(MAX_TRACKED_ZONES);
    expect(p.untracked).toBe(1);
  });
});
