/** What `pub` prints on a terminal: the progress line and the final summary. */
import { describe, expect, it } from 'vitest';
import { progressLine, ratePerSec, summaryLine } from '../../../cli/pub-progress.js';

describe('pub progress and summary', () => {
  it('progress shows the count out of the total, the percentage, the rate and the time', () => {
    expect(progressLine({ published: 1200, total: 5000, startedMs: 1000, endedMs: undefined }, 'a.b', 1500)).toBe(
      'a.b: published 1,200 / 5,000 (24%), 2,400 msg/s, 500 ms',
    );
  });

  it('progress from stdin has no total; after publishing it counts the linger down', () => {
    expect(progressLine({ published: 7, total: undefined, startedMs: 0, endedMs: 2000 }, 'a.b', 9000, 1500)).toBe(
      'a.b: published 7, 4 msg/s, 2.0 s, lingering 1.5 s',
    );
  });

  it('the summary counts messages and rate over the publishing time, not the linger', () => {
    expect(summaryLine({ published: 5000, total: 5000, startedMs: 0, endedMs: 1300 }, 'a.b', 4000, false)).toBe(
      'ledgecast: published 5,000 messages on a.b in 1.3 s (3,846 msg/s)',
    );
    expect(summaryLine({ published: 1, total: 1, startedMs: 0, endedMs: 20 }, 'a.b', 30, false)).toBe('ledgecast: published 1 message on a.b in 20 ms (50 msg/s)');
  });

  it('the summary of an interrupted run says so', () => {
    expect(summaryLine({ published: 10, total: 100, startedMs: 0, endedMs: undefined }, 'a.b', 1000, true)).toBe(
      'ledgecast: published 10 messages on a.b in 1.0 s (10 msg/s), stopped before 100',
    );
    expect(summaryLine({ published: 10, total: undefined, startedMs: 0, endedMs: undefined }, 'a.b', 1000, true)).toMatch(/, stopped$/);
  });

  it('a rate over no time is 0, not Infinity', () => {
    expect(ratePerSec(10, 0)).toBe(0);
  });
});
