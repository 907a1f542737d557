import { describe, expect, it } from 'vitest';
import { ProvenSources } from '../../actors/proven-sources.js';

const A1 = { name: 'a', incarnation: 1 };
const A2 = { name: 'a', incarnation: 2 };

describe('ProvenSources', () => {
  it('refuses a listed incarnation from elsewhere only; takes unlisted ones and other incarnations', () => {
    const p = new ProvenSources();
    expect(p.refuses(A1, '127.0.0.1', 9)).toBe(false); // not listed: not judged here
    p.set(A1, ['127.0.0.1:5', '127.0.0.1:6']);
    expect(p.isListed(A1)).toBe(true);
    expect(p.refuses(A1, '127.0.0.1', 5)).toBe(false);
    expect(p.refuses(A1, '127.0.0.1', 9)).toBe(true);
    expect(p.refuses(A2, '127.0.0.1', 9)).toBe(false);
    expect(p.isListed(A2)).toBe(false);
  });

  it('judges each frame afresh after the last source that passed, and after the sources change', () => {
    const p = new ProvenSources();
    p.set(A1, ['127.0.0.1:5']);
    expect(p.refuses(A1, '127.0.0.1', 5)).toBe(false);
    expect(p.refuses(A1, '127.0.0.2', 5)).toBe(true); // same port, other host
    expect(p.refuses(A1, '127.0.0.1', 5)).toBe(false);
    p.set(A1, ['127.0.0.1:6']); // moved: 5 no longer proven, though it passed last
    expect(p.refuses(A1, '127.0.0.1', 5)).toBe(true);
    expect(p.refuses(A1, '127.0.0.1', 6)).toBe(false);
  });

  it('forgets an incarnation that left, not a newer one of the name', () => {
    const p = new ProvenSources();
    p.set(A2, ['127.0.0.1:5']);
    p.forget('a', 1);
    expect(p.isListed(A2)).toBe(true);
    p.forget('a', 2);
    expect(p.isListed(A2)).toBe(false);
    p.set(A1, ['127.0.0.1:5']);
    p.forget('a', undefined);
    expect(p.refuses(A1, '127.0.0.1', 9)).toBe(false);
  });
});
