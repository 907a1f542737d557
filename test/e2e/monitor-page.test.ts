/**
 * The monitor page in a real browser: headless Chromium (Debian's `chromium` package, driven by
 * playwright-core; no browser download) opens `ledgecast monitor`'s page while `ledgecast pub`
 * publishes, both child processes on loopback. The page must load, show live figures that change
 * while messages flow, list the publisher, draw its charts, and log no console error and no page
 * error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshNetwork, freshPort, sleep } from './helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const children: ChildProcess[] = [];
let browser: Browser | undefined;

function ledgecast(args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return child;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  for (const c of children) c.kill('SIGKILL');
});

describe('the monitor page in headless Chromium', () => {
  it('loads, shows figures that change while messages flow, lists the publisher, and logs no error', async () => {
    const net = freshNetwork();
    const netArgs = ['--group', net.group, '--port', String(net.port)];
    const httpPort = freshPort();
    const monitor = ledgecast(['monitor', '--http-port', String(httpPort), '--subscribe', 'page.>', '--name', 'page-monitor', ...netArgs]);
    let monitorErr = '';
    monitor.stderr!.on('data', (d: Buffer) => (monitorErr += d.toString()));
    for (let i = 0; i < 50 && !monitorErr.includes('monitor of peer'); i++) await sleep(100);
    expect(monitorErr).toContain(`http://127.0.0.1:${httpPort}/`);
    ledgecast(['pub', 'page.ticks', '--count', '100000', '--rate', '200', '--name', 'page-publisher', ...netArgs]);

    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));

    const response = await page.goto(`http://127.0.0.1:${httpPort}/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('ledgecast monitor');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');

    const delivered = async (): Promise<number> => Number(((await page.textContent('[data-figure="delivered"]')) ?? '').replace(/[^0-9]/g, ''));
    await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-figure="delivered"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const first = await delivered();
    await sleep(2500);
    const second = await delivered();
    expect(second).toBeGreaterThan(first);

    // The publisher is listed among the peers and its stream among the streams heard.
    await page.waitForFunction(() => document.getElementById('peers')?.textContent?.includes('page-publisher') === true, undefined, { timeout: 5000 });
    expect(await page.textContent('#streams')).toContain('page.ticks');
    // The rate chart has a line, and the rate tile reads around --rate 200.
    expect(await page.locator('#ch-msgs polyline').count()).toBeGreaterThan(0);
    const rate = Number(((await page.textContent('[data-figure="rate.delivered"]')) ?? '').replace(/[^0-9.]/g, ''));
    expect(rate).toBeGreaterThan(50);

    if (process.env.MONITOR_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.MONITOR_SCREENSHOT, fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
    // Self-contained: nothing but the monitor itself was fetched.
    expect(requested.filter((u) => !u.startsWith(`http://127.0.0.1:${httpPort}/`) && !u.startsWith('data:'))).toEqual([]);
  });
});
