/**
 * Table exhaustion (issue 11, part 2): a hostile process on the segment, without a key, invents
 * peer and sender names to fill the tables of a publisher and a subscriber, each in a process of
 * its own. What users rely on: a real peer that comes later is still listed and served, gets
 * every message once and in order, and the subscriber's memory stays bounded.
 *
 * Before the quotas (issue 11): 1,100 forged names filled the 1,024-peer and 1,024-remote tables
 * and a subscriber that joined later was refused; 130 k forged streams filled the 100 k stream
 * table, a new publisher got 0 delivered and the subscriber's RSS swung to 1.46 GB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../codecs/frame-codec.js';
import { ADVERT_FLAGS, type Frame, type PeerId } from '../../codecs/frame.js';
import { byStream, freshNetwork, killAll, range, sleep, startPeer } from '../e2e/helpers.js';
import { AttackerProcess, forgedStreams, hex } from './attacker-process.js';

afterEach(async () => {
  await killAll();
});

/** What `stats` answers, the parts read here. */
interface Stats {
  incarnation: number;
  actors: {
    receivers: Record<string, number>;
    retransmit: Record<string, number>;
    receiver: Record<string, number>;
  };
}

type Records = { records: [string, string, number, string | undefined, number | undefined][][]; dataLoss: unknown[]; timedOut: boolean };

/** Port 9 (discard) on loopback: nothing listens, so what a peer sends to a forged address goes nowhere. */
const NOWHERE = 9;

/** The forged frames of one invented peer: it advertises, NAKs `target` and opens a channel to everyone. */
function forgedPeer(name: string, target: PeerId): Frame[] {
  const sender = { name, incarnation: 1 };
  return [
    { kind: 'advert', sender, host: '127.0.0.1', port: NOWHERE, flags: ADVERT_FLAGS.multicast, patterns: ['orders.>'] },
    { kind: 'nak', sender, channelSeq: 1, target, subject: 'forged.x', ranges: [{ from: 1, to: 1 }] },
    { kind: 'retransmit', sender, channelSeq: 1, messages: [], unavailable: [{ subject: 'forged.x', from: 1, to: 1 }] },
  ];
}

describe('forged names against the peer, remote and stream tables (no key)', () => {
  it('a subscriber that joins while 1,200 forged names advertise, NAK and retransmit gets every message once, in order, under 2 % loss', async () => {
    const net = freshNetwork();
    const group = { host: net.group, port: net.port };
    const pub = await startPeer('tx-pub', net);
    const P: PeerId = { name: 'tx-pub', incarnation: (await pub.call<Stats>('stats')).incarnation };
    const attacker = new AttackerProcess();
    try {
      await attacker.alive;
      const datagrams = range(0, 1199).flatMap((i) => forgedPeer(`forged-${i}`, P).map((f) => hex(encodeFrame(f))));
      // From 4 source addresses, every 300 ms, for as long as the test runs.
      const { flood } = await attacker.call<{ flood: number }>('flood', { to: group, datagrams, sources: 4, intervalMs: 300 });
      await sleep(1500);

      const sub = await startPeer('tx-sub', { ...net, fault: { dropRate: 0.02, seed: 7 } });
      await sub.call('subscribe', { patterns: ['orders.>'] });
      await pub.waitJoined(['tx-sub']);
      // Small batches (a pause every 5 messages): about 400 datagrams, some of them lost.
      await pub.call('publish', { subjects: ['orders.a'], perSubject: 2000, pauseEvery: 5, pauseMs: 2 });
      const got = await sub.call<Records>('collect', { expect: [2000], timeoutMs: 15_000, quietMs: 300 }, 20_000);
      const sent = await attacker.call<{ rounds: number }>('stop', { flood });
      expect(sent.rounds).toBeGreaterThanOrEqual(5);

      const stream = byStream(got.records[0]).get('tx-pub|orders.a') ?? [];
      expect(stream.map((r) => r[2])).toEqual(range(1, 2000));
      expect(stream.map((r) => r[4])).toEqual(range(1, 2000));
      expect(got.dataLoss).toEqual([]);

      const ps = (await pub.call<Stats>('stats')).actors;
      const ss = (await sub.call<Stats>('stats')).actors;
      // Four source addresses hold at most maxPeersPerSource (4) names each; the rest are refused.
      for (const s of [ps, ss]) {
        expect(s.receivers.peersRefusedSourceQuota).toBeGreaterThan(1000);
        expect(s.receivers.peers).toBeLessThanOrEqual(4 * 4 + 1);
        expect(s.retransmit.remotesRefusedSourceQuota).toBeGreaterThan(1000);
        expect(s.retransmit.remotes).toBeLessThanOrEqual(4 * 4 + 1);
      }
      // The subscriber lost datagrams, NAKed them, and the publisher answered it.
      const sock = (await sub.call<{ actors: { socket: { faultDropped: number } } }>('stats')).actors.socket;
      console.log(`dropped ${sock.faultDropped}, naks ${ss.receiver.naksSent}; pub: refused ${ps.receivers.peersRefusedSourceQuota} names, ${ps.retransmit.remotesRefusedSourceQuota} remotes; sub: ${ss.receivers.peersRefusedSourceQuota}, ${ss.retransmit.remotesRefusedSourceQuota}`);
      expect(sock.faultDropped).toBeGreaterThan(0);
      expect(ss.receiver.naksSent).toBeGreaterThan(0);
    } finally {
      attacker.kill();
    }
  }, 30_000);

  it("delivers a new publisher's every message after 130,000 forged streams, and the subscriber's memory stays bounded", async () => {
    const net = freshNetwork();
    const group = { host: net.group, port: net.port };
    const sub = await startPeer('tx-sub2', net);
    await sub.call('subscribe', { patterns: ['orders.>', 'orders.real'] });
    await sleep(300);
    const before = await sub.call<{ rss: number; maxRss: number }>('memory');
    const attacker = new AttackerProcess();
    try {
      await attacker.alive;
      // 130 senders × 1,000 subjects, ~170 records per datagram, from 4 source addresses.
      const datagrams = forgedStreams(130, 1000, 8000).map(hex);
      expect(datagrams.length).toBeLessThan(1000);
      await attacker.call('send', { to: group, datagrams, sources: 4, paceEvery: 4, paceMs: 2 }, 25_000);
      // The subscriber has read (nearly) all of it before anyone real comes.
      for (let t = 0; t < 150 && (await sub.call<Stats>('stats')).actors.receiver.datagrams < 0.9 * datagrams.length; t++) await sleep(100);
      // Then again and again while the real publisher comes and publishes.
      const { flood } = await attacker.call<{ flood: number }>('flood', { to: group, datagrams, sources: 4, intervalMs: 2000, paceEvery: 4, paceMs: 2 });

      const pub = await startPeer('tx-pub2', net);
      await pub.waitJoined(['tx-sub2']);
      await pub.call('publish', { subjects: ['orders.real'], perSubject: 2000 });
      const got = await sub.call<Records>('collect', { expect: [0, 2000], timeoutMs: 15_000, quietMs: 300 }, 20_000);
      await attacker.call('stop', { flood });
      const after = await sub.call<{ rss: number; maxRss: number }>('memory');

      const real = got.records[1].filter((r) => r[1] === 'tx-pub2');
      expect(real.map((r) => r[2])).toEqual(range(1, 2000));
      expect(real.map((r) => r[4])).toEqual(range(1, 2000));
      const rx = (await sub.call<Stats>('stats')).actors.receiver;
      // Refused: since 6 December (seventh session) the streams of names that never advertised
      // wait for an advert that never comes, and are dropped (before: refused past the pool).
      expect(rx.unadvertisedDropped + rx.streamsRefusedUnlisted).toBeGreaterThan(100_000);
      expect(rx.unlistedStreams).toBeLessThanOrEqual(256);
      expect(rx.streams).toBeLessThanOrEqual(256 + 1);
      // Bounded memory: the peak RSS over the whole attack stays within 100 MB of the RSS before
      // it (before the quotas: +340 MB here with 100 k streams tracked; 1.46 GB in issue 11).
      const grewMb = (after.maxRss - before.rss) / 1e6;
      console.log(`subscriber RSS ${(before.rss / 1e6).toFixed(0)} MB before, peak ${(after.maxRss / 1e6).toFixed(0)} MB (+${grewMb.toFixed(0)} MB); ${rx.streams} streams, ${rx.unadvertisedDropped + rx.streamsRefusedUnlisted} forged ones refused`);
      expect(grewMb).toBeLessThan(100);
    } finally {
      attacker.kill();
    }
  }, 30_000);
});
