/**
 * Three hosts on one bridge (network namespaces): a publisher sends 100,000 messages of 64 bytes
 * by multicast as fast as the library takes them; two subscribers, one of them behind a 5 %
 * random drop of incoming UDP (nftables, inside its namespace). Both must get every message
 * exactly once and in order, the lossy one through NAKs and retransmissions.
 */
import { afterEach, beforeAll, expect, it } from 'vitest';
import { Lab, existingLabNamespaces } from './netlab.js';
import { describeLab, labDump, labExtraOptions, prepareLab, requireLab } from './lab-setup.js';
import { pickStats, startLabPeer, stopAll, uncoveredGaps, type CollectResult, type LabPeer } from './lab-peer.js';
import { randomDropRules, assertExactlyOnceInOrder } from './lab-checks.js';

const MESSAGES = 100_000;
const SIZE = 64;
const SUBJECT = 'lab.loss.ticks';

let lab: Lab | undefined;
let peers: (LabPeer | undefined)[] = [];

describeLab('lab: multicast across three hosts with 5 % loss', () => {
  beforeAll(prepareLab);
  afterEach(async () => {
    await stopAll(peers);
    peers = [];
    const mine = lab?.namespaces() ?? [];
    lab?.destroy();
    lab = undefined;
    expect(existingLabNamespaces().filter((n) => mine.includes(n)), 'namespaces left behind').toEqual([]);
  });

  it('delivers 100,000 messages exactly once and in order to both subscribers, the one behind a 5 % random drop included', async () => {
    requireLab();
    const t0 = Date.now();
    lab = new Lab('mc', 11, ['pub', 'clean', 'lossy']);
    const [hPub, hClean, hLossy] = lab.hosts;
    lab.nft(hLossy, randomDropRules(5));
    // Default options (flowPolicy 'min'): the publisher paces the slowest live receiver, so a
    // receiver behind a lossy link gets everything.
    const net = { group: '239.255.77.11', port: 47811, ...labExtraOptions() };

    const [clean, lossy] = await Promise.all([startLabPeer(lab, hClean, 'clean', net), startLabPeer(lab, hLossy, 'lossy', net)]);
    peers.push(clean, lossy);
    await clean.call('subscribe', { pattern: 'lab.>' });
    await lossy.call('subscribe', { pattern: 'lab.>' });
    const pub = await startLabPeer(lab, hPub, 'pub', net);
    peers.push(pub);
    await pub.waitJoined(['clean', 'lossy']);

    const setupMs = Date.now() - t0;
    const tPub = Date.now();
    const published = await pub.call<{ published: number; ms: number }>('publish', { subject: SUBJECT, count: MESSAGES, size: SIZE, round: 1, mode: 'fast' }, 60_000);
    const [rClean, rLossy] = await Promise.all(
      [clean, lossy].map((p) => p.call<CollectResult>('collect', { expect: MESSAGES, timeoutMs: 60_000, quietMs: 500 }, 70_000)),
    );
    const deliverMs = Date.now() - tPub;
    const [sPub, sClean, sLossy] = await Promise.all([pub, clean, lossy].map((p) => p.call('stats')));
    const dropped = lab.nftCounters(hLossy);
    labDump('multicast-loss', { sPub, sClean, sLossy, dataLoss: { clean: rClean.dataLoss, lossy: rLossy.dataLoss } });

    const report = {
      messages: MESSAGES,
      setupMs,
      publishMs: published.ms,
      deliverMs: { clean: rClean.waitedMs, lossy: rLossy.waitedMs, total: deliverMs },
      rate: Math.round(MESSAGES / (deliverMs / 1000)),
      nftDroppedAtLossy: dropped['lab-random-drop'],
      publisher: pickStats(sPub),
      clean: { delivered: rClean.delivered, dataLoss: rClean.dataLoss.length, ...pickStats(sClean) },
      lossy: { delivered: rLossy.delivered, dataLoss: rLossy.dataLoss.length, ...pickStats(sLossy) },
    };
    // NAK amplification (issue 9): sequences requested over sequences lost (first-time gaps
    // that were NAKed, not filled by late data, less what the receiver dropped itself).
    const rl = (sLossy as any).actors.receiver;
    const lostSeqs = rl.gapSeqsOpened - rl.gapSeqsFilledBeforeNak;
    const nakRatio = rl.nakSeqsRequested / Math.max(1, lostSeqs);
    console.log(`[lab] multicast + 5 % loss: ${JSON.stringify({ ...report, nak: { requested: rl.nakSeqsRequested, lost: lostSeqs, ratio: Number(nakRatio.toFixed(2)) } })}`);
    if (rLossy.dataLoss.length + rClean.dataLoss.length > 0) console.log(`[lab] data-loss events: ${JSON.stringify({ clean: rClean.dataLoss.slice(0, 20), lossy: rLossy.dataLoss.slice(0, 20) })}`);

    for (const [label, r] of [['clean', rClean], ['lossy', rLossy]] as const) {
      // The guarantee first (no silent gap), then the goal (nothing lost at all).
      expect(uncoveredGaps(r.streams[0], r.dataLoss), `${label} silent gaps`).toEqual([]);
      assertExactlyOnceInOrder(label, r, { sender: 'pub', subject: SUBJECT, count: MESSAGES });
    }
    // The drop really happened, and was repaired by NAKs.
    expect(dropped['lab-random-drop'], 'datagrams dropped by nftables at the lossy host').toBeGreaterThan(0);
    expect((sLossy as any).actors.receiver.naksSent, 'NAKs sent by the lossy subscriber').toBeGreaterThan(0);
    expect((sPub as any).actors.retransmit.retransmitFramesSent, 'RETRANSMIT frames sent by the publisher').toBeGreaterThan(0);
    expect(lostSeqs, 'sequences lost at the lossy subscriber').toBeGreaterThan(0);
    expect(nakRatio, 'sequences NAKed per sequence lost').toBeLessThanOrEqual(1.5);
  }, 120_000);
});
