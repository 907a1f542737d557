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
  /** SIGKILLs the server (its store stays). */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills it and removes its store. */
  stop(): Promise<void>;
}

/** Starts nats-server with JetStream in a temp store; resolves once it accepts clients. */
export async function startNatsServer(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ledgecast-nats-'));
  const port = await freeTcpPort();
  const log: string[] = [];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const launch = async (): Promise<void> => {
    const c = spawn(BINARY, ['-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    exited = new Promise<void>((r) => c.once('exit', () => r()));
    let text = '';
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        log.push(d.toString());
        text += d.toString();
        if (text.includes('Server is ready')) resolve();
      };
      c.stdout?.on('data', onData);
      c.stderr?.on('data', onData);
      c.once('error', reject);
      c.once('exit', (code) => reject(new Error(`nats-server exited (code ${code}): ${text}`)));
    });
    await within(10_000, 'nats-server ready', ready);
  };
  const kill = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await within(5_000, 'nats-server exit', exited).catch(() => undefined);
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    log,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
