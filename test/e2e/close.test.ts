/**
 * close() leaves nothing behind: no socket (UDPWrap), no worker channel (MessagePort/Worker),
 * no timer, and the process ends by itself. Checked in a child process of its own
 * (test/fixtures/e2e/close-check.mjs), for every topology preset.
 *
 * Node releases a closed socket's handle on the loop turn after the close callback, so the
 * check is made one timer turn (20 ms) after `await peer.close()`.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, TOPOLOGIES, freshNetwork, within } from './helpers.js';

const LEFTOVERS = /^(UDPWrap|MessagePort|Worker|Timeout|Immediate|TCPWrap)$/;
const children = new Set<ReturnType<typeof spawn>>();

afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});

interface Report {
  got?: number;
  reply?: unknown;
  pendingRequest?: string;
  error?: { code: string; message: string };
  atClose: string[];
  afterTick: string[];
  closedAt: number;
}

/** Runs the fixture; resolves with its report and how long after it the process exited. */
async function runCloseCheck(scenario: string, topology: string): Promise<{ report: Report; exitCode: number | null; exitAfterMs: number }> {
  const net = freshNetwork();
  const child = spawn(process.execPath, [`${FIXTURES}close-check.mjs`, scenario, topology, net.group, String(net.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  let reportSeenAt = 0;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!reportSeenAt && stdout.includes('\n')) reportSeenAt = Date.now();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exitCode = await within(
    25_000,
    `close-check ${scenario} ${topology} to report (stdout ${stdout}, stderr ${stderr})`,
    new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      // Stop waiting for the exit 3.5 s after the report: a process that is still up by then has
      // something open (the assertion on exitAfterMs says so).
      const poll = setInterval(() => {
        if (reportSeenAt && Date.now() - reportSeenAt > 3_500) {
          clearInterval(poll);
          resolve(null);
        }
      }, 50);
      child.once('exit', () => clearInterval(poll));
    }),
  );
  const exitedAt = Date.now();
  const line = stdout.split('\n')[0];
  if (!line) throw new Error(`close-check ${scenario} ${topology} printed nothing; stderr: ${stderr}`);
  const report = JSON.parse(line) as Report;
  return { report, exitCode, exitAfterMs: exitedAt - (reportSeenAt || exitedAt) };
}

describe.each(TOPOLOGIES)("close() with topology '%s'", (topology) => {
  it('after close() no socket, worker or timer is left and the process exits by itself within a few seconds', async () => {
    const { report, exitCode, exitAfterMs } = await runCloseCheck('traffic', topology);
    expect(report.got).toBe(2000);
    expect(report.reply).toEqual({ ping: 1 });
    expect(report.afterTick.filter((r) => LEFTOVERS.test(r))).toEqual([]);
    expect(exitCode, `exit code (null = still running 3.5 s after close); resources right after close: ${report.atClose.join(', ')}`).toBe(0);
    expect(exitAfterMs).toBeLessThan(3_000);
  });

  it('a createPeer that fails (unicastPort already taken) rejects with ERR_INVALID_OPTION and leaves no socket open', async () => {
    const { report, exitCode } = await runCloseCheck('failedStart', topology);
    expect(report.error?.code).toBe('ERR_INVALID_OPTION');
    expect(report.error?.message).toContain('options.unicastPort');
    expect(report.afterTick.filter((r) => LEFTOVERS.test(r))).toEqual([]);
    expect(exitCode).toBe(0);
  });
});

describe('close() with a request in flight', () => {
  it('rejects a pending request with ERR_PEER_CLOSED and keeps no timer alive, so the process exits promptly', async () => {
    const { report, exitCode, exitAfterMs } = await runCloseCheck('pendingRequest', 'single');
    expect(report.got).toBe(2000);
    expect(report.pendingRequest).toBe('ERR_PEER_CLOSED');
    expect(report.afterTick.filter((r) => LEFTOVERS.test(r))).toEqual([]);
    expect(exitCode, 'exit code (null = still running 3.5 s after close)').toBe(0);
    expect(exitAfterMs).toBeLessThan(3_000);
  });
});
