import { describe, expect, it } from 'vitest';
import { BatchSequencer } from '../../../actors/sender/batch-sequencer.js';
import { DEFAULT_SENDER_OPTIONS } from '../../../actors/sender/options.js';
import { SequenceGenerator } from '../../../actors/sender/sequence-generator.js';
import { publishItem } from '../../../actors/sender/unit.js';
import type { PublishItem } from '../../../actors/sender/messages.js';

const sequencer = () => new BatchSequencer(DEFAULT_SENDER_OPTIONS, 8192, 'pub');
const payload = (n: number) => new Uint8Array(n).fill(7);

describe('BatchSequencer', () => {
  it('numbers each message once per stream, in order, and the item becomes its unit (no second object)', () => {
    const seqs = new SequenceGenerator(undefined, DEFAULT_SENDER_OPTIONS);
    const items = [publishItem('a.b', 0, payload(8), undefined), publishItem('a.b', 0, payload(8), undefined), publishItem('c.d', 0, payload(8), undefined)];
    const units = sequencer().sequence(7, items, undefined, seqs, 0, 0)!;
    expect(units.map((u) => [u.subject, u.seq, u.batchId])).toEqual([['a.b', 1, undefined], ['a.b', 2, undefined], ['c.d', 1, 7]]);
    for (let i = 0; i < items.length; i++) expect(units[i]).toBe(items[i]);
  });

  it('an item object published twice (in one batch, then in another) gets a seq each time: the first unit is never renumbered', () => {
    const seqs = new SequenceGenerator(undefined, DEFAULT_SENDER_OPTIONS);
    const s = sequencer();
    const same: PublishItem = { subject: 'a.b', flags: 0, payload: payload(4) };
    const first = s.sequence(1, [same, same], undefined, seqs, 0, 0)!;
    const second = s.sequence(2, [same], undefined, seqs, 2, 8)!;
    expect([...first, ...second].map((u) => u.seq)).toEqual([1, 2, 3]);
    expect(first[0]).toBe(same);
    expect(first[1]).not.toBe(same);
  });

  it('a batch held for room numbers nothing: its items stay unnumbered until it is admitted', () => {
    const seqs = new SequenceGenerator(undefined, DEFAULT_SENDER_OPTIONS);
    const s = sequencer();
    const o = { ...DEFAULT_SENDER_OPTIONS, windowMaxMessages: 2 };
    const tight = new BatchSequencer(o, 8192, 'pub');
    const items = [publishItem('a.b', 0, payload(4), undefined), publishItem('a.b', 0, payload(4), undefined)];
    expect(tight.sequence(3, items, undefined, seqs, 1, 4)).toBeUndefined();
    expect(items.map((i) => (i as { seq?: number }).seq)).toEqual([0, 0]);
    expect(s.sequence(3, items, undefined, seqs, 0, 0)!.map((u) => u.seq)).toEqual([1, 2]);
  });

  it('a message larger than a datagram is fragmented under its one seq', () => {
    const seqs = new SequenceGenerator(undefined, DEFAULT_SENDER_OPTIONS);
    const [u] = sequencer().sequence(1, [publishItem('big.one', 0, payload(20_000), undefined)], undefined, seqs, 0, 0)!;
    expect(u.seq).toBe(1);
    expect(u.fragments!.length).toBeGreaterThan(2);
    expect(new Set(u.fragments!.map((f) => f.seq))).toEqual(new Set([1]));
    expect(u.fragments!.reduce((n, f) => n + f.payload.byteLength, 0)).toBe(20_000);
  });
});
