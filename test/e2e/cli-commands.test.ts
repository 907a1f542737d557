/**
 * The compiled `ledgecast` CLI's `--version`, `request` / `reply`, `monitor`, and `pub` staying
 * quiet when piped: real child processes on loopback (each test draws its own group and port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshNetwork, freshPort, sleep } from './helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

function ledgecast(args: readonly string[], timeoutMs = 15_000): { child: ChildProcess; done: Promise<Run>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Run>((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done, stderr: () => stderr };
}

const run = (args: readonly string[], timeoutMs?: number): Promise<Run> => ledgecast(args, timeoutMs).done;

function netArgs(): string[] {
  const net = freshNetwork();
  return ['--interface', net.interface, '--group', net.group, '--port', String(net.port)];
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});

describe('ledgecast CLI commands', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    expect(await run([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('--help lists request, reply and monitor', async () => {
    const r = await run(['--help']);
    for (const cmd of ['request', 'reply', 'monitor']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  });

  it('request prints the reply of `reply --data` as a JSON line; reply prints the request', async () => {
    const net = netArgs();
    const replier = ledgecast(['reply', 'svc.time.*', '--data', '{"now":"12:00"}', '--count', '1', '--name', 'svc', ...net]);
    await sleep(500);
    const r = await run(['request', 'svc.time.utc', '"utc?"', '--timeout', '5', '--name', 'asker', ...net]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const reply = JSON.parse(r.stdout);
    expect(reply).toMatchObject({ sender: 'svc', data: { now: '12:00' } });
    expect(reply.subject).toMatch(/^_INBOX\.asker\./);
    const rep = await replier.done;
    expect(rep.code).toBe(0);
    expect(lines(rep.stdout).map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ subject: 'svc.time.utc', sender: 'asker', data: 'utc?' })]);
  });

  it('reply --echo answers each request with its own data until stopped (SIGINT: exit 130)', async () => {
    const net = netArgs();
    const replier = ledgecast(['reply', 'echo.>', '--echo', ...net]);
    await sleep(500);
    const [a, b] = await Promise.all([run(['request', 'echo.one', '{"n":1}', ...net]), run(['request', 'echo.two', 'text', ...net])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(JSON.parse(a.stdout).data).toEqual({ n: 1 });
    expect(JSON.parse(b.stdout).data).toBe('text');
    replier.child.kill('SIGINT');
    const rep = await replier.done;
    expect(rep.code).toBe(130);
    expect(lines(rep.stdout)).toHaveLength(2);
  });

  it('request with nobody subscribed exits 3 without waiting for --timeout, with one line on stderr', async () => {
    const started = Date.now();
    const r = await run(['request', 'nobody.home', '1', '--timeout', '20', ...netArgs()]);
    expect(r).toEqual({ code: 3, stdout: '', stderr: 'ledgecast: no responders for nobody.home: no known peer subscribes to it\n' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    [['reply', 'a.>'], 'ledgecast: reply needs --data VALUE or --echo'],
    [['reply', 'a.>', '--echo', '--data', '1'], 'ledgecast: --data and --echo are mutually exclusive'],
    [['request', 'a.*', '1'], /^ledgecast: subject "a\.\*"/],
    [['request', 'a.b', '1', '--timeout', '0'], 'ledgecast: --timeout must be a number > 0 and <= 86400, got "0"'],
    [['request', 'a.b'], "ledgecast: missing required argument 'data'"],
    [['monitor', '--http-port', '70000'], 'ledgecast: --http-port must be an integer in 0..65535, got "70000"'],
    [['monitor', '--subscribe', 'a..b'], /^ledgecast: .*a\.\.b/],
  ])('bad input %j exits 2 with one line on stderr', async (args, message) => {
    const r = await run([...args, '--port', String(freshPort())]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
  });

  it('pub piped (stderr not a terminal) prints no progress and no summary', async () => {
    const r = await run(['pub', 'quiet.numbers', '--count', '2000', '--rate', '4000', '--linger', '0.5', ...netArgs()]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('monitor serves the page and /metrics on the loopback until SIGTERM (exit 143)', async () => {
    const httpPort = freshPort();
    const m = ledgecast(['monitor', '--http-port', String(httpPort), '--name', 'mon-cli', ...netArgs()]);
    for (let i = 0; i < 50 && !m.stderr().includes('monitor of peer'); i++) await sleep(100);
    expect(m.stderr()).toBe(`ledgecast: monitor of peer mon-cli at http://127.0.0.1:${httpPort}/ (metrics: http://127.0.0.1:${httpPort}/metrics); Ctrl-C to stop\n`);
    const page = await fetch(`http://127.0.0.1:${httpPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>ledgecast monitor</title>');
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()).toMatch(/^ledgecast_peers\{peer="mon-cli"\} 0$/m);
    m.child.kill('SIGTERM');
    expect((await m.done).code).toBe(143);
  });
});
