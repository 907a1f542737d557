// Hand-written frames and byte-patching helpers shared by the frame codec tests.

import { expect } from 'vitest';
import type { DecodeErrorReason } from '../../../codecs/decode-result.js';
import type {
  AckFrame,
  AdvertFrame,
  ByeFrame,
  DataFrame,
  Frame,
  HeartbeatFrame,
  NakFrame,
  RetransmitFrame,
} from '../../../codecs/frame.js';
import { decodeFrame, encodedSize, encodeFrame } from '../../../codecs/frame-codec.js';
import { BODY_LENGTH_OFFSET } from '../../../codecs/frames/header.js';

export const MAX = Number.MAX_SAFE_INTEGER;
export const sender = { name: 'pub-1', incarnation: 0xdeadbeef };
export const bytesOf = (...values: number[]) => new Uint8Array(values);
export const u16 = (v: number) => [v & 0xff, (v >>> 8) & 0xff];
export const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const u64 = (v: number) => [...u32(v >>> 0), ...u32(Math.floor(v / 2 ** 32))];
export const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** Offset of the first body byte of an encoded frame. */
export const bodyAt = (bytes: Uint8Array) => 16 + bytes[5];

export function expectReason(bytes: Uint8Array, reason: DecodeErrorReason): void {
  expect(decodeFrame(bytes)).toEqual({ ok: false, reason });
}

/** A copy of `bytes` with `patch(view, body)` applied. */
export function patched(bytes: Uint8Array, patch: (view: DataView, body: number, b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  patch(new DataView(copy.buffer), bodyAt(copy), copy);
  return copy;
}

/** `bytes` with `extra` appended and bodyLength kept consistent. */
export function withTrailing(bytes: Uint8Array, ...extra: number[]): Uint8Array {
  const copy = new Uint8Array([...bytes, ...extra]);
  new DataView(copy.buffer).setUint32(BODY_LENGTH_OFFSET, copy.length - bodyAt(copy), true);
  return copy;
}

export function roundTrip(frame: Frame): Uint8Array {
  const bytes = encodeFrame(frame);
  expect(bytes.length).toBe(encodedSize(frame));
  expect(decodeFrame(bytes)).toEqual({ ok: true, frame });
  return bytes;
}

export const data: DataFrame = {
  kind: 'data',
  sender,
  streams: [
    { subject: 'md.eq.AAPL', startSeq: 1 },
    { subject: 'md.eq.MSFT', startSeq: 2 ** 40 },
  ],
  messages: [
    { subject: 'md.eq.AAPL', seq: 1, flags: 0, payload: bytesOf(1, 2, 3) },
    { subject: 'md.eq.MSFT', seq: 2 ** 40 + 5, flags: 0x01, replyTo: '_INBOX.x1', payload: bytesOf() },
    { subject: 'md.eq.AAPL', seq: 2, flags: 0x02 | 0x04, payload: bytesOf(9), fragIndex: 0, fragCount: 3 },
  ],
};
export const heartbeat: HeartbeatFrame = {
  kind: 'heartbeat',
  sender,
  streams: [
    { subject: 'a', startSeq: 1, lowSeq: 1, highSeq: 0 },
    { subject: 'b.c', startSeq: 100, lowSeq: 7, highSeq: MAX },
  ],
};
export const nak: NakFrame = {
  kind: 'nak',
  sender,
  channelSeq: 3,
  target: { name: 'Zürich-7', incarnation: 0 },
  subject: 'orders.eu',
  ranges: [
    { from: 5, to: 5 },
    { from: 7, to: 9 },
    { from: MAX - 1, to: MAX },
  ],
};
/** A NAK for whole messages and for some fragments of messages partly received. */
export const nakOfFragments: NakFrame = {
  kind: 'nak',
  sender,
  channelSeq: 4,
  target: { name: 'Zürich-7', incarnation: 0 },
  subject: 'orders.eu',
  ranges: [{ from: 5, to: 6 }],
  fragments: [
    { seq: 7, fromFrag: 0, toFrag: 0 },
    { seq: 7, fromFrag: 3, toFrag: 9 },
    { seq: 12, fromFrag: 2, toFrag: 2 },
  ],
};
export const retransmit: RetransmitFrame = {
  kind: 'retransmit',
  sender,
  channelSeq: 0,
  messages: [
    { subject: 'x.y', seq: 10, flags: 0x02 | 0x08, payload: bytesOf(4, 5), fragIndex: 4, fragCount: 5 },
    { subject: 'q', seq: 11, flags: 0, replyTo: 'r.s', payload: bytesOf(6) },
  ],
  unavailable: [
    { subject: 'z', from: 1, to: 4 },
    { subject: 'x.y', from: 1, to: 9 },
  ],
};
export const ack: AckFrame = {
  kind: 'ack',
  sender,
  target: { name: 'sub-2', incarnation: 12 },
  cumulativeSeq: 41,
  selective: [43, 44, 50],
  positions: [
    { subject: 'a.b', seq: 0 },
    { subject: 'c', seq: MAX },
  ],
};
export const advert: AdvertFrame = {
  kind: 'advert',
  sender,
  host: '10.0.255.1',
  port: 65535,
  flags: 0x03,
  patterns: ['md.*.AAPL', 'orders.>', '>', '*', 'exact.subject'],
};
export const bye: ByeFrame = { kind: 'bye', sender };
/** A BYE naming each stream's final state (the HEARTBEAT entries), one with an age. */
export const byeOfStreams: ByeFrame = {
  kind: 'bye',
  sender,
  streams: [
    { subject: 'a', startSeq: 1, lowSeq: 1, highSeq: 0 },
    { subject: 'b.c', startSeq: 100, lowSeq: 7, highSeq: MAX, ageMs: 0xffff_fffe },
  ],
};
export const allFrames: Frame[] = [data, heartbeat, nak, retransmit, ack, advert, bye, byeOfStreams];
