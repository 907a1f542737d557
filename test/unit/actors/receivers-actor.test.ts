import { describe, it, expect } from 'vitest';
import { createActor } from '../../../actors/membership/receivers-actor.js';
import { ADVERT_FLAGS, decodeFrame, encodeFrame } from '../../../codecs/index.js';
import type { AdvertFrame, Frame, PeerId } from '../../../codecs/index.js';
import type { Destination } from '../../../actors/socket/messages.js';
import type { ReceiversInbox } from '../../../actors/membership/messages.js';
import type { UnicastTarget } from '../../../actors/sender/messages.js';
import { RecordingContext, peerConfig, type TestConfigOptions } from './recording-context.js';

const BASE = '239.255.20.1';
const ME = { host: '127.0.0.1', port: 47800 };
const A: PeerId = { name: 'a', incarnation: 1 };
const B: PeerId = { name: 'b', incarnation: 1 };

type SocketMsg =
  | { kind: 'frameOut'; frame: Frame; destination: Destination }
  | { kind: 'peerAddress'; peer: PeerId; host?: string; port?: number };

function setup(o: TestConfigOptions = {}) {
  const config = peerConfig({ groupMap: { baseGroup: BASE }, advertIntervalMs: 1000, ...o });
  const ctx = new RecordingContext('receivers');
  const actor = createActor(config, ctx);
  actor.start!(ctx);
  const send = (msg: ReceiversInbox): void => actor.receive(msg);
  return { ctx, actor, config, send };
}

/** Sets up with our address known and the first adverts already taken. */
function started(o: TestConfigOptions = {}) {
  const s = setup(o);
  s.send({ kind: 'localAddress', ...ME });
  s.ctx.take('socket');
  return s;
}

function advertBytes(sender: PeerId, patterns: string[], o: { multicast?: boolean; port?: number; viaUnicast?: boolean } = {}) {
  const frame: AdvertFrame = {
    kind: 'advert',
    sender,
    host: '127.0.0.1',
    port: o.port ?? 41000 + sender.name.charCodeAt(0),
    flags: (o.multicast === false ? 0 : ADVERT_FLAGS.multicast) | (o.viaUnicast ? ADVERT_FLAGS.viaUnicast : 0),
    patterns,
  };
  return encodeFrame(frame);
}

function advertIn(sender: PeerId, patterns: string[], via: 'multicast' | 'unicast', o: { multicast?: boolean; port?: number } = {}): ReceiversInbox {
  return { kind: 'datagramIn', bytes: advertBytes(sender, patterns, { ...o, viaUnicast: via === 'unicast' }), via, host: '127.0.0.1', port: 5 };
}

const frames = (msgs: SocketMsg[]) =>
  msgs.filter((m): m is Extract<SocketMsg, { kind: 'frameOut' }> => m.kind === 'frameOut');

describe('receivers actor: advertising', () => {
  it('advertises at once when its address is known: to the base group with the multicast flag, and by unicast to seeds but itself', () => {
    const { ctx, send } = setup({ seeds: [ME, { host: '127.0.0.1', port: 47900 }] });
    expect(ctx.take('socket')).toEqual([]); // no address yet: nothing to advertise
    send({ kind: 'localAddress', ...ME });
    const out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => m.destination)).toEqual([
      { kind: 'group', group: BASE },
      { kind: 'address', host: '127.0.0.1', port: 47900 },
    ]);
    // The first advert solicits: every peer answers at once.
    expect(out[0].frame).toEqual({
      kind: 'advert',
      sender: { name: 'me', incarnation: 1 },
      ...ME,
      flags: ADVERT_FLAGS.multicast | ADVERT_FLAGS.solicit,
      patterns: [],
      setVersion: 1,
      setSize: 0,
      setDigest: 0,
      fromIndex: 0,
    });
    expect((out[1].frame as AdvertFrame).flags).toBe(ADVERT_FLAGS.multicast | ADVERT_FLAGS.viaUnicast | ADVERT_FLAGS.solicit);
    // Whatever we send must encode.
    for (const m of out) expect(decodeFrame(encodeFrame(m.frame)).ok).toBe(true);
  });

  it('advertises again every advertIntervalMs, and at once with the new patterns when they change', () => {
    const { ctx, send } = started();
    ctx.advance(999);
    expect(ctx.take('socket')).toEqual([]);
    ctx.advance(1);
    expect(frames(ctx.take<SocketMsg>('socket'))).toHaveLength(1);
    ctx.advance(300);
    send({ kind: 'localPatterns', patterns: ['orders.>'] });
    const out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => (m.frame as AdvertFrame).patterns)).toEqual([['orders.>']]);
    ctx.advance(999);
    expect(ctx.take('socket')).toEqual([]);
    ctx.advance(1);
    expect(frames(ctx.take<SocketMsg>('socket'))).toHaveLength(1);
  });

  it('advertises a set of 100,000 patterns by version only, and serves it in pages that fit a datagram and cover it', () => {
    const { ctx, send, config } = setup();
    const patterns = Array.from({ length: 100_000 }, (_, i) => `pat.s${i}`);
    // Subscriptions may come before the socket reports our address.
    send({ kind: 'localPatterns', patterns });
    send({ kind: 'localAddress', ...ME });
    const first = frames(ctx.take<SocketMsg>('socket'))[0].frame as AdvertFrame;
    expect(first).toMatchObject({ patterns: [], setSize: 100_000, fromIndex: 0 });
    expect(encodeFrame(first).byteLength).toBeLessThanOrEqual(200);
    const got: string[] = [];
    for (let pages = 0; got.length < 100_000 && pages < 3000; pages++) {
      const request = encodeFrame({ kind: 'patternsRequest', sender: A, targetIncarnation: 1, setVersion: first.setVersion!, fromIndex: got.length });
      send({ kind: 'datagramIn', bytes: request, via: 'unicast', host: '127.0.0.1', port: 5 });
      const [answer] = frames(ctx.take<SocketMsg>('socket'));
      expect(answer.destination).toEqual({ kind: 'address', host: '127.0.0.1', port: 5 });
      expect(encodeFrame(answer.frame).byteLength).toBeLessThanOrEqual(config.maxDatagramBytes);
      const page = answer.frame as AdvertFrame;
      expect(page.fromIndex).toBe(got.length);
      got.push(...page.patterns);
      ctx.advance(1);
    }
    expect(got).toEqual([...patterns].sort());
  });

  it('solicits again halfway through discoveryMs, then advertises every advertIntervalMs without the flag', () => {
    const { ctx, send } = setup({ discoveryMs: 300 });
    send({ kind: 'localAddress', ...ME });
    expect(frames(ctx.take<SocketMsg>('socket')).map((m) => (m.frame as AdvertFrame).flags)).toEqual([ADVERT_FLAGS.multicast | ADVERT_FLAGS.solicit]);
    ctx.advance(150);
    expect(frames(ctx.take<SocketMsg>('socket')).map((m) => (m.frame as AdvertFrame).flags)).toEqual([ADVERT_FLAGS.multicast | ADVERT_FLAGS.solicit]);
    ctx.advance(150);
    expect(ctx.take('socket')).toEqual([]);
    ctx.advance(850);
    expect(frames(ctx.take<SocketMsg>('socket')).map((m) => (m.frame as AdvertFrame).flags)).toEqual([ADVERT_FLAGS.multicast]);
  });

  it('answers a soliciting advert at once, by multicast when it came by multicast, at most once per advertIntervalMs / 4 per peer', () => {
    const { ctx, send } = started();
    const solicit = (via: 'multicast' | 'unicast'): ReceiversInbox => {
      const frame: AdvertFrame = { kind: 'advert', sender: A, host: '127.0.0.1', port: 41097, flags: ADVERT_FLAGS.multicast | ADVERT_FLAGS.solicit | (via === 'unicast' ? ADVERT_FLAGS.viaUnicast : 0), patterns: ['x'] };
      return { kind: 'datagramIn', bytes: encodeFrame(frame), via, host: '127.0.0.1', port: 5 };
    };
    send(solicit('multicast'));
    let out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => m.destination)).toEqual([{ kind: 'group', group: BASE }]);
    expect((out[0].frame as AdvertFrame).flags).toBe(ADVERT_FLAGS.multicast);
    send(solicit('multicast'));
    expect(frames(ctx.take<SocketMsg>('socket'))).toEqual([]);
    ctx.advance(250);
    ctx.take('socket');
    send(solicit('unicast'));
    out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => m.destination)).toEqual([{ kind: 'address', host: '127.0.0.1', port: 41097 }]);
  });

  it('asks a peer heard from but not listed for its advert at once: by multicast when heard by multicast, by unicast to where the frame came from when heard by unicast, at most once per advertIntervalMs / 4 per peer', () => {
    const { ctx, send } = started();
    const heard = (via: 'multicast' | 'unicast'): ReceiversInbox => ({ kind: 'heard', peer: A, via, host: '127.0.0.1', port: 41097 });
    send(heard('multicast'));
    let out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => m.destination)).toEqual([{ kind: 'group', group: BASE }]);
    expect((out[0].frame as AdvertFrame).flags).toBe(ADVERT_FLAGS.multicast | ADVERT_FLAGS.solicit);
    send(heard('unicast'));
    expect(frames(ctx.take<SocketMsg>('socket'))).toEqual([]);
    ctx.advance(250);
    ctx.take('socket');
    send(heard('unicast'));
    out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => m.destination)).toEqual([{ kind: 'address', host: '127.0.0.1', port: 41097 }]);
    expect((out[0].frame as AdvertFrame).flags).toBe(ADVERT_FLAGS.multicast | ADVERT_FLAGS.solicit | ADVERT_FLAGS.viaUnicast);
    // Once listed, hearing it asks for nothing.
    send(advertIn(A, ['x'], 'multicast'));
    ctx.advance(250);
    ctx.take('socket');
    send(heard('unicast'));
    expect(frames(ctx.take<SocketMsg>('socket'))).toEqual([]);
  });

  it('keeps one timer armed instead of re-arming it for every datagram', () => {
    const { ctx, send } = started();
    send(advertIn(A, ['x'], 'multicast'));
    const calls = ctx.setTimerCalls;
    for (let i = 0; i < 50; i++) send({ kind: 'heard', peer: A, via: 'multicast', host: '127.0.0.1', port: 5 });
    expect(ctx.setTimerCalls).toBe(calls);
    expect(ctx.timer).toBeDefined();
  });
});

describe('receivers actor: peers joining and leaving', () => {
  it('on an advert from a new peer emits peerJoined and tells the socket its address and the flow its patterns', () => {
    const { ctx, send } = started();
    send(advertIn(A, ['orders.>'], 'multicast'));
    expect(ctx.takeEvents()).toEqual([{ kind: 'peerJoined', peer: A, host: '127.0.0.1', port: 41097, patterns: ['orders.>'] }]);
    expect(ctx.take('socket')).toEqual([{ kind: 'peerAddress', peer: A, host: '127.0.0.1', port: 41097 }]);
    expect(ctx.take('flow')).toEqual([{ kind: 'receiverJoined', peer: A, patterns: ['orders.>'] }]);
    // A multicast peer is no unicast target.
    expect(ctx.take('sender')).toEqual([]);
  });

  it('answers a unicast advert from an unknown peer at once by unicast, and only the first one', () => {
    const { ctx, send } = started();
    send(advertIn(A, [], 'unicast'));
    const replies = frames(ctx.take<SocketMsg>('socket'));
    expect(replies).toHaveLength(1);
    expect(replies[0].destination).toEqual({ kind: 'address', host: '127.0.0.1', port: 41097 });
    expect(replies[0].frame).toMatchObject({ kind: 'advert', ...ME, flags: ADVERT_FLAGS.multicast | ADVERT_FLAGS.viaUnicast });
    send(advertIn(A, [], 'unicast'));
    expect(frames(ctx.take<SocketMsg>('socket'))).toEqual([]);
  });

  it('does not answer a multicast advert by unicast', () => {
    const { ctx, send } = started();
    send(advertIn(A, [], 'multicast'));
    expect(frames(ctx.take<SocketMsg>('socket'))).toEqual([]);
  });

  it('sends its periodic advert by unicast to peers heard by unicast', () => {
    const { ctx, send } = started();
    send(advertIn(A, [], 'multicast'));
    send(advertIn(B, [], 'multicast'));
    send({ kind: 'heard', peer: B, via: 'unicast', host: '127.0.0.1', port: 41098 });
    ctx.take('socket');
    ctx.advance(1000);
    expect(frames(ctx.take<SocketMsg>('socket')).map((m) => m.destination)).toEqual([
      { kind: 'group', group: BASE },
      { kind: 'address', host: '127.0.0.1', port: 41098 },
    ]);
  });

  it('when a silent peer expires, fans peerLeft out to socket, flow, retransmit and receiver', () => {
    const { ctx, send, config } = started();
    send(advertIn(A, ['x'], 'multicast'));
    ctx.takeEvents();
    ctx.take('socket');
    ctx.advance(config.receiverList.peerExpiryMs);
    expect(ctx.takeEvents()).toEqual([{ kind: 'peerLeft', peer: A, reason: 'expired' }]);
    expect(ctx.take<SocketMsg>('socket').filter((m) => m.kind === 'peerAddress')).toEqual([{ kind: 'peerAddress', peer: A }]);
    expect(ctx.sentTo('flow').at(-1)).toEqual({ kind: 'receiverLeft', peer: A, restarted: false });
    expect(ctx.sentTo('retransmit')).toEqual([
      { kind: 'peerSources', peer: A, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
      { kind: 'peerGone', peer: A, retired: false }, // expired: it may come back
    ]);
    expect(ctx.sentTo('receiver')).toEqual([
      // Where its heartbeats may come from: its listener, and where its advert came from.
      { kind: 'senderSources', peer: A, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
      { kind: 'senderListed', peer: A },
      { kind: 'senderAdvertised', peer: A },
      { kind: 'senderLeft', senderName: 'a', incarnation: 1, cause: 'expired' },
    ]);
  });

  it('keeps a peer that is heard from, and lets it leave on BYE', () => {
    const { ctx, send, config } = started();
    send(advertIn(A, ['x'], 'multicast'));
    ctx.takeEvents();
    for (let t = 0; t < 3; t++) {
      ctx.advance(config.receiverList.peerExpiryMs / 2);
      send({ kind: 'heard', peer: A, via: 'multicast', host: '127.0.0.1', port: 5 });
    }
    expect(ctx.takeEvents()).toEqual([]);
    send({ kind: 'datagramIn', bytes: encodeFrame({ kind: 'bye', sender: A }), via: 'multicast', host: '127.0.0.1', port: 5 });
    expect(ctx.takeEvents()).toEqual([{ kind: 'peerLeft', peer: A, reason: 'bye' }]);
    expect(ctx.sentTo('receiver')).toEqual([
      { kind: 'senderSources', peer: A, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
      { kind: 'senderListed', peer: A },
      { kind: 'senderAdvertised', peer: A },
      { kind: 'senderLeft', senderName: 'a', incarnation: 1, cause: 'closed' }, // settled at once: a BYE follows a drain
    ]);
  });

  it('on a restart retires the old incarnation everywhere and lists the new one', () => {
    const { ctx, send } = started();
    const A2 = { name: 'a', incarnation: 2 };
    send(advertIn(A, ['x'], 'multicast'));
    send(advertIn(A2, ['x'], 'multicast'));
    expect(ctx.takeEvents()).toMatchObject([
      { kind: 'peerJoined', peer: A },
      { kind: 'peerLeft', peer: A, reason: 'restarted' },
      { kind: 'peerJoined', peer: A2 },
    ]);
    expect(ctx.sentTo('retransmit')).toEqual([
      { kind: 'peerSources', peer: A, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
      { kind: 'peerGone', peer: A, retired: true },
      { kind: 'peerSources', peer: A2, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
    ]);
    // The receiver adopts the new incarnation on its advert, after the old one's departure.
    expect(ctx.sentTo('receiver')).toEqual([
      { kind: 'senderSources', peer: A, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
      { kind: 'senderListed', peer: A },
      { kind: 'senderAdvertised', peer: A },
      { kind: 'senderLeft', senderName: 'a', incarnation: 1, cause: 'bye' },
      { kind: 'senderSources', peer: A2, sources: ['127.0.0.1:41097', '127.0.0.1:5'] },
      { kind: 'senderListed', peer: A2 },
      { kind: 'senderAdvertised', peer: A2 },
    ]);
    expect(ctx.sentTo('socket').filter((m) => m.kind === 'peerAddress')).toEqual([
      { kind: 'peerAddress', peer: A, host: '127.0.0.1', port: 41097 },
      { kind: 'peerAddress', peer: A },
      { kind: 'peerAddress', peer: A2, host: '127.0.0.1', port: 41097 },
    ]);
  });

  it('tells the socket a peer’s new address when its advert moves', () => {
    const { ctx, send } = started();
    send(advertIn(A, [], 'multicast', { port: 42000 }));
    ctx.take('socket');
    send(advertIn(A, [], 'multicast', { port: 42001 }));
    expect(ctx.take('socket')).toEqual([{ kind: 'peerAddress', peer: A, host: '127.0.0.1', port: 42001 }]);
  });

  it('emits peerUpdated when a listed peer’s patterns or address change, and not for an unchanged advert', () => {
    const { ctx, send } = started();
    send(advertIn(A, [], 'multicast'));
    expect(ctx.takeEvents().map((e) => e.kind)).toEqual(['peerJoined']);
    send(advertIn(A, [], 'multicast'));
    expect(ctx.takeEvents()).toEqual([]);
    send(advertIn(A, ['orders.>', 'quotes.*'], 'multicast'));
    expect(ctx.takeEvents()).toEqual([{ kind: 'peerUpdated', peer: A, host: '127.0.0.1', port: 41097, patterns: ['orders.>', 'quotes.*'] }]);
    send(advertIn(A, ['orders.>', 'quotes.*'], 'multicast'));
    expect(ctx.takeEvents()).toEqual([]);
    send(advertIn(A, ['orders.>', 'quotes.*'], 'multicast', { port: 42000 }));
    expect(ctx.takeEvents()).toEqual([{ kind: 'peerUpdated', peer: A, host: '127.0.0.1', port: 42000, patterns: ['orders.>', 'quotes.*'] }]);
  });

  it('counts a malformed datagram and a misrouted frame and carries on', () => {
    const { ctx, send, actor } = started();
    send({ kind: 'datagramIn', bytes: new Uint8Array([1, 2, 3]), via: 'unicast', host: '127.0.0.1', port: 5 });
    send({ kind: 'datagramIn', bytes: encodeFrame({ kind: 'heartbeat', sender: A, streams: [] }), via: 'unicast', host: '127.0.0.1', port: 5 });
    send(advertIn(A, [], 'multicast'));
    const stats = actor.stats!() as { dropped: Record<string, number>; unexpectedFrames: number; peers: number };
    expect(stats.dropped.tooShort).toBe(1);
    expect(stats.unexpectedFrames).toBe(1);
    expect(stats.peers).toBe(1);
    expect(ctx.takeEvents().map((e) => e.kind)).toEqual(['peerJoined']);
  });
});

describe('receivers actor: unicast fallback', () => {
  it('with multicast off makes every peer a unicast target, tells sender and retransmit, and advertises by unicast only', () => {
    const { ctx, send } = started({ socket: { multicast: false }, seeds: [{ host: '127.0.0.1', port: 47900 }] });
    send(advertIn(A, ['orders.>'], 'unicast'));
    send(advertIn(B, ['prices.*'], 'unicast', { multicast: false }));
    const targets = ctx.sentTo<{ kind: string; targets: UnicastTarget[] }>('sender').at(-1)!;
    expect(targets.kind).toBe('unicastTargets');
    expect(targets.targets).toEqual([
      { peer: A, patterns: ['orders.>'] },
      { peer: B, patterns: ['prices.*'] },
    ]);
    expect(ctx.sentTo('retransmit').at(-1)).toEqual(targets);
    ctx.take('socket');
    ctx.advance(1000);
    const out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.every((m) => m.destination.kind === 'address')).toBe(true);
    expect(out).toHaveLength(3);
    expect(out.every((m) => (m.frame as AdvertFrame).flags === ADVERT_FLAGS.viaUnicast)).toBe(true);
    // We cannot hear multicast: no peer is reported multicast-unreachable for it.
    ctx.advance(2000);
    expect(ctx.events.filter((e) => e.kind === 'multicastUnreachable')).toEqual([]);
  });

  it('sends unicastTargets again only when a target’s patterns change or a target leaves', () => {
    const { ctx, send } = started({ socket: { multicast: false } });
    send(advertIn(A, ['x'], 'unicast'));
    expect(ctx.take('sender')).toHaveLength(1);
    send(advertIn(A, ['x'], 'unicast'));
    expect(ctx.take('sender')).toEqual([]);
    send(advertIn(A, ['x', 'y'], 'unicast'));
    expect(ctx.take('sender')).toEqual([{ kind: 'unicastTargets', targets: [{ peer: A, patterns: ['x', 'y'] }] }]);
    // From its listener (its unicast adverts came from port 5, which proves nothing: a peer sends
    // by unicast from its listener).
    send({ kind: 'datagramIn', bytes: encodeFrame({ kind: 'bye', sender: A }), via: 'unicast', host: '127.0.0.1', port: 41000 + 'a'.charCodeAt(0) });
    expect(ctx.take('sender')).toEqual([{ kind: 'unicastTargets', targets: [] }]);
  });

  it('reports a multicast peer heard only by unicast as unreachable and makes it a unicast target', () => {
    const { ctx, send, config } = started();
    send(advertIn(A, ['x'], 'unicast'));
    expect(ctx.take('sender')).toEqual([]);
    for (let t = 0; t < config.receiverList.multicastProbeMs; t += 1000) {
      ctx.advance(1000);
      send(advertIn(A, ['x'], 'unicast'));
    }
    expect(ctx.events.filter((e) => e.kind === 'multicastUnreachable')).toEqual([{ kind: 'multicastUnreachable', peer: A }]);
    expect(ctx.take('sender')).toEqual([{ kind: 'unicastTargets', targets: [{ peer: A, patterns: ['x'] }] }]);
  });
});

describe('receivers actor: leaving', () => {
  it('says BYE by multicast and by unicast to every known peer and seed at each leaving (the peer sends a few, spaced), then stops advertising', () => {
    const { ctx, send } = started({ seeds: [{ host: '127.0.0.1', port: 47900 }] });
    send(advertIn(A, [], 'multicast'));
    ctx.take('socket');
    send({ kind: 'leaving' });
    send({ kind: 'leaving' });
    const out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.every((m) => m.frame.kind === 'bye')).toBe(true);
    const once = [
      { kind: 'group', group: BASE },
      { kind: 'address', host: '127.0.0.1', port: 47900 },
      { kind: 'address', host: '127.0.0.1', port: 41097 },
    ];
    expect(out.map((m) => m.destination)).toEqual([...once, ...once]);
    expect(out.map((m) => m.frame)).toEqual(out.map(() => ({ kind: 'bye', sender: { name: 'me', incarnation: 1 } })));
    ctx.advance(5000);
    expect(frames(ctx.take<SocketMsg>('socket'))).toEqual([]);
  });

  it('names in its BYE the final entry of every stream it was given, to every destination alike', () => {
    const { ctx, send } = started({ seeds: [{ host: '127.0.0.1', port: 47900 }] });
    const streams = [
      { subject: 'orders.a', startSeq: 1, lowSeq: 1, highSeq: 3 },
      { subject: 'orders.b', startSeq: 4, lowSeq: 5, highSeq: 7, ageMs: 80 },
    ];
    send({ kind: 'leaving', streams });
    const out = frames(ctx.take<SocketMsg>('socket'));
    expect(out.map((m) => m.destination)).toEqual([
      { kind: 'group', group: BASE },
      { kind: 'address', host: '127.0.0.1', port: 47900 },
    ]);
    for (const m of out) expect(decodeFrame(encodeFrame(m.frame))).toEqual({ ok: true, frame: { kind: 'bye', sender: { name: 'me', incarnation: 1 }, streams } });
  });

  it('splits the entries over as many BYE frames as the datagram size needs, each sent everywhere', () => {
    const maxDatagramBytes = 1024;
    const { ctx, send, actor } = started({ maxDatagramBytes, seeds: [{ host: '127.0.0.1', port: 47900 }] });
    const streams = Array.from({ length: 40 }, (_, i) => ({ subject: `s.${'x'.repeat(20)}.${i}`, startSeq: 1, lowSeq: 1, highSeq: i }));
    send({ kind: 'leaving', streams });
    const out = frames(ctx.take<SocketMsg>('socket'));
    const toGroup = out.filter((m) => m.destination.kind === 'group').map((m) => m.frame as Extract<Frame, { kind: 'bye' }>);
    expect(toGroup.length).toBeGreaterThan(1);
    expect(out).toHaveLength(2 * toGroup.length);
    for (const f of toGroup) expect(encodeFrame(f).length).toBeLessThanOrEqual(maxDatagramBytes);
    expect(toGroup.flatMap((f) => f.streams ?? [])).toEqual(streams);
    expect(actor.stats!()).toMatchObject({ byesSent: 1, byeFramesSent: toGroup.length });
  });
});

describe('receivers actor: a BYE received', () => {
  const byeIn = (frame: Frame, via: 'multicast' | 'unicast' = 'multicast'): ReceiversInbox => ({
    kind: 'datagramIn',
    bytes: encodeFrame(frame),
    via,
    host: '127.0.0.1',
    port: 5,
  });
  const streams = [
    { subject: 'x.a', startSeq: 1, lowSeq: 1, highSeq: 9 },
    { subject: 'x.b', startSeq: 3, lowSeq: 3, highSeq: 2, ageMs: 40 },
  ];

  it('hands its stream entries to the receiver before the departure they settle, and again with each later BYE of the rounds', () => {
    const { ctx, send, actor } = started();
    send(advertIn(A, ['x.>'], 'multicast'));
    ctx.take('receiver');
    send(byeIn({ kind: 'bye', sender: A, streams }));
    expect(ctx.take('receiver')).toEqual([
      { kind: 'finalStreams', sender: A, streams },
      { kind: 'senderLeft', senderName: 'a', incarnation: 1, cause: 'closed' },
    ]);
    // The next round (or the next frame of a split list): the entries again, no second departure.
    send(byeIn({ kind: 'bye', sender: A, streams: [streams[1]] }, 'unicast'));
    expect(ctx.take('receiver')).toEqual([{ kind: 'finalStreams', sender: A, streams: [streams[1]] }]);
    expect(ctx.takeEvents()).toEqual([{ kind: 'peerJoined', peer: A, host: '127.0.0.1', port: 41097, patterns: ['x.>'] }, { kind: 'peerLeft', peer: A, reason: 'bye' }]);
    expect(actor.stats!()).toMatchObject({ byeStreamsForwarded: 3, byesReceived: 2 });
  });

  it('sends the receiver nothing but the departure for a BYE that names no stream', () => {
    const { ctx, send } = started();
    send(advertIn(A, ['x.>'], 'multicast'));
    ctx.take('receiver');
    send(byeIn({ kind: 'bye', sender: A }));
    expect(ctx.take('receiver')).toEqual([{ kind: 'senderLeft', senderName: 'a', incarnation: 1, cause: 'closed' }]);
  });

  it('forwards nothing of a BYE of a peer it does not list (no address of it is proven), and leaves no tombstone', () => {
    const { ctx, send, actor } = started();
    send(byeIn({ kind: 'bye', sender: B, streams }));
    expect(ctx.take('receiver')).toEqual([]);
    expect(ctx.takeEvents()).toEqual([]);
    expect(actor.stats!()).toMatchObject({ byesIgnored: 1, byeStreamsForwarded: 0 });
    // Its advert (even one right behind a forged BYE) still lists it.
    send(advertIn(B, ['x.>'], 'multicast'));
    expect(ctx.takeEvents()).toMatchObject([{ kind: 'peerJoined', peer: B }]);
  });

  it('ignores a BYE from an address the peer is not proven to use: counted, nothing forwarded, the peer stays', () => {
    const { ctx, send, actor } = started();
    send(advertIn(A, ['x.>'], 'multicast')); // came from 127.0.0.1:5, names 127.0.0.1:41097
    ctx.take('receiver');
    ctx.takeEvents();
    for (const via of ['multicast', 'unicast'] as const) {
      send({ kind: 'datagramIn', bytes: encodeFrame({ kind: 'bye', sender: A, streams }), via, host: '127.0.0.1', port: 6 });
      send({ kind: 'datagramIn', bytes: encodeFrame({ kind: 'bye', sender: A }), via, host: '10.0.0.9', port: 5 });
    }
    expect(ctx.take('receiver')).toEqual([]);
    expect(ctx.takeEvents()).toEqual([]);
    expect(actor.stats!()).toMatchObject({ byesUnproven: 4, byeStreamsForwarded: 0, peers: 1 });
    // Its own BYE, by unicast from its listener, is honoured.
    send({ kind: 'datagramIn', bytes: encodeFrame({ kind: 'bye', sender: A, streams }), via: 'unicast', host: '127.0.0.1', port: 41097 });
    expect(ctx.take('receiver')).toEqual([
      { kind: 'finalStreams', sender: A, streams },
      { kind: 'senderLeft', senderName: 'a', incarnation: 1, cause: 'closed' },
    ]);
  });

  it('drops and counts the entries of a later BYE round, without throwing, when the receiver’s mailbox is full (as a lost datagram)', () => {
    const { ctx, send, actor } = started();
    send(advertIn(A, ['x.>'], 'multicast'));
    send(byeIn({ kind: 'bye', sender: A }));
    ctx.take('receiver');
    ctx.accepting = false;
    expect(() => send(byeIn({ kind: 'bye', sender: A, streams }))).not.toThrow();
    ctx.accepting = true;
    expect(ctx.take('receiver')).toEqual([]);
    expect(actor.stats!()).toMatchObject({ byeStreamsForwarded: 0, byeStreamsDropped: 2 });
  });

  it('drops a BYE whose entries a HEARTBEAT could not carry: counted, nothing forwarded, the peer still listed', () => {
    const { ctx, send, actor } = started();
    send(advertIn(A, ['x.>'], 'multicast'));
    ctx.take('receiver');
    ctx.takeEvents();
    const bytes = encodeFrame({ kind: 'bye', sender: A, streams: [streams[0]] });
    // The entry's startSeq (body offset 2) becomes 12, past its highSeq 9 + 1: badSeq, as in a HEARTBEAT.
    const body = 16 + bytes[5];
    new DataView(bytes.buffer).setUint32(body + 2, 12, true);
    send({ kind: 'datagramIn', bytes, via: 'multicast', host: '127.0.0.1', port: 5 });
    expect(ctx.take('receiver')).toEqual([]);
    expect(ctx.takeEvents()).toEqual([]);
    const stats = actor.stats!() as { dropped: Record<string, number>; peers: number; byeStreamsForwarded: number };
    expect(stats.dropped.badSeq).toBe(1);
    expect(stats.peers).toBe(1);
    expect(stats.byeStreamsForwarded).toBe(0);
  });
});
