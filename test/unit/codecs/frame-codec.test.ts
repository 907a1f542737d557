import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DataFrame, Frame, NakFrame } from '../../../codecs/frame.js';
import { decodeFrame, encodedSize, encodeFrame, encodeFrameInto } from '../../../codecs/frame-codec.js';
import { decodeAck, encodeAck } from '../../../codecs/frames/ack.js';
import { decodeAdvert, encodeAdvert } from '../../../codecs/frames/advert.js';
import { decodeBye, encodeBye } from '../../../codecs/frames/bye.js';
import { decodeData, encodeData } from '../../../codecs/frames/data.js';
import { decodeHeartbeat, encodeHeartbeat } from '../../../codecs/frames/heartbeat.js';
import { decodeNak, encodeNak } from '../../../codecs/frames/nak.js';
import { decodeRetransmit, encodeRetransmit } from '../../../codecs/frames/retransmit.js';
import {
  ack,
  advert,
  allFrames,
  ascii,
  bodyAt,
  bye,
  byeOfStreams,
  bytesOf,
  data,
  heartbeat,
  MAX,
  nak,
  retransmit,
  roundTrip,
  u16,
  u32,
  u64,
} from './frame-fixtures.js';

describe('common header', () => {
  it('lays out magic, version, type, flags, name length, reserved, incarnation and body length as PROTOCOL.md says', () => {
    const bytes = encodeFrame({ kind: 'bye', sender: { name: 'ab', incarnation: 0x01020304 } });
    expect(Array.from(bytes)).toEqual([0x4c, 0x43, 4, 7, 0, 2, 0, 0, 4, 3, 2, 1, 2, 0, 0, 0, 0x61, 0x62, 0, 0]);
  });

  it('carries a 255-byte UTF-8 name, a byte-order mark and NUL unchanged', () => {
    for (const name of ['é'.repeat(127) + 'x', '\uFEFFname', 'a\u0000b', '😀']) {
      roundTrip({ kind: 'bye', sender: { name, incarnation: 1 } });
    }
  });
});

describe('frame layouts', () => {
  it('encodes DATA byte for byte: stream table first, then message records', () => {
    const frame: DataFrame = {
      kind: 'data',
      sender: { name: 'p', incarnation: 2 },
      streams: [{ subject: 'a.b', startSeq: 5, ageMs: 300 }],
      messages: [
        { subject: 'a.b', seq: 5, flags: 1, payload: bytesOf(0xaa, 0xbb) },
        { subject: 'a.b', seq: 6, flags: 0, replyTo: 'r', payload: bytesOf() },
      ],
    };
    const body = [
      ...u16(1), ...u16(2),
      ...u64(5), ...u32(300), 0, 3, ...ascii('a.b'),
      ...u64(5), ...u32(2), ...u16(0), 1, 0, 0xaa, 0xbb,
      ...u64(6), ...u32(0), ...u16(0), 0, 1, ...ascii('r'),
    ];
    const expected = [0x4c, 0x43, 4, 1, 0, 1, 0, 0, ...u32(2), ...u32(body.length), ...ascii('p'), ...body];
    expect(Array.from(encodeFrame(frame))).toEqual(expected);
    expect(decodeFrame(new Uint8Array(expected))).toEqual({ ok: true, frame });
  });

  it('encodes a resumed stream entry with flag bit 0 and its resumedSeq and resumedAgeMs after the subject', () => {
    const frame: DataFrame = {
      kind: 'data',
      sender: { name: 'p', incarnation: 2 },
      streams: [
        { subject: 'a.b', startSeq: 5, ageMs: 300, resumed: { seq: 2, ageMs: 9_000 } },
        { subject: 'c', startSeq: 1 },
      ],
      messages: [
        { subject: 'a.b', seq: 5, flags: 0, payload: bytesOf(0xaa) },
        { subject: 'c', seq: 1, flags: 0, payload: bytesOf() },
      ],
    };
    const body = [
      ...u16(2), ...u16(2),
      ...u64(5), ...u32(300), 1, 3, ...ascii('a.b'), ...u64(2), ...u32(9_000),
      ...u64(1), ...u32(0xffffffff), 0, 1, ...ascii('c'),
      ...u64(5), ...u32(1), ...u16(0), 0, 0, 0xaa,
      ...u64(1), ...u32(0), ...u16(1), 0, 0,
    ];
    const expected = [0x4c, 0x43, 4, 1, 0, 1, 0, 0, ...u32(2), ...u32(body.length), ...ascii('p'), ...body];
    expect(Array.from(encodeFrame(frame))).toEqual(expected);
    expect(decodeFrame(new Uint8Array(expected))).toEqual({ ok: true, frame });
  });

  it('encodes a fragment record with its fragment extension before replyTo and payload', () => {
    const frame: DataFrame = {
      kind: 'data',
      sender: { name: 'p', incarnation: 2 },
      streams: [{ subject: 'a.b', startSeq: 5 }],
      messages: [{ subject: 'a.b', seq: 7, flags: 0x02 | 0x08 | 0x01, replyTo: 'r', payload: bytesOf(0xcc), fragIndex: 2, fragCount: 3 }],
    };
    const body = [
      ...u16(1), ...u16(1),
      ...u64(5), ...u32(0xffffffff), 0, 3, ...ascii('a.b'),
      ...u64(7), ...u32(1), ...u16(0), 0x0b, 1, ...u32(2), ...u32(3), ...ascii('r'), 0xcc,
    ];
    const expected = [0x4c, 0x43, 4, 1, 0, 1, 0, 0, ...u32(2), ...u32(body.length), ...ascii('p'), ...body];
    expect(Array.from(encodeFrame(frame))).toEqual(expected);
    expect(decodeFrame(new Uint8Array(expected))).toEqual({ ok: true, frame });
  });

  it('encodes a NAK of fragments after its whole ranges: seq, fromFrag, toFrag', () => {
    const frame: NakFrame = {
      kind: 'nak',
      sender: { name: 'r', incarnation: 9 },
      channelSeq: 1,
      target: { name: 'pq', incarnation: 7 },
      subject: 's.t',
      ranges: [{ from: 3, to: 4 }],
      fragments: [{ seq: 6, fromFrag: 1, toFrag: 2 }],
    };
    const body = [
      ...u64(1), ...u32(7), ...u16(1), 2, 3, ...u16(1), ...ascii('pq'), ...ascii('s.t'),
      ...u64(3), ...u64(4),
      ...u64(6), ...u32(1), ...u32(2),
    ];
    const expected = [0x4c, 0x43, 4, 3, 0, 1, 0, 0, ...u32(9), ...u32(body.length), ...ascii('r'), ...body];
    expect(Array.from(encodeFrame(frame))).toEqual(expected);
    expect(decodeFrame(new Uint8Array(expected))).toEqual({ ok: true, frame });
  });

  it('encodes NAK byte for byte: target name, subject, then ranges', () => {
    const frame: NakFrame = {
      kind: 'nak',
      sender: { name: 'r', incarnation: 9 },
      channelSeq: 2 ** 32 + 1,
      target: { name: 'pq', incarnation: 7 },
      subject: 's.t',
      ranges: [{ from: 3, to: 4 }],
    };
    const body = [...u64(2 ** 32 + 1), ...u32(7), ...u16(1), 2, 3, ...u16(0), ...ascii('pq'), ...ascii('s.t'), ...u64(3), ...u64(4)];
    const expected = [0x4c, 0x43, 4, 3, 0, 1, 0, 0, ...u32(9), ...u32(body.length), ...ascii('r'), ...body];
    expect(Array.from(encodeFrame(frame))).toEqual(expected);
  });

  it('encodes RETRANSMIT, ACK, HEARTBEAT, BYE and ADVERT bodies byte for byte', () => {
    const s = { name: 'p', incarnation: 1 };
    const expectBody = (frame: Frame, body: number[]) => {
      const bytes = encodeFrame(frame);
      expect(Array.from(bytes.subarray(bodyAt(bytes)))).toEqual(body);
    };
    expectBody(
      { kind: 'retransmit', sender: s, channelSeq: 4, messages: [{ subject: 'b', seq: 2, flags: 0, payload: bytesOf(7) }], unavailable: [{ subject: 'a', from: 1, to: 1 }] },
      [...u64(4), ...u16(2), ...u16(1), ...u16(1), 1, ...ascii('b'), 1, ...ascii('a'),
        ...u64(2), ...u32(1), ...u16(0), 0, 0, 7,
        ...u16(1), ...u64(1), ...u64(1)],
    );
    expectBody(
      { kind: 'ack', sender: s, target: { name: 't', incarnation: 3 }, cumulativeSeq: 8, selective: [10], positions: [{ subject: 'c', seq: 6 }] },
      [...u64(8), ...u32(3), ...u16(1), ...u16(1), 1, ...ascii('t'), ...u64(10), ...u64(6), 1, ...ascii('c')],
    );
    expectBody(
      { kind: 'heartbeat', sender: s, streams: [{ subject: 'h', startSeq: 2, lowSeq: 3, highSeq: 4 }] },
      [...u16(1), ...u64(2), ...u64(3), ...u64(4), ...u32(0xffffffff), 0, 1, ...ascii('h')],
    );
    expectBody(
      { kind: 'heartbeat', sender: s, streams: [{ subject: 'h', startSeq: 2, lowSeq: 3, highSeq: 4, ageMs: 7 }] },
      [...u16(1), ...u64(2), ...u64(3), ...u64(4), ...u32(7), 0, 1, ...ascii('h')],
    );
    expectBody(
      { kind: 'heartbeat', sender: s, streams: [{ subject: 'h', startSeq: 9, lowSeq: 3, highSeq: 9, ageMs: 7, resumed: { seq: 3, ageMs: 60_000 } }] },
      [...u16(1), ...u64(9), ...u64(3), ...u64(9), ...u32(7), 1, 1, ...ascii('h'), ...u64(3), ...u32(60_000)],
    );
    expectBody(
      { kind: 'heartbeat', sender: s, streams: [{ subject: 'h', startSeq: 9, lowSeq: 3, highSeq: 8, resumed: { seq: 3 } }] },
      [...u16(1), ...u64(9), ...u64(3), ...u64(8), ...u32(0xffffffff), 1, 1, ...ascii('h'), ...u64(3), ...u32(0xffffffff)],
    );
    expectBody({ kind: 'bye', sender: s }, [...u16(0)]);
    expectBody(
      { kind: 'bye', sender: s, streams: [{ subject: 'h', startSeq: 2, lowSeq: 3, highSeq: 4, ageMs: 7 }, { subject: 'i', startSeq: 1, lowSeq: 1, highSeq: 0 }] },
      [...u16(2), ...u64(2), ...u64(3), ...u64(4), ...u32(7), 0, 1, ...ascii('h'), ...u64(1), ...u64(1), ...u64(0), ...u32(0xffffffff), 0, 1, ...ascii('i')],
    );
    expectBody(
      { kind: 'advert', sender: s, host: '192.168.0.7', port: 0x1234, flags: 1, patterns: ['a.>'] },
      [192, 168, 0, 7, 0x34, 0x12, 1, 0, ...u16(1), ...u32(0), ...u32(1), ...u32(0), ...u32(0), 3, ...ascii('a.>')],
    );
    expectBody(
      { kind: 'advert', sender: s, host: '127.0.0.9', port: 9, flags: 3, patterns: ['b'], setVersion: 5, setSize: 40, setDigest: 0xabcdef01, fromIndex: 39 },
      [127, 0, 0, 9, 9, 0, 3, 0, ...u16(1), ...u32(5), ...u32(40), ...u32(0xabcdef01), ...u32(39), 1, ...ascii('b')],
    );
    expectBody({ kind: 'patternsRequest', sender: s, targetIncarnation: 7, setVersion: 3, fromIndex: 800 }, [...u32(7), ...u32(3), ...u32(800)]);
    expectBody(
      { kind: 'patternsDelta', sender: s, fromVersion: 3, toVersion: 5, setSize: 40, setDigest: 0xabcdef01, added: ['a.>'], removed: ['b'] },
      [...u32(3), ...u32(5), ...u32(40), ...u32(0xabcdef01), ...u16(1), ...u16(1), 3, ...ascii('a.>'), 1, ...ascii('b')],
    );
    expectBody({ kind: 'patternsDeltaRequest', sender: s, targetIncarnation: 7, fromVersion: 3, toVersion: 9 }, [...u32(7), ...u32(3), ...u32(9)]);
  });
});

describe('BYE', () => {
  it('has the HEARTBEAT body, byte for byte, for the same streams', () => {
    for (const streams of [heartbeat.streams, byeOfStreams.streams!, []]) {
      const hb = encodeFrame({ kind: 'heartbeat', sender: byeOfStreams.sender, streams });
      const b = encodeFrame({ kind: 'bye', sender: byeOfStreams.sender, streams });
      expect(Array.from(b.subarray(bodyAt(b)))).toEqual(Array.from(hb.subarray(bodyAt(hb))));
    }
  });

  it('writes no entry and an empty list alike, and decodes them without streams (one meaning per bytes)', () => {
    const none = encodeFrame(bye);
    expect(encodeFrame({ ...bye, streams: [] })).toEqual(none);
    expect(decodeFrame(none)).toEqual({ ok: true, frame: { kind: 'bye', sender: bye.sender } });
    expect(decodeFrame(encodeFrame(byeOfStreams))).toEqual({ ok: true, frame: byeOfStreams });
  });
});

describe('docs/PROTOCOL.md', () => {
  it('shows in its Examples exactly the bytes the encoder produces', () => {
    const doc = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
    const examples = doc.slice(doc.indexOf('## Examples'));
    const blocks = [...examples.matchAll(/```\n([\s\S]*?)```/g)].map((m) =>
      m[1]
        .split('\n')
        .flatMap((line) => (/^(?:[0-9a-f]{2} )*[0-9a-f]{2}(?= |$)/.exec(line)?.[0].split(' ') ?? []))
        .map((h) => parseInt(h, 16)),
    );
    expect(blocks).toEqual([
      Array.from(encodeFrame({ kind: 'bye', sender: { name: 'ab', incarnation: 0x01020304 } })),
      Array.from(
        encodeFrame({
          kind: 'bye',
          sender: { name: 'ab', incarnation: 0x01020304 },
          streams: [{ subject: 's.t', startSeq: 1, lowSeq: 3, highSeq: 9, ageMs: 300 }],
        }),
      ),
      Array.from(
        encodeFrame({
          kind: 'data',
          sender: { name: 'p', incarnation: 2 },
          streams: [{ subject: 'a.b', startSeq: 5, ageMs: 300 }],
          messages: [
            { subject: 'a.b', seq: 5, flags: 1, payload: bytesOf(0xaa, 0xbb) },
            { subject: 'a.b', seq: 6, flags: 0, replyTo: 'r', payload: bytesOf() },
          ],
        }),
      ),
      Array.from(
        encodeFrame({
          kind: 'nak',
          sender: { name: 'r', incarnation: 9 },
          channelSeq: 2 ** 32 + 1,
          target: { name: 'pq', incarnation: 7 },
          subject: 's.t',
          ranges: [{ from: 3, to: 4 }],
        }),
      ),
    ]);
  });
});

describe('round trips', () => {
  it.each(allFrames.map((f) => [f.kind, f] as const))('decodes an encoded %s frame to the same fields', (_kind, frame) => {
    roundTrip(frame);
  });

  it('round-trips the largest subjects, sequence numbers and incarnations', () => {
    const subject = 'x'.repeat(255);
    roundTrip({
      kind: 'data',
      sender: { name: 'n'.repeat(255), incarnation: 0xffff_ffff },
      streams: [{ subject, startSeq: MAX }],
      messages: [{ subject, seq: MAX, flags: 0x0b, replyTo: subject, payload: new Uint8Array(1000), fragIndex: 0x3fff_ffff, fragCount: 0x4000_0000 }],
    });
  });

  it('returns payloads as views into the datagram, not copies', () => {
    const bytes = encodeFrame(data);
    const result = decodeFrame(bytes);
    if (!result.ok || result.frame.kind !== 'data') throw new Error('expected data');
    const payload = result.frame.messages[0].payload;
    expect(payload.buffer).toBe(bytes.buffer);
    bytes[bytes.length - 1] = 0x77;
    expect(result.frame.messages[2].payload[0]).toBe(0x77);
  });

  it('decodes a datagram that sits at an offset of a larger buffer', () => {
    const bytes = encodeFrame(nak);
    const big = new Uint8Array(bytes.length + 20).fill(0xff);
    big.set(bytes, 7);
    expect(decodeFrame(big.subarray(7, 7 + bytes.length))).toEqual({ ok: true, frame: nak });
  });

  it('decodes a datagram held in a SharedArrayBuffer (a cross-thread ring), non-ASCII names included', () => {
    for (const frame of allFrames) {
      const bytes = encodeFrame(frame);
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 8), 8);
      shared.set(bytes);
      expect(decodeFrame(shared)).toEqual({ ok: true, frame });
    }
  });

  it('encodes and decodes with the per-frame functions at an offset of a DataView', () => {
    const pairs = [
      [data, encodeData, decodeData],
      [heartbeat, encodeHeartbeat, decodeHeartbeat],
      [nak, encodeNak, decodeNak],
      [retransmit, encodeRetransmit, decodeRetransmit],
      [ack, encodeAck, decodeAck],
      [advert, encodeAdvert, decodeAdvert],
      [bye, encodeBye, decodeBye],
      [byeOfStreams, encodeBye, decodeBye],
    ] as const;
    for (const [frame, encode, decode] of pairs) {
      const view = new DataView(new ArrayBuffer(1024));
      const end = (encode as (v: DataView, o: number, f: Frame) => number)(view, 5, frame);
      expect(end - 5).toBe(encodedSize(frame));
      expect((decode as (v: DataView, o: number, l: number) => unknown)(view, 5, end - 5)).toEqual({ ok: true, frame });
      // Any other frame type handed to this decoder is refused.
      const other = frame.kind === 'bye' ? nak : bye;
      expect((decode as (v: DataView, o: number, l: number) => unknown)(new DataView(encodeFrame(other).buffer), 0, encodedSize(other))).toEqual({ ok: false, reason: 'unknownType' });
    }
  });

  it('encodeFrameInto writes at the offset and reports the byte count', () => {
    const target = new Uint8Array(200).fill(0xee);
    const written = encodeFrameInto(target, 10, ack);
    expect(written).toBe(encodedSize(ack));
    expect(target.subarray(10, 10 + written)).toEqual(encodeFrame(ack));
    expect(target[9]).toBe(0xee);
    expect(target[10 + written]).toBe(0xee);
  });
});
