/** docs/OPERATIONS.md lists every metric with its type, and no metric the code does not have. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_SPECS } from '../../../monitor/metrics.js';

const text = readFileSync(new URL('../../../docs/OPERATIONS.md', import.meta.url), 'utf8');
const rows = new Map([...text.matchAll(/^\| `(ledgecast_[a-z_]+)` \| (counter|gauge) \|/gm)].map((m) => [m[1], m[2]]));

describe('docs/OPERATIONS.md metrics table', () => {
  it('lists every metric with its type', () => {
    for (const s of METRIC_SPECS) expect(rows.get(s.name), s.name).toBe(s.type);
  });
  it('lists no metric the code does not have', () => {
    expect([...rows.keys()].sort()).toEqual(METRIC_SPECS.map((s) => s.name).sort());
  });
});
