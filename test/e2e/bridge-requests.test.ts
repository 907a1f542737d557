/**
 * Request/reply across zones through core NATS: `peer.request()` in zone A, a responder in zone
 * B, bridges as `ledgecast bridge` processes with `requests` patterns, a real `nats-server` on
 * loopback (compiled CLI: `npm run build` first).
 *
 * Network safety: 127.0.0.1 only; fresh groups 239.255.x.y and ports per test.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, cleanups, runCleanups, storedCount, tempDir, twoZones, waitPatterns, writeConfig, type Net } from './bridge-helpers.js';
import { ChildCommandError, freshNetwork, sleep, startPeer, type PeerProcess } from './helpers.js';
import { startNatsServer } from './nats-server.js';

afterEach(runCleanups);

/** The request's reply, or the child's error. */
async function ask(client: PeerProcess, subject: string, timeoutMs: number): Promise<{ data?: unknown; sender?: string; code?: string; ms: number }> {
  const t0 = performance.now();
  try {
    const r = await client.call('request', { subject, data: { q: subject }, timeoutMs }, timeoutMs + 10_000);
    return { data: r.data, sender: r.sender, ms: performance.now() - t0 };
  } catch (err) {
    if (!(err instanceof ChildCommandError)) throw err;
    return { code: err.code, ms: performance.now() - t0 };
  }
}

describe('request/reply across zones', () => {
  it('a request in zone A is answered by a responder in zone B; a zone without a responder stays silent; no responder anywhere fails fast; a local responder answers locally', async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    let netC: Net = freshNetwork();
    while ([netA, netB].some((n) => n.group === netC.group || Math.abs(n.port - netC.port) < 2)) netC = freshNetwork();
    const responderB = await startPeer('responderB', netB);
    await responderB.call('respond', { pattern: 'svc.echo.*' });
    const bridges = (
      [
        ['A', netA],
        ['B', netB],
        ['C', netC],
      ] as const
    ).map(
      ([z, net]) =>
        new BridgeProcess(`bridge${z}`, writeConfig(dir, z, { zone: z, nats: { servers: [server.url] }, requests: ['svc.>'], peer: { name: `bridge${z}`, ...net, ledger: { path: join(dir, `ledger-${z}`) } } })),
    );
    await Promise.all(bridges.map((b) => b.start()));
    const client = await startPeer('clientA', netA);
    await waitPatterns(client, 'bridgeA', ['svc.>']);

    // Until bridge B has heard of its responder (its NATS subscription follows), a request may
    // fail with no responders; then every one is answered from zone B.
    const deadline = performance.now() + 20_000;
    let first = await ask(client, 'svc.echo.first', 5000);
    while (first.code === 'ERR_NO_RESPONDERS' && performance.now() < deadline) {
      await sleep(200);
      first = await ask(client, 'svc.echo.first', 5000);
    }
    expect(first).toMatchObject({ data: { echo: { q: 'svc.echo.first' }, by: 'responderB' }, sender: 'bridgeA' });
    const many = await Promise.all([1, 2, 3, 4, 5].map((i) => ask(client, `svc.echo.n${i}`, 5000)));
    expect(many.map((r) => r.data)).toEqual([1, 2, 3, 4, 5].map((i) => ({ echo: { q: `svc.echo.n${i}` }, by: 'responderB' })));

    // Nobody answers svc.nobody in any zone: NATS says so, bridge A tells the requester at once.
    const none = await ask(client, 'svc.nobody', 10_000);
    expect(none.code).toBe('ERR_NO_RESPONDERS');
    expect(none.ms).toBeLessThan(3000);

    // A responder in zone A: the nearest one answers, nothing crosses.
    const responderA = await startPeer('responderA', netA);
    await responderA.call('respond', { pattern: 'svc.echo.*' });
    await client.waitJoined(['responderA']);
    await sleep(500);
    const local = await ask(client, 'svc.echo.local', 5000);
    expect(local).toMatchObject({ data: { echo: { q: 'svc.echo.local' }, by: 'responderA' }, sender: 'responderA' });
  }, 120_000);

  it('a request on an exported subject outside `requests` is not exported: nothing stored, nothing delivered in the other zone; the data published beside it crosses', async () => {
    // Before (7 December, a user-style check), it was stored in LC_A and delivered in zone B as
    // data with its reply inbox dropped, and the requester timed out.
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const config = (z: string, net: Net) => writeConfig(dir, z, { zone: z, nats: { servers: [server.url] }, export: ['>'], import: ['>'], requests: ['svc.>'], peer: { name: `bridge${z}`, ...net, ledger: { path: join(dir, `ledger-${z}`) } } });
    const bridges = [new BridgeProcess('bridgeA', config('A', netA)), new BridgeProcess('bridgeB', config('B', netB))];
    await Promise.all(bridges.map((b) => b.start()));
    const watcher = await startPeer('watchB', netB);
    await watcher.call('subscribe', { patterns: ['data.>'] });
    const client = await startPeer('clientA', netA);
    await waitPatterns(client, 'bridgeA', ['>']);
    const asked = await ask(client, 'data.question', 1500);
    expect(asked.code).toBe('ERR_TIMEOUT'); // bridge A's export subscription looks like a responder; nobody answers
    await client.call('publish', { subjects: ['data.plain'], perSubject: 1 });
    const got = await watcher.call('collect', { expect: [1], timeoutMs: 15_000, quietMs: 1000 }, 20_000);
    expect(got.records[0].map((r: unknown[]) => r[0])).toEqual(['data.plain']);
    expect(await storedCount(server, 'LC_A')).toBe(1);
  }, 120_000);
});
