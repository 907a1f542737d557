import { describe, expect, it } from 'vitest';
import type { DataFrame, Frame } from '../../../codecs/frame.js';
import { decodeFrame, encodedSize, encodeFrame, encodeFrameInto } from '../../../codecs/frame-codec.js';
import { encodeData } from '../../../codecs/frames/data.js';
import { MAX_FRAME_BYTES } from '../../../codecs/frames/header.js';
import {
  ack,
  advert,
  ascii,
  bodyAt,
  bye,
  byeOfStreams,
  bytesOf,
  data,
  expectReason,
  heartbeat,
  MAX,
  nak,
  nakOfFragments,
  patched,
  retransmit,
  sender,
  withTrailing,
} from './frame-fixtures.js';

describe('decoder refusals', () => {
  const dataBytes = encodeFrame(data);

  it('refuses short, long, foreign and future datagrams', () => {
    expectReason(new Uint8Array(0), 'tooShort');
    expectReason(dataBytes.subarray(0, 15), 'tooShort');
    expectReason(new Uint8Array(MAX_FRAME_BYTES + 1), 'tooLong');
    expectReason(patched(dataBytes, (v) => v.setUint16(0, 0x4c43, true)), 'badMagic');
    expectReason(patched(dataBytes, (v) => v.setUint8(2, 5)), 'badVersion');
    expectReason(patched(dataBytes, (v) => v.setUint8(2, 3)), 'badVersion'); // version 3: stream entries without flags
    expectReason(patched(dataBytes, (v) => v.setUint8(2, 2)), 'badVersion'); // version 2: ADVERT without its pattern-set fields
    expectReason(patched(dataBytes, (v) => v.setUint8(2, 1)), 'badVersion'); // version 1: one seq per fragment
    expectReason(patched(dataBytes, (v) => v.setUint8(3, 0)), 'unknownType');
    expectReason(patched(dataBytes, (v) => v.setUint8(3, 11)), 'unknownType');
  });

  it('refuses header flags, reserved bytes and body lengths that are not exact', () => {
    expectReason(patched(dataBytes, (v) => v.setUint8(4, 1)), 'badFlags');
    expectReason(patched(dataBytes, (v) => v.setUint16(6, 1, true)), 'badReserved');
    expectReason(patched(dataBytes, (v) => v.setUint32(12, v.getUint32(12, true) + 1, true)), 'badLength');
    expectReason(patched(dataBytes, (v) => v.setUint32(12, v.getUint32(12, true) - 1, true)), 'badLength');
    expectReason(patched(dataBytes, (v) => v.setUint8(5, 250)), 'tooShort');
    expectReason(withTrailing(encodeFrame(bye), 0), 'trailingBytes');
    for (const frame of [heartbeat, nak, retransmit, ack, advert, data]) {
      expectReason(withTrailing(encodeFrame(frame), 0), 'trailingBytes');
    }
  });

  it('refuses empty and malformed UTF-8 names', () => {
    expectReason(patched(dataBytes, (v) => v.setUint8(5, 0)), 'badName');
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      const frame = encodeFrame({ kind: 'bye', sender: { name: 'x'.repeat(bad.length), incarnation: 1 } });
      expectReason(patched(frame, (_v, _b, b) => b.set(bad, 16)), 'badUtf8');
    }
    const nakBytes = encodeFrame(nak);
    expectReason(patched(nakBytes, (v, body) => v.setUint8(body + 14, 0)), 'badName');
    expectReason(patched(nakBytes, (v, body) => v.setUint8(body + 18, 0xff)), 'badUtf8');
  });

  it('refuses subjects that break the grammar, and wildcards outside ADVERT', () => {
    const frame = (subject: string): DataFrame => ({
      kind: 'data',
      sender,
      streams: [{ subject, startSeq: 1 }],
      messages: [{ subject, seq: 1, flags: 0, payload: bytesOf() }],
    });
    const base = encodeFrame(frame('a.bb'));
    const at = bodyAt(base) + 4 + 14;
    for (const bad of ['a..b', '.abc', 'abc.', 'a.*b', 'a.>.b', 'a b.', 'a.*.', 'a.>x']) {
      expectReason(patched(base, (_v, _b, b) => b.set(ascii(bad).slice(0, 4), at)), 'badSubject');
    }
    expectReason(patched(base, (_v, _b, b) => b.set(ascii('a.*'), at)), 'badSubject');
    expectReason(patched(base, (v) => v.setUint8(at - 1, 0)), 'badSubject');
    const adv = encodeFrame({ ...advert, patterns: ['a.b.c'] });
    const p = bodyAt(adv) + 27;
    expect(decodeFrame(patched(adv, (_v, _b, b) => b.set(ascii('*.>'), p + 2))).ok).toBe(true);
    expectReason(patched(adv, (_v, _b, b) => b.set(ascii('>.b'), p)), 'badSubject');
    expectReason(patched(adv, (_v, _b, b) => b.set(ascii('a*'), p)), 'badSubject');
  });

  it('refuses sequence numbers above 2^53 - 1, zero where 1 is the minimum, and broken stream invariants', () => {
    const body = bodyAt(dataBytes);
    const firstMessage = body + 4 + 14 + 10 + 14 + 10;
    expectReason(patched(dataBytes, (v) => v.setUint32(body + 4 + 4, 0x0020_0000, true)), 'badSeq');
    expectReason(patched(dataBytes, (v) => v.setUint32(body + 4, 0, true)), 'badSeq');
    expectReason(patched(dataBytes, (v) => v.setUint32(firstMessage + 4, 0x0020_0000, true)), 'badSeq');
    expectReason(patched(dataBytes, (v) => v.setUint32(firstMessage, 0, true)), 'badSeq');
    // Message seq below its stream's startSeq.
    expectReason(patched(dataBytes, (v) => v.setUint32(body + 4, 2, true)), 'badSeq');
    const hb = encodeFrame({ kind: 'heartbeat', sender, streams: [{ subject: 'a', startSeq: 5, lowSeq: 3, highSeq: 4 }] });
    const e = bodyAt(hb) + 2;
    expectReason(patched(hb, (v) => v.setUint32(e + 16, 3, true)), 'badSeq'); // highSeq < startSeq - 1
    expectReason(patched(hb, (v) => v.setUint32(e + 8, 6, true)), 'badSeq'); // lowSeq > highSeq + 1
    expectReason(patched(hb, (v) => v.setUint32(e + 8, 0, true)), 'badSeq'); // lowSeq 0
    expectReason(patched(hb, (v) => v.setUint32(e, 0, true)), 'badSeq'); // startSeq 0
    expectReason(patched(encodeFrame(nak), (v, b) => v.setUint32(b, 0, true)), 'badSeq'); // channelSeq 0
    expectReason(patched(encodeFrame(ack), (v, b) => v.setUint32(b + 4, 0xffff_ffff, true)), 'badSeq');
  });

  it('refuses ranges that are reversed, out of order or overlapping', () => {
    const nakBytes = encodeFrame(nak);
    const ranges = bodyAt(nakBytes) + 18 + 9 + 9;
    expectReason(patched(nakBytes, (v) => v.setUint32(ranges, 6, true)), 'badRange'); // from 6 > to 5
    expectReason(patched(nakBytes, (v) => v.setUint32(ranges + 16, 5, true)), 'badRange'); // overlaps previous
    expectReason(patched(nakBytes, (v) => v.setUint32(ranges, 0, true)), 'badRange');
    const ackBytes = encodeFrame(ack);
    const selective = bodyAt(ackBytes) + 17 + 5;
    expectReason(patched(ackBytes, (v) => v.setUint32(selective, 41, true)), 'badRange'); // not above cumulative
    expectReason(patched(ackBytes, (v) => v.setUint32(selective + 8, 43, true)), 'badRange'); // not ascending
    const rt = encodeFrame(retransmit);
    const unavailable = rt.length - 36;
    expectReason(patched(rt, (v) => v.setUint32(unavailable + 2, 5, true)), 'badRange');
    expectReason(patched(rt, (v) => v.setUint32(unavailable + 2, 0, true)), 'badSeq');
  });

  it('refuses NAK fragment ranges that are reversed, out of order, overlapping, past MAX_FRAGMENT_COUNT or inside a whole range', () => {
    const bytes = encodeFrame(nakOfFragments);
    const frags = bytes.length - 3 * 16; // entries: (7, 0..0), (7, 3..9), (12, 2..2)
    expectReason(patched(bytes, (v) => v.setUint32(frags + 8, 1, true)), 'badRange'); // fromFrag 1 > toFrag 0
    expectReason(patched(bytes, (v) => v.setUint32(frags + 16 + 8, 0, true)), 'badRange'); // overlaps (7, 0..0)
    expectReason(patched(bytes, (v) => v.setUint32(frags + 32, 6, true)), 'badRange'); // seq 6 < 7: not ascending
    expectReason(patched(bytes, (v) => v.setUint32(frags, 5, true)), 'badRange'); // seq 5 is in range 5..6
    expectReason(patched(bytes, (v) => v.setUint32(frags + 32 + 12, 0x4000_0000, true)), 'badRange'); // toFrag too big
    expectReason(patched(bytes, (v) => v.setUint32(frags, 0, true)), 'badSeq');
    expectReason(patched(bytes, (v) => v.setUint32(frags + 4, 0x0020_0000, true)), 'badSeq'); // above 2^53 - 1
  });

  it('refuses a fragment record whose address is impossible or disagrees with its edge flags', () => {
    const frame: DataFrame = {
      kind: 'data',
      sender,
      streams: [{ subject: 'a', startSeq: 1 }],
      messages: [{ subject: 'a', seq: 1, flags: 0x02, payload: bytesOf(1, 2), fragIndex: 1, fragCount: 3 }],
    };
    const bytes = encodeFrame(frame);
    const record = bodyAt(bytes) + 4 + 14 + 1;
    const ext = record + 16;
    expectReason(patched(bytes, (v) => v.setUint32(ext, 3, true)), 'badFragment'); // index = count
    expectReason(patched(bytes, (v) => v.setUint32(ext + 4, 1, true)), 'badFragment'); // count 1
    expectReason(patched(bytes, (v) => v.setUint32(ext + 4, 0x4000_0001, true)), 'badFragment'); // count too big
    expectReason(patched(bytes, (v) => v.setUint8(record + 14, 0x06)), 'badFragment'); // first, but index 1
    expectReason(patched(bytes, (v) => v.setUint8(record + 14, 0x0a)), 'badFragment'); // last, but index 1 of 3
    expectReason(patched(bytes, (v) => v.setUint32(ext, 0, true)), 'badFragment'); // index 0 without firstFragment
    // An empty fragment: payloadLength 0, with the payload byte count fixed so only that rule breaks.
    const empty = encodeFrame({ ...frame, messages: [{ ...frame.messages[0], payload: bytesOf(1) }] });
    expectReason(
      patched(empty, (v, b) => {
        v.setUint32(record + 8, 0, true);
        v.setUint32(12, v.getUint32(12, true) - 1, true);
      }).subarray(0, empty.length - 1),
      'badFragment',
    );
    expect(() => encodeFrame({ ...frame, messages: [{ ...frame.messages[0], fragIndex: 3 }] })).toThrow(RangeError);
    expect(() => encodeFrame({ ...frame, messages: [{ subject: 'a', seq: 1, flags: 0, payload: bytesOf(), fragIndex: 0, fragCount: 2 }] })).toThrow(RangeError);
  });

  it('refuses counts of zero where one is required and counts over their bound', () => {
    expectReason(patched(dataBytes, (v, b) => v.setUint16(b + 2, 0, true)), 'badCount');
    expectReason(patched(dataBytes, (v, b) => v.setUint16(b, 0, true)), 'badCount');
    expectReason(patched(encodeFrame(nak), (v, b) => v.setUint16(b + 12, 0, true)), 'badCount');
    expectReason(patched(encodeFrame(nak), (v, b) => v.setUint16(b + 12, 257, true)), 'tooMany');
    expectReason(patched(encodeFrame(nakOfFragments), (v, b) => v.setUint16(b + 16, 257, true)), 'tooMany');
    // A NAK of fragments only is valid; one of neither ranges nor fragments is not.
    const fragOnly = encodeFrame({ ...nakOfFragments, ranges: [] });
    expect(decodeFrame(fragOnly)).toEqual({ ok: true, frame: { ...nakOfFragments, ranges: [] } });
    expectReason(patched(fragOnly, (v, b) => v.setUint16(b + 16, 0, true)), 'badCount');
    expectReason(patched(encodeFrame(ack), (v, b) => v.setUint16(b + 12, 257, true)), 'tooMany');
  });

  it('refuses a declared count the datagram cannot hold before allocating for it', () => {
    expectReason(patched(dataBytes, (v, b) => v.setUint16(b + 2, 0xffff, true)), 'tooShort');
    expectReason(patched(dataBytes, (v, b) => v.setUint16(b, 0xffff, true)), 'tooShort');
    expectReason(patched(encodeFrame(heartbeat), (v, b) => v.setUint16(b, 0xffff, true)), 'tooShort');
    expectReason(patched(encodeFrame(retransmit), (v, b) => v.setUint16(b + 10, 0xffff, true)), 'tooShort');
    expectReason(patched(encodeFrame(retransmit), (v, b) => v.setUint16(b + 12, 0xffff, true)), 'tooShort');
    expectReason(patched(encodeFrame(ack), (v, b) => v.setUint16(b + 14, 0xffff, true)), 'tooShort');
    expectReason(patched(encodeFrame({ ...advert, setVersion: 1, setSize: 100_000, setDigest: 7, fromIndex: 0 }), (v, b) => v.setUint16(b + 8, 0xffff, true)), 'tooShort');
    const body = bodyAt(dataBytes);
    const firstMessage = body + 4 + 14 + 10 + 14 + 10;
    expectReason(patched(dataBytes, (v) => v.setUint32(firstMessage + 8, 0xffff_ffff, true)), 'tooShort');
  });

  it('refuses message flags outside MESSAGE_FLAGS_MASK and fragment edges without the fragment bit', () => {
    const firstMessage = bodyAt(dataBytes) + 4 + 14 + 10 + 14 + 10;
    for (const flags of [0x10, 0x80, 0x04, 0x08, 0x0c | 0x01]) {
      expectReason(patched(dataBytes, (v) => v.setUint8(firstMessage + 14, flags)), 'badFlags');
    }
    const adv = encodeFrame(advert);
    expectReason(patched(adv, (v, b) => v.setUint8(b + 6, 0x08)), 'badFlags');
    expectReason(patched(adv, (v, b) => v.setUint8(b + 7, 1)), 'badReserved');
    expectReason(patched(adv, (v, b) => v.setUint16(b + 4, 0, true)), 'badAddress');
  });

  it('refuses a BYE whose stream entries a HEARTBEAT could not carry, with the same reasons', () => {
    // A body-less BYE (the layout before BYE named its streams) lacks the stream count.
    const bare = encodeFrame(bye);
    expectReason(patched(bare, (v) => v.setUint32(12, 0, true)).subarray(0, bare.length - 2), 'tooShort');
    expectReason(withTrailing(encodeFrame(byeOfStreams), 0), 'trailingBytes');
    const b = encodeFrame({ kind: 'bye', sender, streams: [{ subject: 'a', startSeq: 5, lowSeq: 3, highSeq: 4 }, { subject: 'b', startSeq: 1, lowSeq: 1, highSeq: 0 }] });
    const e = bodyAt(b) + 2;
    expect(decodeFrame(b).ok).toBe(true);
    expectReason(patched(b, (v) => v.setUint32(e + 16, 3, true)), 'badSeq'); // highSeq < startSeq - 1
    expectReason(patched(b, (v) => v.setUint32(e + 8, 6, true)), 'badSeq'); // lowSeq > highSeq + 1
    expectReason(patched(b, (v) => v.setUint32(e, 0, true)), 'badSeq'); // startSeq 0
    expectReason(patched(b, (v) => v.setUint32(e + 20, 0x0020_0000, true)), 'badSeq'); // highSeq above 2^53 - 1
    expectReason(patched(b, (_v, _b, x) => (x[e + 30] = 0x2a)), 'badSubject'); // '*'
    expectReason(patched(b, (v) => v.setUint8(e + 29, 0)), 'badSubject');
    expectReason(patched(b, (_v, _b, x) => (x[e + 31 + 30] = 0x61)), 'duplicateSubject');
    expectReason(patched(b, (v, body) => v.setUint16(body, 0xffff, true)), 'tooShort');
    expectReason(patched(b, (v, body) => v.setUint16(body, 1, true)), 'trailingBytes');
    expectReason(patched(b, (v) => v.setUint8(e + 29, 255)), 'tooShort'); // subject runs past the body
    expectReason(patched(b, (v) => v.setUint8(e + 28, 2)), 'badFlags'); // an unknown entry flag
    expectReason(patched(b, (v) => v.setUint8(e + 28, 1)), 'tooShort'); // resumed, without its 12 bytes
  });

  it('refuses a resumed part whose seq is 0 or not below startSeq, and unknown entry flags, in DATA and HEARTBEAT alike', () => {
    const hb = encodeFrame({ kind: 'heartbeat', sender, streams: [{ subject: 'a', startSeq: 5, lowSeq: 3, highSeq: 4, resumed: { seq: 3, ageMs: 10 } }] });
    const r = bodyAt(hb) + 2 + 31; // the resumed part, after entry and subject 'a'
    expect(decodeFrame(hb).ok).toBe(true);
    expectReason(patched(hb, (v) => v.setUint32(r, 0, true)), 'badSeq');
    expectReason(patched(hb, (v) => v.setUint32(r, 5, true)), 'badSeq'); // = startSeq
    expectReason(patched(hb, (v) => v.setUint32(r + 4, 0x0020_0000, true)), 'badSeq'); // above 2^53 - 1
    expectReason(patched(hb, (v) => v.setUint8(bodyAt(hb) + 2 + 28, 0x81)), 'badFlags');
    expect(() => encodeFrame({ kind: 'heartbeat', sender, streams: [{ subject: 'a', startSeq: 5, lowSeq: 3, highSeq: 4, resumed: { seq: 5 } }] })).toThrow(RangeError);
    const d = encodeFrame({
      kind: 'data',
      sender,
      streams: [{ subject: 'a', startSeq: 5, resumed: { seq: 2 } }],
      messages: [{ subject: 'a', seq: 5, flags: 0, payload: bytesOf() }],
    });
    const dr = bodyAt(d) + 4 + 15;
    expect(decodeFrame(d).ok).toBe(true);
    expectReason(patched(d, (v) => v.setUint32(dr, 0, true)), 'badSeq');
    expectReason(patched(d, (v) => v.setUint32(dr, 6, true)), 'badSeq');
    expectReason(patched(d, (v) => v.setUint8(bodyAt(d) + 4 + 12, 4)), 'badFlags');
    expect(() =>
      encodeFrame({ kind: 'data', sender, streams: [{ subject: 'a', startSeq: 5, resumed: { seq: 0 } }], messages: [{ subject: 'a', seq: 5, flags: 0, payload: bytesOf() }] }),
    ).toThrow(RangeError);
  });

  it('refuses subject tables with bad indexes, unused entries or duplicates', () => {
    const firstMessage = bodyAt(dataBytes) + 4 + 14 + 10 + 14 + 10;
    expectReason(patched(dataBytes, (v) => v.setUint16(firstMessage + 12, 2, true)), 'badIndex');
    // All three messages on stream 0 leaves stream 1 unused (its startSeq is above their seqs: make it 1).
    const twoStreams = encodeFrame({
      kind: 'data',
      sender,
      streams: [{ subject: 'a', startSeq: 1 }, { subject: 'b', startSeq: 1 }],
      messages: [{ subject: 'a', seq: 1, flags: 0, payload: bytesOf() }, { subject: 'b', seq: 1, flags: 0, payload: bytesOf() }],
    });
    const secondMessage = bodyAt(twoStreams) + 4 + 30 + 16;
    expectReason(patched(twoStreams, (v) => v.setUint16(secondMessage + 12, 0, true)), 'unusedSubject');
    expectReason(patched(twoStreams, (_v, b, x) => (x[b + 4 + 15 + 14] = 0x61)), 'duplicateSubject');

    const rt = encodeFrame({
      kind: 'retransmit',
      sender,
      channelSeq: 1,
      messages: [{ subject: 'a', seq: 1, flags: 0, payload: bytesOf() }, { subject: 'b', seq: 1, flags: 0, payload: bytesOf() }],
      unavailable: [],
    });
    const rtFirst = bodyAt(rt) + 14 + 4;
    expectReason(patched(rt, (v) => v.setUint16(rtFirst + 12, 1, true)), 'badIndex'); // not first-use order
    expectReason(patched(rt, (v) => v.setUint16(rtFirst + 16 + 12, 0, true)), 'unusedSubject');
    expectReason(patched(rt, (_v, b, x) => (x[b + 14 + 3] = 0x61)), 'duplicateSubject');

    const hb = encodeFrame({ kind: 'heartbeat', sender, streams: [{ subject: 'a', startSeq: 1, lowSeq: 1, highSeq: 0 }, { subject: 'b', startSeq: 1, lowSeq: 1, highSeq: 0 }] });
    expectReason(patched(hb, (_v, b, x) => (x[b + 2 + 31 + 30] = 0x61)), 'duplicateSubject');
    const ackBytes = encodeFrame({ ...ack, selective: [], positions: [{ subject: 'a', seq: 1 }, { subject: 'b', seq: 1 }] });
    expectReason(patched(ackBytes, (_v, b, x) => (x[b + 17 + 5 + 10 + 9] = 0x61)), 'duplicateSubject');
    const adv = encodeFrame({ ...advert, patterns: ['a', 'b'] });
    expectReason(patched(adv, (_v, b, x) => (x[b + 26 + 3] = 0x61)), 'duplicateSubject');
  });
});

describe('encoder refusals', () => {
  const throwsRange = (frame: unknown) => expect(() => encodeFrame(frame as Frame)).toThrow(RangeError);

  it('refuses invalid sender names and incarnations', () => {
    for (const name of ['', 'x'.repeat(256), 'é'.repeat(128), '\uD800', 'a\uDC00b']) throwsRange({ kind: 'bye', sender: { name, incarnation: 1 } });
    for (const incarnation of [-1, 2 ** 32, 1.5, NaN]) throwsRange({ kind: 'bye', sender: { name: 'a', incarnation } });
  });

  it('refuses DATA frames whose table and messages disagree', () => {
    const m = { subject: 'a', seq: 1, flags: 0, payload: bytesOf() };
    throwsRange({ kind: 'data', sender, streams: [], messages: [] });
    throwsRange({ kind: 'data', sender, streams: [{ subject: 'b', startSeq: 1 }], messages: [m] });
    throwsRange({ kind: 'data', sender, streams: [{ subject: 'a', startSeq: 1 }, { subject: 'b', startSeq: 1 }], messages: [m] });
    throwsRange({ kind: 'data', sender, streams: [{ subject: 'a', startSeq: 1 }, { subject: 'a', startSeq: 1 }], messages: [m] });
    throwsRange({ kind: 'data', sender, streams: [{ subject: 'a', startSeq: 2 }], messages: [m] });
    throwsRange({ kind: 'data', sender, streams: [{ subject: 'a.*', startSeq: 1 }], messages: [{ ...m, subject: 'a.*' }] });
  });

  it('refuses invalid message fields', () => {
    const frame = (patch: object) => ({
      kind: 'data',
      sender,
      streams: [{ subject: 'a', startSeq: 1 }],
      messages: [{ subject: 'a', seq: 1, flags: 0, payload: bytesOf(), ...patch }],
    });
    for (const seq of [0, MAX + 1, 1.5, -1, NaN]) throwsRange(frame({ seq }));
    for (const flags of [0x10, 0x04, 0x08, -1, 0.5, 0x100]) throwsRange(frame({ flags }));
    for (const replyTo of ['', 'a.>', 'a..b']) throwsRange(frame({ replyTo }));
    expect(() => encodeFrame(frame({ payload: [1, 2] }) as Frame)).toThrow(TypeError);
  });

  it('refuses invalid NAK, ACK, HEARTBEAT, BYE, RETRANSMIT and ADVERT fields', () => {
    throwsRange({ ...nak, ranges: [] });
    throwsRange({ ...nak, ranges: Array.from({ length: 257 }, (_, i) => ({ from: 2 * i + 1, to: 2 * i + 1 })) });
    throwsRange({ ...nak, ranges: [{ from: 5, to: 4 }] });
    throwsRange({ ...nak, ranges: [{ from: 5, to: 6 }, { from: 6, to: 7 }] });
    throwsRange({ ...nak, ranges: [{ from: 7, to: 8 }, { from: 1, to: 2 }] });
    throwsRange({ ...nak, channelSeq: 0 });
    throwsRange({ ...nak, subject: 'a.*' });
    throwsRange({ ...nak, target: { name: '', incarnation: 0 } });
    throwsRange({ ...ack, selective: [41] });
    throwsRange({ ...ack, selective: [45, 44] });
    throwsRange({ ...ack, selective: Array.from({ length: 257 }, (_, i) => 42 + i) });
    throwsRange({ ...ack, positions: [{ subject: 'a', seq: 1 }, { subject: 'a', seq: 2 }] });
    throwsRange({ ...heartbeat, streams: [{ subject: 'a', startSeq: 5, lowSeq: 1, highSeq: 3 }] });
    throwsRange({ ...heartbeat, streams: [{ subject: 'a', startSeq: 1, lowSeq: 5, highSeq: 3 }] });
    throwsRange({ ...heartbeat, streams: [heartbeat.streams[0], heartbeat.streams[0]] });
    throwsRange({ ...bye, streams: [{ subject: 'a', startSeq: 5, lowSeq: 1, highSeq: 3 }] });
    throwsRange({ ...bye, streams: [{ subject: 'a', startSeq: 0, lowSeq: 1, highSeq: 3 }] });
    throwsRange({ ...bye, streams: [{ subject: 'a.>', startSeq: 1, lowSeq: 1, highSeq: 3 }] });
    throwsRange({ ...bye, streams: [heartbeat.streams[0], heartbeat.streams[0]] });
    throwsRange({ ...bye, streams: Array.from({ length: 0x10000 }, (_, i) => ({ subject: `s${i}`, startSeq: 1, lowSeq: 1, highSeq: 0 })) });
    throwsRange({ ...retransmit, channelSeq: -1 });
    throwsRange({ ...retransmit, unavailable: [{ subject: 'a', from: 3, to: 2 }] });
    for (const host of ['01.2.3.4', '256.0.0.1', 'localhost', '1.2.3', '::1', ' 1.2.3.4']) throwsRange({ ...advert, host });
    for (const port of [0, 65536, 1.5]) throwsRange({ ...advert, port });
    throwsRange({ ...advert, flags: 0x08 });
    throwsRange({ ...advert, patterns: ['a', 'a'] });
    throwsRange({ ...advert, patterns: ['a.>.b'] });
  });

  it('refuses frames over the datagram limit and targets that are too small, writing nothing', () => {
    const big: DataFrame = {
      kind: 'data',
      sender,
      streams: [{ subject: 'a', startSeq: 1 }],
      messages: [{ subject: 'a', seq: 1, flags: 0, payload: new Uint8Array(MAX_FRAME_BYTES) }],
    };
    throwsRange(big);
    const target = new Uint8Array(encodedSize(ack) + 4);
    expect(() => encodeFrameInto(target, 5, ack)).toThrow(RangeError);
    expect(() => encodeFrameInto(target, -1, ack)).toThrow(RangeError);
    expect(target.every((b) => b === 0)).toBe(true);
    expect(() => encodeData(new DataView(new ArrayBuffer(10)), 0, data)).toThrow(RangeError);
  });
});

describe('pattern-set fields (ADVERT) and PATTERNS_REQUEST', () => {
  it('refuses set fields that do not fit the patterns carried, and a request for version 0', () => {
    const two = encodeFrame({ ...advert, patterns: ['a', 'b'] });
    // Unversioned: the patterns are the whole set, so setSize must be their count and the rest 0.
    expectReason(patched(two, (v, b) => v.setUint32(b + 14, 3, true)), 'badCount');
    expectReason(patched(two, (v, b) => v.setUint32(b + 18, 5, true)), 'badCount');
    expectReason(patched(two, (v, b) => v.setUint32(b + 22, 1, true)), 'badCount');
    // Versioned: a page must lie inside the set.
    const page = encodeFrame({ ...advert, patterns: ['a', 'b'], setVersion: 4, setSize: 10, setDigest: 9, fromIndex: 8 });
    expect(decodeFrame(page).ok).toBe(true);
    expectReason(patched(page, (v, b) => v.setUint32(b + 22, 9, true)), 'badCount');
    expectReason(patched(page, (v, b) => v.setUint32(b + 14, 9, true)), 'badCount');
    const request = encodeFrame({ kind: 'patternsRequest', sender: advert.sender, targetIncarnation: 1, setVersion: 2, fromIndex: 0 });
    expectReason(patched(request, (v) => v.setUint32(request.length - 8, 0, true)), 'badCount');
    expectReason(request.subarray(0, request.length - 1), 'badLength');
    expect(() => encodeFrame({ kind: 'patternsRequest', sender: advert.sender, targetIncarnation: 1, setVersion: 0, fromIndex: 0 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...advert, patterns: ['a'], setVersion: 1, setSize: 0 })).toThrow(RangeError);
  });
});

describe('PATTERNS_DELTA and PATTERNS_DELTA_REQUEST', () => {
  const delta = { kind: 'patternsDelta', sender: advert.sender, fromVersion: 4, toVersion: 6, setSize: 3, setDigest: 77, added: ['a.*', 'b'], removed: ['c.>'] } as const;

  it('refuses versions that go backwards or start at 0, counts that cannot be, and a pattern twice', () => {
    const bytes = encodeFrame(delta);
    expect(decodeFrame(bytes)).toEqual({ ok: true, frame: delta });
    expectReason(patched(bytes, (v, body) => v.setUint32(body, 0, true)), 'badCount');
    expectReason(patched(bytes, (v, body) => v.setUint32(body + 4, 4, true)), 'badRange'); // toVersion = fromVersion
    expectReason(patched(bytes, (v, body) => v.setUint32(body + 4, 3, true)), 'badRange'); // backwards
    expectReason(patched(bytes, (v, body) => v.setUint32(body + 8, 1, true)), 'badCount'); // fewer in the set than added
    expectReason(patched(bytes, (v, body) => v.setUint32(body + 12, 0, true)), 'badCount'); // digest 0 of a non-empty set
    expectReason(patched(bytes, (v, body) => v.setUint16(body + 16, 3, true)), 'tooShort'); // more patterns than bytes
    expectReason(patched(bytes, (v, body) => v.setUint16(body + 18, 0, true)), 'trailingBytes');
    const twice = encodeFrame({ ...delta, removed: ['c.>', 'd'] });
    // 'd' (last) becomes 'b', already added.
    expectReason(patched(twice, (v) => v.setUint8(twice.length - 1, 0x62)), 'duplicateSubject');
    expectReason(patched(bytes, (v) => v.setUint8(bytes.length - 3, 0x2e)), 'badSubject'); // 'c.>' becomes '..>'
    expect(() => encodeFrame({ ...delta, toVersion: 4 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...delta, fromVersion: 0 })).toThrow(RangeError);
    expect(() => encodeFrame({ ...delta, removed: ['b'] })).toThrow(RangeError);
    expect(() => encodeFrame({ ...delta, setSize: 0, setDigest: 0 })).toThrow(RangeError);
  });

  it('refuses a request from version 0 or not below the version it names', () => {
    const request = encodeFrame({ kind: 'patternsDeltaRequest', sender: advert.sender, targetIncarnation: 1, fromVersion: 2, toVersion: 5 });
    expect(decodeFrame(request).ok).toBe(true);
    expectReason(patched(request, (v) => v.setUint32(request.length - 8, 0, true)), 'badCount');
    expectReason(patched(request, (v) => v.setUint32(request.length - 4, 2, true)), 'badRange');
    expectReason(request.subarray(0, request.length - 1), 'badLength');
    expect(() => encodeFrame({ kind: 'patternsDeltaRequest', sender: advert.sender, targetIncarnation: 1, fromVersion: 5, toVersion: 5 })).toThrow(RangeError);
  });
});
