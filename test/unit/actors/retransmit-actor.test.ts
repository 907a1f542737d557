import { describe, it, expect } from 'vitest';
import { datagramsOf } from '../../fixtures/unit/datagrams.js';
import { createActor } from '../../../actors/retransmit/retransmit-actor.js';
import type { RetransmitInbox } from '../../../actors/retransmit/messages.js';
import type { ReceiverInbox } from '../../../actors/receiver/messages.js';
import type { FlowInbox } from '../../../actors/flow/messages.js';
import type { Destination, SocketInbox } from '../../../actors/socket/messages.js';
import { GroupMap } from '../../../actors/subjects/group-map.js';
import type { AckFrame, Frame, PeerId, RetransmitFrame, SeqRange, WireMessage } from '../../../codecs/frame.js';
import { encodeFrame, encodedSize } from '../../../codecs/frame-codec.js';
import { SELF, startActor, testConfig, type ConfigOverrides } from './send-path-harness.js';

const A: PeerId = { name: 'a', incarnation: 3 };
const B: PeerId = { name: 'b', incarnation: 4 };

type FrameOut = Extract<SocketInbox, { kind: 'frameOut' }>;

async function setup(o: ConfigOverrides = {}) {
  const config = testConfig(o);
  const { actor, ctx } = await startActor(createActor, 'retransmit', config);
  const send = (msg: RetransmitInbox) => actor.receive(msg);
  /** The port each peer's datagrams come from (127.0.0.1:1 unless {@link listed} gave it one). */
  const ports = new Map<string, number>();
  const datagram = (frame: Frame, via: 'multicast' | 'unicast' = 'unicast') =>
    send({ kind: 'datagramIn', bytes: encodeFrame(frame), via, host: '127.0.0.1', port: ports.get(frame.sender.name) ?? 1 });
  const frames = <K extends Frame['kind']>(kind: K) =>
    ctx
      .to<FrameOut>('socket', 'frameOut')
      .filter((f) => f.frame.kind === kind)
      .map((f) => ({ frame: f.frame as Extract<Frame, { kind: K }>, destination: f.destination }));
  const group = (subject: string): Destination => ({ kind: 'group', group: new GroupMap(config.groupMap).groupForSubject(subject) });
  /** Puts seqs 1..n of `subject` in the window (payload `bytes` each). */
  const publish = (subject: string, n: number, bytes = 10) => {
    const messages: WireMessage[] = [];
    for (let seq = 1; seq <= n; seq++) messages.push({ subject, seq, flags: 0, payload: new Uint8Array(bytes).fill(seq) });
    send({ kind: 'sent', streams: [{ subject, startSeq: 1 }], datagrams: datagramsOf(messages) });
  };
  const nak = (from: PeerId, channelSeq: number, subject: string, ranges: SeqRange[]) =>
    datagram({ kind: 'nak', sender: from, channelSeq, target: SELF, subject, ranges });
  return { config, actor, ctx, send, datagram, frames, group, publish, nak, ports };
}

const seqsOf = (f: RetransmitFrame) => f.messages.map((m) => m.seq);

/**
 * The receivers actor lists `peers` (they advertised), each sending from a port of its own
 * (`sharedPort`: all from that one, as names forged from one socket).
 */
function listed(s: { send: (m: RetransmitInbox) => void; ports: Map<string, number> }, peers: PeerId[], sharedPort?: number): void {
  for (const peer of peers) {
    const port = sharedPort ?? 100 + s.ports.size;
    s.ports.set(peer.name, port);
    s.send({ kind: 'peerSources', peer, sources: [`127.0.0.1:${port}`] });
  }
}

describe('retransmit actor', () => {
  it('acknowledges a NAK at once and serves it by unicast through the asker’s channel after the coalescing delay', async () => {
    const s = await setup();
    s.publish('orders.a', 5);
    s.nak(A, 1, 'orders.a', [{ from: 2, to: 3 }]);
    expect(s.frames('ack')).toEqual([
      { frame: expect.objectContaining({ target: A, cumulativeSeq: 1, selective: [] }), destination: { kind: 'peer', peer: A } },
    ]);
    expect(s.frames('retransmit')).toEqual([]);
    s.ctx.advanceTo(s.config.retransmit.coalesceMs);
    const rt = s.frames('retransmit');
    expect(rt).toHaveLength(1);
    expect(rt[0].destination).toEqual({ kind: 'peer', peer: A });
    expect(rt[0].frame.channelSeq).toBe(1);
    expect(seqsOf(rt[0].frame)).toEqual([2, 3]);
  });

  it('takes a listed peer’s NAK and ACK only from an address it is proven to use (peerSources): others are counted and ignored', async () => {
    const s = await setup();
    s.publish('orders.a', 5);
    s.send({ kind: 'peerSources', peer: A, sources: ['127.0.0.1:1'] }); // the test's datagrams come from 127.0.0.1:1
    s.send({ kind: 'peerSources', peer: B, sources: ['127.0.0.1:7000'] });
    s.nak(A, 1, 'orders.a', [{ from: 2, to: 3 }]);
    s.nak(B, 1, 'orders.a', [{ from: 4, to: 5 }]); // forged: B sends from 127.0.0.1:7000
    s.datagram({ kind: 'ack', sender: B, target: SELF, cumulativeSeq: 0, selective: [], positions: [{ subject: 'orders.a', seq: 2 ** 53 - 1 }] });
    s.ctx.advanceTo(s.config.retransmit.coalesceMs);
    expect(s.frames('ack').map((f) => f.destination)).toEqual([{ kind: 'peer', peer: A }]);
    expect(s.frames('retransmit').map((r) => [r.destination, seqsOf(r.frame)])).toEqual([[{ kind: 'peer', peer: A }, [2, 3]]]);
    expect(s.ctx.to('flow').filter((m) => (m as { kind: string }).kind === 'positions')).toEqual([]);
    expect((s.actor.stats() as { unprovenFrames: number }).unprovenFrames).toBe(2);
    // Gone: its frames are taken from anywhere again (a new incarnation is not listed yet).
    s.send({ kind: 'peerGone', peer: B });
    s.datagram({ kind: 'ack', sender: B, target: SELF, cumulativeSeq: 0, selective: [], positions: [{ subject: 'orders.a', seq: 1 }] });
    expect(s.ctx.to('flow').filter((m) => (m as { kind: string }).kind === 'positions')).toHaveLength(1);
  });

  it('resends a range asked by two peers once, by multicast with channel sequence 0', async () => {
    const s = await setup();
    listed(s, [A, B]);
    s.publish('orders.a', 5);
    s.nak(A, 1, 'orders.a', [{ from: 2, to: 3 }]);
    s.nak(B, 1, 'orders.a', [{ from: 3, to: 3 }]);
    s.ctx.advanceTo(10);
    const rt = s.frames('retransmit');
    expect(rt.map((r) => [r.destination, r.frame.channelSeq, seqsOf(r.frame)])).toEqual([
      [s.group('orders.a'), 0, [3]],
      [{ kind: 'peer', peer: A }, 1, [2]],
    ]);
  });

  it('counts only listed askers towards a multicast resend: NAKs of names nobody advertised are served by unicast, each to its asker', async () => {
    const s = await setup();
    s.publish('orders.a', 5);
    const fakes = [1, 2, 3, 4].map((i): PeerId => ({ name: `fake${i}`, incarnation: 1 }));
    for (const f of fakes) s.nak(f, 1, 'orders.a', [{ from: 1, to: 5 }]);
    s.ctx.advanceTo(10);
    const rt = s.frames('retransmit');
    expect(rt.filter((r) => r.destination.kind === 'group')).toEqual([]);
    expect(rt.map((r) => r.destination)).toEqual(fakes.map((peer) => ({ kind: 'peer', peer })));
  });

  it('counts listed names that NAK from one address as one asker: served by unicast, each to its asker', async () => {
    // Before: 16 names advertised from one socket (maxPeersPerSource) made every range they all
    // NAKed go to the whole group.
    const s = await setup();
    s.publish('orders.a', 5);
    const fakes = [1, 2, 3, 4].map((i): PeerId => ({ name: `fake${i}`, incarnation: 1 }));
    listed(s, fakes, 666);
    for (const f of fakes) s.nak(f, 1, 'orders.a', [{ from: 1, to: 5 }]);
    s.ctx.advanceTo(10);
    const rt = s.frames('retransmit');
    expect(rt.filter((r) => r.destination.kind === 'group')).toEqual([]);
    expect(rt.map((r) => r.destination)).toEqual(fakes.map((peer) => ({ kind: 'peer', peer })));
  });

  it('with multicast off sends a multicast-worthy resend by unicast to each interested unicast target', async () => {
    const s = await setup({ socket: { multicast: false } });
    listed(s, [A, B]);
    s.send({ kind: 'unicastTargets', targets: [{ peer: A, patterns: ['orders.>'] }, { peer: B, patterns: ['orders.a'] }] });
    s.publish('orders.a', 2);
    s.nak(A, 1, 'orders.a', [{ from: 1, to: 1 }]);
    s.nak(B, 1, 'orders.a', [{ from: 1, to: 1 }]);
    s.ctx.advanceTo(10);
    expect(s.frames('retransmit').map((r) => [r.destination, r.frame.channelSeq])).toEqual([
      [{ kind: 'peer', peer: A }, 0],
      [{ kind: 'peer', peer: B }, 0],
    ]);
  });

  it('packs a large resend into RETRANSMIT frames that each fit the datagram size', async () => {
    const s = await setup({ maxDatagramBytes: 500 });
    s.publish('bulk.data', 20, 150);
    s.nak(A, 1, 'bulk.data', [{ from: 1, to: 20 }]);
    s.ctx.advanceTo(10);
    const rt = s.frames('retransmit');
    expect(rt.length).toBeGreaterThan(5);
    for (const r of rt) expect(encodedSize(r.frame)).toBeLessThanOrEqual(500);
    expect(rt.flatMap((r) => seqsOf(r.frame))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(rt.map((r) => r.frame.channelSeq)).toEqual(rt.map((_, i) => i + 1));
  });

  it('reports ranges no longer held as unavailable to the asker', async () => {
    const s = await setup();
    // The stream starts at 5 in this incarnation and only 7 is still held.
    s.send({ kind: 'sent', streams: [{ subject: 'orders.b', startSeq: 5 }], datagrams: datagramsOf([{ subject: 'orders.b', seq: 7, flags: 0, payload: new Uint8Array(1) }], [{ subject: 'orders.b', startSeq: 5 }]) });
    s.nak(A, 1, 'orders.b', [{ from: 5, to: 7 }]);
    s.ctx.advanceTo(10);
    const [rt] = s.frames('retransmit');
    expect(seqsOf(rt.frame)).toEqual([7]);
    expect(rt.frame.unavailable).toEqual([{ subject: 'orders.b', from: 5, to: 6 }]);
  });

  it('forwards a new RETRANSMIT to the receiver once, drops its duplicate, and acknowledges both', async () => {
    const s = await setup();
    const frame: RetransmitFrame = {
      kind: 'retransmit',
      sender: A,
      channelSeq: 1,
      messages: [{ subject: 'x.y', seq: 4, flags: 0, payload: new Uint8Array([1, 2]) }],
      unavailable: [{ subject: 'x.y', from: 1, to: 2 }],
    };
    s.datagram(frame);
    s.datagram(frame);
    const forwarded = s.ctx.to<ReceiverInbox>('receiver');
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]).toMatchObject({ kind: 'retransmitted', sender: A, unavailable: frame.unavailable });
    expect(s.frames('ack').map((a) => a.frame.cumulativeSeq)).toEqual([1, 1]);
    expect(s.actor.stats!()).toMatchObject({ retransmitsForwarded: 1, channels: { duplicatesIn: 1 } });
  });

  it('forwards multicast RETRANSMIT frames (channel sequence 0) without a channel or an ACK', async () => {
    const s = await setup();
    const frame: RetransmitFrame = { kind: 'retransmit', sender: A, channelSeq: 0, messages: [{ subject: 'x.y', seq: 1, flags: 0, payload: new Uint8Array(1) }], unavailable: [] };
    s.datagram(frame, 'multicast');
    s.datagram(frame, 'multicast');
    expect(s.ctx.to('receiver')).toHaveLength(2);
    expect(s.frames('ack')).toEqual([]);
  });

  it('puts our receiver’s latest positions in every ACK to that sender, and ACKs when positions arrive', async () => {
    const s = await setup();
    s.send({ kind: 'positions', sender: A, positions: [{ subject: 'x.y', seq: 7 }, { subject: 'z.w', seq: 2 }] });
    expect(s.frames('ack')).toEqual([
      {
        frame: { kind: 'ack', sender: SELF, target: A, cumulativeSeq: 0, selective: [], positions: [{ subject: 'x.y', seq: 7 }, { subject: 'z.w', seq: 2 }] },
        destination: { kind: 'peer', peer: A },
      },
    ]);
    s.ctx.clear();
    s.datagram({ kind: 'retransmit', sender: A, channelSeq: 1, messages: [], unavailable: [{ subject: 'x.y', from: 1, to: 1 }] });
    expect(s.frames('ack').map((a) => a.frame)).toEqual([
      expect.objectContaining({ cumulativeSeq: 1, positions: [{ subject: 'x.y', seq: 7 }, { subject: 'z.w', seq: 2 }] }),
    ]);
  });

  it('splits positions over several ACK frames when they do not fit one datagram', async () => {
    const s = await setup({ maxDatagramBytes: 300 });
    const positions = Array.from({ length: 40 }, (_, i) => ({ subject: `subject.number.${i}`, seq: i }));
    s.send({ kind: 'positions', sender: A, positions });
    const acks = s.frames('ack').map((a) => a.frame as AckFrame);
    expect(acks.length).toBeGreaterThan(1);
    for (const a of acks) expect(encodedSize(a)).toBeLessThanOrEqual(300);
    expect(acks.flatMap((a) => a.positions)).toEqual(positions);
  });

  it('sends our NAKs reliably: retransmits until the ACK, which also reaches the flow actor with its positions', async () => {
    const s = await setup();
    s.send({ kind: 'nakRequested', target: A, subject: 'p.q', ranges: [{ from: 3, to: 4 }] });
    const naks = s.frames('nak');
    expect(naks).toEqual([
      { frame: { kind: 'nak', sender: SELF, channelSeq: 1, target: A, subject: 'p.q', ranges: [{ from: 3, to: 4 }] }, destination: { kind: 'peer', peer: A } },
    ]);
    const rto = s.config.retransmit.rtoInitialMs;
    s.ctx.advanceTo(rto);
    expect(s.frames('nak')).toHaveLength(2);
    s.datagram({ kind: 'ack', sender: A, target: SELF, cumulativeSeq: 1, selective: [], positions: [{ subject: 'mine.s', seq: 9 }] });
    expect(s.ctx.to<FlowInbox>('flow')).toEqual([{ kind: 'positions', peer: A, positions: [{ subject: 'mine.s', seq: 9 }] }]);
    s.ctx.advanceTo(rto * 20);
    expect(s.frames('nak')).toHaveLength(2);
    expect(s.ctx.timer).toBeUndefined();
  });

  it('ignores NAKs and ACKs addressed to another peer', async () => {
    const s = await setup();
    s.publish('orders.a', 2);
    s.datagram({ kind: 'nak', sender: A, channelSeq: 1, target: B, subject: 'orders.a', ranges: [{ from: 1, to: 1 }] });
    s.ctx.advanceTo(50);
    expect(s.ctx.to('socket').filter((m) => (m as FrameOut).frame.kind !== 'heartbeat')).toEqual([]);
    expect(s.actor.stats!()).toMatchObject({ notForUs: 1 });
  });

  it('sends a HEARTBEAT with the stream’s facts to its group and interested unicast targets once data goes quiet', async () => {
    const s = await setup();
    s.send({ kind: 'unicastTargets', targets: [{ peer: B, patterns: ['orders.*'] }] });
    s.publish('orders.a', 3);
    expect(s.frames('heartbeat')).toEqual([]);
    const minMs = s.config.sender.heartbeatMinMs;
    expect(s.ctx.timer?.atMs).toBe(minMs);
    s.ctx.advanceTo(minMs);
    const hb = s.frames('heartbeat');
    const info = { subject: 'orders.a', startSeq: 1, lowSeq: 1, highSeq: 3 };
    expect(hb).toEqual([
      { frame: { kind: 'heartbeat', sender: SELF, streams: [info] }, destination: s.group('orders.a') },
      { frame: { kind: 'heartbeat', sender: SELF, streams: [info] }, destination: { kind: 'peer', peer: B } },
    ]);
    // Backoff: the next one comes twice as late.
    s.ctx.advanceTo(minMs + 2 * minMs - 1);
    expect(s.frames('heartbeat')).toHaveLength(2);
    s.ctx.advanceTo(minMs + 2 * minMs);
    expect(s.frames('heartbeat')).toHaveLength(4);
  });

  it('on closing sends a last heartbeat naming every active stream’s final seq, then hands the same entries to the receivers actor for its BYE', async () => {
    const s = await setup();
    s.send({ kind: 'unicastTargets', targets: [{ peer: B, patterns: ['orders.b'] }] });
    s.publish('orders.a', 3);
    s.send({ kind: 'sent', streams: [{ subject: 'orders.b', startSeq: 4, ageMs: 50 }], datagrams: datagramsOf([5, 6, 7].map((seq) => ({ subject: 'orders.b', seq, flags: 0, payload: new Uint8Array(1) })), [{ subject: 'orders.b', startSeq: 4, ageMs: 50 }]) });
    s.ctx.nowMs = 30;
    s.send({ kind: 'closing' });
    const a = { subject: 'orders.a', startSeq: 1, lowSeq: 1, highSeq: 3 };
    const b = { subject: 'orders.b', startSeq: 4, lowSeq: 5, highSeq: 7, ageMs: 80 };
    expect(s.group('orders.b')).toEqual(s.group('orders.a')); // one group by default
    expect(s.frames('heartbeat').map((h) => [h.destination, h.frame.streams])).toEqual([
      [s.group('orders.a'), [a, b]],
      [{ kind: 'peer', peer: B }, [b]],
    ]);
    expect(s.ctx.to('receivers')).toEqual([{ kind: 'leaving', streams: [a, b] }]);
    // Each round again, with what the streams are then.
    s.send({ kind: 'closing' });
    expect(s.ctx.to('receivers')).toEqual([{ kind: 'leaving', streams: [a, b] }, { kind: 'leaving', streams: [a, b] }]);
  });

  it('on closing names as each stream’s end the newest seq numbered (the sender’s unsent), sent or not, so receivers report the unsent ones lost', async () => {
    const s = await setup();
    s.publish('orders.a', 3);
    s.send({ kind: 'unsent', streams: [{ subject: 'orders.a', startSeq: 1, highSeq: 5 }, { subject: 'orders.c', startSeq: 1, highSeq: 2 }] });
    s.send({ kind: 'unsent', streams: [{ subject: 'orders.a', startSeq: 1, highSeq: 4 }] }); // never lowers an end
    s.send({ kind: 'closing' });
    const [leaving] = s.ctx.to('receivers') as { kind: string; streams: { subject: string; lowSeq: number; highSeq: number }[] }[];
    // orders.a holds 1..3 and ends at 5: 4 and 5 are beyond what it holds. orders.c was never sent:
    // its entry names 1..2 all the same (the window answers NAKs for them 'unavailable').
    expect(leaving.streams).toEqual([
      { subject: 'orders.a', startSeq: 1, lowSeq: 1, highSeq: 5 },
      { subject: 'orders.c', startSeq: 1, lowSeq: 1, highSeq: 2 },
    ]);
  });

  it('on closing with no stream sent says BYE all the same, naming none', async () => {
    const s = await setup();
    s.send({ kind: 'closing' });
    expect(s.frames('heartbeat')).toEqual([]);
    expect(s.ctx.to('receivers')).toEqual([{ kind: 'leaving', streams: [] }]);
  });

  it('emits a ChannelGaveUpError naming the peer when a NAK is never acknowledged', async () => {
    const s = await setup({ retransmit: { maxAttempts: 2, rtoMinMs: 10, rtoInitialMs: 10, rtoMaxMs: 20 } });
    s.send({ kind: 'nakRequested', target: A, subject: 'p.q', ranges: [{ from: 1, to: 1 }] });
    s.ctx.advanceTo(1000);
    expect(s.frames('nak')).toHaveLength(2);
    expect(s.ctx.events).toEqual([
      {
        kind: 'error',
        error: expect.objectContaining({ name: 'ChannelGaveUpError', code: 'ERR_CHANNEL_GAVE_UP', details: { peer: 'a' } }),
      },
    ]);
    expect(s.actor.stats!()).toMatchObject({ channelsGaveUp: 1 });
  });

  it('says at most 10 channel give-ups a minute as error events, and counts every one', async () => {
    // Forged frames under made-up incarnations open channels that can only give up: a hostile
    // host raised 20-146 such events per peer in 13 s (user-style check, 6 December).
    const s = await setup({ retransmit: { maxAttempts: 2, rtoMinMs: 10, rtoInitialMs: 10, rtoMaxMs: 20 } });
    for (let i = 1; i <= 30; i++) s.send({ kind: 'nakRequested', target: { name: `f${i}`, incarnation: i }, subject: 'p.q', ranges: [{ from: 1, to: 1 }] });
    s.ctx.advanceTo(1000);
    expect(s.ctx.events.filter((e) => e.kind === 'error')).toHaveLength(10);
    expect(s.actor.stats!()).toMatchObject({ channelsGaveUp: 30 });
    // A minute later the budget is whole again.
    s.ctx.advanceTo(61_500);
    s.send({ kind: 'nakRequested', target: { name: 'late', incarnation: 1 }, subject: 'p.q', ranges: [{ from: 1, to: 1 }] });
    s.ctx.advanceTo(63_000);
    expect(s.ctx.events.filter((e) => e.kind === 'error')).toHaveLength(11);
  });

  it('drops a gone peer’s channels: nothing more is retransmitted to it', async () => {
    const s = await setup();
    s.send({ kind: 'nakRequested', target: A, subject: 'p.q', ranges: [{ from: 1, to: 1 }] });
    s.send({ kind: 'peerGone', peer: A });
    s.ctx.advanceTo(10_000);
    expect(s.frames('nak')).toHaveLength(1);
    expect(s.actor.stats!()).toMatchObject({ remotes: 0 });
  });

  it('counts and drops a datagram that does not decode, and frames it does not handle', async () => {
    const s = await setup();
    s.send({ kind: 'datagramIn', bytes: new Uint8Array([1, 2, 3]), via: 'unicast', host: '127.0.0.1', port: 1 });
    s.datagram({ kind: 'bye', sender: A });
    expect(s.ctx.sent.size).toBe(0);
    expect(s.actor.stats!()).toMatchObject({ decodeErrors: { tooShort: 1 }, unexpectedFrames: 1 });
  });

  it('splits a NAK with more ranges than one datagram holds into several NAK frames', async () => {
    const s = await setup({ maxDatagramBytes: 200 });
    const ranges = Array.from({ length: 30 }, (_, i) => ({ from: 10 * i + 1, to: 10 * i + 2 }));
    s.send({ kind: 'nakRequested', target: A, subject: 'p.q', ranges });
    const naks = s.frames('nak').map((n) => n.frame);
    expect(naks.length).toBeGreaterThan(1);
    for (const n of naks) expect(encodedSize(n)).toBeLessThanOrEqual(200);
    expect(naks.flatMap((n) => n.ranges)).toEqual(ranges);
  });

  it('sends a NAK of fragments as a NAK frame with fragment ranges, and serves a received one with exactly those fragments', async () => {
    const s = await setup();
    s.send({ kind: 'nakRequested', target: A, subject: 'p.q', ranges: [{ from: 2, to: 2 }], fragments: [{ seq: 4, fromFrag: 1, toFrag: 2 }] });
    const naks = s.frames('nak').map((n) => n.frame);
    expect(naks.map((n) => [n.ranges, n.fragments])).toEqual([
      [[{ from: 2, to: 2 }], undefined],
      [[], [{ seq: 4, fromFrag: 1, toFrag: 2 }]],
    ]);

    // Message 1 of 'big' went out as 4 fragments; a peer asks for fragments 1 and 3.
    const fragments: WireMessage[] = [0, 1, 2, 3].map((i) => ({
      subject: 'big',
      seq: 1,
      flags: 0x02 | (i === 0 ? 0x04 : 0) | (i === 3 ? 0x08 : 0),
      payload: new Uint8Array(50).fill(i),
      fragIndex: i,
      fragCount: 4,
    }));
    s.send({ kind: 'sent', streams: [{ subject: 'big', startSeq: 1 }], datagrams: datagramsOf(fragments, [{ subject: 'big', startSeq: 1 }]) });
    s.datagram({ kind: 'nak', sender: B, channelSeq: 1, target: SELF, subject: 'big', ranges: [], fragments: [{ seq: 1, fromFrag: 1, toFrag: 1 }, { seq: 1, fromFrag: 3, toFrag: 3 }] });
    s.ctx.advanceTo(s.config.retransmit.coalesceMs);
    const rt = s.frames('retransmit').map((f) => f.frame);
    expect(rt.flatMap((f) => f.messages.map((m) => [m.seq, m.fragIndex, m.payload[0]]))).toEqual([
      [1, 1, 1],
      [1, 3, 3],
    ]);
  });
});
