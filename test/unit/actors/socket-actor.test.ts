/**
 * The socket actor on real sockets, on 127.0.0.1 only, with a unique multicast group and port per
 * test so parallel runs do not hear each other.
 */
import { describe, it, expect, afterEach } from 'vitest';
import dgram from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { createActor } from '../../../actors/socket/socket-actor.js';
import type { DatagramIn, SocketInbox } from '../../../actors/socket/messages.js';
import { DataBatchBuilder, decodeFrame, encodeFrame } from '../../../codecs/index.js';
import type { DataFrame, PeerId, WireMessage } from '../../../codecs/index.js';
import type { Actor } from '../../../runtime/actor.js';
import { RecordingContext, peerConfig } from './recording-context.js';

const HOST = '127.0.0.1';

interface Node {
  readonly actor: Actor<SocketInbox>;
  readonly ctx: RecordingContext;
  readonly self: PeerId;
  readonly port: number;
}

const open: Node[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.actor.stop?.()));
});

function network(): { group: string; port: number } {
  return { group: `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`, port: 40000 + randomInt(0, 20000) };
}

/** A socket actor on loopback; `seeds` are unicast ports it trusts (configured seed peers). */
async function startNode(name: string, net: { group: string; port: number }, maxDatagramBytes = 1400, seeds: readonly number[] = []): Promise<Node> {
  const self = { name, incarnation: 7 };
  const config = peerConfig({
    self,
    socket: { interface: HOST, port: net.port, loopback: true },
    groupMap: { baseGroup: net.group },
    maxDatagramBytes,
    seeds: seeds.map((port) => ({ host: HOST, port })),
  });
  const ctx = new RecordingContext('socket');
  const actor = createActor(config, ctx);
  await actor.start!(ctx);
  const local = ctx.sentTo<{ kind: string; host: string; port: number }>('receivers').find((m) => m.kind === 'localAddress')!;
  const node = { actor, ctx, self, port: local.port };
  open.push(node);
  return node;
}

async function until(what: string, cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `from` (which has `to` as a seed) sends `to` a frame by unicast: at `to`, `from`'s address is
 * then proven for `from`.
 */
async function introduce(from: Node, to: Node): Promise<void> {
  const before = to.ctx.sentTo('receiver').length;
  from.actor.receive({ kind: 'frameOut', frame: { kind: 'heartbeat', sender: from.self, streams: [] }, destination: { kind: 'address', host: HOST, port: to.port } });
  await until(`${from.self.name} heard at ${to.self.name}`, () => to.ctx.sentTo('receiver').length > before);
}

function stats(n: Node): { dropped: Record<string, number>; forwarded: Record<string, number>; [k: string]: unknown } {
  return n.actor.stats!() as ReturnType<typeof stats>;
}

function decodedData(msgs: DatagramIn[]): DataFrame[] {
  return msgs.map((m) => {
    const r = decodeFrame(m.bytes);
    if (!r.ok || r.frame.kind !== 'data') throw new Error('not a DATA datagram');
    return r.frame;
  });
}

function messages(n: number, subject: string, firstSeq: number): WireMessage[] {
  return Array.from({ length: n }, (_, i) => ({ subject, seq: firstSeq + i, flags: 0, payload: new Uint8Array(60).fill(i) }));
}

describe('socket actor on loopback', () => {
  it('tells the receivers actor its bound unicast address', async () => {
    const a = await startNode('a', network());
    expect(a.ctx.sentTo('receivers')[0]).toEqual({ kind: 'localAddress', host: HOST, port: a.port });
    expect(a.port).toBeGreaterThan(0);
  });

  it('sends DATA datagrams built by the sender as they are, to every destination, and drops (counting) one that is not ours or not DATA', async () => {
    const net = network();
    const a = await startNode('a', net, 300);
    const b = await startNode('b', net, 300, [a.port]);
    await introduce(b, a);
    a.actor.receive({ kind: 'peerAddress', peer: b.self, host: HOST, port: b.port });
    const builder = new DataBatchBuilder({ sender: a.self, maxDatagramBytes: 300 });
    const sent = messages(6, 'orders.new', 1);
    const datagrams: Uint8Array[] = [];
    for (const m of sent) {
      if (!builder.tryAdd(m, 1)) {
        datagrams.push(builder.finish());
        builder.tryAdd(m, 1);
      }
    }
    datagrams.push(builder.finish());
    expect(datagrams.length).toBeGreaterThan(1);
    const forged = new DataBatchBuilder({ sender: { name: 'not-a', incarnation: 1 }, maxDatagramBytes: 300 });
    forged.tryAdd(messages(1, 'orders.new', 99)[0], 1);
    const notData = encodeFrame({ kind: 'bye', sender: a.self });
    a.actor.receive({ kind: 'datagramsOut', datagrams: [datagrams[0], forged.finish(), notData, ...datagrams.slice(1)], destinations: [{ kind: 'peer', peer: b.self }] });
    const got = (): WireMessage[] => decodedData(b.ctx.sentTo<DatagramIn>('receiver')).flatMap((f) => f.messages);
    await until('all messages at b', () => got().length === sent.length);
    await delay(50);
    expect(got().map((m) => m.seq)).toEqual(sent.map((m) => m.seq));
    expect(b.ctx.sentTo('receivers').filter((m) => (m as { kind: string }).kind === 'datagramIn')).toEqual([]);
    expect(stats(a)).toMatchObject({ dataDatagramsSent: datagrams.length, encodeErrors: 2 });
  });

  it('sends a frame by unicast and forwards it raw to its owner, with one heard note per interval', async () => {
    const net = network();
    const b = await startNode('b', net);
    const a = await startNode('a', net, 1400, [b.port]);
    const nak = encodeFrame({
      kind: 'nak',
      sender: a.self,
      channelSeq: 1,
      target: b.self,
      subject: 'orders.new',
      ranges: [{ from: 3, to: 4 }],
    });
    for (let i = 0; i < 3; i++) {
      a.actor.receive({ kind: 'frameOut', frame: decodeFrameOk(nak), destination: { kind: 'address', host: HOST, port: b.port } });
    }
    await until('three NAKs at b', () => b.ctx.sentTo('retransmit').length === 3);
    const got = b.ctx.sentTo<DatagramIn>('retransmit');
    expect(got.every((m) => m.kind === 'datagramIn' && m.via === 'unicast')).toBe(true);
    expect(Buffer.from(got[0].bytes).equals(Buffer.from(nak))).toBe(true);
    // From a's unicast socket, which is its listener: where b can reach it.
    expect(b.ctx.sentTo('receivers').filter((m) => m.kind === 'heard')).toEqual([{ kind: 'heard', peer: a.self, via: 'unicast', host: HOST, port: a.port }]);
    b.ctx.nowMs += 250;
    a.actor.receive({ kind: 'frameOut', frame: decodeFrameOk(nak), destination: { kind: 'address', host: HOST, port: b.port } });
    await until('a second heard', () => b.ctx.sentTo('receivers').filter((m) => m.kind === 'heard').length === 2);
  });

  it('multicasts to a joined group: the other peer gets it, and our own looped-back frame is dropped', async () => {
    const net = network();
    const a = await startNode('a', net);
    const b = await startNode('b', net);
    a.actor.receive({ kind: 'groupsWanted', groups: [net.group] });
    b.actor.receive({ kind: 'groupsWanted', groups: [net.group] });
    await until('both joined', () => (stats(a).joinedGroups as string[]).length === 1 && (stats(b).joinedGroups as string[]).length === 1);
    a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'group', group: net.group } });
    await until('bye at b', () => b.ctx.sentTo('receivers').some((m) => m.kind === 'datagramIn'));
    expect(b.ctx.sentTo<DatagramIn>('receivers').find((m) => m.kind === 'datagramIn')!.via).toBe('multicast');
    await until('own frame dropped at a', () => stats(a).dropped.ownFrame === 1);
    expect(a.ctx.sentTo('receivers').filter((m) => m.kind === 'datagramIn')).toEqual([]);
    // Leaving the group: the next multicast does not reach b.
    b.actor.receive({ kind: 'groupsWanted', groups: [] });
    await until('b left', () => (stats(b).joinedGroups as string[]).length === 0);
    a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'group', group: net.group } });
    await until('a hears its own second bye', () => stats(a).dropped.ownFrame === 2);
    await delay(30);
    expect(b.ctx.sentTo('receivers').filter((m) => m.kind === 'datagramIn')).toHaveLength(1);
  });

  it('counts malformed datagrams per reason and never throws', async () => {
    const a = await startNode('a', network());
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.bind(0, HOST, () => r()));
    const garbage = [randomBytes(3), randomBytes(200), Buffer.from([0x4c, 0x43, 9, 1, ...randomBytes(40)])];
    for (let i = 0; i < 50; i++) garbage.push(randomBytes(randomInt(0, 600)));
    const valid = encodeFrame({ kind: 'heartbeat', sender: { name: 'z', incarnation: 1 }, streams: [] });
    const truncated = valid.subarray(0, valid.length - 1);
    garbage.push(Buffer.from(truncated));
    for (const g of garbage) raw.send(g, a.port, HOST);
    raw.send(valid, a.port, HOST);
    await until('the valid heartbeat', () => a.ctx.sentTo('receiver').length === 1);
    await until('every datagram counted', () => (stats(a).datagramsReceived as number) === garbage.length + 1);
    await new Promise<void>((r) => raw.close(() => r()));
    const dropped = stats(a).dropped;
    const totalDropped = Object.values(dropped).reduce((s, n) => s + n, 0);
    expect(totalDropped).toBe(garbage.length);
    expect(dropped.tooShort).toBeGreaterThanOrEqual(1);
    expect(dropped.badVersion + dropped.badMagic).toBeGreaterThanOrEqual(1);
    expect(dropped.badLength).toBeGreaterThanOrEqual(1);
    expect(stats(a).forwarded.heartbeat).toBe(1);
  });

  it('counts and drops sends to a peer with no known address, and forgets a peer that left', async () => {
    const net = network();
    const a = await startNode('a', net);
    const b = await startNode('b', net, 1400, [a.port]);
    await introduce(b, a);
    const bye = { kind: 'bye' as const, sender: a.self };
    a.actor.receive({ kind: 'frameOut', frame: bye, destination: { kind: 'peer', peer: b.self } });
    a.actor.receive({ kind: 'peerAddress', peer: b.self, host: HOST, port: b.port });
    a.actor.receive({ kind: 'frameOut', frame: bye, destination: { kind: 'peer', peer: b.self } });
    a.actor.receive({ kind: 'peerAddress', peer: b.self });
    a.actor.receive({ kind: 'frameOut', frame: bye, destination: { kind: 'peer', peer: b.self } });
    // Another incarnation of b is another peer.
    a.actor.receive({ kind: 'frameOut', frame: bye, destination: { kind: 'peer', peer: { name: 'b', incarnation: 8 } } });
    await until('one bye at b', () => b.ctx.sentTo('receivers').some((m) => m.kind === 'datagramIn'));
    await delay(30);
    expect(b.ctx.sentTo('receivers').filter((m) => m.kind === 'datagramIn')).toHaveLength(1);
    expect(stats(a).unknownPeer).toBe(3);
    expect(stats(a).datagramsSent).toBe(1);
  });

  it('drops inbound datagrams its owner cannot take, counted as backpressure', async () => {
    const net = network();
    const b = await startNode('b', net);
    const a = await startNode('a', net, 1400, [b.port]);
    b.ctx.accepting = false;
    a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'address', host: HOST, port: b.port } });
    await until('drop counted', () => stats(b).dropped.backpressure === 1);
    expect(stats(b).forwarded.bye).toBe(0);
  });

  it('sends to an address nobody proved at most 3 times the bytes received on its account, and freely once it is proven', async () => {
    const net = network();
    const a = await startNode('a', net, 1400);
    // The third party: a plain socket that counts what it gets.
    const victim = dgram.createSocket('udp4');
    let victimBytes = 0;
    victim.on('message', (m) => (victimBytes += m.byteLength));
    await new Promise<void>((r) => victim.bind(0, HOST, () => r()));
    const attacker = dgram.createSocket('udp4');
    await new Promise<void>((r) => attacker.bind(0, HOST, () => r()));
    try {
      const victimPort = victim.address().port;
      const fake: PeerId = { name: 'fake', incarnation: 1 };
      const advert = encodeFrame({ kind: 'advert', sender: fake, host: HOST, port: victimPort, flags: 0, patterns: ['orders.>'] });
      attacker.send(advert, a.port, HOST);
      await until('the advert at a', () => stats(a).forwarded.advert === 1);
      // The receivers actor would now list `fake` at the victim's address.
      a.actor.receive({ kind: 'peerAddress', peer: fake, host: HOST, port: victimPort });
      const datagrams: Uint8Array[] = [];
      for (let seq = 1; seq <= 20; seq++) {
        const builder = new DataBatchBuilder({ sender: a.self, maxDatagramBytes: 1400 });
        for (const m of messages(3, 'orders.new', seq * 3)) builder.tryAdd(m, 1);
        datagrams.push(builder.finish());
      }
      a.actor.receive({ kind: 'datagramsOut', datagrams, destinations: [{ kind: 'peer', peer: fake }] });
      a.actor.receive({ kind: 'frameOut', frame: { kind: 'heartbeat', sender: a.self, streams: [] }, destination: { kind: 'peer', peer: fake } });
      await delay(50);
      expect(victimBytes).toBeGreaterThan(0);
      expect(victimBytes).toBeLessThanOrEqual(3 * advert.byteLength);
      const guard = stats(a).unicastGuard as Record<string, number>;
      expect(guard.unprovenBytes).toBe(victimBytes);
      expect(guard.refusedSends).toBeGreaterThan(0);

      // The victim speaks for itself (a unicast datagram naming `fake` from that address): proven.
      victim.send(encodeFrame({ kind: 'heartbeat', sender: fake, streams: [] }), a.port, HOST);
      await until('the heartbeat at a', () => stats(a).forwarded.heartbeat === 1);
      const before = victimBytes;
      a.actor.receive({ kind: 'datagramsOut', datagrams, destinations: [{ kind: 'peer', peer: fake }] });
      await until('every datagram at the proven address', () => victimBytes - before === datagrams.reduce((n, d) => n + d.byteLength, 0));
    } finally {
      victim.close();
      attacker.close();
    }
  });

  it('says once, 10 s after its first group send, that no multicast datagram arrived (not even its own) when it has no seed peers', async () => {
    // Found by a user-style check: multicast blocked from the start and no seeds, nothing ever
    // arrived and nothing said why.
    const net = network();
    const a = await startNode('a', net);
    const blocked = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`; // never joined: nothing loops back
    const send = () => a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'group', group: blocked } });
    const said = () => a.ctx.events.filter((e) => e.kind === 'error').map((e) => (e as { error: { code: string } }).error.code);
    send();
    for (let t = 1000; t < 10_000; t += 1000) {
      a.ctx.advance(1000);
      send(); // an advert a second
    }
    a.ctx.advance(999);
    send();
    expect(said()).toEqual([]);
    a.ctx.advance(1);
    send();
    expect(said()).toEqual(['ERR_NO_MULTICAST']);
    a.ctx.advance(20_000);
    send();
    expect(said()).toHaveLength(1);
  });

  it('does not take a stall of its own thread for blocked multicast: the watch starts again after a pause in its group sends', async () => {
    // Found by a user-style check: an event loop blocked 12 s (before the publisher's fix of that
    // day) made the first group send after it say ERR_NO_MULTICAST, multicast working: what came
    // meanwhile waited unread in the socket.
    const net = network();
    const a = await startNode('a', net);
    const blocked = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`;
    const send = () => a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'group', group: blocked } });
    const said = () => a.ctx.events.filter((e) => e.kind === 'error').map((e) => (e as { error: { code: string } }).error.code);
    send();
    a.ctx.advance(1000);
    send();
    a.ctx.advance(12_000); // the thread stood still
    send();
    expect(said()).toEqual([]);
    for (let t = 1000; t < 10_000; t += 1000) {
      a.ctx.advance(1000);
      send();
    }
    expect(said()).toEqual([]);
    a.ctx.advance(1000);
    send();
    expect(said()).toEqual(['ERR_NO_MULTICAST']);
  });

  it('says nothing when its own multicast comes back, or when it has seed peers', async () => {
    const net = network();
    const a = await startNode('a', net);
    a.actor.receive({ kind: 'groupsWanted', groups: [net.group] });
    await until('joined', () => (stats(a).joinedGroups as string[]).length === 1);
    a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'group', group: net.group } });
    await until('own frame back', () => stats(a).dropped.ownFrame === 1);
    a.ctx.advance(60_000);
    a.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: a.self }, destination: { kind: 'group', group: net.group } });
    const seeded = await startNode('s', network(), 1400, [47999]);
    const blocked = `239.255.${randomInt(1, 255)}.${randomInt(1, 255)}`;
    seeded.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: seeded.self }, destination: { kind: 'group', group: blocked } });
    seeded.ctx.advance(60_000);
    seeded.actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: seeded.self }, destination: { kind: 'group', group: blocked } });
    for (const n of [a, seeded]) expect(n.ctx.events.filter((e) => e.kind === 'error')).toEqual([]);
  });

  it('drops group sends when multicast is off', async () => {
    const net = network();
    const self = { name: 'u', incarnation: 1 };
    const ctx = new RecordingContext('socket');
    const actor = createActor(peerConfig({ self, socket: { interface: HOST, port: net.port, multicast: false } }), ctx);
    await actor.start!(ctx);
    open.push({ actor, ctx, self, port: 0 });
    actor.receive({ kind: 'groupsWanted', groups: [net.group] });
    actor.receive({ kind: 'frameOut', frame: { kind: 'bye', sender: self }, destination: { kind: 'group', group: net.group } });
    await delay(10);
    expect(actor.stats!()).toMatchObject({ multicastOff: 1, datagramsSent: 0, joinedGroups: [] });
  });

  it('closes every socket on stop, leaving no UDP handle behind', async () => {
    // Handles of earlier tests' closed sockets linger for an event-loop turn or so.
    await delay(20);
    const before = udpHandles();
    const net = network();
    const a = await startNode('a', net);
    const withEndpoint = udpHandles();
    a.actor.receive({ kind: 'groupsWanted', groups: [net.group, nextGroup(net.group)] });
    // Stop while a join is in flight: its group socket exists but is not bound yet.
    for (let i = 0; i < 100 && udpHandles() === withEndpoint; i++) await Promise.resolve();
    expect(udpHandles()).toBeGreaterThan(withEndpoint);
    open.splice(open.indexOf(a), 1);
    await a.actor.stop!();
    await delay(20);
    expect(udpHandles()).toBe(before);
  });
});

function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

function nextGroup(group: string): string {
  const parts = group.split('.').map(Number);
  parts[3] = parts[3] === 254 ? 1 : parts[3] + 1;
  return parts.join('.');
}

function decodeFrameOk(bytes: Uint8Array) {
  const r = decodeFrame(bytes);
  if (!r.ok) throw new Error(r.reason);
  return r.frame;
}
