/**
 * Zone bridges with the real engine: a `nats-server -js` on loopback, two ledgecast zones kept
 * apart (each its own multicast group and port, so zone A's peers never hear zone B's), one
 * `ledgecast bridge --config FILE` process per zone (compiled CLI: run `npm run build` first),
 * publishers and subscribers in child processes (helpers.ts).
 *
 * Network safety: 127.0.0.1 only; fresh groups 239.255.x.y and ports per test.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, CLI, cleanups, oneTo, originSeqs, runCleanups, storedCount, tempDir, twoZones, waitPatterns, writeConfig, type ImportedRec, type Net } from './bridge-helpers.js';
import { sleep, startPeer, within, type Rec } from './helpers.js';
import { startNatsServer } from './nats-server.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createBridge, createPeer } from '../../dist/index.js';

afterEach(runCleanups);

describe('zone bridges through NATS JetStream', () => {
  it('both directions at once with overlapping > rules: every message once in the other zone, in order per origin stream, never back home; JetStream stored = published', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const PER_SUBJECT = 400;
    const subA = await startPeer('subA', netA);
    const subB = await startPeer('subB', netB);
    await subA.call('subscribe', { patterns: ['>'] });
    await subB.call('subscribe', { patterns: ['>'] });
    const config = (zone: string, other: string, net: Net) => ({
      zone,
      nats: { servers: [server.url] },
      export: ['>', 'orders.>'],
      import: ['>', 'orders.*'],
      importFrom: [other],
      peer: { name: `bridge${zone}`, ...net, ledger: { path: join(dir, `ledger-${zone}`) } },
    });
    const bridgeA = new BridgeProcess('bridgeA', writeConfig(dir, 'A', config('A', 'B', netA)));
    const bridgeB = new BridgeProcess('bridgeB', writeConfig(dir, 'B', config('B', 'A', netB)), ['--http-port', '0']);
    await Promise.all([bridgeA.start(), bridgeB.start()]);
    const pubA = await startPeer('pubA', netA);
    const pubB = await startPeer('pubB', netB);
    await Promise.all([waitPatterns(pubA, 'bridgeA', ['>', 'orders.>']), waitPatterns(pubB, 'bridgeB', ['>', 'orders.>'])]);
    await pubA.waitJoined(['subA']);
    await pubB.waitJoined(['subB']);

    await Promise.all([
      pubA.call('publish', { subjects: ['orders.eu', 'misc.a'], perSubject: PER_SUBJECT }, 30_000),
      pubB.call('publish', { subjects: ['orders.us', 'misc.b'], perSubject: PER_SUBJECT }, 30_000),
    ]);
    const total = 4 * PER_SUBJECT; // 2 local subjects + 2 imported ones per zone
    const [gotA, gotB] = await Promise.all([
      subA.call('collect', { expect: [total], timeoutMs: 40_000, quietMs: 1500 }, 50_000),
      subB.call('collect', { expect: [total], timeoutMs: 40_000, quietMs: 1500 }, 50_000),
    ]);

    for (const [got, home, other, localPub] of [
      [gotA, 'A', 'B', 'pubA'],
      [gotB, 'B', 'A', 'pubB'],
    ] as const) {
      const records = got.records[0] as (Rec | ImportedRec)[];
      const imported = records.filter((r): r is ImportedRec => r.length === 6);
      const local = records.filter((r) => r.length === 5);
      // Never back home: nothing imported claims this zone as its origin.
      expect(imported.filter((r) => r[5].zone === home)).toEqual([]);
      expect(local.every((r) => r[1] === localPub)).toBe(true);
      expect(local.length).toBe(2 * PER_SUBJECT);
      // Once each, in order per origin stream, with the origin's seq and payload.
      const seqs = originSeqs(imported);
      expect([...seqs.keys()].sort()).toEqual(other === 'B' ? ['B|pubB|misc.b', 'B|pubB|orders.us'] : ['A|pubA|misc.a', 'A|pubA|orders.eu']);
      for (const list of seqs.values()) expect(list).toEqual(oneTo(PER_SUBJECT));
      expect(imported.every((r) => r[4] === r[5].seq && r[3] === r[0])).toBe(true);
      expect(got.dataLoss).toEqual([]);
    }
    expect(await storedCount(server, 'LC_A')).toBe(2 * PER_SUBJECT);
    expect(await storedCount(server, 'LC_B')).toBe(2 * PER_SUBJECT);
    // `--http-port`: Prometheus metrics of the bridge and of its peer.
    const url = /bridge metrics at (http:\S+)/.exec(bridgeB.stderr)?.[1];
    expect(url, bridgeB.stderr).toBeDefined();
    const text = await (await fetch(url!)).text();
    const labels = 'zone="B",bridge="bridgeB"';
    expect(text).toContain(`ledgecast_bridge_exported_total{${labels}} ${2 * PER_SUBJECT}`);
    expect(text).toContain(`ledgecast_bridge_imported_total{${labels}} ${2 * PER_SUBJECT}`);
    expect(text).toContain(`ledgecast_bridge_importing{${labels}} 1`);
    expect(text).toContain(`ledgecast_bridge_zones_imported{${labels}} 1`);
    expect(text).toMatch(/ledgecast_messages_delivered_total\{peer="bridgeB"\} \d+/);
  }, 120_000);

  it('a bridge killed with SIGKILL and restarted, on either side: every message once, in order, no loss, no duplicate delivered', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const COUNT = 3000;
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['k.>'] });
    const bridgeA = new BridgeProcess(
      'bridgeA',
      writeConfig(dir, 'A', { zone: 'A', nats: { servers: [server.url] }, export: ['k.>'], peer: { name: 'bridgeA', ...netA, ledger: { path: join(dir, 'ledger-A') } } }),
    );
    const bridgeB = new BridgeProcess(
      'bridgeB',
      writeConfig(dir, 'B', { zone: 'B', nats: { servers: [server.url] }, import: ['k.>'], importFrom: ['A'], peer: { name: 'bridgeB', ...netB, ledger: { path: join(dir, 'ledger-B') } } }),
    );
    await bridgeA.start();
    await bridgeB.start();
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['k.>']);

    // About 500 messages a second for 6 s; the exporting bridge dies once zone B has 10 % of
    // them, the importing one once it has half of them (whatever the machine's speed).
    const published = pubA.call('publish', { subjects: ['k.a'], perSubject: COUNT, pauseEvery: 25, pauseMs: 50 }, 30_000);
    const receivedNow = async (): Promise<number> => (await subB.call('collect', { expect: [0], timeoutMs: 0, quietMs: 0 })).records[0].length;
    const untilReceived = async (n: number): Promise<number> => {
      for (;;) {
        const got = await receivedNow();
        if (got >= n) return got;
        await sleep(50);
      }
    };
    await within(20_000, '10 % in zone B', untilReceived(COUNT / 10));
    await bridgeA.kill();
    await sleep(300);
    await bridgeA.start();
    await within(20_000, 'half in zone B', untilReceived(COUNT / 2));
    await bridgeB.kill();
    // The importing bridge died mid-stream.
    expect(await receivedNow()).toBeLessThan(COUNT);
    await sleep(300);
    await bridgeB.start();
    await published;

    const got = await subB.call('collect', { expect: [COUNT], timeoutMs: 40_000, quietMs: 2000 }, 50_000);
    const imported = got.records[0] as ImportedRec[];
    expect(imported.every((r) => r.length === 6 && r[5].zone === 'A' && r[5].sender === 'pubA')).toBe(true);
    expect(originSeqs(imported).get('A|pubA|k.a')).toEqual(oneTo(COUNT));
    expect(got.dataLoss).toEqual([]);
    expect(await storedCount(server, 'LC_A')).toBe(COUNT);
  }, 120_000);

  // SIGTERM: nats-server stops gracefully, acknowledging what it stored first, so nothing is
  // unanswered at the disconnect; what the bridge publishes while it is down the client drops
  // at the reconnect (before 7 December it was stored behind newer ones: out of order).
  // With the default in-flight bound and timeout, at about 300 msg/s, so that publishes made
  // while it was down are few enough for newer ones to go out after the reconnect.
  it.each([
    ['SIGKILL', { maxInFlight: 64, maxPending: 256, publishTimeoutMs: 1000 }, { pauseEvery: 50, pauseMs: 50 }],
    ['SIGTERM', { maxInFlight: 1024, maxPending: 16384, publishTimeoutMs: 5000 }, { pauseEvery: 15, pauseMs: 50 }],
  ] as const)('NATS down for 2 s mid-stream (%s): the exporting bridge says it is blocked, then resumed; every message once, in order, JetStream stored = published', async (signal, limits, pace) => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const COUNT = 3000;
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['k.>'] });
    const bridgeA = new BridgeProcess(
      'bridgeA',
      writeConfig(dir, 'A', {
        zone: 'A',
        nats: { servers: [server.url], reconnectTimeWait: 250 },
        export: ['k.>'],
        ...limits,
        retryDelayMs: 250,
        peer: { name: 'bridgeA', ...netA, ledger: { path: join(dir, 'ledger-A') } },
      }),
    );
    const bridgeB = new BridgeProcess(
      'bridgeB',
      writeConfig(dir, 'B', {
        zone: 'B',
        nats: { servers: [server.url], reconnectTimeWait: 250 },
        import: ['k.>'],
        importFrom: ['A'],
        peer: { name: 'bridgeB', ...netB, ledger: { path: join(dir, 'ledger-B') } },
      }),
    );
    await bridgeA.start();
    await bridgeB.start();
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['k.>']);

    const published = pubA.call('publish', { subjects: ['k.a'], perSubject: COUNT, ...pace }, 30_000);
    await sleep(signal === 'SIGTERM' ? 2500 : 800);
    await server.kill(signal);
    await sleep(2000);
    await server.restart();
    await published;

    const got = await subB.call('collect', { expect: [COUNT], timeoutMs: 40_000, quietMs: 2000 }, 50_000);
    const imported = got.records[0] as ImportedRec[];
    expect(originSeqs(imported).get('A|pubA|k.a')).toEqual(oneTo(COUNT));
    expect(got.dataLoss).toEqual([]);
    const events = bridgeA.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; reason?: string });
    expect(events.some((e) => e.event === 'blocked')).toBe(true);
    // The last word on exporting is 'resumed' (an export checkpoint write that failed while NATS was away is an 'error' of its own).
    expect(events.filter((e) => e.event === 'blocked' || e.event === 'resumed').at(-1)?.event).toBe('resumed');
    expect(await storedCount(server, 'LC_A')).toBe(COUNT);
  }, 120_000);

  it('createBridge refuses bad options and a peer without a ledger before it connects, and exports and imports with its defaults', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const bare = await createPeer({ ...netA, name: 'bare' });
    cleanups.push(() => bare.close({ timeoutMs: 0 }));
    const unreachable = { servers: 'nats://127.0.0.1:1' };
    await expect(createBridge({ peer: bare, nats: unreachable, zone: 'A', import: ['>'] })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringMatching(/needs a ledger/) });
    const peerA = await createPeer({ ...netA, name: 'bridgeA', ledger: { path: join(dir, 'A'), durability: 'sync' } });
    const peerB = await createPeer({ ...netB, name: 'bridgeB', ledger: { path: join(dir, 'B'), durability: 'sync' } });
    cleanups.push(() => peerA.close({ timeoutMs: 0 }), () => peerB.close({ timeoutMs: 0 }));
    await expect(createBridge({ peer: peerA, nats: unreachable, zone: 'A.1', import: ['>'] })).rejects.toMatchObject({ name: 'InvalidOptionError' });
    await expect(createBridge({ peer: peerA, nats: unreachable, zone: 'A', export: ['a.>.b'] })).rejects.toMatchObject({ name: 'InvalidOptionError' });

    const bridgeA = await createBridge({ peer: peerA, nats: { servers: server.url }, zone: 'A', export: ['q.>'] });
    const bridgeB = await createBridge({ peer: peerB, nats: { servers: server.url }, zone: 'B', import: ['q.>'] });
    cleanups.push(() => bridgeA.close(), () => bridgeB.close());
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['q.>'] });
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['q.>']);
    await pubA.call('publish', { subjects: ['q.x'], perSubject: 200 });
    const got = await subB.call('collect', { expect: [200], timeoutMs: 20_000, quietMs: 500 }, 30_000);
    expect(originSeqs(got.records[0] as ImportedRec[]).get('A|pubA|q.x')).toEqual(oneTo(200));
    expect(bridgeA.stats().export).toMatchObject({ queued: 200, acked: 200, pending: 0 });
    expect(bridgeB.stats().import).toMatchObject({ zones: ['A'], imported: 200 });
  }, 60_000);

  it('two zones on one multicast domain (a misconfiguration): each bridge says so once, and its subscribers still get every message once, not back as the other zone\'s copy', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [net] = twoZones();
    const nats = { servers: server.url };
    const peerA = await createPeer({ ...net, name: 'bridgeA', ledger: { path: join(dir, 'A'), durability: 'sync' } });
    const peerB = await createPeer({ ...net, name: 'bridgeB', ledger: { path: join(dir, 'B'), durability: 'sync' } });
    cleanups.push(() => peerA.close({ timeoutMs: 0 }), () => peerB.close({ timeoutMs: 0 }));
    const errors: string[] = [];
    const bridgeA = await createBridge({ peer: peerA, nats, zone: 'A', export: ['q.>'], import: ['q.>'] });
    bridgeA.on('error', (e) => errors.push(`A: ${e.message}`));
    const bridgeB = await createBridge({ peer: peerB, nats, zone: 'B', export: ['q.>'], import: ['q.>'] });
    bridgeB.on('error', (e) => errors.push(`B: ${e.message}`));
    cleanups.push(() => bridgeA.close(), () => bridgeB.close());
    const sub = await startPeer('sub', net);
    await sub.call('subscribe', { patterns: ['q.>'] });
    const pub = await startPeer('pubA', net);
    await waitPatterns(pub, 'bridgeA', ['q.>']);
    await waitPatterns(pub, 'bridgeB', ['q.>']);
    await pub.call('publish', { subjects: ['q.x'], perSubject: 100 });
    // Each bridge exported the 100 (both hear them), and took the other zone's 100 from JetStream.
    await within(20_000, 'both imports done', (async () => {
      const done = (b: typeof bridgeA): boolean => b.stats().import.imported + b.stats().import.sameDomain >= 100;
      while (!done(bridgeA) || !done(bridgeB)) await sleep(50);
    })());
    const got = await sub.call('collect', { expect: [100], timeoutMs: 10_000, quietMs: 1_000 }, 20_000);
    const records = got.records[0] as ImportedRec[];
    expect(records.map((r) => r[2])).toEqual(oneTo(100));
    expect(records.every((r) => r[1] === 'pubA' && r[5] === undefined)).toBe(true);
    expect(got.dataLoss).toEqual([]);
    for (const [b, other] of [[bridgeA, 'B'], [bridgeB, 'A']] as const) {
      expect(b.stats().import).toMatchObject({ imported: 0, sameDomain: 100, sameDomainZones: [other] });
    }
    expect(errors.filter((e) => /multicast domain/.test(e)).sort()).toEqual([
      expect.stringMatching(/^A: bridge "bridgeB" of zone "B" is in the multicast domain of zone "A"/),
      expect.stringMatching(/^B: bridge "bridgeA" of zone "A" is in the multicast domain of zone "B"/),
    ]);
  }, 60_000);

  it('importBatchDelayMs: messages that arrive a few at a time within it are published in the importing zone together (one ledger commit each batch), every one once and in order', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const peerA = await createPeer({ ...netA, name: 'bridgeA', ledger: { path: join(dir, 'A'), durability: 'sync' } });
    const peerB = await createPeer({ ...netB, name: 'bridgeB', ledger: { path: join(dir, 'B'), durability: 'sync' } });
    cleanups.push(() => peerA.close({ timeoutMs: 0 }), () => peerB.close({ timeoutMs: 0 }));
    await expect(createBridge({ peer: peerB, nats: { servers: 'nats://127.0.0.1:1' }, zone: 'B', importBatchDelayMs: 1001 })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringMatching(/importBatchDelayMs/) });
    const bridgeA = await createBridge({ peer: peerA, nats: { servers: server.url }, zone: 'A', export: ['t.>'] });
    const bridgeB = await createBridge({ peer: peerB, nats: { servers: server.url }, zone: 'B', import: ['t.>'], importBatchDelayMs: 500 });
    cleanups.push(() => bridgeA.close(), () => bridgeB.close());
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['t.>'] });
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['t.>']);
    const appends = async () => ((await peerB.stats()).actors.ledger as { appends: number }).appends;
    const before = await appends();
    // One message every 5 ms: without the delay each crosses alone (one batch, one commit, each).
    await pubA.call('publish', { subjects: ['t.x'], perSubject: 40, pauseEvery: 1, pauseMs: 5 });
    const got = await subB.call('collect', { expect: [40], timeoutMs: 20_000, quietMs: 500 }, 30_000);
    expect(originSeqs(got.records[0] as ImportedRec[]).get('A|pubA|t.x')).toEqual(oneTo(40));
    expect(got.dataLoss).toEqual([]);
    expect(await appends()).toBeLessThanOrEqual(before + 4);
    expect(bridgeB.stats().import).toMatchObject({ imported: 40 });
  }, 60_000);

  it('exportBatchDelayMs: messages delivered a few at a time within it are published to JetStream together, every one stored once', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA] = twoZones();
    const peerA = await createPeer({ ...netA, name: 'bridgeA', ledger: { path: join(dir, 'A'), durability: 'sync' } });
    cleanups.push(() => peerA.close({ timeoutMs: 0 }));
    await expect(createBridge({ peer: peerA, nats: { servers: 'nats://127.0.0.1:1' }, zone: 'A', exportBatchDelayMs: -1 })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringMatching(/exportBatchDelayMs/) });
    const bridgeA = await createBridge({ peer: peerA, nats: { servers: server.url }, zone: 'A', export: ['t.>'], exportBatchDelayMs: 500 });
    cleanups.push(() => bridgeA.close());
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['t.>']);
    // One message every 5 ms, about 200 ms in all: without the delay each is stored as it comes.
    const t0 = performance.now();
    await pubA.call('publish', { subjects: ['t.x'], perSubject: 40, pauseEvery: 1, pauseMs: 5 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    await within(20_000, 'LC_A holding the 40', (async () => {
      while ((await storedCount(server, 'LC_A')) < 40) await sleep(50);
    })());
    const nc = await connect({ servers: server.url });
    cleanups.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const times: number[] = [];
    for (let seq = 1; seq <= 40; seq++) times.push((await jsm.streams.getMessage('LC_A', { seq })).time.getTime());
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(100);
    expect(await storedCount(server, 'LC_A')).toBe(40);
    expect(bridgeA.stats().export).toMatchObject({ acked: 40, pending: 0 });
  }, 60_000);

  it('createBridge with no NATS server reachable rejects after connectTimeoutMs with a TimeoutError naming the server', async () => {
    const dir = tempDir();
    const [netA] = twoZones();
    const peer = await createPeer({ ...netA, name: 'lonely', ledger: { path: join(dir, 'L'), durability: 'sync' } });
    cleanups.push(() => peer.close({ timeoutMs: 0 }));
    const t0 = performance.now();
    const err = await createBridge({ peer, nats: { servers: 'nats://127.0.0.1:1' }, zone: 'A', export: ['q.>'], connectTimeoutMs: 1500, retryDelayMs: 100 }).then(
      () => undefined,
      (e: unknown) => e as { name: string; code: string; message: string },
    );
    const elapsed = performance.now() - t0;
    expect(err).toMatchObject({ name: 'TimeoutError', code: 'ERR_TIMEOUT', message: expect.stringMatching(/127\.0\.0\.1:1.*connection refused/) });
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(5000);
    await expect(createBridge({ peer, nats: { servers: 'nats://127.0.0.1:1' }, zone: 'A', connectTimeoutMs: -1 })).rejects.toMatchObject({ name: 'InvalidOptionError', message: expect.stringMatching(/connectTimeoutMs/) });
  }, 30_000);

  it('createBridge against a server that takes the TCP connection and never answers still rejects by connectTimeoutMs', async () => {
    // The NATS client's own attempt timeout (20 s) outlasted connectTimeoutMs: 21.2 s for 3 s.
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      for (const socket of held) socket.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;
    const [netA] = twoZones();
    const peer = await createPeer({ ...netA, name: 'lonely', ledger: { path: join(tempDir(), 'L'), durability: 'sync' } });
    cleanups.push(() => peer.close({ timeoutMs: 0 }));
    const t0 = performance.now();
    const err = await createBridge({ peer, nats: { servers: `nats://127.0.0.1:${port}` }, zone: 'A', export: ['q.>'], connectTimeoutMs: 1500, retryDelayMs: 100 }).then(
      () => undefined,
      (e: unknown) => e as { name: string; message: string },
    );
    const elapsed = performance.now() - t0;
    expect(err).toMatchObject({ name: 'TimeoutError', message: expect.stringContaining(`127.0.0.1:${port}`) });
    expect(held.length, 'the server was reached').toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(5000);
  }, 40_000);

  it('a message larger than the NATS server takes is not exported, said by an error event, and the rest of its stream still crosses', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const peerA = await createPeer({ ...netA, name: 'bridgeA', ledger: { path: join(dir, 'A'), durability: 'sync' } });
    const peerB = await createPeer({ ...netB, name: 'bridgeB', ledger: { path: join(dir, 'B'), durability: 'sync' } });
    cleanups.push(() => peerA.close({ timeoutMs: 0 }), () => peerB.close({ timeoutMs: 0 }));
    const bridgeA = await createBridge({ peer: peerA, nats: { servers: server.url }, zone: 'A', export: ['big.>'] });
    const bridgeB = await createBridge({ peer: peerB, nats: { servers: server.url }, zone: 'B', import: ['big.>'] });
    cleanups.push(() => bridgeA.close(), () => bridgeB.close());
    const errors: Error[] = [];
    bridgeA.on('error', (err) => errors.push(err));
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['big.>'] });
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['big.>']);
    await pubA.call('publishBytes', { subject: 'big.x', count: 1, size: 100, startIndex: 1 });
    await pubA.call('publishBytes', { subject: 'big.x', count: 1, size: 1_048_000, startIndex: 2 }); // + headers > 1 MiB max_payload
    await pubA.call('publishBytes', { subject: 'big.x', count: 1, size: 100, startIndex: 3 });
    const got = await subB.call('collect', { expect: [2], timeoutMs: 20_000, quietMs: 1000 }, 30_000);
    expect((got.records[0] as ImportedRec[]).map((r) => [r[4], r[5].seq])).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(bridgeA.stats().export).toMatchObject({ tooLarge: 1, acked: 2, pending: 0 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/not exported: big\.x seq 2 from pubA is 1048000 bytes/)]);
  }, 60_000);

  it('a message larger than the importing zone takes (maxMessageBytes) is not published there, said, and the rest of its stream still crosses', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const peerA = await createPeer({ ...netA, name: 'bridgeA', ledger: { path: join(dir, 'A'), durability: 'sync' } });
    const peerB = await createPeer({ ...netB, name: 'bridgeB', maxMessageBytes: 1000, ledger: { path: join(dir, 'B'), durability: 'sync' } });
    cleanups.push(() => peerA.close({ timeoutMs: 0 }), () => peerB.close({ timeoutMs: 0 }));
    const bridgeA = await createBridge({ peer: peerA, nats: { servers: server.url }, zone: 'A', export: ['mid.>'] });
    const bridgeB = await createBridge({ peer: peerB, nats: { servers: server.url }, zone: 'B', import: ['mid.>'] });
    cleanups.push(() => bridgeA.close(), () => bridgeB.close());
    const errors: Error[] = [];
    bridgeB.on('error', (err) => errors.push(err));
    const subB = await startPeer('subB', netB);
    await subB.call('subscribe', { patterns: ['mid.>'] });
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['mid.>']);
    for (const [i, size] of [
      [1, 100],
      [2, 5000],
      [3, 100],
    ]) {
      await pubA.call('publishBytes', { subject: 'mid.x', count: 1, size, startIndex: i });
    }
    const got = await subB.call('collect', { expect: [2], timeoutMs: 20_000, quietMs: 1000 }, 30_000);
    expect((got.records[0] as ImportedRec[]).map((r) => [r[4], r[5].seq])).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(bridgeB.stats().import).toMatchObject({ tooLarge: 1, imported: 2 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/not imported: mid\.x seq 2 from pubA in zone A/)]);
  }, 60_000);

  it('a bad configuration is one line on stderr and exit 2', async () => {
    const dir = tempDir();
    const cases: [string, string][] = [
      ['bad.json', '{"zone": "A", "nats": {"servers": "nats://127.0.0.1:4222"}, "import": [">"]'],
      ['unknown.yaml', 'zone: A\nnats: { servers: nats://127.0.0.1:4222 }\nimport: [">"]\npeer: { ledger: { path: x } }\nimprot: [">"]\n'],
      ['zone.json', JSON.stringify({ zone: 'a.b', nats: { servers: 'nats://127.0.0.1:4222' }, import: ['>'], peer: { ledger: { path: 'x' } } })],
      ['group.json', JSON.stringify({ zone: 'A', nats: { servers: 'nats://127.0.0.1:4222' }, import: ['>'], peer: { group: '10.0.0.1', ledger: { path: join(dir, 'l') } } })],
    ];
    const good = JSON.stringify({ zone: 'A', nats: { servers: 'nats://127.0.0.1:4222' }, import: ['>'], peer: { ledger: { path: join(dir, 'l') } } });
    const flags: Record<string, string[]> = { 'host-only.json': ['--http-host', '127.0.0.1'], 'bad-host.json': ['--http-port', '0', '--http-host', 'example'], 'bad-port.json': ['--http-port', '70000'] };
    for (const file of Object.keys(flags)) cases.push([file, good]);
    for (const [file, text] of cases) {
      writeFileSync(join(dir, file), text);
      const child = spawn(process.execPath, [CLI, 'bridge', '--config', join(dir, file), ...(flags[file] ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await within(15_000, `bridge --config ${file}`, new Promise<number | null>((r) => child.once('exit', r)));
      expect({ file, code, lines: stderr.trim().split('\n').length }).toEqual({ file, code: 2, lines: 1 });
      expect(stderr).toMatch(/^ledgecast: /);
    }
  }, 60_000);
});
