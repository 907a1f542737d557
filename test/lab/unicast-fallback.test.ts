/**
 * The same three hosts, but the network carries no multicast: nftables drops every incoming UDP
 * datagram to 224.0.0.0/4 in every host's namespace. The peers keep `multicast: true` (the
 * default) and are given seed peers (`peers: ['10.77.x.y:PORT', …]`, fixed `unicastPort`): they
 * must find each other by unicast, declare each other multicast-unreachable, and the publisher
 * must deliver its 100,000 messages by unicast, exactly once and in order, to both subscribers,
 * one of them still behind a 5 % random drop.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Lab, existingLabNamespaces } from './netlab.js';
import { describeLab, labDump, labExtraOptions, prepareLab, requireLab } from './lab-setup.js';
import { pickStats, startLabPeer, stopAll, uncoveredGaps, type CollectResult, type LabPeer } from './lab-peer.js';
import { assertExactlyOnceInOrder, labRules } from './lab-checks.js';

const MESSAGES = 100_000;
const SIZE = 64;
const SUBJECT = 'lab.unicast.ticks';
const UNICAST_PORT = 47912;

let lab: Lab | undefined;
let peers: (LabPeer | undefined)[] = [];

describeLab('lab: unicast fallback when the network drops multicast', () => {
  beforeAll(prepareLab);
  afterEach(async () => {
    await stopAll(peers);
    peers = [];
    const mine = lab?.namespaces() ?? [];
    lab?.destroy();
    lab = undefined;
    expect(existingLabNamespaces().filter((n) => mine.includes(n)), 'namespaces left behind').toEqual([]);
  });

  it('with multicast dropped on every host and seed peers given, delivers 100,000 messages by unicast exactly once and in order to both subscribers', async () => {
    requireLab();
    const t0 = Date.now();
    lab = new Lab('uc', 12, ['pub', 'clean', 'lossy']);
    const [hPub, hClean, hLossy] = lab.hosts;
    lab.nft(hPub, labRules({ blockMulticast: true }));
    lab.nft(hClean, labRules({ blockMulticast: true }));
    lab.nft(hLossy, labRules({ blockMulticast: true, dropPercent: 5 }));
    const seedsBut = (self: string): string[] => lab!.hosts.filter((h) => h.address !== self).map((h) => `${h.address}:${UNICAST_PORT}`);
    const optionsOf = (address: string): Record<string, unknown> => ({
      group: '239.255.77.12',
      port: 47812,
      unicastPort: UNICAST_PORT,
      peers: seedsBut(address),
      ...labExtraOptions(),
    });

    const [clean, lossy] = await Promise.all([startLabPeer(lab, hClean, 'clean', optionsOf(hClean.address)), startLabPeer(lab, hLossy, 'lossy', optionsOf(hLossy.address))]);
    peers.push(clean, lossy);
    await clean.call('subscribe', { pattern: 'lab.>' });
    await lossy.call('subscribe', { pattern: 'lab.>' });
    const pub = await startLabPeer(lab, hPub, 'pub', optionsOf(hPub.address));
    peers.push(pub);
    await pub.waitJoined(['clean', 'lossy'], 10_000);
    // Multicast never arrives: after its probe time the publisher must switch both to unicast.
    const tProbe = Date.now();
    for (const name of ['clean', 'lossy']) await pub.waitEvent((e) => e.event === 'multicastUnreachable' && e.payload.name === name, 15_000, `multicastUnreachable ${name}`);
    const probeMs = Date.now() - tProbe;

    const setupMs = Date.now() - t0;
    const multicastDropBefore = lab.nftCounters(hClean)['lab-multicast-drop'];
    const tPub = Date.now();
    const published = await pub.call<{ published: number; ms: number }>('publish', { subject: SUBJECT, count: MESSAGES, size: SIZE, round: 1, mode: 'fast' }, 60_000);
    const [rClean, rLossy] = await Promise.all(
      [clean, lossy].map((p) => p.call<CollectResult>('collect', { expect: MESSAGES, timeoutMs: 60_000, quietMs: 500 }, 70_000)),
    );
    const deliverMs = Date.now() - tPub;
    const [sPub, sClean, sLossy] = await Promise.all([pub, clean, lossy].map((p) => p.call('stats')));
    const nft = { pub: lab.nftCounters(hPub), clean: lab.nftCounters(hClean), lossy: lab.nftCounters(hLossy) };

    const report = {
      messages: MESSAGES,
      setupMs,
      probeMs,
      publishMs: published.ms,
      deliverMs: { clean: rClean.waitedMs, lossy: rLossy.waitedMs, total: deliverMs },
      rate: Math.round(MESSAGES / (deliverMs / 1000)),
      multicastUnreachable: { pub: pub.count('multicastUnreachable'), clean: clean.count('multicastUnreachable'), lossy: lossy.count('multicastUnreachable') },
      nft,
      // Multicast datagrams still arriving at clean (and dropped) while the publisher published,
      // although it had declared every subscriber multicast-unreachable.
      multicastDroppedAtCleanDuringPublish: nft.clean['lab-multicast-drop'] - multicastDropBefore,
      publisher: pickStats(sPub),
      clean: { delivered: rClean.delivered, dataLoss: rClean.dataLoss.length, ...pickStats(sClean) },
      lossy: { delivered: rLossy.delivered, dataLoss: rLossy.dataLoss.length, ...pickStats(sLossy) },
    };
    console.log(`[lab] unicast fallback: ${JSON.stringify(report)}`);
    labDump('unicast-fallback', { sPub, sClean, sLossy, dataLoss: { clean: rClean.dataLoss, lossy: rLossy.dataLoss } });
    if (rLossy.dataLoss.length + rClean.dataLoss.length > 0) console.log(`[lab] data-loss events: ${JSON.stringify({ clean: rClean.dataLoss.slice(0, 20), lossy: rLossy.dataLoss.slice(0, 20) })}`);

    // Delivered by unicast: every multicast datagram is dropped by nftables before any socket
    // (the drop counters prove multicast was sent and blocked), the publisher declared both
    // subscribers multicast-unreachable, and what reached the subscribers' sockets can only
    // have come by unicast.
    const built = (sPub as any).actors.socket.dataDatagramsSent as number;
    expect(nft.clean['lab-multicast-drop'], 'multicast datagrams dropped at clean').toBeGreaterThan(0);
    expect(pub.count('multicastUnreachable'), 'multicastUnreachable events at the publisher').toBe(2);
    expect((sClean as any).actors.socket.datagramsReceived, 'datagrams clean received (all by unicast)').toBeGreaterThanOrEqual(0.9 * built);
    expect(nft.clean['lab-unicast-in'], 'unicast datagrams into clean').toBeGreaterThanOrEqual(0.9 * built);
    for (const [label, r] of [['clean', rClean], ['lossy', rLossy]] as const) {
      expect(uncoveredGaps(r.streams[0], r.dataLoss), `${label} silent gaps`).toEqual([]);
      assertExactlyOnceInOrder(label, r, { sender: 'pub', subject: SUBJECT, count: MESSAGES });
    }
  }, 120_000);
});
