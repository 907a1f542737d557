/** docs/ZONES.md "What to monitor" lists every bridge metric with its type, and no metric the code does not have. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BRIDGE_METRIC_SPECS } from '../../../bridge/bridge-metrics.js';

const text = readFileSync(new URL('../../../docs/ZONES.md', import.meta.url), 'utf8');
const rows = new Map([...text.matchAll(/^\| `(ledgecast_bridge_[a-z_]+)`(?:\{[a-z_]+\})? \| (counter|gauge) \|/gm)].map((m) => [m[1], m[2]]));

describe('docs/ZONES.md bridge metrics table', () => {
  it('lists every bridge metric with its type', () => {
    for (const s of BRIDGE_METRIC_SPECS) expect(rows.get(s.name), s.name).toBe(s.type);
  });
  it('lists no metric the code does not have', () => {
    expect([...rows.keys()].sort()).toEqual(BRIDGE_METRIC_SPECS.map((s) => s.name).sort());
  });
});
