/**
 * The README's configuration table must say what the code does: every default in
 * DEFAULT_PEER_OPTIONS appears in the table with the same value, and the table names no
 * option the code does not have.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PEER_OPTIONS } from '../../../actors/app/peer-options.js';

function readmeTable(): Map<string, string> {
  const text = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = text.indexOf('## Configuration');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end === -1 ? undefined : end);
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([A-Za-z]+)` \| `?([^|`]*)`? \|/.exec(line);
    if (m) rows.set(m[1], m[2].trim());
  }
  return rows;
}

function shown(value: unknown): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

describe('README configuration table', () => {
  const table = readmeTable();

  it('lists every default with the value the code uses', () => {
    for (const [key, value] of Object.entries(DEFAULT_PEER_OPTIONS)) {
      expect(table.has(key), `README lacks option ${key}`).toBe(true);
      expect(table.get(key), `README default of ${key}`).toBe(shown(value));
    }
  });

  it('names no option the code does not have', () => {
    for (const key of table.keys()) {
      if (key === 'name') continue; // derived at run time: <hostname>-<pid>
      expect(Object.keys(DEFAULT_PEER_OPTIONS), `README documents unknown option ${key}`).toContain(key);
    }
  });
});
