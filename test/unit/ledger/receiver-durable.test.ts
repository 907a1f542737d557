import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/receiver/receiver-actor.js';
import type { ReceiverInbox } from '../../../actors/receiver/messages.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import type { Frame, PeerId } from '../../../codecs/frame.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import { startActor, testConfig } from '../actors/send-path-harness.js';

const P: PeerId = { name: 'pub', incarnation: 5 };
type NakRequested = Extract<RetransmitInbox, { kind: 'nakRequested' }>;

async function setup() {
  const config = testConfig();
  const { actor, ctx } = await startActor(createActor, 'receiver', config);
  const send = (m: ReceiverInbox) => actor.receive(m);
  // The publisher advertised, as a peer does before its DATA counts.
  send({ kind: 'senderSources', peer: P, sources: ['127.0.0.1:1'] });
  send({ kind: 'senderListed', peer: P });
  send({ kind: 'senderAdvertised', peer: P });
  const data = (sender: PeerId, subject: string, startSeq: number, seqs: number[]) =>
    send({
      kind: 'datagramIn',
      bytes: encodeFrame({
        kind: 'data',
        sender,
        streams: [{ subject, startSeq }],
        messages: seqs.map((seq) => ({ subject, seq, flags: 0, payload: new Uint8Array([seq]) })),
      } as Frame),
      via: 'multicast',
      host: '127.0.0.1',
      port: 1,
    });
  const delivered = () =>
    ctx.events.filter((e) => e.kind === 'delivered').flatMap((e) => (e as unknown as { messages: { seq: number }[] }).messages.map((m) => m.seq));
  return { config, ctx, send, data, delivered, naks: () => ctx.to<NakRequested>('retransmit', 'nakRequested') };
}

describe('receiver actor: durable resume', () => {
  it('answers durableResumed with durableReady, and a stream first seen afterwards resumes after the stored position', async () => {
    const s = await setup();
    s.send({ kind: 'durableResumed', id: 4, positions: [{ sender: 'pub', subject: 'o.a', seq: 10 }] });
    expect(s.ctx.events).toEqual([{ kind: 'durableReady', id: 4, positions: [{ sender: 'pub', subject: 'o.a', seq: 10 }], handed: [] }]);
    s.send({ kind: 'interest', patterns: ['o.>'] });
    s.data(P, 'o.a', 1, [14]); // the stream began at 1; the subscription stopped after 10
    s.ctx.advanceTo(100);
    expect(s.naks()[0].ranges).toEqual([{ from: 11, to: 13 }]);
    expect(s.delivered()).toEqual([]);
    s.send({
      kind: 'retransmitted',
      sender: P,
      messages: [11, 12, 13].map((seq) => ({ subject: 'o.a', seq, flags: 0, payload: new Uint8Array([seq]) })),
      unavailable: [],
    });
    expect(s.delivered()).toEqual([11, 12, 13, 14]);
  });

  it('resumes a stream two durable subscriptions share from the lower position', async () => {
    const s = await setup();
    s.send({ kind: 'durableResumed', id: 1, positions: [{ sender: 'pub', subject: 'o.a', seq: 20 }] });
    s.send({ kind: 'durableResumed', id: 2, positions: [{ sender: 'pub', subject: 'o.a', seq: 8 }] });
    s.send({ kind: 'durableResumed', id: 3, positions: [{ sender: 'pub', subject: 'o.a', seq: 15 }] });
    s.send({ kind: 'interest', patterns: ['o.>'] });
    s.data(P, 'o.a', 1, [25]);
    s.ctx.advanceTo(100);
    expect(s.naks()[0].ranges).toEqual([{ from: 9, to: 24 }]);
  });

  it('ignores malformed positions but still answers durableReady', async () => {
    const s = await setup();
    s.send({ kind: 'durableResumed', id: 9, positions: [{ sender: 'pub', subject: 'o.a', seq: -1 }, { sender: 3, subject: 'o.b', seq: 1 } as never] });
    expect(s.ctx.events).toEqual([{ kind: 'durableReady', id: 9, positions: [], handed: [] }]);
  });

  it('settles a sender that left by BYE or restart only after a delay, so a restarted sender can still serve the gaps', async () => {
    const s = await setup();
    s.send({ kind: 'interest', patterns: ['o.>'] });
    s.data(P, 'o.a', 1, [1, 2, 5]);
    s.send({ kind: 'senderLeft', senderName: 'pub', incarnation: P.incarnation, cause: 'bye' });
    const deferMs = Math.max(s.config.receiver.resyncGraceMs, s.config.receiverList.peerExpiryMs / 2);
    s.ctx.advanceTo(deferMs - 1);
    expect(s.ctx.events.filter((e) => e.kind === 'dataLoss')).toEqual([]);
    // its new incarnation continues the numbering: the gap is NAKed there, not reported lost
    const P2: PeerId = { name: 'pub', incarnation: 6 };
    s.send({ kind: 'senderAdvertised', peer: P2 }); // its ADVERT: the evidence of the restart
    s.data(P2, 'o.a', 7, [7]);
    s.ctx.advanceTo(deferMs + 100);
    expect(s.ctx.events.filter((e) => e.kind === 'dataLoss')).toEqual([]);
    const toNew = s.naks().filter((n) => n.target.incarnation === P2.incarnation);
    expect(toNew.length).toBeGreaterThan(0);
    expect(toNew.flatMap((n) => n.ranges)).toContainEqual({ from: 3, to: 4 });
  });

  it('reports the gaps of a sender that left and did not come back once the delay is over', async () => {
    const s = await setup();
    s.send({ kind: 'interest', patterns: ['o.>'] });
    s.data(P, 'o.a', 1, [1, 2, 5]);
    s.send({ kind: 'senderLeft', senderName: 'pub', incarnation: P.incarnation, cause: 'bye' });
    s.ctx.advanceTo(10_000);
    expect(s.ctx.events.filter((e) => e.kind === 'dataLoss')).toEqual([
      expect.objectContaining({ kind: 'dataLoss', subject: 'o.a', from: 3, to: 4, reason: 'senderLeft' }),
    ]);
    expect(s.delivered()).toEqual([1, 2, 5]);
  });
});
