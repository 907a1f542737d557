/**
 * The compiled `ledgecast` CLI (dist/cli/ledgecast.js, so run `npm run build` first), run as
 * real child processes on loopback: pub → sub delivery, exit codes, one-line errors, help.
 * Network safety: 127.0.0.1 only; each test draws its own 239.255.x.y group and port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshNetwork, killAll, startPeer } from './helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/ledgecast.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const children = new Set<ChildProcess>();

afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  await killAll();
});

/** Runs the CLI to its end (killed after `timeoutMs`), with `stdin` as its input. */
function ledgecast(args: readonly string[], options: { stdin?: string; timeoutMs?: number; script?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [options.script ?? CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

function netArgs(net = freshNetwork()): string[] {
  return ['--interface', net.interface, '--group', net.group, '--port', String(net.port)];
}

/**
 * Starts `ledgecast sub ... --name NAME` and resolves once a peer of the same network has heard
 * it (plus a moment for its subscription to follow): a subscriber only gets what is published
 * after it subscribed, and on a loaded machine a child's start-up takes longer than any fixed wait.
 */
async function subscriber(name: string, args: readonly string[], net: ReturnType<typeof freshNetwork>): Promise<{ run: Promise<Run> }> {
  const probe = await startPeer(`probe-${name}`, net);
  const run = ledgecast(['sub', ...args, '--name', name, ...netArgs(net)]);
  await probe.waitJoined([name], 12_000);
  await new Promise((r) => setTimeout(r, 200));
  probe.kill();
  return { run };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
});

describe('ledgecast CLI', () => {
  it('pub --count 50 delivers 50 JSON lines to sub --count 50, data 0..49 in order', async () => {
    const network = freshNetwork();
    const net = netArgs(network);
    const { run: sub } = await subscriber('cli-sub', ['cli.test.>', '--count', '50', '--timeout', '10'], network);
    const pub = await ledgecast(['pub', 'cli.test.numbers', '--count', '50', '--linger', '1', '--name', 'cli-pub', ...net]);
    const s = await sub;
    expect(pub).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const got = lines(s.stdout).map((l) => JSON.parse(l));
    expect(got).toHaveLength(50);
    expect(got.map((m) => m.data)).toEqual([...Array(50).keys()]);
    expect(got.map((m) => m.seq)).toEqual([...Array(50).keys()].map((i) => i + 1));
    expect(got[0]).toEqual({ subject: 'cli.test.numbers', sender: 'cli-pub', seq: 1, data: 0 });
  });

  it('prints raw payloads (--size) as base64, and stdin lines as JSON values or strings', async () => {
    const network = freshNetwork();
    const net = netArgs(network);
    const { run: sub } = await subscriber('cli-sub', ['cli.>', '--count', '4', '--timeout', '10'], network);
    const [raw, piped] = await Promise.all([
      ledgecast(['pub', 'cli.raw', '--size', '16', '--count', '2', '--linger', '1', ...net]),
      ledgecast(['pub', 'cli.lines', '--linger', '1', ...net], { stdin: '{"a":1}\nhello\n' }),
    ]);
    const s = await sub;
    expect([raw.code, piped.code, s.code]).toEqual([0, 0, 0]);
    const got = lines(s.stdout).map((l) => JSON.parse(l));
    const rawLines = got.filter((m) => m.subject === 'cli.raw');
    expect(rawLines).toHaveLength(2);
    for (const m of rawLines) {
      expect(m.encoding).toBe('base64');
      expect(Buffer.from(m.data, 'base64')).toHaveLength(16);
    }
    expect(got.filter((m) => m.subject === 'cli.lines').map((m) => m.data)).toEqual([{ a: 1 }, 'hello']);
  });

  it('pub from stdin names the line it cannot publish (too large) and exits 2 with one line', async () => {
    const big = 'x'.repeat(1_100_000); // over the default maxMessageBytes (1 MiB)
    const r = await ledgecast(['pub', 'cli.big', '--linger', '0', ...netArgs()], { stdin: `first\n\n${big}\nafter\n` });
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^ledgecast: line 3 of stdin: payload of \d+ bytes exceeds the maximum message size of 1048576 bytes/);
  });

  it('sub --count 5 --timeout 2 with no publisher exits 3', async () => {
    const started = Date.now();
    const s = await ledgecast(['sub', 'nobody.>', '--count', '5', '--timeout', '2', ...netArgs()]);
    expect(s).toMatchObject({ code: 3, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('peers lists a running subscriber with its pattern (--json)', async () => {
    const net = netArgs();
    ledgecast(['sub', 'listed.*.x', '--name', 'cli-listed', '--timeout', '4', ...net]);
    // Patterns are listed as advertised when a peer is first heard: let the subscriber subscribe.
    await new Promise((r) => setTimeout(r, 500));
    const peers = await ledgecast(['peers', '--seconds', '2', '--json', ...net]);
    expect(peers.code).toBe(0);
    const list = JSON.parse(peers.stdout) as { name: string; patterns: string[]; state: string }[];
    expect(list.find((p) => p.name === 'cli-listed')).toMatchObject({ patterns: ['listed.*.x'], state: 'up' });
  });

  it('bench --json measures a run in which every message was delivered', async () => {
    const r = await ledgecast(['bench', '--seconds', '1', '--json', ...netArgs()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.sent).toBeGreaterThan(0);
    expect(result.delivered).toBe(result.sent);
    expect(result.unaccounted).toBe(0);
    expect(result.latencyUs.p50).toBeGreaterThan(0);
  });

  it.each([
    [['sub', 'a.>', '--bogus'], "ledgecast: unknown option '--bogus'"],
    [['sub', 'a.>', '--count', 'many'], 'ledgecast: --count must be a positive integer, got "many"'],
    [['pub', 'a.*.b', '1'], /^ledgecast: subject "a\.\*\.b"/],
    [['sub', 'a..b'], /^ledgecast: .*a\.\.b/],
    [['sub', 'a.>', '--durable', 'audit'], 'ledgecast: --durable requires --ledger DIR'],
    [['sub', 'a.>', '--group', '10.0.0.1'], /^ledgecast: --group must be an IPv4 multicast address/],
    [['sub', 'a.>', '--interface', '10.255.255.254'], /^ledgecast: .*10\.255\.255\.254.* not an address of this host/],
    [['frobnicate'], "ledgecast: unknown command 'frobnicate'"],
  ])('bad input %j exits 2 with one line on stderr and no stack trace', async (args, message) => {
    const r = await ledgecast([...args, '--port', String(freshNetwork().port)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(['sub', 'pub', 'peers', 'bench'])('%s --help prints its usage and exits 0', async (cmd) => {
    const r = await ledgecast([cmd, '--help']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`Usage: ledgecast ${cmd}`);
    expect(r.stdout).toContain('--interface');
  });

  it('--help lists every subcommand', async () => {
    const r = await ledgecast(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['sub', 'pub', 'peers', 'bench']) expect(r.stdout).toContain(cmd);
  });

  it("the demo (npm start) says what it does on --help instead of running, and refuses an option it does not take", async () => {
    const script = fileURLToPath(new URL('../../dist/cli/demo.js', import.meta.url));
    const run = (args: string[]) => ledgecast(args, { script, timeoutMs: 10_000 });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm start/);
    expect(help.stdout).not.toContain('publisher ·'); // no live display: the demo did not run
    const bad = await run(['--peers', '3']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
