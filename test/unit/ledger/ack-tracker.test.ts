import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { AckTracker } from '../../../actors/ledger/ack-tracker.js';

describe('AckTracker', () => {
  it('confirms each message at once when acknowledged in delivery order', () => {
    const t = new AckTracker(10);
    t.delivered('s', 1);
    t.delivered('s', 2);
    expect(t.ack('s', 1)).toBe(1);
    expect(t.ack('s', 2)).toBe(2);
    expect(t.unacked).toBe(0);
  });

  it('holds an out-of-order acknowledgement until every earlier message of the stream is acknowledged', () => {
    const t = new AckTracker(10);
    for (const seq of [4, 5, 9]) t.delivered('s', seq);
    expect(t.ack('s', 9)).toBeUndefined();
    expect(t.ack('s', 5)).toBeUndefined();
    expect(t.unacked).toBe(3);
    expect(t.ack('s', 4)).toBe(9);
    expect(t.unacked).toBe(0);
  });

  it('keeps streams apart', () => {
    const t = new AckTracker(10);
    t.delivered('a', 1);
    t.delivered('b', 1);
    t.delivered('b', 2);
    expect(t.ack('b', 2)).toBeUndefined();
    expect(t.ack('a', 1)).toBe(1);
    expect(t.ack('b', 1)).toBe(2);
  });

  it('ignores unknown, repeated and already confirmed acknowledgements', () => {
    const t = new AckTracker(10);
    t.delivered('s', 3);
    expect(t.ack('s', 2)).toBeUndefined();
    expect(t.ack('x', 3)).toBeUndefined();
    expect(t.ack('s', 3)).toBe(3);
    expect(t.ack('s', 3)).toBeUndefined();
  });

  it('refuses to track more than maxUnacked unconfirmed messages, and has room again once they are confirmed', () => {
    const t = new AckTracker(2);
    expect(t.delivered('s', 1)).toBe(true);
    expect(t.delivered('s', 2)).toBe(true);
    expect(t.delivered('s', 3)).toBe(false);
    expect(t.ack('s', 1)).toBe(1);
    expect(t.delivered('s', 3)).toBe(true);
  });

  it('confirms exactly the longest acknowledged prefix, whatever the acknowledgement order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 40 }), fc.func(fc.boolean()), (seqs, pick) => {
        const delivered = [...seqs].sort((a, b) => a - b);
        const t = new AckTracker(100);
        for (const s of delivered) t.delivered('s', s);
        const acked = new Set<number>();
        let position = 0;
        for (const s of [...seqs]) {
          if (!pick(s)) continue;
          acked.add(s);
          const p = t.ack('s', s);
          if (p !== undefined) position = p;
        }
        let expected = 0;
        for (const s of delivered) {
          if (!acked.has(s)) break;
          expected = s;
        }
        expect(position).toBe(expected);
      }),
    );
  });

  it('tracks a redelivered message once (same or older seq), so one acknowledgement confirms it', () => {
    const t = new AckTracker(10);
    expect(t.delivered('s', 1)).toBe(true);
    expect(t.delivered('s', 2)).toBe(true);
    expect(t.delivered('s', 2)).toBe(true);
    expect(t.delivered('s', 1)).toBe(true);
    expect(t.unacked).toBe(2);
    expect(t.ack('s', 1)).toBe(1);
    expect(t.ack('s', 2)).toBe(2);
    expect(t.unacked).toBe(0);
  });

  it('forgets an acknowledgement of a seq not delivered yet: a later delivery of it still needs its own', () => {
    const t = new AckTracker(10);
    t.delivered('s', 1);
    t.delivered('s', 2);
    expect(t.ack('s', 3)).toBeUndefined(); // not delivered (yet)
    t.delivered('s', 3);
    expect(t.ack('s', 1)).toBe(1);
    expect(t.ack('s', 2)).toBe(2); // not 3: 3 was delivered after that acknowledgement
    expect(t.unacked).toBe(1);
    expect(t.ack('s', 3)).toBe(3);
  });

  it('confirms the right positions across thousands of messages acknowledged partly out of order', () => {
    const t = new AckTracker(5000);
    for (let seq = 1; seq <= 3000; seq++) t.delivered('s', seq);
    for (let seq = 1; seq <= 2000; seq++) expect(t.ack('s', seq)).toBe(seq);
    expect(t.ack('s', 2002)).toBeUndefined();
    expect(t.ack('s', 2001)).toBe(2002);
    for (let seq = 2003; seq <= 3000; seq++) expect(t.ack('s', seq)).toBe(seq);
    expect(t.unacked).toBe(0);
  });

  it('forgets a renumbered stream: the new numbering confirms from its own start, old acknowledgements are ignored', () => {
    const t = new AckTracker(100);
    for (let seq = 100; seq <= 105; seq++) t.delivered('s', seq);
    t.delivered('o', 7);
    expect(t.ack('s', 100)).toBe(100);
    t.forget('s');
    expect(t.unacked).toBe(1); // only 'o' is left
    expect(t.ack('s', 101)).toBeUndefined();
    t.delivered('s', 1);
    t.delivered('s', 2);
    expect(t.ack('s', 1)).toBe(1);
    expect(t.ack('s', 2)).toBe(2);
    expect(t.unacked).toBe(1);
    t.forget('none');
    expect(t.unacked).toBe(1);
  });

  it('counts a range reported lost after the delivered messages as acknowledged: confirmable at once, or once those before are', () => {
    const t = new AckTracker(100);
    expect(t.passed('s', 50)).toBe(50); // nothing delivered waits
    t.delivered('s', 51);
    t.delivered('s', 52);
    expect(t.passed('s', 60)).toBeUndefined();
    expect(t.passed('s', 55)).toBeUndefined(); // not after every delivered seq: ignored
    expect(t.unacked).toBe(3);
    expect(t.ack('s', 52)).toBeUndefined();
    expect(t.ack('s', 51)).toBe(60);
    expect(t.unacked).toBe(0);
    t.delivered('s', 61);
    expect(t.passed('s', 52)).toBeUndefined();
    expect(t.ack('s', 61)).toBe(61);
  });
});
