/**
 * A real `nats-server` with JetStream for the bridge tests (Debian's 2.9.10 here and in CI,
 * installed by .ci/run): `-js -sd <temp dir> -p <free port> -a 127.0.0.1`, on loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from './helpers.js';

const BINARY = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly log: string[];
  stop(): Promise<void>;
}

/** Starts nats-server with JetStream in a temp store; resolves once it accepts clients. */
export async function startNatsServer(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-nats-'));
  const port = await freeTcpPort();
  const child: ChildProcess = spawn(BINARY, ['-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      log.push(d.toString());
      if (log.join('').includes('Server is ready')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`nats-server exited (code ${code}): ${log.join('')}`)));
  });
  await within(10_000, 'nats-server ready', ready);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await within(5_000, 'nats-server exit', exited).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
