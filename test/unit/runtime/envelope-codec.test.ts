import { describe, expect, it } from 'vitest';
import { APP_TARGET_INDEX, EnvelopeCodec, PAYLOAD_CODECS } from '../../../runtime/envelope-codec.js';
import { Ring } from '../../../runtime/ring.js';

function roundTrip(payload: unknown, target = 3): { target: number; payload: unknown; codec: number } {
  const codec = new EnvelopeCodec();
  const ring = Ring.create(4096);
  const env = codec.encode(target, payload);
  expect(codec.tryWrite(ring, env)).toBe(true);
  ring.publish();
  let out: { target: number; payload: unknown; codec: number } | undefined;
  ring.read((bytes, offset, length) => {
    out = { target: codec.targetOf(bytes, offset), payload: codec.decodePayload(bytes, offset, length), codec: env.codec };
    bytes.fill(0xee, offset, offset + length); // the ring is reused: decoded values must not alias it
  });
  return out!;
}

describe('EnvelopeCodec', () => {
  it('carries a Uint8Array payload as raw bytes into memory of its own', () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const out = roundTrip(bytes);
    expect(out.codec).toBe(PAYLOAD_CODECS.bytes);
    expect(out.payload).toEqual(bytes);
    expect((out.payload as Uint8Array).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('carries objects with msgpackr, Uint8Array fields included, without aliasing the ring', () => {
    const msg = { kind: 'data', seq: 42, subject: 'a.b', payload: new Uint8Array([9, 8, 7]), big: 2n ** 60n, nested: [1, 'x', null] };
    const out = roundTrip(msg);
    expect(out.codec).toBe(PAYLOAD_CODECS.msgpack);
    expect(out.payload).toEqual(msg);
    expect((out.payload as typeof msg).payload).toBeInstanceOf(Uint8Array);
  });

  it('keeps the target index, including the application target', () => {
    expect(roundTrip('x', 0).target).toBe(0);
    expect(roundTrip('x', 513).target).toBe(513);
    expect(roundTrip('x', APP_TARGET_INDEX).target).toBe(APP_TARGET_INDEX);
  });
});
