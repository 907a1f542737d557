import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DATAGRAM_IN_PACKER, DATAGRAMS_OUT_PACKER, DELIVERED_PACKED_PACKER, PUBLISHED_PACKED_PACKER } from '../../actors/thread-packers.js';
import type { Destination } from '../../actors/socket/messages.js';
import { packPublishItems, preparePublishItems } from '../../actors/sender/publish-batch.js';
import { packDelivered, prepareDelivered } from '../../actors/receiver/delivered-batch.js';
import { APP_TARGET_INDEX, EnvelopeCodec, PAYLOAD_CODECS } from '../../runtime/envelope-codec.js';
import { packerOfId, packerOfKind, registerPayloadPacker, type PayloadPacker } from '../../runtime/payload-packers.js';
import { Ring } from '../../runtime/ring.js';

/** Through a real ring, as between two threads; the ring's bytes are overwritten after the read. */
function acrossRing(payload: unknown, target = 7, codec = new EnvelopeCodec()): { payload: unknown; codec: number } {
  const ring = Ring.create(1 << 20);
  const env = codec.encode(target, payload);
  expect(codec.tryWrite(ring, env)).toBe(true);
  ring.publish();
  let out: unknown;
  ring.read((bytes, offset, length) => {
    out = codec.decodePayload(bytes, offset, length);
    bytes.fill(0xee, offset, offset + length);
  });
  return { payload: out, codec: env.codec };
}

const name = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
const destination: fc.Arbitrary<Destination> = fc.oneof(
  fc.record({ kind: fc.constant('group' as const), group: fc.ipV4() }),
  fc.record({ kind: fc.constant('peer' as const), peer: fc.record({ name, incarnation: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }) }),
  fc.record({ kind: fc.constant('address' as const), host: fc.oneof(fc.ipV4(), fc.ipV6()), port: fc.integer({ min: 0, max: 65_535 }) }),
);
const bytes = (max: number) => fc.uint8Array({ maxLength: max });

describe('data-path messages across threads (actors/thread-packers.ts)', () => {
  it('datagramsOut: every datagram and destination arrives as sent, in memory of its own', () => {
    fc.assert(
      fc.property(fc.array(bytes(9000), { minLength: 1, maxLength: 8 }), fc.array(destination, { maxLength: 5 }), (datagrams, destinations) => {
        const msg = { kind: 'datagramsOut' as const, datagrams, destinations };
        const out = acrossRing(msg);
        expect(out.codec).toBe(DATAGRAMS_OUT_PACKER.id);
        expect(out.payload).toEqual(msg);
        for (const d of (out.payload as typeof msg).datagrams) expect(d.buffer).not.toBe(datagrams[0].buffer);
      }),
      { numRuns: 60 },
    );
  });

  it("datagramsOut: the sender hears (onCopied) once its bytes are in the ring, not before, and the callback does not cross", () => {
    const codec = new EnvelopeCodec();
    const ring = Ring.create(4096);
    let copied = 0;
    const msg = { kind: 'datagramsOut' as const, datagrams: [new Uint8Array(3000).fill(1)], destinations: [], onCopied: () => copied++ };
    expect(codec.tryWrite(ring, codec.encode(1, msg))).toBe(true);
    expect(copied).toBe(1);
    // No room for a second one: nothing copied, no call (the channel keeps it and writes it later).
    expect(codec.tryWrite(ring, codec.encode(1, msg))).toBe(false);
    expect(copied).toBe(1);
    ring.publish();
    let out: unknown;
    ring.read((bytes, offset, length) => {
      out = codec.decodePayload(bytes, offset, length);
    });
    expect(out).toEqual({ kind: 'datagramsOut', datagrams: msg.datagrams, destinations: [] });
  });

  it('datagramIn: bytes, via, host and port arrive as sent', () => {
    fc.assert(
      fc.property(bytes(66_000), fc.constantFrom('multicast' as const, 'unicast' as const), fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 65_535 }), (b, via, host, port) => {
        const msg = { kind: 'datagramIn' as const, bytes: b, via, host, port };
        const out = acrossRing(msg);
        expect(out.codec).toBe(DATAGRAM_IN_PACKER.id);
        expect(out.payload).toEqual(msg);
      }),
      { numRuns: 60 },
    );
  });

  it('publishedPacked and deliveredPacked keep batchId, echo (absent, false or true) and bytes', () => {
    for (const echo of [undefined, false, true]) {
      const msg = echo === undefined ? { kind: 'publishedPacked', batchId: 2 ** 40 + 3, bytes: new Uint8Array([1, 2, 3]) } : { kind: 'publishedPacked', batchId: 9, bytes: new Uint8Array(300).fill(5), echo };
      const out = acrossRing(msg);
      expect(out.codec).toBe(PUBLISHED_PACKED_PACKER.id);
      expect(out.payload).toEqual(msg);
    }
    const delivered = { kind: 'deliveredPacked', bytes: new Uint8Array(5000).map((_, i) => i & 0xff) };
    expect(acrossRing(delivered)).toEqual({ payload: delivered, codec: DELIVERED_PACKED_PACKER.id });
  });

  it("an actor's event for the application thread carrying a packed message (deliveries) goes without msgpack, actor and bytes kept", () => {
    const codec = new EnvelopeCodec(); // one per thread: the actor name read last is kept
    for (const [actor, size] of [['receiver', 5000], ['receiver', 0], ['rcv-é', 17], ['receiver', 64]] as const) {
      const notice = { kind: 'event', actor, event: { kind: 'deliveredPacked', bytes: new Uint8Array(size).map((_, i) => (i * 7) & 0xff) } };
      expect(acrossRing(notice, APP_TARGET_INDEX, codec)).toEqual({ payload: notice, codec: PAYLOAD_CODECS.packedEvent });
    }
    // Events without a packer, errors, and packed messages to an actor go as before.
    const loss = { kind: 'event', actor: 'receiver', event: { kind: 'dataLoss', from: 1, to: 3 } };
    expect(acrossRing(loss, APP_TARGET_INDEX, codec)).toEqual({ payload: loss, codec: PAYLOAD_CODECS.msgpack });
    const error = { kind: 'error', actor: 'receiver', error: { name: 'Error', message: 'x' } };
    expect(acrossRing(error, APP_TARGET_INDEX, codec)).toEqual({ payload: error, codec: PAYLOAD_CODECS.msgpack });
    const longName = { kind: 'event', actor: 'a'.repeat(256), event: { kind: 'deliveredPacked', bytes: new Uint8Array([1]) } };
    expect(acrossRing(longName, APP_TARGET_INDEX, codec)).toEqual({ payload: longName, codec: PAYLOAD_CODECS.msgpack });
    // Truncated, or naming a packer this thread lacks: an error, not a message.
    const record = new Uint8Array([0xff, 0xff, PAYLOAD_CODECS.packedEvent, 3, 0x61, 0x62, 0x63, 250, 1]);
    expect(() => codec.decodePayload(record, 0, record.length)).toThrow(/no payload packer 250/);
    expect(() => codec.decodePayload(record, 0, 6)).toThrow(/truncated/);
  });

  it('a publish batch or deliveries measured for packing are written into the record as packing them would, and read back as bytes', () => {
    const items = [
      { subject: 'p.q', flags: 1, payload: new Uint8Array([1, 2, 3]) },
      { subject: 'p.é', flags: 0, payload: new Uint8Array(700).fill(9), replyTo: '_INBOX.x' },
    ];
    for (const echo of [undefined, true]) {
      const prepared = { kind: 'publishedPacked', batchId: 12, batch: preparePublishItems(items), ...(echo === undefined ? {} : { echo }) };
      const packed = { kind: 'publishedPacked', batchId: 12, bytes: packPublishItems(items), ...(echo === undefined ? {} : { echo }) };
      expect(acrossRing(prepared)).toEqual({ payload: packed, codec: PUBLISHED_PACKED_PACKER.id });
    }
    const senders = [{ name: 'a', incarnation: 3 }];
    const messages = [{ subject: 'd.e', seq: 5, flags: 0, payload: new Uint8Array([4, 5]) }];
    expect(acrossRing({ kind: 'deliveredPacked', batch: prepareDelivered(senders, messages) })).toEqual({ payload: { kind: 'deliveredPacked', bytes: packDelivered(senders, messages) }, codec: DELIVERED_PACKED_PACKER.id });
  });

  it('other messages still go as msgpack', () => {
    const msg = { kind: 'frameOut', frame: { type: 'ack' }, destination: { kind: 'group', group: '239.1.2.3' } };
    expect(acrossRing(msg)).toEqual({ payload: msg, codec: PAYLOAD_CODECS.msgpack });
  });

  it('bytes no packer wrote are refused with an error, not read as a message', () => {
    const truncations: [PayloadPacker<any>, unknown][] = [
      [DATAGRAMS_OUT_PACKER, { kind: 'datagramsOut', datagrams: [new Uint8Array(40)], destinations: [{ kind: 'group', group: '239.0.0.1' }] }],
      [DATAGRAM_IN_PACKER, { kind: 'datagramIn', bytes: new Uint8Array(10), via: 'unicast', host: '127.0.0.1', port: 9 }],
      [PUBLISHED_PACKED_PACKER, { kind: 'publishedPacked', batchId: 1, bytes: new Uint8Array(0) }],
    ];
    for (const [packer, msg] of truncations) {
      const size = packer.size(msg);
      const b = new Uint8Array(size);
      packer.write(msg, b, 0);
      // Cut inside the header part: a length or a string no longer fits.
      const cut = packer === DATAGRAMS_OUT_PACKER ? 6 : packer === DATAGRAM_IN_PACKER ? 2 : 5;
      expect(() => packer.read(b, 0, cut)).toThrow(RangeError);
    }
    const out = new Uint8Array(DATAGRAMS_OUT_PACKER.size(truncations[0][1] as never));
    DATAGRAMS_OUT_PACKER.write(truncations[0][1] as never, out, 0);
    expect(() => DATAGRAMS_OUT_PACKER.read(out, 0, out.length - 1)).toThrow(/lengths say/);
    out[0] = 1;
    out[1] = 9; // unknown destination tag
    expect(() => DATAGRAMS_OUT_PACKER.read(out, 0, out.length)).toThrow(/destination tag/);
    const codec = new EnvelopeCodec();
    const record = new Uint8Array([7, 0, 250, 1, 2]);
    expect(() => codec.decodePayload(record, 0, record.length)).toThrow(/no payload packer 250/);
  });

  it('a packer id or kind is registered once', () => {
    expect(packerOfKind('datagramsOut')).toBe(DATAGRAMS_OUT_PACKER);
    expect(packerOfId(3)).toBe(DATAGRAM_IN_PACKER);
    expect(registerPayloadPacker(DATAGRAM_IN_PACKER)).toBe(DATAGRAM_IN_PACKER);
    const other = { ...DELIVERED_PACKED_PACKER, kind: 'somethingElse' as 'deliveredPacked' };
    expect(() => registerPayloadPacker(other)).toThrow(/id 5 is taken/);
    expect(() => registerPayloadPacker({ ...DELIVERED_PACKED_PACKER, id: 77 })).toThrow(/already has payload packer 5/);
    expect(() => registerPayloadPacker({ ...DELIVERED_PACKED_PACKER, id: 1 })).toThrow(/2\.\.254/);
  });
});
