/**
 * A bridge started while its JetStream cluster cannot yet place the zone's stream (a node still
 * starting, or down, for a stream of replicas 3: "no suitable peers for placement") waits for it,
 * saying so, instead of exiting; a setting the engine refuses for good fails at once.
 *
 * Real `nats-server` processes on loopback; bridges as `ledgecast bridge` processes (`npm run build` first).
 */
import { afterEach, expect, it } from 'vitest';
import { join } from 'node:path';
import { BridgeProcess, cleanups, runCleanups, tempDir, twoZones, writeConfig } from './bridge-helpers.js';
import { startNatsCluster, startNatsServer } from './nats-server.js';
import { sleep, within } from './helpers.js';

afterEach(runCleanups);

it('a bridge of a zone whose stream needs 3 replicas, started with one of the 3 nodes down, waits (saying so) and runs once the node is back', async () => {
  const cluster = await startNatsCluster(3);
  cleanups.push(() => cluster.stop());
  await cluster.nodes[2]!.kill();
  const dir = tempDir();
  const [netA] = twoZones();
  const bridge = new BridgeProcess(
    'bridgeA',
    writeConfig(dir, 'A', { zone: 'A', nats: { servers: cluster.urls.slice(0, 2), reconnectTimeWait: 250 }, export: ['k.>'], stream: { replicas: 3 }, peer: { name: 'bridgeA', ...netA, ledger: { path: join(dir, 'ledger-A') } } }),
  );
  const running = bridge.start();
  running.catch(() => undefined);
  let gone = false;
  void bridge.exited.then(() => (gone = true));
  // The first refusal: a request unanswered while the two nodes elect, or the placement refused.
  await within(20_000, 'the bridge saying it waits', (async () => {
    while (!/creating the zone's stream LC_A failed \(.+\); retrying/.test(bridge.stderr) && !gone) await sleep(100);
  })());
  await sleep(3000); // the placement refused meanwhile (the two nodes elected a leader)
  expect(gone, `the bridge exited: ${bridge.stderr}`).toBe(false);
  expect(bridge.stderr).not.toContain('running');
  await cluster.nodes[2]!.restart();
  await running;
}, 60_000);

it('a stream of 3 replicas on a single server (not a cluster) is refused at once, not waited for', async () => {
  const server = await startNatsServer();
  cleanups.push(() => server.stop());
  const dir = tempDir();
  const [netA] = twoZones();
  const bridge = new BridgeProcess(
    'bridgeA',
    writeConfig(dir, 'A', { zone: 'A', nats: { servers: [server.url] }, export: ['k.>'], stream: { replicas: 3 }, peer: { name: 'bridgeA', ...netA, ledger: { path: join(dir, 'ledger-A') } } }),
  );
  const t0 = Date.now();
  await expect(bridge.start()).rejects.toThrow(/exited/);
  expect(Date.now() - t0, 'not retried for connectTimeoutMs (30 s)').toBeLessThan(10_000);
  expect(bridge.stderr).toMatch(/replicas > 1 not supported in non-clustered mode/);
}, 60_000);
