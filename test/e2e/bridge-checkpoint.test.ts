/**
 * The export checkpoint in the engine: a zone's exporting bridge SIGKILLed and replaced by a
 * bridge with another name and an EMPTY ledger (another host), while the zone keeps publishing,
 * after the stream's de-duplication window. A real `nats-server -js` on loopback, bridges as
 * `ledgecast bridge` processes (compiled CLI: `npm run build` first).
 *
 * Network safety: 127.0.0.1 only; fresh groups 239.255.x.y and ports per test.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { BridgeProcess, cleanups, oneTo, originSeqs, runCleanups, tempDir, twoZones, waitPatterns, writeConfig, type ImportedRec } from './bridge-helpers.js';
import { sleep, startPeer, within } from './helpers.js';
import { startNatsServer, type NatsServer } from './nats-server.js';

afterEach(runCleanups);

/** What stream `stream` holds, per origin stream "sender|subject": the origin seqs in stream order (loss records as `-from-to`). */
async function storedSeqs(server: NatsServer, stream: string): Promise<{ total: number; byStream: Map<string, (number | string)[]> }> {
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    const total = (await jsm.streams.info(stream)).state.messages;
    const byStream = new Map<string, (number | string)[]>();
    if (total === 0) return { total, byStream };
    const consumer = await jetstream(nc).consumers.get(stream, { headers_only: true });
    const messages = await consumer.consume({ max_messages: 1024 });
    let n = 0;
    for await (const m of messages) {
      const h = m.headers!;
      const k = `${h.get('Lc-Sender')}|${m.subject.split('.').slice(2).join('.')}`;
      let list = byStream.get(k);
      if (!list) byStream.set(k, (list = []));
      list.push(h.get('Lc-Loss') !== '' ? `-${h.get('Lc-Loss')}` : Number(h.get('Lc-Seq')));
      if (++n >= total || m.info.pending === 0) break;
    }
    await messages.close();
    return { total, byStream };
  } finally {
    await nc.close();
  }
}

describe('zone bridges: export checkpoint in the engine', () => {
  it('the exporting bridge SIGKILLed and replaced by another with an empty ledger, after the de-duplication window, while the zone publishes: every message stored once, in order; every message once in the other zone; no dataLoss', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const PER_SUBJECT = 1500;
    const COUNT = 2 * PER_SUBJECT;
    const WINDOW_MS = 1000;
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['k.>'] });
    const exporterConfig = (name: string, ledger: string): string =>
      writeConfig(dir, name, {
        zone: 'A',
        nats: { servers: [server.url] },
        export: ['k.>'],
        stream: { duplicateWindowMs: WINDOW_MS },
        peer: { name, ...netA, ledger: { path: join(dir, ledger) } },
      });
    const bridgeA = new BridgeProcess('bridgeA', exporterConfig('bridgeA', 'ledger-A'));
    const bridgeB = new BridgeProcess(
      'bridgeB',
      writeConfig(dir, 'B', { zone: 'B', nats: { servers: [server.url] }, import: ['k.>'], importFrom: ['A'], peer: { name: 'bridgeB', ...netB, ledger: { path: join(dir, 'ledger-B') } } }),
    );
    await Promise.all([bridgeA.start(), bridgeB.start()]);
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['k.>']);

    const started = performance.now();
    const published = pubA.call('publish', { subjects: ['k.a', 'k.b'], perSubject: PER_SUBJECT, pauseEvery: 25, pauseMs: 50 }, 60_000);
    const receivedNow = async (): Promise<number> => (await subB.call('collect', { expect: [0], timeoutMs: 0, quietMs: 0 })).records[0].length;
    await within(20_000, 'a third in zone B', (async () => {
      while ((await receivedNow()) < COUNT / 3) await sleep(50);
    })());
    await bridgeA.kill();
    const killedAt = performance.now();
    await sleep(3 * WINDOW_MS); // JetStream no longer recognises what it stored before the kill
    // Another host: another peer name, an empty ledger. Only the engine knows where export was.
    const replacement = new BridgeProcess('bridgeA2', exporterConfig('bridgeA2', 'ledger-A2'), ['--stats', '1']);
    await replacement.start();
    const replacedAt = performance.now();
    await published;

    const got = await subB.call('collect', { expect: [COUNT], timeoutMs: 40_000, quietMs: 2000 }, 50_000);
    const done = performance.now();
    const seqs = originSeqs(got.records[0] as ImportedRec[]);
    expect(seqs.get('A|pubA|k.a')).toEqual(oneTo(PER_SUBJECT));
    expect(seqs.get('A|pubA|k.b')).toEqual(oneTo(PER_SUBJECT));
    expect(got.dataLoss).toEqual([]);

    const stored = await storedSeqs(server, 'LC_A');
    expect(stored.byStream.get('pubA|k.a')).toEqual(oneTo(PER_SUBJECT));
    expect(stored.byStream.get('pubA|k.b')).toEqual(oneTo(PER_SUBJECT));
    expect(stored.total).toBe(COUNT);
    const stats = replacement.stdout.trim().split('\n').map((l) => JSON.parse(l) as { export?: { queued: number; checkpoint?: Record<string, number | boolean> } }).findLast((s) => s.export?.checkpoint !== undefined);
    const ck = stats?.export?.checkpoint;
    expect(ck?.resumed).toBe(true);
    console.log(
      `replacement with an empty ledger, past the de-duplication window: LC_A stored ${stored.total} of ${COUNT}; killed at ${Math.round(killedAt - started)} ms, replaced ${Math.round(replacedAt - killedAt)} ms later, all in zone B ${Math.round(done - replacedAt)} ms after; checkpoint ${JSON.stringify(ck)}`,
    );
  }, 150_000);

  it('both exporting bridges of a zone (one checkpoint, written by both) SIGKILLed and replaced past the de-duplication window by a third with an empty ledger: every message stored once, in order, and once in the other zone', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const PER_SUBJECT = 1500;
    const COUNT = 2 * PER_SUBJECT;
    const WINDOW_MS = 1000;
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['k.>'] });
    const exporterConfig = (name: string): string =>
      writeConfig(dir, name, { zone: 'A', nats: { servers: [server.url] }, export: ['k.>'], stream: { duplicateWindowMs: WINDOW_MS }, peer: { name, ...netA, ledger: { path: join(dir, `ledger-${name}`) } } });
    const a1 = new BridgeProcess('bridgeA1', exporterConfig('bridgeA1'), ['--stats', '1']);
    const a2 = new BridgeProcess('bridgeA2', exporterConfig('bridgeA2'), ['--stats', '1']);
    const bridgeB = new BridgeProcess(
      'bridgeB',
      writeConfig(dir, 'B', { zone: 'B', nats: { servers: [server.url] }, import: ['k.>'], importFrom: ['A'], peer: { name: 'bridgeB', ...netB, ledger: { path: join(dir, 'ledger-B') } } }),
    );
    await Promise.all([a1.start(), a2.start(), bridgeB.start()]);
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA1', ['k.>']);
    await waitPatterns(pubA, 'bridgeA2', ['k.>']);

    const published = pubA.call('publish', { subjects: ['k.a', 'k.b'], perSubject: PER_SUBJECT, pauseEvery: 25, pauseMs: 50 }, 60_000);
    const receivedNow = async (): Promise<number> => (await subB.call('collect', { expect: [0], timeoutMs: 0, quietMs: 0 })).records[0].length;
    await within(20_000, 'a third in zone B', (async () => {
      while ((await receivedNow()) < COUNT / 3) await sleep(50);
    })());
    await Promise.all([a1.kill(), a2.kill()]);
    await sleep(3 * WINDOW_MS);
    const a3 = new BridgeProcess('bridgeA3', exporterConfig('bridgeA3'), ['--stats', '1']);
    await a3.start();
    await published;

    const got = await subB.call('collect', { expect: [COUNT], timeoutMs: 40_000, quietMs: 2000 }, 50_000);
    const seqs = originSeqs(got.records[0] as ImportedRec[]);
    expect(seqs.get('A|pubA|k.a')).toEqual(oneTo(PER_SUBJECT));
    expect(seqs.get('A|pubA|k.b')).toEqual(oneTo(PER_SUBJECT));
    expect(got.dataLoss).toEqual([]);
    const stored = await storedSeqs(server, 'LC_A');
    expect(stored.byStream.get('pubA|k.a')).toEqual(oneTo(PER_SUBJECT));
    expect(stored.byStream.get('pubA|k.b')).toEqual(oneTo(PER_SUBJECT));
    expect(stored.total).toBe(COUNT);
    const lastCheckpoint = (b: BridgeProcess): unknown =>
      b.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { export?: { checkpoint?: unknown } }).findLast((x) => x.export?.checkpoint !== undefined)?.export?.checkpoint;
    console.log(`two exporting bridges replaced by a third: LC_A stored ${stored.total} of ${COUNT}; A1 ${JSON.stringify(lastCheckpoint(a1))}; A2 ${JSON.stringify(lastCheckpoint(a2))}; A3 ${JSON.stringify(lastCheckpoint(a3))}`);
  }, 150_000);
});
