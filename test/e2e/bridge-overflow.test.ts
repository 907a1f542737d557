/**
 * An export subscription that overflows: NATS away long enough that the zone's publisher stops
 * waiting for the bridge (after its stall bound) and the bridge's durable export subscription
 * falls more than `maxQueuedPerSubscription` behind. The bridge must not report the dropped
 * range as lost to the other zones (the publisher still holds it): it exports what it held,
 * says `overflowed`, and `ledgecast bridge` restarts the bridge and its peer, which resume before
 * the gap and export the rest in order. A real `nats-server -js` on loopback; `npm run build` first.
 *
 * Network safety: 127.0.0.1 only; fresh groups 239.255.x.y and ports per test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { exportAtoB, oneTo, originSeqs, runCleanups, storedCount, type ImportedRec } from './bridge-helpers.js';
import { sleep, within } from './helpers.js';

afterEach(runCleanups);

describe('zone bridge: an export subscription that overflows', () => {
  it('NATS away for 5 s while the zone publishes past the bridge peer\'s maxQueuedPerSubscription: the bridge says overflowed, restarts, and the other zone gets every message once, in order, with no dataLoss', async () => {
    const COUNT = 3000;
    const { server, subB, bridgeA, pubA } = await exportAtoB({ publishTimeoutMs: 1000, retryDelayMs: 250, peer: { maxQueuedPerSubscription: 300 } });

    const published = pubA.call('publish', { subjects: ['k.a'], perSubject: COUNT, pauseEvery: 50, pauseMs: 50 }, 60_000);
    await sleep(800);
    await server.kill();
    await sleep(5000);
    await server.restart();
    await published;
    await within(40_000, 'bridgeA overflowed and restarted', (async () => {
      while (bridgeA.lastEvent('overflowed') === undefined || !bridgeA.stderr.includes('restarting')) await sleep(100);
    })());

    const got = await subB.call('collect', { expect: [COUNT], timeoutMs: 60_000, quietMs: 2000 }, 70_000);
    const seqs = originSeqs(got.records[0] as ImportedRec[]).get('A|pubA|k.a') ?? [];
    const seen = new Set(seqs);
    const missing = oneTo(COUNT).filter((n) => !seen.has(n));
    const facts = `zone B got ${seqs.length} of ${COUNT}, missing ${missing.length} (first ${missing.slice(0, 5).join(', ')}); overflowed: ${JSON.stringify(bridgeA.lastEvent('overflowed'))}`;
    expect(missing.length, facts).toBe(0);
    expect(seqs, facts).toEqual(oneTo(COUNT));
    expect(got.dataLoss).toEqual([]);
    expect(await storedCount(server, 'LC_A')).toBe(COUNT);
  }, 180_000);
});
