/**
 * Position reports (ACK positions, the sender's flow control): a receiver of many streams reports
 * what moved, not every stream every `ackIntervalMs`. Before issue 14's change a subscriber of
 * 100,000 idle streams sent all 100,000 positions every 50 ms, and its publisher spent most of a
 * 100,000-subject burst reading them.
 */
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../codecs/frame.js';
import { createRng } from '../../../actors/core.js';
import { Receiver } from '../../../actors/receiver/receiver.js';
import { POSITION_REFRESH_MS, POSITION_REFRESH_PER_REPORT, POSITION_REPORT_REPEATS } from '../../../actors/receiver/position-reports.js';
import { msg, RecordingSink } from './helpers.js';

const A1: PeerId = { name: 'a', incarnation: 1 };

function setup() {
  const rx = new Receiver({ sink: new RecordingSink(), rng: createRng(7), isInterested: () => true }, { nakDelayMinMs: 5, nakDelayMaxMs: 5 });
  rx.setListed('a', true);
  return rx;
}

describe('Receiver position reports', () => {
  it(`reports a moved position in ${POSITION_REPORT_REPEATS} successive reports, then stops until it moves again`, () => {
    const rx = setup();
    rx.onData(0, A1, 1, msg(1));
    const reports = [1, 2, 3, 4, 5].map((t) => rx.positionReport('a', t));
    expect(reports.slice(0, POSITION_REPORT_REPEATS)).toEqual(Array(POSITION_REPORT_REPEATS).fill([{ subject: 's', seq: 1 }]));
    expect(reports.slice(POSITION_REPORT_REPEATS)).toEqual(Array(5 - POSITION_REPORT_REPEATS).fill([]));
    rx.onData(6, A1, 1, msg(2));
    expect(rx.positionReport('a', 7)).toEqual([{ subject: 's', seq: 2 }]);
  });

  it('an idle receiver of 100,000 streams sends a bounded slice per report, and refreshes every stream in turn', () => {
    const rx = setup();
    const n = 100_000;
    for (let i = 0; i < n; i++) rx.onData(0, A1, 1, msg(1, { subject: `s${i}` }));
    // The first reports carry each new stream (what moved).
    for (let r = 0; r < POSITION_REPORT_REPEATS; r++) expect(rx.positionReport('a', 10 + r).length).toBe(n);
    // Then idle: only the refresh slice, and nothing before the refresh interval.
    expect(rx.positionReport('a', 100)).toEqual([]);
    const refreshed = new Set<string>();
    let reports = 0;
    for (let t = 10 + POSITION_REFRESH_MS; refreshed.size < n && reports < 20_000; t += 50, reports++) {
      const report = rx.positionReport('a', t);
      expect(report.length).toBeLessThanOrEqual(POSITION_REFRESH_PER_REPORT);
      for (const p of report) {
        expect(p.seq).toBe(1);
        refreshed.add(p.subject);
      }
    }
    expect(refreshed.size).toBe(n);
    expect(reports).toBeLessThanOrEqual(Math.ceil(n / POSITION_REFRESH_PER_REPORT) + 1);
  });

  it('keeps positions() as the whole list (a query)', () => {
    const rx = setup();
    rx.onData(0, A1, 1, msg(1));
    rx.onData(0, A1, 1, msg(1, { subject: 't' }));
    rx.positionReport('a', 1);
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 1 }, { subject: 't', seq: 1 }]);
  });

  it('says nothing to an unknown sender', () => {
    expect(setup().positionReport('nobody', 0)).toEqual([]);
  });

  it('a capped stream reports at most its cap (a durable subscription behind on it), the whole position once the cap is lifted; the cap is never parked away', () => {
    const rx = setup();
    for (let seq = 1; seq <= 10; seq++) rx.onData(0, A1, 1, msg(seq));
    rx.capPosition('a', 's', 4);
    expect(rx.positionReport('a', 1)).toEqual([{ subject: 's', seq: 4 }]);
    for (let seq = 11; seq <= 12; seq++) rx.onData(2, A1, 1, msg(seq));
    rx.capPosition('a', 's', 6);
    expect(rx.positionReport('a', 3)).toEqual([{ subject: 's', seq: 6 }]);
    // Long idle: a capped stream is not parked (parking would drop the cap).
    for (let t = 1_000_000; t <= 1_040_000; t += 1000) rx.parkIdle(t); // a sweep visits every stream within 30 s
    expect(rx.counters.streamsParked).toBe(0);
    expect(rx.positionReport('a', 1_000_001).at(-1)).toEqual({ subject: 's', seq: 6 });
    rx.capPosition('a', 's', undefined);
    expect(rx.positionReport('a', 1_000_002)).toEqual([{ subject: 's', seq: 12 }]);
    // A stream not tracked is not capped (nothing to be behind on), and nothing throws.
    rx.capPosition('a', 'unknown', 3);
    rx.capPosition('nobody', 's', 3);
    expect(rx.positions('a')).toEqual([{ subject: 's', seq: 12 }]);
    for (let t = 2_000_000; t <= 2_040_000; t += 1000) rx.parkIdle(t);
    expect(rx.counters.streamsParked).toBe(1); // uncapped, the same idle stream parks
  });
});
