import { describe, it, expect } from 'vitest';
import {
  BackpressureError,
  DataLossError,
  ERROR_CODES,
  InvalidOptionError,
  LedgecastError,
  deserializeError,
  serializeError,
} from '../../errors.js';

/** What crosses a thread: the serialized form, through structured clone. */
const hop = (err: unknown): Error => deserializeError(structuredClone(serializeError(err)));

describe('errors across a thread hop', () => {
  it('keep their class, code and message', () => {
    const b = hop(new BackpressureError('full'));
    expect(b).toBeInstanceOf(BackpressureError);
    expect(b).toMatchObject({ code: ERROR_CODES.backpressure, message: 'full' });
    expect(hop(new InvalidOptionError('bad'))).toBeInstanceOf(InvalidOptionError);
    const d = hop(new DataLossError({ sender: 's', subject: 'a.b' }, 3, 9));
    expect(d).toBeInstanceOf(DataLossError);
    expect(d).toMatchObject({ fromSeq: 3, toSeq: 9 });
  });

  it('a plain LedgecastError keeps its code; a foreign error becomes internal', () => {
    const k = hop(new LedgecastError(ERROR_CODES.domainKey, 'other key'));
    expect(k).toBeInstanceOf(LedgecastError);
    expect(k).toMatchObject({ code: 'ERR_DOMAIN_KEY', message: 'other key' });
    expect(hop(new TypeError('x'))).toMatchObject({ code: ERROR_CODES.internal, message: 'x' });
    expect(deserializeError({ name: 'LedgecastError', code: 'ERR_MADE_UP', message: 'm' })).toMatchObject({ code: ERROR_CODES.internal });
  });
});
