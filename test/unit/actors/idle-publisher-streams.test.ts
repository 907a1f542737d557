/**
 * A publisher's idle streams (issue 14: bounded memory per stream): past `activeStreamTtlMs`
 * without data a stream leaves the heartbeats, its facts in the retransmit actor go, the window
 * parks it once it holds nothing and the flow actor parks it when nothing is in flight. What
 * users rely on stays: its next message continues its numbering with the same start and age, a
 * NAK for what the window still holds is served, what it no longer holds is reported
 * unavailable (no silence that would end in a false dataLoss), and nothing is sent twice.
 */
import { describe, it, expect } from 'vitest';
import { datagramsOf } from '../../fixtures/unit/datagrams.js';
import { createActor as createRetransmit } from '../../../actors/retransmit/retransmit-actor.js';
import { createActor as createSender } from '../../../actors/sender/sender-actor.js';
import { createActor as createFlow } from '../../../actors/flow/flow-actor.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import type { SenderInbox } from '../../../actors/sender/messages.js';
import type { FlowInbox } from '../../../actors/flow/messages.js';
import type { SocketInbox } from '../../../actors/socket/messages.js';
import type { Frame, PeerId, SeqRange, StreamStart, WireMessage } from '../../../codecs/frame.js';
import { encodeFrame } from '../../../codecs/frame-codec.js';
import { SELF, dataOutsOf, startActor, testConfig } from './send-path-harness.js';

const A: PeerId = { name: 'a', incarnation: 3 };
const TTL_MS = 1000;

type FrameOut = Extract<SocketInbox, { kind: 'frameOut' }>;

async function retransmit(windowMaxMessages = 1000) {
  const config = testConfig({ sender: { activeStreamTtlMs: TTL_MS, windowMaxMessages } });
  const { actor, ctx } = await startActor(createRetransmit, 'retransmit', config);
  const send = (msg: RetransmitInbox) => actor.receive(msg);
  const frames = <K extends Frame['kind']>(kind: K) =>
    ctx
      .to<FrameOut>('socket', 'frameOut')
      .filter((f) => f.frame.kind === kind)
      .map((f) => f.frame as Extract<Frame, { kind: K }>);
  /** The sender's `sent` for message `seq` of `subject`, its stream entry as the sender makes it. */
  const sent = (subject: string, seq: number, start: StreamStart) => {
    const m: WireMessage = { subject, seq, flags: 0, payload: new Uint8Array(8).fill(seq) };
    send({ kind: 'sent', streams: [start], datagrams: datagramsOf([m], [start]) });
  };
  let channelSeq = 0;
  const nak = (subject: string, ranges: SeqRange[]) =>
    send({
      kind: 'datagramIn',
      bytes: encodeFrame({ kind: 'nak', sender: A, channelSeq: ++channelSeq, target: SELF, subject, ranges }),
      via: 'unicast',
      host: '127.0.0.1',
      port: 1,
    });
  const stats = () => actor.stats?.() as { heartbeats: { activeStreams: number; streamsExpired: number } };
  /** The RETRANSMIT frames to A, each once (a channel resend before A's ACK repeats a frame's channelSeq). */
  const served = () => [...new Map(frames('retransmit').map((f) => [f.channelSeq, f])).values()];
  return { config, ctx, send, frames, sent, nak, stats, served };
}

describe('a publisher’s idle streams', () => {
  it('leave the heartbeats past activeStreamTtlMs; a NAK for a message the window still holds is served, once', async () => {
    const s = await retransmit();
    s.sent('idle.a', 1, { subject: 'idle.a', startSeq: 1, ageMs: 0 });
    s.ctx.advanceTo(5 * TTL_MS);
    expect(s.stats().heartbeats).toMatchObject({ activeStreams: 0, streamsExpired: 1 });
    const heartbeatsBefore = s.frames('heartbeat').length;
    s.nak('idle.a', [{ from: 1, to: 1 }]);
    s.ctx.advanceTo(5 * TTL_MS + 100);
    const resent = s.served().flatMap((f) => f.messages);
    expect(resent.map((m) => [m.subject, m.seq, m.payload[0]])).toEqual([['idle.a', 1, 1]]);
    expect(s.served().flatMap((f) => f.unavailable)).toEqual([]);
    expect(s.frames('heartbeat')).toHaveLength(heartbeatsBefore); // serving does not make it active
  });

  it('announce their age in every heartbeat entry, the last one too', async () => {
    const s = await retransmit();
    s.sent('idle.a', 1, { subject: 'idle.a', startSeq: 1, ageMs: 0 });
    s.ctx.advanceTo(5 * TTL_MS);
    const entries = s.frames('heartbeat').flatMap((f) => f.streams);
    expect(entries.length).toBeGreaterThan(3);
    expect(entries.every((e) => e.startSeq === 1 && e.ageMs !== undefined)).toBe(true);
    expect(s.stats().heartbeats.streamsExpired).toBe(1);
  });

  it('report what a parked stream no longer holds as unavailable, and ignore seqs it never sent', async () => {
    const s = await retransmit(1);
    s.sent('idle.a', 1, { subject: 'idle.a', startSeq: 1, ageMs: 0 });
    s.sent('busy.b', 1, { subject: 'busy.b', startSeq: 1, ageMs: 0 }); // evicts idle.a 1: parked
    s.ctx.advanceTo(5 * TTL_MS);
    s.nak('idle.a', [{ from: 1, to: 3 }]);
    s.ctx.advanceTo(5 * TTL_MS + 100);
    expect(s.served().flatMap((f) => f.messages)).toEqual([]);
    expect(s.served().flatMap((f) => f.unavailable)).toEqual([{ subject: 'idle.a', from: 1, to: 1 }]);
  });

  it('resume with their start seq and age in heartbeats after the next message, served from there', async () => {
    const s = await retransmit(1);
    s.sent('idle.a', 1, { subject: 'idle.a', startSeq: 1, ageMs: 0 });
    s.sent('busy.b', 1, { subject: 'busy.b', startSeq: 1, ageMs: 0 });
    const t = 5 * TTL_MS;
    s.ctx.advanceTo(t);
    s.sent('idle.a', 2, { subject: 'idle.a', startSeq: 1, ageMs: t });
    s.ctx.advanceTo(t + s.config.sender.heartbeatMinMs);
    const entries = s.frames('heartbeat').flatMap((f) => f.streams).filter((e) => e.subject === 'idle.a');
    expect(entries.at(-1)).toEqual({ subject: 'idle.a', startSeq: 1, lowSeq: 2, highSeq: 2, ageMs: t + s.config.sender.heartbeatMinMs });
    s.nak('idle.a', [{ from: 1, to: 2 }]);
    s.ctx.advanceTo(t + 200);
    expect(s.served().flatMap((f) => f.messages).map((m) => m.seq)).toEqual([2]);
    expect(s.served().flatMap((f) => f.unavailable)).toEqual([{ subject: 'idle.a', from: 1, to: 1 }]);
  });

  it('continue their numbering in the sender after any idle time, with their first start seq and age', async () => {
    const { actor, ctx } = await startActor(createSender, 'sender', testConfig({ sender: { activeStreamTtlMs: TTL_MS } }));
    const publish = (batchId: number, subject: string) =>
      actor.receive({ kind: 'published', batchId, items: [{ subject, flags: 0, payload: new Uint8Array(4) }] } satisfies SenderInbox);
    publish(1, 'idle.a');
    publish(2, 'other.b');
    ctx.advanceTo(60 * TTL_MS);
    publish(3, 'idle.a');
    const outs = dataOutsOf(ctx);
    expect(outs.flatMap((o) => o.messages).map((m) => [m.subject, m.seq])).toEqual([
      ['idle.a', 1],
      ['other.b', 1],
      ['idle.a', 2],
    ]);
    expect(outs.at(-1)?.streams).toEqual([{ subject: 'idle.a', startSeq: 1, ageMs: 60 * TTL_MS }]);
  });

  it('park in the flow actor once nothing is in flight, and come back with their receivers at the newest sent seq', async () => {
    const { actor, ctx } = await startActor(createFlow, 'flow', testConfig({ sender: { activeStreamTtlMs: TTL_MS, flowWindowMessages: 10 } }));
    const send = (msg: FlowInbox) => actor.receive(msg);
    const credits = () => ctx.to<Extract<SenderInbox, { kind: 'credit' }>>('sender', 'credit').map((c) => [c.subject, c.maxSeq]);
    const parked = () => (actor.stats?.() as { core: { parkedStreams: number } }).core.parkedStreams;
    send({ kind: 'receiverJoined', peer: A, patterns: ['idle.>'] });
    send({ kind: 'sentUpTo', subject: 'idle.a', fromSeq: 1, seq: 3, bytes: 30 });
    send({ kind: 'sentUpTo', subject: 'idle.b', fromSeq: 1, seq: 3, bytes: 30 });
    send({ kind: 'positions', peer: A, positions: [{ subject: 'idle.a', seq: 3 }, { subject: 'idle.b', seq: 1 }] });
    expect(credits()).toEqual([
      ['idle.a', 10],
      ['idle.b', 10],
      ['idle.a', 13],
      ['idle.b', 11],
    ]);
    ctx.advanceTo(40 * TTL_MS); // every subject looked at, past its TTL
    expect(parked()).toBe(1); // idle.b still has two messages in flight
    // A refresh of the same position says nothing new: still parked, no credit.
    send({ kind: 'positions', peer: A, positions: [{ subject: 'idle.a', seq: 3 }] });
    expect(parked()).toBe(1);
    send({ kind: 'sentUpTo', subject: 'idle.a', fromSeq: 4, seq: 5, bytes: 20 });
    expect(parked()).toBe(0);
    // The receiver counts from 3, where it was: the window is 3 + 10, not unlimited.
    expect(credits().at(-1)).toEqual(['idle.a', 13]);
    send({ kind: 'positions', peer: A, positions: [{ subject: 'idle.a', seq: 5 }] });
    expect(credits().at(-1)).toEqual(['idle.a', 15]);
  });

  it('are named to the retransmit actor, when parked too, for a receiver that joins wanting them (it wakes those that left the heartbeats)', async () => {
    const { actor, ctx } = await startActor(createFlow, 'flow', testConfig({ sender: { activeStreamTtlMs: TTL_MS, flowWindowMessages: 10 } }));
    const send = (msg: FlowInbox) => actor.receive(msg);
    for (const subject of ['idle.a', 'other.b']) send({ kind: 'sentUpTo', subject, fromSeq: 1, seq: 3, bytes: 30 });
    ctx.advanceTo(40 * TTL_MS);
    expect((actor.stats?.() as { core: { parkedStreams: number } }).core.parkedStreams).toBe(2);
    send({ kind: 'receiverJoined', peer: A, patterns: ['idle.>'] });
    expect(ctx.to('retransmit', 'streamsWake')).toEqual([{ kind: 'streamsWake', subjects: ['idle.a'] }]);
  });

  it('come back in the flow actor when a receiver reports a parked stream behind its newest seq, and the credit follows that receiver', async () => {
    const { actor, ctx } = await startActor(createFlow, 'flow', testConfig({ sender: { activeStreamTtlMs: TTL_MS, flowWindowMessages: 10 } }));
    const send = (msg: FlowInbox) => actor.receive(msg);
    const credits = () => ctx.to<Extract<SenderInbox, { kind: 'credit' }>>('sender', 'credit').map((c) => [c.subject, c.maxSeq]);
    const parked = () => (actor.stats?.() as { core: { parkedStreams: number } }).core.parkedStreams;
    send({ kind: 'sentUpTo', subject: 'idle.a', fromSeq: 1, seq: 3, bytes: 30 });
    ctx.advanceTo(40 * TTL_MS);
    expect(parked()).toBe(1);
    send({ kind: 'positions', peer: A, positions: [{ subject: 'idle.a', seq: 2 }] });
    expect(parked()).toBe(0);
    expect(credits().at(-1)).toEqual(['idle.a', 12]);
    // Once it caught up and stayed idle, it parks again.
    send({ kind: 'positions', peer: A, positions: [{ subject: 'idle.a', seq: 3 }] });
    ctx.advanceTo(80 * TTL_MS);
    expect(parked()).toBe(1);
  });
});
