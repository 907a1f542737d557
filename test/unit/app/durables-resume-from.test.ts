import { describe, expect, it } from 'vitest';
import { Durables } from '../../../actors/app/durables.js';

const withLedger = (): Durables => new Durables({} as never, 100, () => undefined);

describe('subscribe options.resumeFrom', () => {
  it('is kept, checked and copied, for a durable subscription', () => {
    const given = [{ sender: 'p', subject: 'k.a', seq: 7 }];
    const spec = withLedger().check('d', 'manual', given);
    expect(spec).toEqual({ name: 'd', ack: 'manual', resumeFrom: [{ sender: 'p', subject: 'k.a', seq: 7 }] });
    expect(spec?.resumeFrom).not.toBe(given);
    expect(withLedger().check('d', undefined, [])).toEqual({ name: 'd', ack: 'auto', resumeFrom: [] });
    expect(withLedger().check('d', undefined)).toEqual({ name: 'd', ack: 'auto' });
  });

  it('is refused without durable, or when not a list of { sender, subject, seq >= 0 }', () => {
    expect(() => withLedger().check(undefined, undefined, [])).toThrow(/resumeFrom needs options.durable/);
    expect(() => withLedger().check('d', undefined, {} as never)).toThrow(/resumeFrom must be an array/);
    expect(() => withLedger().check('d', undefined, [{ sender: 'p', subject: 'k', seq: -1 }])).toThrow(/resumeFrom\[0\] must be/);
    expect(() => withLedger().check('d', undefined, [{ sender: 'p', subject: 'k', seq: 1 }, { sender: 3, subject: 'k', seq: 1 } as never])).toThrow(/resumeFrom\[1\]/);
  });
});
