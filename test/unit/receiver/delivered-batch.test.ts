import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { packDelivered, prepareDelivered, unpackDelivered, writeDelivered } from '../../../actors/receiver/delivered-batch.js';
import { DELIVERED_PACKED_PACKER } from '../../../actors/thread-packers.js';
import { createActor } from '../../../actors/receiver/receiver-actor.js';
import type { DeliveredBatch } from '../../../actors/app/events.js';
import type { Frame, PeerId, WireMessage } from '../../../codecs/frame.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import { testConfig } from '../actors/send-path-harness.js';
import { RecordingContext } from '../actors/recording-context.js';

interface Rec {
  sender: PeerId;
  message: WireMessage;
}
const rec = (name: string, incarnation: number, subject: string, seq: number, payload: number[], replyTo?: string, flags = 0): Rec => ({
  sender: { name, incarnation },
  message: { subject, seq, flags, replyTo, payload: new Uint8Array(payload) },
});
/** Packs records given one by one (each its sender and message). */
const pack = (records: readonly Rec[]): Uint8Array =>
  packDelivered(
    records.map((r) => r.sender),
    records.map((r) => r.message),
  );
/** The batch as records again. */
const records = (b: DeliveredBatch): Rec[] => b.messages.map((message, i) => ({ sender: b.senders[i], message }));

describe('packed deliveries (receiver on a worker → application thread)', () => {
  it('gives back every record in order, seqs up to 2^53 - 1, payloads owning their bytes, one PeerId per sender incarnation', () => {
    const given = [
      rec('pub', 4_294_967_295, 'o.a', 1, [1, 2]),
      rec('pub', 4_294_967_295, 'o.a', Number.MAX_SAFE_INTEGER, [], '_INBOX.é', 1),
      rec('pub', 7, 'o.a', 3, new Array(70_000).fill(9)),
    ];
    const back = unpackDelivered(pack(given));
    expect(records(back)).toEqual(given);
    expect(back.senders[0]).toBe(back.senders[1]);
    expect(back.senders[2]).not.toBe(back.senders[0]);
    expect(back.messages[0].payload.buffer.byteLength).toBe(2);
    expect(unpackDelivered(pack([]))).toEqual({ senders: [], messages: [] });
  });

  it('round-trips any batch', () => {
    const name = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
    const subject = fc.stringMatching(/^[a-z0-9]{1,12}(\.[a-z0-9]{1,12}){0,3}$/);
    const arb = fc.record({
      sender: fc.record({ name, incarnation: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
      message: fc.record({
        subject,
        seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        flags: fc.integer({ min: 0, max: 255 }),
        replyTo: fc.option(subject, { nil: undefined }),
        payload: fc.uint8Array({ maxLength: 200 }),
      }),
    });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 40 }), (given) => {
        expect(records(unpackDelivered(pack(given)))).toEqual(given);
      }),
    );
  });

  it('refuses truncated or trailing bytes with a RangeError', () => {
    const packed = pack([rec('p', 1, 's', 1, [1, 2, 3]), rec('p', 1, 't', 2, [4])]);
    for (let cut = 0; cut < packed.byteLength; cut++) expect(() => unpackDelivered(packed.subarray(0, cut))).toThrow(RangeError);
    expect(() => unpackDelivered(new Uint8Array([...packed, 0]))).toThrow(RangeError);
  });

  it('writes the same bytes in place, at any offset of a larger array (a ring record), as packed on their own', () => {
    const senders = [{ name: 'pub-é', incarnation: 9 }, { name: 'p2', incarnation: 1 }];
    const messages = [
      { subject: 'a.b', seq: 2 ** 40, flags: 3, payload: new Uint8Array([1, 2, 3]), replyTo: 'r.x' },
      { subject: 'a.c', seq: 7, flags: 0, payload: new Uint8Array(0) },
    ];
    const own = packDelivered(senders, messages);
    const prepared = prepareDelivered(senders, messages);
    expect(prepared.size).toBe(own.byteLength);
    const ring = new Uint8Array(own.byteLength + 21).fill(0xee);
    writeDelivered(prepared, ring, 11);
    expect(ring.subarray(11, 11 + own.byteLength)).toEqual(own);
    expect([...ring.subarray(0, 11), ...ring.subarray(11 + own.byteLength)].every((b) => b === 0xee)).toBe(true);
  });

  it('a receiver actor on a worker thread emits its deliveries packed, the same records it emits on the application thread', async () => {
    const events = async (thread: string) => {
      const ctx = new RecordingContext('receiver');
      (ctx as unknown as { thread: string }).thread = thread;
      const actor = createActor(testConfig(), ctx);
      await actor.start?.(ctx);
      actor.receive({ kind: 'interest', patterns: ['o.>'] });
      actor.receive({ kind: 'senderAdvertised', peer: { name: 'pub', incarnation: 5 } });
      const frame = { kind: 'data', sender: { name: 'pub', incarnation: 5 }, streams: [{ subject: 'o.a', startSeq: 1 }], messages: [1, 2, 3].map((seq) => ({ subject: 'o.a', seq, flags: 0, payload: new Uint8Array([seq]) })) } as Frame;
      actor.receive({ kind: 'datagramIn', bytes: encodeFrame(frame), via: 'multicast', host: '127.0.0.1', port: 1 });
      return ctx.events as unknown as ({ kind: string; bytes?: Uint8Array } & Partial<DeliveredBatch>)[];
    };
    const onMain = (await events('main')).filter((e) => e.kind === 'delivered').flatMap((e) => records(e as DeliveredBatch));
    const fromWorker = await events('recv');
    expect(fromWorker.some((e) => e.kind === 'delivered')).toBe(false);
    // Through the packer, as into and out of a ring record (at an offset, in a larger array).
    const acrossRing = (e: unknown): Uint8Array => {
      const msg = e as Parameters<typeof DELIVERED_PACKED_PACKER.size>[0];
      const ring = new Uint8Array(DELIVERED_PACKED_PACKER.size(msg) + 13).fill(0xee);
      DELIVERED_PACKED_PACKER.write(msg, ring, 7);
      return (DELIVERED_PACKED_PACKER.read(ring, 7, DELIVERED_PACKED_PACKER.size(msg)) as { bytes: Uint8Array }).bytes;
    };
    const unpacked = fromWorker.filter((e) => e.kind === 'deliveredPacked').flatMap((e) => records(unpackDelivered(acrossRing(e))));
    expect(onMain.map((r) => r.message.seq)).toEqual([1, 2, 3]);
    expect(unpacked).toEqual(onMain.map(({ sender, message: { subject, seq, flags, replyTo, payload } }) => ({ sender, message: { subject, seq, flags, replyTo, payload } })));
  });
});
