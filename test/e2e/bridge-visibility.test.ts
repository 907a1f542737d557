/**
 * What a user sees of the other zones (docs/ZONES.md "What to monitor"), with the real engine:
 * the importing bridge's monitor (`ledgecast bridge --http-port`) shows how far behind the
 * remote zone it is while it catches up, then nothing left; a monitor peer of the zone lists the
 * bridge and what came from the remote zone; `ledgecast peers` sums the zones up.
 *
 * Zone A stores 2,000 messages in `LC_A` before zone B's bridge starts; that bridge imports one
 * message at a time (`maxImportInFlight: 1`), so the catch-up lasts long enough to be watched.
 * Network safety: 127.0.0.1 only; fresh groups and ports (bridge-helpers.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, CLI, cleanups, runCleanups, storedCount, tempDir, twoZones, waitPatterns, writeConfig } from './bridge-helpers.js';
import { sleep, startPeer, within } from './helpers.js';
import { startNatsServer } from './nats-server.js';
import { createPeer, type MonitorSnapshot, type ZoneImportStats } from '../../dist/index.js';

afterEach(runCleanups);

const COUNT = 2000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function runPeersCli(net: { group: string; port: number }): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'peers', '--seconds', '2', '--group', net.group, '--port', String(net.port), '--interface', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`peers exited ${code}`)))));
}

describe('visibility across zones', () => {
  it("the importing bridge's monitor shows its lag behind the remote zone while it catches up, then 0; a monitor of the zone lists the bridge and what came from the remote zone; ledgecast peers sums the zones up", async () => {
    const server = await startNatsServer();
    cleanups.push(() => server.stop());
    const dir = tempDir();
    const [netA, netB] = twoZones();
    const bridgeA = new BridgeProcess('bridgeA', writeConfig(dir, 'A', { zone: 'A', nats: { servers: [server.url] }, export: ['k.>'], peer: { name: 'bridgeA', ...netA, ledger: { path: join(dir, 'ledger-A') } } }));
    await bridgeA.start();
    const pubA = await startPeer('pubA', netA);
    await waitPatterns(pubA, 'bridgeA', ['k.>']);
    await pubA.call('publish', { subjects: ['k.a'], perSubject: COUNT }, 30_000);
    await within(20_000, 'LC_A holding every message', (async () => {
      while ((await storedCount(server, 'LC_A')) < COUNT) await sleep(100);
    })());

    // A monitor peer of zone B, subscribed to what zone A sends.
    const monitor = await createPeer({ ...netB, name: 'monB', monitor: { port: 0, subscribe: ['k.>'], sampleIntervalMs: 200 } });
    cleanups.push(() => monitor.close());
    const bridgeB = new BridgeProcess(
      'bridgeB',
      writeConfig(dir, 'B', {
        zone: 'B',
        nats: { servers: [server.url] },
        import: ['k.>'],
        importFrom: ['A'],
        maxImportInFlight: 1,
        lagCheckIntervalMs: 200,
        peer: { name: 'bridgeB', ...netB, ledger: { path: join(dir, 'ledger-B') } },
      }),
      ['--http-port', '0'],
    );
    await bridgeB.start();
    const url = /monitor page: (http:\S+\/)\)/.exec(bridgeB.stderr)?.[1];
    expect(url, bridgeB.stderr).toBeDefined();
    const state = async (base: string): Promise<MonitorSnapshot> => (await (await fetch(`${base}api/state`)).json()) as MonitorSnapshot;

    // While it catches up: a lag, falling to 0 once every message crossed.
    const lags: number[] = [];
    let last: ZoneImportStats | undefined;
    await within(60_000, 'zone B importing every message', (async () => {
      for (;;) {
        last = (await state(url!)).bridge?.import.byZone.find((z) => z.zone === 'A');
        if (last?.lagMessages !== undefined) lags.push(last.lagMessages);
        if (last?.imported === COUNT && last.lagMessages === 0) return;
        await sleep(100);
      }
    })());
    expect(Math.max(...lags), `lags seen: ${lags.join(' ')}`).toBeGreaterThan(COUNT / 4);
    expect(lags.at(-1)).toBe(0);
    expect(last).toMatchObject({ zone: 'A', imported: COUNT, redelivered: 0, losses: 0, pending: 0, inFlight: 0 });
    // Stored at least seconds before the catch-up ended; the two clocks are this host's.
    expect(last!.delayMs).toBeGreaterThan(0);
    expect(last!.delayMs).toBeLessThan(120_000);

    const b = await state(url!);
    expect(b.zones.bridges).toEqual([{ name: 'bridgeB', incarnation: expect.any(Number), zone: 'B', importingFrom: ['A'] }]);
    expect(b.zones.remote).toEqual([expect.objectContaining({ zone: 'A', via: ['bridgeB'], import: expect.objectContaining({ imported: COUNT }) })]);
    const html = await (await fetch(url!)).text();
    expect(html).toContain('<h2>Zones</h2>');
    const metrics = await (await fetch(`${url}metrics`)).text();
    const labels = 'zone="B",bridge="bridgeB",from_zone="A"';
    expect(sample(metrics, `ledgecast_bridge_zone_imported_total{${labels}}`)).toBe(COUNT);
    expect(sample(metrics, `ledgecast_bridge_import_lag_messages{${labels}}`)).toBe(0);
    expect(sample(metrics, `ledgecast_bridge_import_in_flight{${labels}}`)).toBe(0);
    expect(sample(metrics, `ledgecast_bridge_import_delay_seconds{${labels}}`)).toBeGreaterThan(0);
    expect(sample(metrics, 'ledgecast_messages_published_total{peer="bridgeB"}')).toBe(COUNT);

    // The zone's monitor: the bridge from its adverts, zone A from msg.origin.
    const m = await state(monitor.monitorUrl!);
    expect(m.bridge).toBeUndefined();
    expect(m.zones.localZones).toEqual(['B']);
    expect(m.zones.remote).toEqual([{ zone: 'A', via: ['bridgeB'], heard: COUNT, lastHeardMs: expect.any(Number), import: undefined }]);
    expect(m.streams).toEqual([expect.objectContaining({ sender: 'pubA', zone: 'A', subject: 'k.a', messages: COUNT, lastSeq: COUNT })]);

    // The page, in a browser (as test/e2e/monitor-page.test.ts): the Zones rows and the bridge's section, no error.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(url!);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
    const zoneRow = await page.textContent('#zones tr');
    expect(zoneRow).toMatch(/^AbridgeB0\s*2,000\s*0\s*0\s*[0-9,]+ ms\s*0/);
    expect(await page.textContent('#zones-head')).toBe('this zone: B · bridge bridgeB importing from A');
    expect(await page.isVisible('#bridge-card')).toBe(true);
    expect(await page.textContent('#bridge')).toContain('imported2,000');
    if (process.env.MONITOR_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.MONITOR_SCREENSHOT, fullPage: true });
    await page.close();
    expect(problems).toEqual([]);

    const peers = await runPeersCli(netB);
    expect(peers).toMatch(/bridgeB\s+\d+\s+\S+\s+bridge of zone B, importing from A/);
    expect(peers).toContain('zone B: bridge bridgeB (importing)');
    expect(peers).toContain('remote zones: A (via bridgeB)');
  }, 120_000);
});
