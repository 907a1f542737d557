/**
 * Receivers removed while left out of streams (actors/flow/left-excluded.ts, pure): the same
 * incarnation coming back is told, once per stream, that it was left out; at most
 * MAX_LEFT_EXCLUDED receivers, the oldest forgotten first.
 */
import { describe, expect, it } from 'vitest';
import { LeftExcluded, MAX_LEFT_EXCLUDED } from '../../../actors/flow/left-excluded.js';

describe('LeftExcluded', () => {
  it('answers once per stream a receiver was left out of when removed', () => {
    const l = new LeftExcluded();
    l.remember('b#1', new Set(['s', 't']));
    expect(l.take('b#1', 'u')).toBe(false);
    expect(l.take('b#1', 's')).toBe(true);
    expect(l.take('b#1', 's')).toBe(false);
    expect(l.take('b#1', 't')).toBe(true);
    expect(l.take('b#1', 't')).toBe(false);
    expect(l.take('c#1', 's')).toBe(false);
  });

  it('replaces what it held for a receiver removed again', () => {
    const l = new LeftExcluded();
    l.remember('b#1', new Set(['s']));
    l.remember('b#1', new Set(['t']));
    expect(l.take('b#1', 's')).toBe(false);
    expect(l.take('b#1', 't')).toBe(true);
  });

  it(`keeps at most ${MAX_LEFT_EXCLUDED} receivers, forgetting the oldest first`, () => {
    const l = new LeftExcluded();
    for (let i = 0; i <= MAX_LEFT_EXCLUDED; i++) l.remember(`r${i}`, new Set(['s']));
    expect(l.take('r0', 's')).toBe(false);
    expect(l.take('r1', 's')).toBe(true);
    expect(l.take(`r${MAX_LEFT_EXCLUDED}`, 's')).toBe(true);
  });
});
