/**
 * Issue 9, case 2, as a new user meets it: three hosts whose network carries no multicast
 * (nftables drops 224.0.0.0/4 in and out on every host), every peer given the three hosts'
 * `address:port` as seeds, default options otherwise. Two subscribers start first; 3 s later a
 * publisher starts and at once publishes 10,000 messages at 5,000 msg/s, without waiting for
 * anyone. Its first seconds go out by multicast, into the void, before it has found that the
 * subscribers cannot hear multicast: they must still get the stream whole, from seq 1 (they
 * were subscribed before it began), exactly once and in order.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Lab, existingLabNamespaces } from './netlab.js';
import { describeLab, labExtraOptions, prepareLab, requireLab } from './lab-setup.js';
import { startLabPeer, stopAll, uncoveredGaps, type CollectResult, type LabPeer } from './lab-peer.js';
import { assertExactlyOnceInOrder, labRules } from './lab-checks.js';

const MESSAGES = 10_000;
const SUBJECT = 'f.x';
const PORT = 47814;

let lab: Lab | undefined;
let peers: (LabPeer | undefined)[] = [];

describeLab('lab: a publisher that starts at once on a network without multicast', () => {
  beforeAll(prepareLab);
  afterEach(async () => {
    await stopAll(peers);
    peers = [];
    const mine = lab?.namespaces() ?? [];
    lab?.destroy();
    lab = undefined;
    expect(existingLabNamespaces().filter((n) => mine.includes(n)), 'namespaces left behind').toEqual([]);
  });

  it('delivers 10,000 messages at 5,000 msg/s to both subscribers from seq 1, exactly once and in order', async () => {
    requireLab();
    lab = new Lab('su', 14, ['pub', 'sa', 'sb']);
    const [hPub, hA, hB] = lab.hosts;
    for (const h of lab.hosts) lab.nft(h, labRules({ blockMulticast: true }));
    // Seeds as a user writes them: every host's address and the group port (the unicast
    // listener takes the group port when it is free, as it is on each host).
    const seeds = lab.hosts.map((h) => `${h.address}:${PORT}`);
    const options = { group: '239.255.77.14', port: PORT, peers: seeds, ...labExtraOptions() };

    const [a, b] = await Promise.all([startLabPeer(lab, hA, 'sa', options), startLabPeer(lab, hB, 'sb', options)]);
    peers.push(a, b);
    await a.call('subscribe', { pattern: 'f.>' });
    await b.call('subscribe', { pattern: 'f.x' });
    await new Promise((r) => setTimeout(r, 3000));
    const pub = await startLabPeer(lab, hPub, 'pub', options);
    peers.push(pub);
    const tPub = Date.now();
    const published = await pub.call<{ published: number; ms: number }>('publish', { subject: SUBJECT, count: MESSAGES, size: 64, round: 1, mode: 'paced', ratePerSec: 5000 }, 60_000);
    const [rA, rB] = await Promise.all([a, b].map((p) => p.call<CollectResult>('collect', { expect: MESSAGES, timeoutMs: 60_000, quietMs: 500 }, 70_000)));
    const [sPub, sA, sB] = await Promise.all([pub, a, b].map((p) => p.call<any>('stats')));
    const report = {
      messages: MESSAGES,
      publishMs: published.ms,
      firstDeliveryAfterPublishMs: { sa: (rA.firstDeliveryAt ?? NaN) - tPub, sb: (rB.firstDeliveryAt ?? NaN) - tPub },
      collectWaitedMs: { sa: rA.waitedMs, sb: rB.waitedMs },
      delivered: { sa: rA.delivered, sb: rB.delivered },
      dataLoss: { sa: rA.dataLoss.length, sb: rB.dataLoss.length },
      multicastUnreachable: pub.count('multicastUnreachable'),
      naksSent: { sa: sA.actors.receiver.naksSent, sb: sB.actors.receiver.naksSent },
      multicastDropped: lab.nftCounters(hPub)['lab-multicast-drop'],
      publisherDatagramsSent: sPub.actors.socket.dataDatagramsSent,
    };
    console.log(`[lab] start-up without multicast: ${JSON.stringify(report)}`);
    for (const [label, r] of [['sa', rA], ['sb', rB]] as const) {
      expect(r.dataLoss, `${label} data loss`).toEqual([]);
      expect(uncoveredGaps(r.streams[0], r.dataLoss), `${label} silent gaps`).toEqual([]);
      expect(r.streams[0]?.firstSeq, `${label} first seq`).toBe(1);
      assertExactlyOnceInOrder(label, r, { sender: 'pub', subject: SUBJECT, count: MESSAGES });
    }
  }, 120_000);

  it('a publisher that publishes at once and closes at once: close() waits for the unicast fallback, and both subscribers get everything', async () => {
    requireLab();
    lab = new Lab('sc', 15, ['pub', 'sa', 'sb']);
    const [hPub, hA, hB] = lab.hosts;
    for (const h of lab.hosts) lab.nft(h, labRules({ blockMulticast: true }));
    const seeds = lab.hosts.map((h) => `${h.address}:${PORT}`);
    const options = { group: '239.255.77.15', port: PORT, peers: seeds, ...labExtraOptions() };
    const [a, b] = await Promise.all([startLabPeer(lab, hA, 'sa', options), startLabPeer(lab, hB, 'sb', options)]);
    peers.push(a, b);
    await a.call('subscribe', { pattern: 'f.>' });
    await b.call('subscribe', { pattern: 'f.x' });
    await new Promise((r) => setTimeout(r, 2000));
    const pub = await startLabPeer(lab, hPub, 'pub', options);
    peers.push(pub);
    // Everything goes by multicast, into the void, in well under a second; then close(). The
    // subscribers are found multicast-unreachable only after multicastProbeMs (3 s): the drain
    // must not take them for dead before (it did after stallTimeoutMs, 2 s, and they reported
    // every message lost at the BYE).
    await pub.call('publish', { subject: SUBJECT, count: MESSAGES, size: 64, round: 1, mode: 'fast' }, 60_000);
    const t0 = Date.now();
    await pub.call('close', {}, 30_000);
    const closeMs = Date.now() - t0;
    const [rA, rB] = await Promise.all([a, b].map((p) => p.call<CollectResult>('collect', { expect: MESSAGES, timeoutMs: 20_000, quietMs: 500 }, 30_000)));
    console.log(`[lab] publish at once and close, no multicast: closed in ${closeMs} ms; delivered ${rA.delivered}, ${rB.delivered}; data-loss events ${rA.dataLoss.length}, ${rB.dataLoss.length}`);
    for (const [label, r] of [['sa', rA], ['sb', rB]] as const) {
      expect(r.dataLoss.slice(0, 5), `${label} data loss`).toEqual([]);
      assertExactlyOnceInOrder(label, r, { sender: 'pub', subject: SUBJECT, count: MESSAGES });
    }
  }, 120_000);
});
