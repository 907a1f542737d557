import { describe, expect, it } from 'vitest';
import { ledgecastSubject, matchesAny, messageId, parseLossRange, patternsOverlap, natsSubject, parseMessageId, streamName, zoneNameProblem } from '../../../bridge/naming.js';

describe('bridge naming', () => {
  it('stores zone Z\'s message on subject s as lc.Z.s in stream LC_Z, and reads the subject back', () => {
    expect(streamName('paris')).toBe('LC_paris');
    expect(natsSubject('paris', 'orders.eu.x')).toBe('lc.paris.orders.eu.x');
    expect(ledgecastSubject('paris', 'lc.paris.orders.eu.x')).toBe('orders.eu.x');
    expect(ledgecastSubject('paris', 'lc.london.orders')).toBeUndefined();
    expect(ledgecastSubject('paris', 'lc.paris.')).toBeUndefined();
  });

  it('a Nats-Msg-Id encodes zone, sender, incarnation, subject and seq, and differs when any of them does', () => {
    const m = { zone: 'paris', sender: 'feed.host-1:7', incarnation: 12345, subject: 'orders.eu', seq: 42 };
    expect(parseMessageId(messageId(m))).toEqual(m);
    const ids = new Set([
      messageId(m),
      messageId({ ...m, zone: 'london' }),
      messageId({ ...m, sender: 'feed.host-2:7' }),
      messageId({ ...m, incarnation: 12346 }),
      messageId({ ...m, subject: 'orders.us' }),
      messageId({ ...m, seq: 43 }),
    ]);
    expect(ids.size).toBe(6);
    expect(parseMessageId('not-ours')).toBeUndefined();
  });

  it('accepts zone names that are a stream name and a subject token, and refuses the others', () => {
    expect(zoneNameProblem('eu-west_1')).toBeUndefined();
    for (const bad of ['', 'a.b', 'a*', 'a>', 'a b', 'x'.repeat(65), 3, undefined]) expect(zoneNameProblem(bad)).toMatch(/letters, digits/);
  });

  it('matches subjects against import and export patterns with * and >', () => {
    expect(matchesAny(['orders.>'], 'orders.eu.x')).toBe(true);
    expect(matchesAny(['orders.*'], 'orders.eu.x')).toBe(false);
    expect(matchesAny(['prices.*', '>'], 'a')).toBe(true);
    expect(matchesAny([], 'a')).toBe(false);
  });
});

describe('patternsOverlap', () => {
  it('says whether some subject matches both patterns', () => {
    const cases: [string, string, boolean][] = [
      ['a.b', 'a.b', true],
      ['a.b', 'a.c', false],
      ['a.*', 'a.b', true],
      ['a.*', 'a.b.c', false],
      ['a.>', 'a.b.c', true],
      ['a.>', 'a', false],
      ['>', 'x', true],
      ['*.b', 'a.*', true],
      ['*.b.>', 'a.c.d', false],
      ['a.*.c', 'a.>', true],
      ['a.b.c', 'a.b', false],
      ['svc.>', 'svc.*', true],
    ];
    for (const [a, b, want] of cases) {
      expect({ a, b, overlap: patternsOverlap(a, b) }).toEqual({ a, b, overlap: want });
      expect({ a: b, b: a, overlap: patternsOverlap(b, a) }).toEqual({ a: b, b: a, overlap: want });
    }
  });
});

describe('parseLossRange', () => {
  it('reads a loss record range and reason, and refuses what a hostile exporter could put there', () => {
    expect(parseLossRange('101-3000', 'unavailable')).toEqual({ fromSeq: 101, toSeq: 3000, reason: 'unavailable' });
    expect(parseLossRange('5-5', undefined)).toEqual({ fromSeq: 5, toSeq: 5, reason: 'unavailable' });
    for (const [range, reason] of [
      ['0-3', 'x'],
      ['9-3', 'x'],
      ['1-', 'x'],
      ['a-b', 'x'],
      ['1-2', 'bad.reason'],
      ['1-2', 'x'.repeat(33)],
      ['1234567890123456-1234567890123457', 'x'],
    ] as const) {
      expect({ range, reason, parsed: parseLossRange(range, reason) }).toEqual({ range, reason, parsed: undefined });
    }
  });
});
