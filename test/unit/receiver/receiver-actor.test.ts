/**
 * The receiver actor's shell: what it hands the core from a RETRANSMIT (the `retransmitted`
 * message of the retransmit actor), seen from the application's events.
 */
import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/receiver/receiver-actor.js';
import type { ReceiverInbox } from '../../../actors/receiver/messages.js';
import type { Frame, PeerId } from '../../../codecs/frame.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import { startActor, testConfig } from '../actors/send-path-harness.js';

const P: PeerId = { name: 'pub', incarnation: 5 };

async function setup() {
  const { actor, ctx } = await startActor(createActor, 'receiver', testConfig());
  const send = (m: ReceiverInbox) => actor.receive(m);
  send({ kind: 'interest', patterns: ['o.>'] });
  const data = (startSeq: number, seqs: number[]) =>
    send({
      kind: 'datagramIn',
      bytes: encodeFrame({
        kind: 'data',
        sender: P,
        streams: [{ subject: 'o.a', startSeq }],
        messages: seqs.map((seq) => ({ subject: 'o.a', seq, flags: 0, payload: new Uint8Array([seq]) })),
      } as Frame),
      via: 'multicast',
      host: '127.0.0.1',
      port: 1,
    });
  const kinds = (kind: string) => ctx.events.filter((e) => e.kind === kind) as unknown as Record<string, unknown>[];
  const delivered = () => kinds('delivered').flatMap((e) => (e.messages as { seq: number }[]).map((m) => m.seq));
  return { ctx, send, data, kinds, delivered };
}

describe('receiver actor: RETRANSMIT', () => {
  it('reports the ranges a RETRANSMIT says are unavailable as lost and delivers what follows them', async () => {
    const s = await setup();
    s.data(1, [1, 4]); // 2 and 3 are missing
    s.ctx.advanceTo(100);
    expect(s.delivered()).toEqual([1]);
    s.send({ kind: 'retransmitted', sender: P, messages: [], unavailable: [{ subject: 'o.a', from: 2, to: 3 }] });
    expect(s.kinds('dataLoss')).toEqual([{ kind: 'dataLoss', sender: P, subject: 'o.a', from: 2, to: 3, reason: 'unavailable' }]);
    expect(s.delivered()).toEqual([1, 4]);
  });

  it('delivers the messages a RETRANSMIT carries, with those found unavailable, in stream order', async () => {
    const s = await setup();
    s.data(1, [1, 5]);
    s.ctx.advanceTo(100);
    s.send({
      kind: 'retransmitted',
      sender: P,
      messages: [3, 4].map((seq) => ({ subject: 'o.a', seq, flags: 0, payload: new Uint8Array([seq]) })),
      unavailable: [{ subject: 'o.a', from: 2, to: 2 }],
    });
    expect(s.kinds('dataLoss').map((e) => [e.from, e.to, e.reason])).toEqual([[2, 2, 'unavailable']]);
    expect(s.delivered()).toEqual([1, 3, 4, 5]);
  });
});
