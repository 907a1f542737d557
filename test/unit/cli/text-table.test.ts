import { describe, it, expect } from 'vitest';
import { formatAge, formatCount, formatTable } from '../../../cli/text-table.js';

describe('formatTable', () => {
  it('aligns columns under their headers, numbers to the right', () => {
    const t = formatTable(
      [{ header: 'peer' }, { header: 'count', align: 'right' }],
      [
        ['a', '1'],
        ['longer-name', '1,000'],
      ],
    );
    expect(t.split('\n')).toEqual(['peer         count', '-----------  -----', 'a                1', 'longer-name  1,000']);
  });

  it('pads short rows with empty cells', () => {
    expect(formatTable([{ header: 'a' }, { header: 'b' }], [['x']]).split('\n')[2]).toBe('x');
  });
});

describe('formatCount and formatAge', () => {
  it('groups thousands', () => {
    expect([0, 999, 1000, 1234567, -4500].map(formatCount)).toEqual(['0', '999', '1,000', '1,234,567', '-4,500']);
    expect(formatCount(1999.9)).toBe('1,999');
  });

  it('reads as ms, s or minutes', () => {
    expect([850, 12_340, 245_000].map(formatAge)).toEqual(['850 ms', '12.3 s', '4m05s']);
  });
});
