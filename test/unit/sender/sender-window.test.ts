import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { WireMessage } from '../../../codecs/frame.js';
import { SenderWindow } from '../../../actors/sender/sender-window.js';
import { resolveSenderOptions } from '../../../actors/sender/options.js';
import { datagramOf } from '../../fixtures/unit/datagrams.js';

function msg(subject: string, seq: number, bytes = 10): WireMessage {
  return { subject, seq, flags: 0, payload: new Uint8Array(bytes) };
}

/** Bytes of the one-message datagram that holds `m` (what the window counts for it). */
const sizeOf = (m: WireMessage): number => datagramOf([m]).byteLength;

/** Adds `m` in a datagram of its own. */
function add(w: SenderWindow, m: WireMessage): number {
  return w.addDatagram(datagramOf([m]));
}

function windowOf(windowMaxMessages: number, windowMaxBytes = 1_000_000, onEvict?: (subject: string, seq: number) => void) {
  const o = resolveSenderOptions({ windowMaxMessages, windowMaxBytes, maxMessageBytes: 1, maxFragmentBytes: 1 });
  return new SenderWindow({ onEvict }, o);
}

const ids = (ms: readonly WireMessage[]) => ms.map((m) => `${m.subject}${m.seq}`);

describe('SenderWindow', () => {
  it('says when it no longer reads a datagram: once, when its last held record is evicted (its memory may then be reused)', () => {
    const released: Uint8Array[] = [];
    const o = resolveSenderOptions({ windowMaxMessages: 2, windowMaxBytes: 1_000_000, maxMessageBytes: 1, maxFragmentBytes: 1 });
    const w = new SenderWindow({ onDatagramReleased: (d) => released.push(d) }, o);
    const ab = datagramOf([msg('a', 1), msg('b', 1)]);
    const a2 = datagramOf([msg('a', 2)]);
    const a3 = datagramOf([msg('a', 3)]);
    w.addDatagram(ab);
    w.addDatagram(a2); // evicts a1: `ab` still holds b1
    expect(released).toEqual([]);
    w.addDatagram(a3); // evicts b1: `ab` is no longer read
    expect(released).toHaveLength(1);
    expect(released[0]).toBe(ab);
    // A record read back is a copy: the datagram's memory may be reused after it goes.
    const read = w.get('a', 3)![0];
    a3.fill(0xee);
    expect(read.payload).toEqual(new Uint8Array(10));
    expect(read.payload.buffer).not.toBe(a3.buffer);
  });

  it('a full window keeps its index within its bound: about 11 bytes a held message, also when the bound is a power of two', () => {
    for (const max of [1024, 1000]) {
      const w = windowOf(max);
      for (let seq = 1; seq <= 3 * max; seq++) add(w, msg('a', seq));
      expect(w.counters.messages).toBe(max);
      // 7 bytes of record index and 4 of eviction order a message, rings rounded up to a power of two.
      expect(w.indexBytes()).toBeLessThanOrEqual(11 * 1024);
      // Datagrams of several messages, one stream each: the same bound.
      const many = windowOf(max);
      for (let seq = 1; seq <= 3 * max; seq += 4) many.addDatagram(datagramOf([0, 1, 2, 3].map((k) => msg('b', seq + k))));
      expect(many.counters.messages).toBe(max);
      expect(many.indexBytes()).toBeLessThanOrEqual(11 * 1024);
    }
  });

  it('holds added messages and finds them by subject and seq', () => {
    const w = windowOf(10);
    for (let seq = 1; seq <= 3; seq++) add(w, msg('a', seq));
    add(w, msg('b', 7));
    expect(w.get('a', 2)?.[0].seq).toBe(2);
    expect(w.get('b', 7)?.[0].subject).toBe('b');
    expect(w.get('a', 4)).toBeUndefined();
    expect(w.get('a', 0)).toBeUndefined();
    expect(w.get('c', 1)).toBeUndefined();
    expect([w.lowSeq('a'), w.highSeq('a'), w.lowSeq('b'), w.highSeq('b')]).toEqual([1, 3, 7, 7]);
    expect([w.lowSeq('none'), w.highSeq('none')]).toEqual([1, 0]);
  });

  it('evicts oldest first across streams when over the message count, and reports each to onEvict', () => {
    const evicted: string[] = [];
    const w = windowOf(3, 1_000_000, (subject, seq) => evicted.push(`${subject}${seq}`));
    expect(add(w, msg('a', 1))).toBe(0);
    add(w, msg('b', 1));
    add(w, msg('a', 2));
    expect(add(w, msg('b', 2))).toBe(1);
    expect(evicted).toEqual(['a1']);
    add(w, msg('c', 1));
    expect(evicted).toEqual(['a1', 'b1']);
    expect(w.lowSeq('a')).toBe(2);
    expect(w.lowSeq('b')).toBe(2);
    expect(w.counters).toMatchObject({ messages: 3, evicted: 2, peakMessages: 3 });
  });

  it('evicts by datagram bytes across streams and can evict several at once', () => {
    const [a1, b1, a2, b2] = [msg('a', 1, 40), msg('b', 1, 40), msg('a', 2, 10), msg('b', 2, 300)];
    const held = sizeOf(a1) + sizeOf(b1) + sizeOf(a2);
    const w = windowOf(100, Math.max(held, sizeOf(b2)));
    add(w, a1);
    add(w, b1);
    add(w, a2);
    expect(w.counters).toMatchObject({ bytes: held, messages: 3, datagrams: 3 });
    expect(add(w, b2)).toBe(3);
    expect(w.counters).toMatchObject({ bytes: sizeOf(b2), messages: 1, peakBytes: Math.max(held, sizeOf(b2)), peakMessages: 3, evicted: 3, datagrams: 1 });
    expect(w.get('b', 2)).toBeDefined();
  });

  it('evicts at once a message larger than the byte bound but remembers its seq', () => {
    const w = windowOf(100, sizeOf(msg('a', 1, 51)) - 1);
    add(w, msg('a', 1, 51));
    expect(w.counters).toMatchObject({ messages: 0, bytes: 0, evicted: 1 });
    expect([w.lowSeq('a'), w.highSeq('a')]).toEqual([2, 1]);
  });

  it('keeps a stream highSeq after all its messages were evicted', () => {
    const w = windowOf(2);
    add(w, msg('a', 1));
    add(w, msg('a', 2));
    add(w, msg('b', 1));
    add(w, msg('b', 2));
    expect([w.lowSeq('a'), w.highSeq('a')]).toEqual([3, 2]);
    expect(w.streamInfo('a', 1)).toEqual({ subject: 'a', startSeq: 1, lowSeq: 3, highSeq: 2 });
  });

  it('rejects a seq that does not increase within its stream', () => {
    const w = windowOf(10);
    add(w, msg('a', 5));
    expect(() => add(w, msg('a', 5))).toThrow(/not above 5/);
    expect(() => add(w, msg('a', 4))).toThrow(/not above 5/);
    // A datagram is added whole or not at all.
    expect(() => w.addDatagram(datagramOf([msg('b', 1), msg('b', 3), msg('b', 2)]))).toThrow(/not above 3/);
    expect(w.highSeq('b')).toBe(0);
    expect(w.counters).toMatchObject({ messages: 1, datagrams: 1 });
    add(w, msg('b', 1));
  });

  it('refuses a new stream beyond maxStreams', () => {
    const w = new SenderWindow({}, { windowMaxMessages: 10, windowMaxBytes: 1000, maxStreams: 1 });
    add(w, msg('a', 1));
    expect(() => add(w, msg('b', 1))).toThrow(expect.objectContaining({ code: 'ERR_BACKPRESSURE' }));
  });

  it('serves the held part of a range and names the evicted part unavailable', () => {
    const w = windowOf(5);
    for (let seq = 1; seq <= 8; seq++) add(w, msg('a', seq));
    const r = w.serve('a', 2, 6, 100);
    expect(r.unavailable).toEqual([{ from: 2, to: 3 }]);
    expect(r.messages.map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(r.rest).toBeUndefined();
    expect(w.serve('a', 1, 2, 100)).toEqual({ messages: [], unavailable: [{ from: 1, to: 2 }] });
  });

  it('ignores and counts the part of a range above highSeq', () => {
    const w = windowOf(10);
    for (let seq = 1; seq <= 3; seq++) add(w, msg('a', seq));
    const r = w.serve('a', 2, 1_000_000_000, 100);
    expect(r.messages.map((m) => m.seq)).toEqual([2, 3]);
    expect(r.unavailable).toEqual([]);
    expect(w.serve('a', 10, 20, 100)).toEqual({ messages: [], unavailable: [] });
    expect(w.serve('never', 1, 2, 100)).toEqual({ messages: [], unavailable: [] });
    expect(w.counters.requestsBeyondHighSeq).toBe(3);
  });

  it('bounds the messages per call and returns the rest of the range', () => {
    const w = windowOf(100);
    for (let seq = 1; seq <= 10; seq++) add(w, msg('a', seq));
    const r = w.serve('a', 2, 9, 3);
    expect(r.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(r.rest).toEqual({ from: 5, to: 9 });
    const none = w.serve('a', 2, 9, 0);
    expect(none.messages).toEqual([]);
    expect(none.rest).toEqual({ from: 2, to: 9 });
    expect(w.serve('a', 2, 9, Number.NaN).messages).toEqual([]);
  });

  it('names seqs the sender skipped as unavailable', () => {
    const w = windowOf(100);
    for (const seq of [1, 2, 5, 6, 9]) add(w, msg('a', seq));
    const r = w.serve('a', 1, 9, 100);
    expect(r.messages.map((m) => m.seq)).toEqual([1, 2, 5, 6, 9]);
    expect(r.unavailable).toEqual([
      { from: 3, to: 4 },
      { from: 7, to: 8 },
    ]);
    expect(w.get('a', 6)?.[0].seq).toBe(6);
    expect(w.get('a', 7)).toBeUndefined();
  });

  it('returns nothing for a malformed range and counts it', () => {
    const w = windowOf(10);
    add(w, msg('a', 1));
    for (const [from, to] of [
      [3, 2],
      [0, 1],
      [-5, 1],
      [1.5, 2],
      [1, Number.POSITIVE_INFINITY],
      [Number.NaN, 1],
    ]) {
      expect(w.serve('a', from, to, 10)).toEqual({ messages: [], unavailable: [] });
    }
    expect(w.counters.invalidRanges).toBe(6);
  });

  it('states lowSeq and highSeq of a resumed stream from its startSeq', () => {
    const w = windowOf(10);
    expect(w.streamInfo('a', 42)).toEqual({ subject: 'a', startSeq: 42, lowSeq: 42, highSeq: 41 });
    add(w, msg('a', 42));
    add(w, msg('a', 43));
    expect(w.streamInfo('a', 42)).toEqual({ subject: 'a', startSeq: 42, lowSeq: 42, highSeq: 43 });
  });

  it('matches a simple model: every seq of a range is served, unavailable or above highSeq, exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 30 })), {
          maxLength: 80,
        }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 60, max: 400 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 6 }))),
        (adds, maxMessages, maxBytes, requests) => {
          const w = new SenderWindow({}, { windowMaxMessages: maxMessages, windowMaxBytes: maxBytes, maxStreams: 10 });
          const all: WireMessage[] = [];
          const high = new Map<string, number>();
          for (const [subject, step, bytes] of adds) {
            const seq = (high.get(subject) ?? 0) + step;
            high.set(subject, seq);
            const m = msg(subject, seq, bytes);
            add(w, m);
            all.push(m);
          }
          // Model: the newest suffix of `all` within both bounds.
          const held: WireMessage[] = [];
          let bytes = 0;
          for (let i = all.length - 1; i >= 0; i--) {
            if (held.length + 1 > maxMessages || bytes + sizeOf(all[i]) > maxBytes) break;
            held.unshift(all[i]);
            bytes += sizeOf(all[i]);
          }
          expect(w.counters.messages).toBe(held.length);
          expect(w.counters.bytes).toBe(bytes);
          expect(w.counters.evicted).toBe(all.length - held.length);
          expect(w.counters.peakMessages).toBeLessThanOrEqual(maxMessages);
          expect(w.counters.peakBytes).toBeLessThanOrEqual(maxBytes);
          for (const [subject, from, len, limit] of requests) {
            const to = from + len;
            const r = w.serve(subject, from, to, limit);
            const expectHeld = held.filter((m) => m.subject === subject && m.seq >= from && m.seq <= to);
            const h = high.get(subject) ?? 0;
            const covered: number[] = [];
            for (const u of r.unavailable) for (let s = u.from; s <= u.to; s++) covered.push(s);
            for (const m of r.messages) covered.push(m.seq);
            if (r.rest) for (let s = r.rest.from; s <= r.rest.to; s++) covered.push(s);
            covered.sort((x, y) => x - y);
            const wanted: number[] = [];
            for (let s = from; s <= Math.min(to, h); s++) wanted.push(s);
            expect(covered).toEqual(wanted);
            expect(r.messages.length).toBeLessThanOrEqual(limit);
            expect(ids(r.messages)).toEqual(ids(expectHeld.slice(0, r.messages.length)));
            if (!r.rest) expect(r.messages.length).toBe(expectHeld.length);
            for (const u of r.unavailable) for (let s = u.from; s <= u.to; s++) expect(w.get(subject, s)).toBeUndefined();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  describe('datagrams of several messages', () => {
    const payload = (seq: number) => new Uint8Array([seq, seq + 1, seq + 2]);

    it('serves each record as it was sent, read back out of the datagram', () => {
      const w = windowOf(100);
      const sent: WireMessage[] = [
        { subject: 'a', seq: 5, flags: 0, payload: payload(5) },
        { subject: 'b', seq: 1, flags: 1, replyTo: '_INBOX.x', payload: payload(1) },
        { subject: 'a', seq: 6, flags: 0, payload: payload(6) },
      ];
      w.addDatagram(datagramOf(sent, [{ subject: 'a', startSeq: 5 }]));
      expect(w.counters).toMatchObject({ messages: 3, datagrams: 1 });
      expect(w.serve('a', 1, 9, 10)).toEqual({ messages: [sent[0], sent[2]], unavailable: [{ from: 1, to: 4 }] });
      expect(w.get('b', 1)).toEqual([sent[1]]);
    });

    it('releases a datagram\'s bytes when its last held record is evicted', () => {
      const w = windowOf(3);
      const first = datagramOf([msg('a', 1), msg('b', 1)]);
      const second = datagramOf([msg('a', 2), msg('b', 2)]);
      w.addDatagram(first);
      expect(w.addDatagram(second)).toBe(1); // a1 leaves; b1 keeps the first datagram
      expect(w.counters).toMatchObject({ messages: 3, datagrams: 2, bytes: first.byteLength + second.byteLength });
      expect(w.serve('b', 1, 2, 10).messages.map((m) => m.seq)).toEqual([1, 2]);
      w.addDatagram(datagramOf([msg('c', 1)])); // b1 leaves: the first datagram goes
      expect(w.counters).toMatchObject({ messages: 3, datagrams: 2, bytes: second.byteLength + datagramOf([msg('c', 1)]).byteLength });
      expect(w.serve('a', 1, 2, 10)).toEqual({ messages: [msg('a', 2)], unavailable: [{ from: 1, to: 1 }] });
    });

    it('refuses a datagram that is not a DATA datagram, adding nothing', () => {
      const w = windowOf(10);
      const d = datagramOf([msg('a', 1), msg('a', 2)]);
      expect(() => w.addDatagram(d.subarray(0, d.byteLength - 1))).toThrow(/not a DATA datagram/);
      expect(() => w.addDatagram(new Uint8Array(8))).toThrow(/not a DATA datagram/);
      expect(w.counters).toMatchObject({ messages: 0, datagrams: 0, bytes: 0 });
      expect(w.highSeq('a')).toBe(0);
    });
  });

  describe('fragmented messages', () => {
    const frag = (seq: number, i: number, n: number, size = 10): WireMessage => ({
      subject: 'a',
      seq,
      flags: 0x02 | (i === 0 ? 0x04 : 0) | (i === n - 1 ? 0x08 : 0),
      payload: new Uint8Array(size).fill(i),
      fragIndex: i,
      fragCount: n,
    });

    it('holds a fragmented message as one message under its seq and serves it whole or by fragment', () => {
      const w = windowOf(10);
      add(w, { subject: 'a', seq: 1, flags: 0, payload: new Uint8Array(1) });
      for (let i = 0; i < 4; i++) add(w, frag(2, i, 4));
      add(w, { subject: 'a', seq: 3, flags: 0, payload: new Uint8Array(1) });
      const records = [{ subject: 'a', seq: 1, flags: 0, payload: new Uint8Array(1) }, ...[0, 1, 2, 3].map((i) => frag(2, i, 4)), { subject: 'a', seq: 3, flags: 0, payload: new Uint8Array(1) }];
      expect(w.counters).toMatchObject({ messages: 3, datagrams: 6, bytes: records.reduce((n, m) => n + sizeOf(m), 0) });
      expect(w.get('a', 2)?.map((m) => m.fragIndex)).toEqual([0, 1, 2, 3]);
      expect(w.serve('a', 2, 3, 10).messages.map((m) => [m.seq, m.fragIndex])).toEqual([[2, 0], [2, 1], [2, 2], [2, 3], [3, undefined]]);
      expect(w.serve('a', 1, 3, 2).rest).toEqual({ from: 3, to: 3 }); // a fragmented message counts once
      expect(w.serveFragments('a', { seq: 2, fromFrag: 1, toFrag: 2 })?.map((m) => m.fragIndex)).toEqual([1, 2]);
      expect(w.serveFragments('a', { seq: 2, fromFrag: 3, toFrag: 99 })?.map((m) => m.fragIndex)).toEqual([3]);
      expect(w.serveFragments('a', { seq: 1, fromFrag: 0, toFrag: 0 })?.map((m) => m.seq)).toEqual([1]); // not fragmented: whole
      expect(w.serveFragments('a', { seq: 9, fromFrag: 0, toFrag: 0 })).toBeUndefined();
    });

    it('evicts a fragmented message as a unit, and drops fragments of a message no longer held', () => {
      const evicted: string[] = [];
      const w = new SenderWindow({ onEvict: (subject, seq) => evicted.push(`${subject}${seq}`) }, resolveSenderOptions({ windowMaxMessages: 1, windowMaxBytes: 1_000_000, maxMessageBytes: 1 }));
      for (let i = 0; i < 3; i++) add(w, frag(1, i, 3));
      add(w, frag(2, 0, 2));
      expect(evicted).toEqual(['a1']);
      expect(w.counters).toMatchObject({ messages: 1, datagrams: 1, bytes: sizeOf(frag(2, 0, 2)), evicted: 1 });
      add(w, frag(1, 1, 3)); // its message is gone
      expect(w.counters.fragmentsDropped).toBe(1);
      expect(w.serveFragments('a', { seq: 1, fromFrag: 0, toFrag: 2 })).toBeUndefined();
    });
  });
});

describe('SenderWindow parked streams', () => {
  it('parks a stream whose last message was evicted: its highSeq stays, what it held is unavailable, nothing above it is', () => {
    const w = windowOf(1);
    add(w, msg('a', 1));
    add(w, msg('a', 2));
    add(w, msg('b', 1)); // evicts a2, a's last
    expect(w.isParked('a')).toBe(true);
    expect(w.isParked('b')).toBe(false);
    expect(w.highSeq('a')).toBe(2);
    expect(w.lowSeq('a')).toBe(3);
    expect(w.get('a', 2)).toBeUndefined();
    expect(w.serve('a', 1, 5, 10)).toEqual({ messages: [], unavailable: [{ from: 1, to: 2 }] });
    expect(w.counters.requestsBeyondHighSeq).toBe(1);
    expect(w.streamInfo('a', 1)).toEqual({ subject: 'a', startSeq: 1, lowSeq: 3, highSeq: 2 });
    expect(w.streamCount).toBe(2);
  });

  it('makes a parked stream whole with its next message: served from there, below it still unavailable, seqs checked against its highSeq', () => {
    const w = windowOf(1);
    add(w, msg('a', 1));
    add(w, msg('b', 1));
    expect(w.isParked('a')).toBe(true);
    expect(() => add(w, msg('a', 1))).toThrow(/not above 1/);
    add(w, msg('a', 2)); // evicts b1: b parks, a is whole again
    expect(w.isParked('a')).toBe(false);
    expect(w.isParked('b')).toBe(true);
    const r = w.serve('a', 1, 2, 10);
    expect(ids(r.messages)).toEqual(['a2']);
    expect(r.unavailable).toEqual([{ from: 1, to: 1 }]);
    expect(w.streamCount).toBe(2);
  });

  it('keeps many streams parked and resumes each where it stopped (ids of parked streams are reused)', () => {
    const w = windowOf(4);
    for (let round = 1; round <= 3; round++) for (let i = 0; i < 50; i++) add(w, msg(`s${i}`, round));
    expect(w.streamCount).toBe(50);
    expect(w.counters.messages).toBe(4);
    for (let i = 0; i < 46; i++) {
      expect(w.isParked(`s${i}`)).toBe(true);
      expect(w.highSeq(`s${i}`)).toBe(3);
    }
    add(w, msg('s0', 4));
    expect(w.get('s0', 4)?.map((m) => m.seq)).toEqual([4]);
  });

  it('keeps the caller’s subject string for a stream entry when given one', () => {
    const w = windowOf(10);
    const subject = ['pat', 's1'].join('.');
    let asked = 0;
    w.addDatagram(datagramOf([msg('pat.s1', 1)]), (s) => {
      asked++;
      return s === subject ? subject : s;
    });
    w.addDatagram(datagramOf([msg('pat.s1', 2)]), () => {
      asked++;
      return subject;
    });
    expect(asked).toBe(1); // only when an entry is made
    expect(w.get('pat.s1', 2)?.[0].subject).toBe(subject);
  });
});

describe('SenderWindow confirmation (setConfirmed)', () => {
  const MAX = Number.MAX_SAFE_INTEGER;

  it('evicts what receivers confirmed before what they did not, oldest confirmed first', () => {
    const evicted: string[] = [];
    const w = windowOf(3, 1_000_000, (subject, seq) => evicted.push(`${subject}${seq}`));
    add(w, msg('a', 1));
    add(w, msg('b', 1));
    add(w, msg('b', 2));
    w.setConfirmed('a', 0); // a receiver is waited for on a: nothing of it delivered yet
    add(w, msg('b', 3)); // a1 is the oldest, but unconfirmed: b1 goes
    add(w, msg('b', 4));
    expect(evicted).toEqual(['b1', 'b2']);
    expect(w.get('a', 1)).toBeDefined();
    expect(w.counters).toMatchObject({ messages: 3, evicted: 2, evictedUnconfirmed: 0, deferred: 1 });
  });

  it('a passed-over message evicts first once confirmed', () => {
    const evicted: string[] = [];
    const w = windowOf(3, 1_000_000, (subject, seq) => evicted.push(`${subject}${seq}`));
    w.setConfirmed('a', 0); // told before the stream's first message
    add(w, msg('a', 1));
    add(w, msg('a', 2));
    add(w, msg('b', 1));
    add(w, msg('b', 2)); // a1 and a2 passed over: b1 goes
    expect(evicted).toEqual(['b1']);
    w.setConfirmed('a', 1);
    add(w, msg('b', 3));
    expect(evicted).toEqual(['b1', 'a1']);
    expect(w.counters.deferred).toBe(1);
    add(w, msg('b', 4)); // a2 is not confirmed: b2
    expect(evicted).toEqual(['b1', 'a1', 'b2']);
  });

  it('when nothing held is confirmed, evicts the oldest unconfirmed and counts it (the receiver is told it is unavailable)', () => {
    const evicted: string[] = [];
    const w = windowOf(2, 1_000_000, (subject, seq) => evicted.push(`${subject}${seq}`));
    w.setConfirmed('a', 0);
    w.setConfirmed('b', 0);
    add(w, msg('a', 1));
    add(w, msg('b', 1));
    add(w, msg('a', 2));
    expect(evicted).toEqual(['a1']);
    expect(w.counters).toMatchObject({ messages: 2, evicted: 1, evictedUnconfirmed: 1 });
    expect(w.serve('a', 1, 2, 10)).toMatchObject({ unavailable: [{ from: 1, to: 1 }] });
  });

  it('a stream that parks keeps what was confirmed of it: its next messages are not taken for confirmed', () => {
    const evicted: string[] = [];
    const w = windowOf(1, 1_000_000, (subject, seq) => evicted.push(`${subject}${seq}`));
    add(w, msg('a', 1));
    w.setConfirmed('a', 1);
    add(w, msg('b', 1)); // a1 goes: a parks
    expect(w.isParked('a')).toBe(true);
    add(w, msg('a', 2)); // b1 goes (nobody waits on b)
    add(w, msg('b', 2)); // a2 is above what was confirmed of a: kept while anything else can go
    expect(evicted).toEqual(['a1', 'b1', 'a2']);
    expect(w.counters.evictedUnconfirmed).toBe(1);
    // Nobody waits on a any more: it parks as unwatched, and its next message is evicted as confirmed.
    w.setConfirmed('a', MAX);
    add(w, msg('a', 3));
    add(w, msg('b', 3));
    expect(w.counters.evictedUnconfirmed).toBe(1);
  });

  it('evicts in O(1) amortized: a stream stuck unconfirmed does not make every eviction walk past it', () => {
    const w = windowOf(20_000, 1 << 30);
    w.setConfirmed('stuck', 0);
    for (let seq = 1; seq <= 10_000; seq++) add(w, msg('stuck', seq));
    for (let seq = 1; seq <= 200_000; seq++) {
      add(w, msg('fast', seq));
      w.setConfirmed('fast', seq);
    }
    expect(w.lowSeq('stuck')).toBe(1);
    expect(w.counters).toMatchObject({ messages: 20_000, evictedUnconfirmed: 0, deferred: 10_000, passedOver: 10_000 });
    // Each stuck message was passed over once, not at every eviction.
    expect(w.counters.evicted).toBe(190_000);
  });

  it('matches its rules on random traffic and confirmations: an unconfirmed message goes only when nothing held is confirmed', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('add' as const), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 30 })),
            fc.tuple(fc.constant('confirm' as const), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -1, max: 40 })),
          ),
          { maxLength: 120 },
        ),
        fc.integer({ min: 1, max: 10 }),
        (steps, maxMessages) => {
          const floors = new Map<string, number>();
          const held: WireMessage[] = [];
          const high = new Map<string, number>();
          const confirmed = (m: WireMessage) => m.seq <= (floors.get(m.subject) ?? MAX);
          let unconfirmedEvictions = 0;
          const w = new SenderWindow(
            {
              onEvict: (subject, seq) => {
                const i = held.findIndex((m) => m.subject === subject && m.seq === seq);
                expect(i).toBeGreaterThanOrEqual(0);
                // The oldest held of its stream.
                expect(held.findIndex((m) => m.subject === subject)).toBe(i);
                const [m] = held.splice(i, 1);
                if (!confirmed(m)) {
                  unconfirmedEvictions++;
                  expect(held.some(confirmed)).toBe(false);
                }
              },
            },
            { windowMaxMessages: maxMessages, windowMaxBytes: 1_000_000, maxStreams: 10 },
          );
          for (const [kind, subject, n] of steps) {
            if (kind === 'confirm') {
              const seq = n < 0 ? MAX : n;
              floors.set(subject, seq);
              w.setConfirmed(subject, seq);
              continue;
            }
            const seq = (high.get(subject) ?? 0) + 1;
            high.set(subject, seq);
            const m = msg(subject, seq, n);
            add(w, m); // room is made before it is held (it passes no bound alone)
            held.push(m);
            expect(w.counters.messages).toBe(held.length);
            expect(held.length).toBeLessThanOrEqual(maxMessages);
            for (const h of held) expect(w.get(h.subject, h.seq)).toBeDefined();
          }
          expect(w.counters.evictedUnconfirmed).toBe(unconfirmedEvictions);
        },
      ),
      { numRuns: 400 },
    );
  });
});
