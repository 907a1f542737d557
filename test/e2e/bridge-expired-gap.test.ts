/**
 * Origin messages JetStream deleted before the importing bridge read them (`max_age`, a purge)
 * can never cross: the importing zone's subscribers must be told, as one `dataLoss` naming the
 * origin zone, sender, subject and range (reason 'expired'), and get the rest of the stream.
 * Here bridge B is frozen (SIGSTOP) past its pull requests' expiry, the deleted range is the
 * first thing after what it had imported, and its import consumer may start again on waking (a
 * missed heartbeat): the origin stream's last seq, kept across that restart, tells the gap.
 *
 * A real `nats-server -js` on loopback; bridges as `ledgecast bridge` processes (`npm run build` first).
 */
import { afterEach, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { cleanups, exportAtoB, oneTo, originSeqs, runCleanups, storedCount, type ImportedRec } from './bridge-helpers.js';
import { sleep, within, type PeerProcess } from './helpers.js';
import type { NatsServer } from './nats-server.js';

afterEach(runCleanups);

/** pubA publishes origin seqs 101..300 of k.a; once LC_A stores 300, origin seqs 101..150 are deleted from it (found by their Lc-Seq header). Returns how many were. */
async function publishThenDelete(server: NatsServer, pubA: PeerProcess): Promise<number> {
  await pubA.call('publish', { subjects: ['k.a'], perSubject: 200, startIndex: 101 }, 30_000);
  await within(15_000, 'LC_A storing 300', (async () => {
    while ((await storedCount(server, 'LC_A')) < 300) await sleep(100);
  })());
  const nc = await connect({ servers: server.url });
  cleanups.push(() => nc.close());
  const jsm = await jetstreamManager(nc);
  let deleted = 0;
  for (let at = 1; at <= 300; at++) {
    const m = await jsm.streams.getMessage('LC_A', { seq: at });
    const q = Number(m?.header?.get('Lc-Seq'));
    if (q >= 101 && q <= 150 && (await jsm.streams.deleteMessage('LC_A', at, false))) deleted++;
  }
  return deleted;
}

it("origin messages deleted from JetStream while the importing bridge was frozen reach zone B as one dataLoss 'expired' naming the origin, then the rest, once, in order", async () => {
  // subB: the bridge's peer, frozen 8 s, stays known (peerExpiryMs 5 s by default).
  const { server, subB, pubA, bridgeB } = await exportAtoB({}, {}, { peerExpiryMs: 30_000 });
  await pubA.call('publish', { subjects: ['k.a'], perSubject: 100 }, 30_000);
  const first = await subB.call('collect', { expect: [100], timeoutMs: 20_000, quietMs: 500 }, 30_000);
  expect(first.records[0].length).toBe(100);

  bridgeB.signal('SIGSTOP');
  try {
    // Its open pull request expires (5 s): JetStream delivers nothing more to it.
    await sleep(6000);
    expect(await publishThenDelete(server, pubA)).toBe(50);
  } finally {
    bridgeB.signal('SIGCONT');
  }

  const got = await subB.call('collect', { expect: [250], timeoutMs: 30_000, quietMs: 2000 }, 40_000);
  const seqs = originSeqs(got.records[0] as ImportedRec[]).get('A|pubA|k.a') ?? [];
  expect(seqs).toEqual([...oneTo(100), ...oneTo(150).map((q) => q + 150)]);
  expect(got.dataLoss.map((e: Record<string, unknown>) => ({ zone: e.zone, sender: e.sender, subject: e.subject, fromSeq: e.fromSeq, toSeq: e.toSeq, reason: e.reason }))).toEqual([
    { zone: 'A', sender: 'pubA', subject: 'k.a', fromSeq: 101, toSeq: 150, reason: 'expired' },
  ]);
  expect(got.errors).toEqual([]);
}, 90_000);

it('origin messages deleted from JetStream while the importing bridge was down (killed, then started again) are said by the restarted bridge in an error event naming how many', async () => {
  const { server, subB, pubA, bridgeB } = await exportAtoB();
  await pubA.call('publish', { subjects: ['k.a'], perSubject: 100 }, 30_000);
  const first = await subB.call('collect', { expect: [100], timeoutMs: 20_000, quietMs: 500 }, 30_000);
  expect(first.records[0].length).toBe(100);
  await bridgeB.kill();
  expect(await publishThenDelete(server, pubA)).toBe(50);
  await bridgeB.start();
  const got = await subB.call('collect', { expect: [250], timeoutMs: 30_000, quietMs: 2000 }, 40_000);
  const seqs = originSeqs(got.records[0] as ImportedRec[]).get('A|pubA|k.a') ?? [];
  expect(seqs).toEqual([...oneTo(100), ...oneTo(150).map((q) => q + 150)]);
  // The restarted bridge never saw the origin stream: it cannot name it, but it says what was deleted.
  const said = bridgeB.lastEvent('error');
  expect(String(said?.message)).toMatch(/^zone A: 50 messages of JetStream stream LC_A \(stream seq \d+\.\.\d+\) deleted before this bridge imported them/);
}, 90_000);
