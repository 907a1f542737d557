import { describe, expect, it } from 'vitest';
import { DurablePacing } from '../../../actors/app/durable-pacing.js';
import { streamKey } from '../../../codecs/frame.js';

const K = streamKey('pub', 'a.b');

describe('DurablePacing (a durable subscription backlog caps the position reported to the sender)', () => {
  it('caps a stream once a subscription has paceMessages unconfirmed, at paceMessages past the oldest; the cap follows confirmations; lifted at half', () => {
    const p = new DurablePacing(100);
    p.note(1, K, 'pub', 'a.b', 99, 1);
    expect(p.take()).toEqual([]);
    p.note(1, K, 'pub', 'a.b', 100, 1);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 100 }]);
    expect(p.cappedStreams).toBe(1);
    // Confirmations move the oldest: the cap follows; nothing new to say when it did not move.
    p.note(1, K, 'pub', 'a.b', 80, 21);
    p.note(1, K, 'pub', 'a.b', 80, 21);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 120 }]);
    // Between half and the threshold the cap stays (hysteresis).
    p.note(1, K, 'pub', 'a.b', 51, 70);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 169 }]);
    p.note(1, K, 'pub', 'a.b', 50, 71);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: undefined }]);
    expect(p.cappedStreams).toBe(0);
    expect(p.capped).toBe(1);
    // Below the threshold again: nothing.
    p.note(1, K, 'pub', 'a.b', 60, 80);
    expect(p.take()).toEqual([]);
  });

  it('with two subscriptions on one stream the lower cap holds, and closing one lifts only its cap', () => {
    const p = new DurablePacing(10);
    p.note(1, K, 'pub', 'a.b', 10, 5);
    p.note(2, K, 'pub', 'a.b', 12, 3);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 12 }]);
    p.forget(2);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 14 }]);
    p.forget(1);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: undefined }]);
    expect(p.take()).toEqual([]);
  });

  it('paceMessages 0 never caps', () => {
    const p = new DurablePacing(0);
    p.note(1, K, 'pub', 'a.b', 1_000_000, 1);
    expect(p.take()).toEqual([]);
    expect(p.cappedStreams).toBe(0);
  });

  it('the lowest cap holds whatever the order the subscriptions capped in; a change that leaves it says nothing', () => {
    const p = new DurablePacing(10);
    p.note(1, K, 'pub', 'a.b', 10, 3); // cap 12
    p.note(2, K, 'pub', 'a.b', 10, 5); // cap 14
    expect(p.cappedStreams).toBe(0); // nothing handed out yet
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 12 }]);
    expect(p.cappedStreams).toBe(1);
    p.note(2, K, 'pub', 'a.b', 10, 7); // 16: the lowest is still 12
    expect(p.take()).toEqual([]);
  });

  it('a cap lifted before the caps were taken keeps the stream for the other subscription, whose lift is then told', () => {
    const p = new DurablePacing(10);
    p.note(1, K, 'pub', 'a.b', 10, 1);
    p.note(2, K, 'pub', 'a.b', 10, 1);
    p.forget(2);
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: 10 }]);
    p.note(1, K, 'pub', 'a.b', 5, 6); // down to half: lifted
    expect(p.take()).toEqual([{ sender: 'pub', subject: 'a.b', maxSeq: undefined }]);
    expect(p.cappedStreams).toBe(0);
  });
});
